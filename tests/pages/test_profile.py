from django.urls import reverse

from galena.accounts.models import ApiToken
from galena.accounts.services import api_token_create

PROFILE = reverse("profile")


def test_profile_shows_role_and_team(manager_client):
    response = manager_client.get(PROFILE)

    assert response.status_code == 200
    assert "Sales manager" in response.text
    assert "North" in response.text


def test_creating_a_token_shows_it_once_with_a_curl_example(manager_client, manager):
    response = manager_client.post(PROFILE, {"name": "Website form"})

    token = ApiToken.objects.get(user=manager)
    key = response.context["new_key"]
    assert key.startswith("gln_")
    assert ApiToken.hash_key(key) == token.key_hash
    assert f'value="{key}"' in response.text
    assert f"Authorization: Bearer {key}" in response.text
    assert response["Cache-Control"] == "no-store"
    later = manager_client.get(PROFILE)
    assert key not in later.text
    assert token.key_prefix in later.text
    assert "Website form" in later.text


def test_a_token_needs_a_name(manager_client, manager):
    response = manager_client.post(PROFILE, {"name": ""})

    assert response.status_code == 200
    assert 'id="token-name_error"' in response.text
    assert not ApiToken.objects.exists()


def test_revoking_a_token(manager_client, manager):
    token, _key = api_token_create(user=manager, name="Script")

    response = manager_client.post(reverse("token-revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in manager_client.get(PROFILE).text


def test_revoking_someone_elses_token_is_404(manager_client, colleague):
    token, _key = api_token_create(user=colleague, name="Theirs")

    response = manager_client.post(reverse("token-revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_other_users_tokens_are_not_listed(manager_client, colleague):
    api_token_create(user=colleague, name="Colleague script")

    assert "Colleague script" not in manager_client.get(PROFILE).text
