"""Every error the API gives is the same JSON envelope, with a message saying what to do."""

import logging

import pytest
from django.http import Http404

from galena.core.errors import ApplicationError
from galena.leads import selectors
from galena.leads.models import Lead
from tests.api.helpers import error

VALID_LEAD = {"first_name": "Ana", "contacts": [{"kind": "email", "value": "ana@example.com"}]}


@pytest.fixture
def api(api_as, manager):
    return api_as(manager)


def test_an_unknown_field_is_named_and_nothing_is_written(api):
    response = api.post("/api/v1/leads", {**VALID_LEAD, "favourite_colour": "blue"})

    assert response.status_code == 400
    assert response.json() == error(
        "invalid",
        "This field is not known here: remove it (see /api/v1/docs for the fields).",
        field="favourite_colour",
    )
    assert Lead.objects.count() == 0


def test_a_value_outside_the_choices_lists_the_choices(api):
    response = api.post("/api/v1/leads", {**VALID_LEAD, "temperature": "boiling"})

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "Input should be 'unknown', 'cold', 'warm' or 'hot'.", field="temperature"
    )


def test_a_nested_error_is_named_by_its_dotted_path(api):
    response = api.post(
        "/api/v1/leads",
        {"first_name": "Ana", "contacts": [{"kind": "pigeon", "value": "coo"}]},
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "contacts[0].kind"
    assert response.json()["error"]["code"] == "invalid"


def test_a_missing_required_field_is_named(api):
    response = api.post("/api/v1/leads", {"first_name": "Ana"})

    assert response.status_code == 400
    assert response.json() == error("invalid", "This field is required.", field="contacts")


def test_every_invalid_field_is_listed(api):
    response = api.post("/api/v1/leads", {"temperature": "boiling", "fit": "perfect"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"temperature", "fit", "contacts"}


def test_a_body_that_is_not_json_is_refused(api):
    response = api.post("/api/v1/leads", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "The request body is not valid JSON: send a JSON object."
    )


def test_a_missing_body_is_refused(api):
    response = api.post("/api/v1/leads", "", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == error("invalid", "The request body is missing: send a JSON object.")


def test_a_bad_query_parameter_is_named(api):
    response = api.get("/api/v1/leads?limit=0")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "Input should be greater than or equal to 1.", field="limit"
    )


def test_a_bad_path_parameter_is_named(api):
    response = api.get("/api/v1/leads/abc")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "lead_id"


def test_a_service_validation_error_keeps_its_field(api):
    response = api.post("/api/v1/leads", {"contacts": VALID_LEAD["contacts"]})

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "A lead is a person: give at least a first or last name.", field="first_name"
    )


def test_an_unknown_path_is_a_json_404(api):
    response = api.get("/api/v1/nowhere")

    assert response.status_code == 404
    assert response.json() == error(
        "not_found",
        "There is no API endpoint at /api/v1/nowhere. The endpoints are listed at /api/v1/docs.",
    )


def test_a_trailing_slash_is_pointed_out(api):
    response = api.get("/api/v1/leads/")

    assert response.status_code == 404
    assert "API paths have no trailing slash." in response.json()["error"]["message"]


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(api):
    response = api.delete("/api/v1/stages")

    assert response.status_code == 405
    assert response.json() == error("method_not_allowed", "DELETE is not allowed here; use GET.")
    assert response["Allow"] == "GET"


def test_django_http404_becomes_the_json_404(api, monkeypatch):
    def missing(**kwargs):
        raise Http404("gone")

    monkeypatch.setattr(selectors, "lead_list", missing)

    response = api.get("/api/v1/leads")

    assert response.status_code == 404
    assert response.json() == error("not_found", "Not found.")


def test_an_unexpected_exception_is_a_json_500_without_internals(api, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(selectors, "lead_list", broken)

    with caplog.at_level(logging.ERROR, logger="galena.api"):
        response = api.get("/api/v1/leads")

    assert response.status_code == 500
    assert response.json() == error(
        "server_error",
        "Something went wrong on our side and it was logged. "
        "Try again later; if it keeps happening, tell the administrator.",
    )
    assert b"hunter2" not in response.content
    assert "Unhandled error in GET /api/v1/leads" in caplog.text


def test_an_application_errors_headers_reach_the_response(api, monkeypatch):
    def throttled(**kwargs):
        refusal = ApplicationError("Too many requests: wait 30 seconds.", code="throttled")
        refusal.status = 429
        refusal.headers = {"Retry-After": "30"}
        raise refusal

    monkeypatch.setattr(selectors, "lead_list", throttled)

    response = api.get("/api/v1/leads")

    assert response.status_code == 429
    assert response.json() == error("throttled", "Too many requests: wait 30 seconds.")
    assert response["Retry-After"] == "30"
