"""The API describes itself: the OpenAPI document and the interactive docs load."""

import pytest


@pytest.fixture
def schema(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_openapi_document_names_the_api(schema):
    assert (schema["info"]["title"], schema["info"]["version"]) == ("Galena API", "1")


def test_the_openapi_document_lists_the_lead_endpoints(schema):
    assert {
        "/api/v1/leads",
        "/api/v1/leads/{lead_id}",
        "/api/v1/leads/{lead_id}/assign",
        "/api/v1/leads/{lead_id}/stage",
        "/api/v1/leads/{lead_id}/notes",
        "/api/v1/leads/{lead_id}/contacts",
        "/api/v1/leads/{lead_id}/events",
        "/api/v1/leads/{lead_id}/tasks",
        "/api/v1/leads/{lead_id}/tasks/{task_id}/complete",
        "/api/v1/stages",
        "/api/v1/sources",
        "/api/v1/campaigns",
    } <= set(schema["paths"])


def test_the_openapi_document_declares_both_ways_to_authenticate(schema):
    assert set(schema["components"]["securitySchemes"]) == {"ApiTokenAuth", "SessionCsrfAuth"}


def test_errors_are_documented_with_the_envelope(schema):
    responses = schema["paths"]["/api/v1/leads"]["post"]["responses"]

    assert set(responses) == {"201", "400", "401", "403", "404"}
    assert responses["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }


def test_the_docs_page_loads(client, db):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
