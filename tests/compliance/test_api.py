"""The compliance API: the same rules as the pages (admins handle requests and read the
audit log; admins and heads of sales read the register)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.compliance import audit
from galena.compliance.models import DataRequest, RequestStatus

pytestmark = pytest.mark.django_db


def test_an_admin_registers_and_handles_a_request(api_as, admin_user):
    client = api_as(admin_user)

    created = client.post(
        "/api/v1/compliance/requests",
        {"kind": "access", "email": "Ana@Example.org", "verified": True},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["email"] == "ana@example.org" and body["status"] == "verified"
    assert body["channel"] == "api" and body["overdue"] is False
    number = body["id"]

    taken = client.post(f"/api/v1/compliance/requests/{number}/take")
    noted = client.post(f"/api/v1/compliance/requests/{number}/notes", {"text": "Called."})
    done = client.post(f"/api/v1/compliance/requests/{number}/done", {"text": "Report sent."})

    assert taken.json()["status"] == "in_progress"
    assert noted.status_code == 200
    assert done.json()["status"] == "done"
    assert [e["action"] for e in done.json()["events"]] == [
        "received",
        "verified",
        "taken",
        "note",
        "done",
    ]


def test_the_list_filters_overdue(api_as, admin_user, make_request):
    late = make_request(days_ago=40)
    make_request(days_ago=1)

    response = api_as(admin_user).get("/api/v1/compliance/requests?status=overdue")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [late.pk]
    assert response.json()["items"][0]["overdue"] is True


def test_an_unknown_status_filter_is_refused(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/compliance/requests?status=lost")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "status"


def test_a_refused_step_answers_400_and_changes_nothing(api_as, admin_user, make_request):
    item = make_request(verified=False)

    response = api_as(admin_user).post(
        f"/api/v1/compliance/requests/{item.pk}/done", {"text": "Erased."}
    )

    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == RequestStatus.NEW


@pytest.mark.parametrize("role", ["head", "manager", "telemarketer", "marketer"])
def test_other_roles_are_refused_requests_and_audit(api_as, request, role, make_request):
    item = make_request()
    client = api_as(request.getfixturevalue(role))

    answers = [
        client.get("/api/v1/compliance/requests"),
        client.post("/api/v1/compliance/requests", {"kind": "access", "email": "a@b.org"}),
        client.get(f"/api/v1/compliance/requests/{item.pk}"),
        client.post(f"/api/v1/compliance/requests/{item.pk}/take"),
        client.get("/api/v1/compliance/audit"),
    ]

    assert [answer.status_code for answer in answers] == [403] * 5
    assert DataRequest.objects.count() == 1


def test_without_a_token_it_is_401(client):
    assert client.get("/api/v1/compliance/requests").status_code == 401
    assert client.get("/api/v1/compliance/register").status_code == 401


def test_the_audit_log_lists_entries_newest_first_and_filters(api_as, admin_user, manager):
    audit.record(actor=manager, action=audit.BULK_EXPORT, object_type="leads.Lead", count=3)
    audit.record(actor=admin_user, action=audit.ERASURE, object_type="leads.Lead", count=1)

    everything = api_as(admin_user).get("/api/v1/compliance/audit")
    exports = api_as(admin_user).get("/api/v1/compliance/audit?action=bulk_export")

    assert [e["action"] for e in everything.json()["items"]] == ["erasure", "bulk_export"]
    assert [(e["actor_id"], e["count"]) for e in exports.json()["items"]] == [(manager.pk, 3)]


@pytest.mark.parametrize("role", ["admin_user", "head"])
def test_the_register_is_read_by_admins_and_heads(api_as, request, role, settings):
    settings.DATA_STORAGE_JURISDICTION = "EU/DE"

    response = api_as(request.getfixturevalue(role)).get("/api/v1/compliance/register")

    assert response.status_code == 200
    body = response.json()
    assert body["storage_jurisdiction"] == "EU/DE"
    tables = {s["table"] for c in body["categories"] for s in c["storages"]}
    assert {"leads_lead", "compliance_datarequest"} <= tables


@pytest.mark.parametrize("role", ["manager", "telemarketer", "marketer"])
def test_the_register_is_refused_to_other_roles(api_as, request, role):
    response = api_as(request.getfixturevalue(role)).get("/api/v1/compliance/register")

    assert response.status_code == 403


def test_the_request_list_costs_the_same_queries_for_any_number(api_as, admin_user, make_request):
    client = api_as(admin_user)
    make_request()
    client.get("/api/v1/compliance/requests")  # warm: the token's user, the first page
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/compliance/requests")
    for number in range(10):
        make_request(email=f"p{number}@example.org")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/compliance/requests")

    assert len(many) == len(one)
