"""Carrying requests out: the access report and erasure through the privacy app, restriction
and withdrawal through the consent app (when installed); each recorded on the request and
in the audit log."""

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse

from galena.compliance import services
from galena.compliance.models import (
    AuditEntry,
    DataRequest,
    RequestAction,
    RequestKind,
    RequestStatus,
)
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import ContactKind, Lead
from tests.factories import ContactPointFactory, LeadFactory

pytestmark = pytest.mark.django_db

needs_consent = pytest.mark.skipif(
    not apps.is_installed("galena.consent"), reason="the consent app is not installed"
)


@pytest.fixture
def person(manager, team):
    lead = LeadFactory(
        first_name="Ana",
        last_name="Popescu",
        display_name="Ana Popescu",
        owner=manager,
        team=team,
    )
    ContactPointFactory(
        lead=lead, kind=ContactKind.EMAIL, value_raw="Ana@Example.org", value="ana@example.org"
    )
    return lead


def test_an_access_request_makes_the_report_and_links_the_records(
    client, make_request, admin_user, person
):
    item = make_request(kind=RequestKind.ACCESS, email="ana@example.org")

    result = services.request_fulfil(actor=admin_user, data_request=item)

    item.refresh_from_db()
    assert result.report.rows_total >= 2  # the lead and its e-mail at least
    assert item.status == RequestStatus.IN_PROGRESS and item.handler == admin_user
    assert item.linked["lead_ids"] == [person.pk]
    event = item.events.get(action=RequestAction.FULFILLED)
    assert event.actor == admin_user and event.text.startswith("Access report made:")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.count) == (
        admin_user,
        "subject_export",
        result.report.rows_total,
    )
    client.force_login(admin_user)
    page = client.get(reverse("compliance-request", args=[item.pk])).text
    assert f"{reverse('privacy-report')}?email=ana%40example.org" in page


def test_about_someone_without_leads_the_report_holds_only_their_request(make_request, admin_user):
    item = make_request(kind=RequestKind.ACCESS, email="nobody@example.org")

    result = services.request_fulfil(actor=admin_user, data_request=item)

    assert {section.model_label for section in result.report.sections} <= {
        "compliance.DataRequest",
        "compliance.DataRequestEvent",
    }
    assert DataRequest.objects.get(pk=item.pk).linked == {"lead_ids": [], "contact_ids": []}


