"""The personal-data page, the report (HTML and JSON), erasure and the retention dry run, on
the pages and the API: administrators only, every other role refused and nothing written."""

import json

import pytest

from galena.accounts.services import api_token_create
from galena.compliance.models import AuditEntry
from galena.leads.models import ContactKind, LeadEvent
from galena.privacy.models import Erasure
from tests.api.helpers import ApiClient
from tests.factories import ContactPointFactory, LeadFactory

OTHER_ROLES = ["head", "manager", "telemarketer", "marketer"]


@pytest.fixture
def person(db):
    lead = LeadFactory(first_name="Ilinca", last_name="Dobre", comment="Call Ilinca at noon")
    ContactPointFactory(lead=lead, kind=ContactKind.EMAIL, value="ilinca@mail.ro")
    ContactPointFactory(lead=lead, kind=ContactKind.PHONE, value="+40744555666")
    LeadEvent.objects.create(
        lead=lead, type="note_added", actor_source="manual", params={"text": "Ilinca said hi"}
    )
    return lead


@pytest.fixture
def api_as(db):
    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


def test_the_admin_finds_the_person_by_phone_and_sees_what_is_held(client, admin_user, person):
    client.force_login(admin_user)

    response = client.get("/privacy/", {"phone": "0744 555 666"})

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/leads/{person.pk}/"' in page
    assert "Contact details of leads" in page
    assert "Erase for good" in page


def test_an_empty_search_asks_for_an_identifier(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/privacy/", {"email": ""})

    assert "Give an e-mail address, a phone number or a lead number." in response.content.decode()


def test_nobody_found_says_so(client, admin_user, db):
    client.force_login(admin_user)

    response = client.get("/privacy/", {"email": "nobody@mail.ro"})

    assert "Nothing is held about this person." in response.content.decode()
    assert "Erase for good" not in response.content.decode()


def test_the_report_page_shows_everything_escaped(client, admin_user, person):
    person.comment = "<script>alert(1)</script>"
    person.save()
    client.force_login(admin_user)

    response = client.get("/privacy/report/", {"email": "ilinca@mail.ro"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ilinca" in page and "+40744555666" in page and "Ilinca said hi" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_json_report_is_a_download_with_every_table(client, admin_user, person):
    client.force_login(admin_user)

    response = client.get("/privacy/report.json", {"email": "ilinca@mail.ro"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    body = json.loads(response.content)
    tables = {s["table"]: s for s in body["sections"]}
    assert {"leads.Lead", "leads.ContactPoint", "leads.LeadEvent"} <= set(tables)
    assert tables["leads.Lead"]["rows"][0]["first_name"] == "Ilinca"
    assert body["subject"]["lead_ids"] == [person.pk]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.params["lead_ids"]) == (
        "subject_export",
        admin_user,
        [person.pk],
    )
    assert "ilinca" not in json.dumps(entry.params)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_refused_the_pages(client, request, role, person):
    client.force_login(request.getfixturevalue(role))

    for url in ("/privacy/", "/privacy/report/", "/privacy/report.json", "/privacy/retention/"):
        assert client.get(url, {"email": "ilinca@mail.ro"}).status_code == 403, url
    response = client.post(
        "/privacy/erase/", {"email": "ilinca@mail.ro", "reason": "x", "confirm": "on"}
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.first_name == "Ilinca"
    assert not Erasure.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, person):
    response = client.get("/privacy/", {"email": "ilinca@mail.ro"})

    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_the_admin_erases_from_the_page(client, admin_user, person):
    client.force_login(admin_user)

    response = client.post(
        "/privacy/erase/",
        {"email": "ilinca@mail.ro", "reason": "Request 7 by Ilinca Dobre", "confirm": "on"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Erased:" in response.content.decode()
    person.refresh_from_db()
    assert (person.first_name, person.comment) == ("", "")
    erasure = Erasure.objects.get()
    assert erasure.reason == "Request 7 by [erased]"
    assert AuditEntry.objects.get().params["erasure_id"] == erasure.pk
    assert "Ilinca" not in response.content.decode()


def test_erasing_without_the_confirmation_erases_nothing(client, admin_user, person):
    client.force_login(admin_user)

    client.post("/privacy/erase/", {"email": "ilinca@mail.ro", "reason": "asked"})

    person.refresh_from_db()
    assert person.first_name == "Ilinca"
    assert not Erasure.objects.exists()


def test_the_retention_page_is_a_dry_run(client, admin_user, db):
    client.force_login(admin_user)

    response = client.get("/privacy/retention/")

    assert response.status_code == 200
    assert "Rejected leads" in response.content.decode()
    assert not Erasure.objects.exists()


def test_api_finds_reports_and_erases_for_the_admin(api_as, admin_user, person):
    api = api_as(admin_user)

    found = api.get("/api/v1/privacy/subject?email=ilinca@mail.ro")
    assert found.status_code == 200
    assert found.json()["lead_ids"] == [person.pk]
    assert {"table": "leads.Lead", "category": "Leads", "rows": 1} in found.json()["tables"]

    report = api.get("/api/v1/privacy/report?phone=%2B40744555666")
    assert report.status_code == 200
    assert report.json()["sections"][0]["rows"][0]["first_name"] == "Ilinca"

    erased = api.post("/api/v1/privacy/erase", {"lead_id": person.pk, "reason": "request 9"})
    assert erased.status_code == 200
    assert erased.json()["tables"]["leads.Lead"] == 1
    person.refresh_from_db()
    assert person.first_name == ""


def test_api_without_an_identifier_is_a_400(api_as, admin_user, db):
    response = api_as(admin_user).get("/api/v1/privacy/subject")

    assert response.status_code == 400


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_api_refuses_other_roles_and_writes_nothing(api_as, request, role, person):
    api = api_as(request.getfixturevalue(role))

    assert api.get("/api/v1/privacy/subject?email=ilinca@mail.ro").status_code == 403
    assert api.get("/api/v1/privacy/report?email=ilinca@mail.ro").status_code == 403
    assert api.get("/api/v1/privacy/retention").status_code == 403
    response = api.post("/api/v1/privacy/erase", {"email": "ilinca@mail.ro", "reason": "x"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.first_name == "Ilinca"
    assert not Erasure.objects.exists()


def test_api_retention_dry_run(api_as, admin_user, db):
    response = api_as(admin_user).get("/api/v1/privacy/retention")

    assert response.status_code == 200
    assert {p["purpose"] for p in response.json()} >= {"rejected_leads", "open_leads"}
