"""Two clicks at the same moment: the verification link opened twice, a request closed by
two admins — each happens once (the request row is locked)."""

import threading

import pytest
from django.db import connection

from galena.compliance import services
from galena.compliance.models import DataRequest, RequestAction, RequestStatus
from galena.core.errors import ValidationFailed
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except ValidationFailed as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_link_confirmed_twice_at_once_verifies_once(settings):
    submitted = services.request_submit(kind="access", email="ana@example.org")
    token = services.verification_token(data_request=submitted.data_request)

    outcomes = at_once(
        lambda: services.request_verify(token=token).state.value,
        lambda: services.request_verify(token=token).state.value,
    )

    assert sorted(outcomes) == ["already", "confirmed"]
    item = DataRequest.objects.get()
    assert item.status == RequestStatus.VERIFIED
    assert item.events.filter(action=RequestAction.VERIFIED).count() == 1


def test_two_admins_closing_at_once_close_it_once():
    first = UserFactory(username="first", role="admin")
    second = UserFactory(username="second", role="admin")
    item = services.request_create(
        actor=first, kind="access", email="ana@example.org", verified=True
    )

    outcomes = at_once(
        lambda: services.request_complete(actor=first, data_request=item, outcome="Sent.").status,
        lambda: services.request_refuse(actor=second, data_request=item, reason="No.").status,
    )

    assert len([o for o in outcomes if o in ("done", "refused")]) == 1
    assert "This request is closed; reopen it first." in outcomes
    item.refresh_from_db()
    assert item.events.filter(action__in=[RequestAction.DONE, RequestAction.REFUSED]).count() == 1
