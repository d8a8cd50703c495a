"""Lifting two blocks of the same person at once, on PostgreSQL: the lift that comes second
sees the first, so the lead the blocks kept unrouted is routed exactly once — never left
unrouted by both, never routed twice."""

import threading

import pytest
from django.db import connection

from galena.consent.models import Restriction
from galena.consent.services import EVENT_LIFTED, lift_restriction, restricted_lead_ids
from galena.leads.models import EventType, Lead, LeadEvent
from galena.leads.services import Actor
from galena.routing.models import SlaClock
from tests.consent.test_restriction import block, new_lead
from tests.routing.conftest import member

PEOPLE = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_lifts_at_once_route_the_lead_once(admin_user, team, team_rule):
    member("ana", team)
    member("bob", team)
    people = []
    for i in range(PEOPLE):
        email = f"person{i}@example.com"
        first = block(admin_user, email=email)
        second = block(admin_user, email=email, reason="A second request, by phone")
        people.append((new_lead(email), first, second))
    assert Lead.objects.filter(owner__isnull=True).count() == PEOPLE

    barrier = threading.Barrier(2)
    errors = []

    def lift_all(index: int) -> None:
        try:
            barrier.wait()
            for _lead, *restrictions in people:
                lift_restriction(
                    actor=Actor(user=admin_user),
                    restriction=Restriction.objects.get(pk=restrictions[index].pk),
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=lift_all, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for lead, *_restrictions in people:
        assert restricted_lead_ids([lead.pk]) == set()
        assert Lead.objects.get(pk=lead.pk).owner_id is not None
        assert LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).count() == 1
        assert SlaClock.objects.filter(lead=lead).count() == 1
        lifted = [e.params for e in LeadEvent.objects.filter(lead=lead, type=EVENT_LIFTED)]
        assert sorted(bool(p.get("routed")) for p in lifted) == [False, True]
        assert sorted(bool(p.get("still_blocked")) for p in lifted) == [False, True]