def test_an_erasure_request_erases_the_person_and_keeps_the_request_without_the_values(
    make_request, admin_user, person, manager, team, django_capture_on_commit_callbacks
):
    other = LeadFactory(first_name="Ion", owner=manager, team=team)
    item = make_request(kind=RequestKind.ERASE, email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        result = services.request_fulfil(actor=admin_user, data_request=item)

    assert [m.to for m in mail.outbox] == [["ana@example.org"]]  # told before it is gone
    assert "erased" in mail.outbox[0].body
    person.refresh_from_db()
    assert person.first_name == "" and person.display_name == ""
    assert Lead.objects.get(pk=other.pk).first_name == "Ion"
    item.refresh_from_db()
    assert item.email != "ana@example.org" and "ana@example.org" not in item.email
    assert item.linked["lead_ids"] == [person.pk] and item.linked["erasure_id"]
    assert result.summary.startswith("Erased: ")
    for event in item.events.all():
        assert "ana@example.org" not in event.text and "ana@example.org" not in str(event.params)
    assert AuditEntry.objects.get().action == "erasure"
    services.request_complete(actor=admin_user, data_request=item, outcome="Erased.")
    item.refresh_from_db()
    assert item.status == RequestStatus.DONE


def test_an_unverified_erasure_is_refused_and_writes_nothing(make_request, admin_user, person):
    item = make_request(kind=RequestKind.ERASE, email="ana@example.org", verified=False)

    with pytest.raises(ValidationFailed):
        services.request_fulfil(actor=admin_user, data_request=item)

    person.refresh_from_db()
    assert person.first_name == "Ana"
    assert not item.events.filter(action=RequestAction.FULFILLED).exists()
    assert AuditEntry.objects.count() == 0


def test_a_head_of_sales_cannot_carry_out_an_erasure(make_request, head, person):
    item = make_request(kind=RequestKind.ERASE, email="ana@example.org")

    with pytest.raises(PermissionDenied):
        services.request_fulfil(actor=head, data_request=item)

    person.refresh_from_db()
    assert person.first_name == "Ana"


def test_carrying_out_from_the_page(client, make_request, admin_user, person):
    item = make_request(kind=RequestKind.ACCESS, email="ana@example.org")
    client.force_login(admin_user)

    response = client.post(reverse("compliance-request-act", args=[item.pk]), {"action": "fulfil"})

    assert response.status_code == 302
    assert item.events.filter(action=RequestAction.FULFILLED, actor=admin_user).exists()


@needs_consent
@pytest.mark.parametrize("handler", ["admin_user", "officer"])
def test_a_restriction_request_blocks_the_person(make_request, handler, person, request):
    from galena.consent.services import is_restricted

    item = make_request(kind=RequestKind.RESTRICT, email="ana@example.org")

    services.request_fulfil(actor=request.getfixturevalue(handler), data_request=item)

    assert is_restricted(person)
    item.refresh_from_db()
    assert item.linked["restriction_id"] and item.linked["lead_ids"] == [person.pk]
    assert AuditEntry.objects.get().action == "restriction"


@needs_consent
@pytest.mark.parametrize("handler", ["admin_user", "officer"])
def test_a_withdrawal_request_withdraws_every_purpose(make_request, handler, person, request):
    from galena.consent.services import consent_state, purposes

    item = make_request(kind=RequestKind.WITHDRAW_CONSENT, email="ana@example.org")

    services.request_fulfil(actor=request.getfixturevalue(handler), data_request=item)

    for purpose in purposes():
        assert consent_state(purpose=purpose, lead=person) == "withdrawn"
    assert AuditEntry.objects.get().count == len(purposes())


def test_after_an_erasure_request_the_person_is_in_no_row_of_the_database(
    client, admin_user, person, manager, settings, django_capture_on_commit_callbacks
):
    """The compliance tables too: the request, its trail and an audit entry whose filter
    named the person."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the dump is read with SQLite's iterdump here")
    settings.COMPLIANCE_RATE_PER_ADDRESS = 0
    client.force_login(manager)
    client.post(
        reverse("lead-bulk"),
        {"ids": [person.pk], "action": "export_csv", "query": "q=ana%40example.org"},
    )
    client.logout()
    client.post(
        "/data-request/",
        {"kind": "erase", "email": "ana@example.org", "phone": "+40 721 234 567"},
    )
    item = DataRequest.objects.get()
    services.request_mark_verified(
        actor=admin_user, data_request=item, how="Ana Popescu called from +40721234567."
    )
    services.request_note(actor=admin_user, data_request=item, text="Ana asked for it all.")
    assert "ana@example.org" in "\n".join(connection.connection.iterdump())

    with django_capture_on_commit_callbacks(execute=True):
        services.request_fulfil(actor=admin_user, data_request=item)

    dump = "\n".join(connection.connection.iterdump()).casefold()
    for value in ("ana@example.org", "+40721234567", "ana popescu", "popescu"):
        assert value not in dump, value
    item.refresh_from_db()
    assert item.kind == "erase" and item.status == RequestStatus.IN_PROGRESS


def test_the_page_erases_only_once_the_handler_ticks_that_it_is_final(
    client, make_request, admin_user, person
):
    item = make_request(kind=RequestKind.ERASE, email="ana@example.org")
    client.force_login(admin_user)
    url = reverse("compliance-request-act", args=[item.pk])

    unticked = client.post(url, {"action": "fulfil"})

    assert unticked.status_code == 400
    assert "Tick that you understand erasure is final." in unticked.text
    person.refresh_from_db()
    assert person.first_name == "Ana"

    ticked = client.post(url, {"action": "fulfil", "confirm": "yes"})

    assert ticked.status_code == 302
    person.refresh_from_db()
    assert person.first_name == ""
