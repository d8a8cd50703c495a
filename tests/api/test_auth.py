"""Who may call the API: a personal token or the signed-in session, nothing else."""

import datetime as dt

from django.utils import timezone

from galena.accounts.models import ApiToken
from galena.accounts.services import api_token_create, api_token_revoke
from galena.leads.models import Lead
from tests.api.helpers import ApiClient, error

NO_CREDENTIALS = (
    "Authentication required. Send a personal API token as 'Authorization: Bearer <token>' "
    "(create one with `galena token create USERNAME`), or sign in and call the API "
    "from the site with its session and CSRF token."
)
BAD_TOKEN = (
    "The API token is not valid: it is mistyped, revoked, or its user is inactive. "
    "Send 'Authorization: Bearer <token>' with an active token "
    "(`galena token list USERNAME` shows them, `galena token create USERNAME` makes one)."
)


def test_a_request_without_credentials_is_told_how_to_authenticate(anonymous_api):
    response = anonymous_api.get("/api/v1/leads")

    assert response.status_code == 401
    assert response.json() == error("unauthenticated", NO_CREDENTIALS)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_unknown_token_is_refused(db):
    response = ApiClient("gln_not-a-real-token").get("/api/v1/leads")

    assert response.status_code == 401
    assert response.json() == error("unauthenticated", BAD_TOKEN)


def test_a_token_without_the_bearer_scheme_is_refused(manager):
    _, key = api_token_create(user=manager, name="script")
    client = ApiClient(headers={"Authorization": key})

    response = client.get("/api/v1/leads")

    assert response.status_code == 401
    assert response.json() == error("unauthenticated", BAD_TOKEN)


def test_a_revoked_token_is_refused(manager):
    token, key = api_token_create(user=manager, name="script")
    api_token_revoke(user=manager, token_id=token.pk)

    response = ApiClient(key).get("/api/v1/leads")

    assert response.status_code == 401
    assert response.json() == error("unauthenticated", BAD_TOKEN)


def test_the_token_of_an_inactive_user_is_refused(manager):
    _, key = api_token_create(user=manager, name="script")
    manager.is_active = False
    manager.save()

    response = ApiClient(key).get("/api/v1/leads")

    assert response.status_code == 401


def test_a_valid_token_authenticates_and_is_marked_used(manager):
    token, key = api_token_create(user=manager, name="script")

    response = ApiClient(key).get("/api/v1/leads")

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_a_wrong_token_on_a_write_is_a_401_not_a_csrf_failure(db):
    client = ApiClient("gln_wrong", enforce_csrf_checks=True)

    response = client.post("/api/v1/leads/1/notes", {"text": "hello"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_signed_in_session_authenticates_reads(manager):
    client = ApiClient()
    client.force_login(manager)

    response = client.get("/api/v1/stages")

    assert response.status_code == 200


def test_a_session_write_without_the_csrf_token_is_refused_and_writes_nothing(manager):
    client = ApiClient(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(
        "/api/v1/leads",
        {"first_name": "Ana", "contacts": [{"kind": "email", "value": "ana@example.com"}]},
    )

    assert response.status_code == 403
    assert response.json() == error(
        "forbidden",
        "The CSRF check failed: from the site, send the 'X-CSRFToken' header with the "
        "csrftoken cookie's value; from scripts, use an API token instead of the session.",
    )
    assert Lead.objects.count() == 0


def test_a_session_write_with_the_csrf_token_succeeds(manager):
    client = ApiClient(enforce_csrf_checks=True)
    client.force_login(manager)
    client.get("/admin/login/")  # any page that sets the csrftoken cookie
    csrf_token = client.cookies["csrftoken"].value

    response = client.post(
        "/api/v1/leads",
        {"first_name": "Ana", "contacts": [{"kind": "email", "value": "ana@example.com"}]},
        headers={"X-CSRFToken": csrf_token},
    )

    assert response.status_code == 201
    assert Lead.objects.get().owner == manager


def test_tokens_are_stored_only_as_hashes(manager):
    token, key = api_token_create(user=manager, name="script")

    assert ApiToken.objects.filter(key_hash=key).exists() is False
    assert token.key_hash == ApiToken.hash_key(key)
