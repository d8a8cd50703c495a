"""The data protection officer: finds a person, reads and downloads their report, erases
them, reads the retention dry run, handles the register of requests, reads the processing
register and the audit log — on the pages and the API — and sees nothing of sales: no lead
list, board, card, client or report."""

import json

import pytest
from django.urls import reverse

from galena.accounts.models import Role
from galena.accounts.services import api_token_create
from galena.compliance import services
from galena.compliance.models import AuditEntry, RequestAction, RequestKind, RequestStatus
from galena.leads.models import ContactKind, LeadEvent
from galena.privacy.models import Erasure
from tests.api.helpers import ApiClient
from tests.factories import ContactPointFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(manager, team):
    lead = LeadFactory(first_name="Ilinca", last_name="Dobre", owner=manager, team=team)
    ContactPointFactory(lead=lead, kind=ContactKind.EMAIL, value="ilinca@mail.ro")
    LeadEvent.objects.create(
        lead=lead, type="note_added", actor_source="manual", params={"text": "Ilinca said hi"}
    )
    return lead


def api(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


# --- allowed: the privacy pages and API --------------------------------------------------


def test_the_officer_finds_the_person_and_reads_the_report(client, officer, person):
    client.force_login(officer)

    found = client.get("/privacy/", {"email": "ilinca@mail.ro"})
    report = client.get("/privacy/report/", {"email": "ilinca@mail.ro"})
    download = client.get("/privacy/report.json", {"email": "ilinca@mail.ro"})

    assert found.status_code == 200 and "Erase for good" in found.text
    assert report.status_code == 200 and "Ilinca said hi" in report.text
    body = json.loads(download.content)
    assert body["subject"]["lead_ids"] == [person.pk]
    entries = list(AuditEntry.objects.values_list("action", "actor"))
    assert entries == [("subject_export", officer.pk), ("subject_export", officer.pk)]


def test_the_officer_erases_from_the_page(client, officer, person):
    client.force_login(officer)

    response = client.post(
        "/privacy/erase/",
        {"email": "ilinca@mail.ro", "reason": "Request 7", "confirm": "on"},
        follow=True,
    )

    assert response.status_code == 200 and "Erased:" in response.text
    person.refresh_from_db()
    assert person.first_name == ""
    assert Erasure.objects.get().actor == officer


def test_the_officer_reads_the_retention_dry_run(client, officer):
    client.force_login(officer)

    assert client.get("/privacy/retention/").status_code == 200
    assert not Erasure.objects.exists()


def test_the_officer_uses_the_privacy_api(officer, person):
    client = api(officer)

    found = client.get("/api/v1/privacy/subject?email=ilinca@mail.ro")
    report = client.get("/api/v1/privacy/report?email=ilinca@mail.ro")
    retention = client.get("/api/v1/privacy/retention")
    erased = client.post("/api/v1/privacy/erase", {"lead_id": person.pk, "reason": "asked"})

    assert found.json()["lead_ids"] == [person.pk]
    assert report.status_code == 200 and retention.status_code == 200
    assert erased.status_code == 200 and erased.json()["tables"]["leads.Lead"] == 1
    person.refresh_from_db()
    assert person.first_name == ""


# --- allowed: the compliance pages and API -----------------------------------------------


def test_the_officer_handles_a_request_and_carries_out_an_access_report(
    client, officer, admin_user, person
):
    item = services.request_create(
        actor=admin_user, kind=RequestKind.ACCESS, email="ilinca@mail.ro", verified=True
    )
    client.force_login(officer)

    listed = client.get(reverse("compliance-requests"))
    shown = client.get(reverse("compliance-request", args=[item.pk]))
    acted = client.post(reverse("compliance-request-act", args=[item.pk]), {"action": "fulfil"})

    assert listed.status_code == 200 and shown.status_code == 200
    assert acted.status_code == 302
    assert item.events.filter(action=RequestAction.FULFILLED, actor=officer).exists()
    assert AuditEntry.objects.filter(actor=officer, action="subject_export").count() == 1


def test_the_officer_can_be_given_a_request_to_handle(client, admin_user, officer):
    from galena.compliance.forms import _handlers

    assert officer in _handlers()


def test_the_officer_reads_the_register_and_the_audit_log(client, officer):
    client.force_login(officer)

    assert client.get(reverse("compliance-register")).status_code == 200
    assert client.get(reverse("compliance-audit")).status_code == 200


def test_the_officer_uses_the_compliance_api(officer):
    client = api(officer)

    created = client.post(
        "/api/v1/compliance/requests",
        {"kind": "access", "email": "ana@example.org", "verified": True},
    )
    taken = client.post(f"/api/v1/compliance/requests/{created.json()['id']}/take")

    assert created.status_code == 201
    assert taken.json()["status"] == RequestStatus.IN_PROGRESS
    assert client.get("/api/v1/compliance/requests").status_code == 200
    assert client.get("/api/v1/compliance/audit").status_code == 200
    assert client.get("/api/v1/compliance/register").status_code == 200


def test_the_officers_navigation_shows_the_personal_data_pages_and_no_sales(client, officer):
    client.force_login(officer)

    page = client.get(reverse("dashboard")).text

    assert reverse("compliance-requests") in page and reverse("privacy-home") in page
    assert reverse("lead-list") not in page and reverse("client-list") not in page


# --- refused: everything of sales --------------------------------------------------------


def test_the_officer_sees_no_lead_list_board_card_or_client(client, officer, person):
    client.force_login(officer)

    for url in (
        reverse("lead-list"),
        reverse("lead-board"),
        reverse("client-list"),
        reverse("lead-detail", args=[person.pk]),
    ):
        assert client.get(url).status_code in (403, 404), url
    assert not AuditEntry.objects.filter(action="bulk_view").exists()


def test_the_officer_gets_no_leads_or_clients_from_the_api(officer, person):
    client = api(officer)

    assert client.get("/api/v1/leads").status_code == 403
    assert client.get(f"/api/v1/leads/{person.pk}").status_code in (403, 404)
    assert client.get("/api/v1/clients/contacts").status_code == 403


def test_the_officer_cannot_change_a_lead(officer, person):
    from galena.core.errors import NotFound, PermissionDenied
    from galena.leads.models import ActorSource
    from galena.leads.services import Actor, lead_update

    with pytest.raises((PermissionDenied, NotFound)):
        lead_update(
            actor=Actor(user=officer, source=ActorSource.MANUAL),
            lead=person,
            data={"first_name": "Someone"},
        )
    person.refresh_from_db()
    assert person.first_name == "Ilinca"


# --- refused: the personal-data pages to the sales roles (the officer's rights are not
# everyone's) -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "manager", "telemarketer", "marketer"])
def test_other_roles_may_not_handle_requests_or_read_the_audit_log(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("compliance-requests")).status_code == 403
    assert client.get(reverse("compliance-audit")).status_code == 403
    assert client.get("/privacy/").status_code == 403


def test_the_role_is_named_in_the_processing_register(client, officer):
    client.force_login(officer)

    page = client.get(reverse("compliance-register")).text

    assert str(Role.DATA_PROTECTION_OFFICER.label) in page
