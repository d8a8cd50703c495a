import pytest

from galena.accounts.models import ApiToken
from galena.accounts.services import api_token_authenticate, api_token_create, api_token_revoke
from galena.core.errors import NotFound, ValidationFailed


def test_token_is_shown_once_and_only_its_hash_is_stored(manager):
    token, key = api_token_create(user=manager, name="CRM sync")

    assert key.startswith("gln_")
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in str(ApiToken.objects.values().get())
    assert api_token_authenticate(key) == manager


def test_authentication_marks_the_token_used(manager):
    token, key = api_token_create(user=manager, name="CRM sync")

    api_token_authenticate(key)

    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("key", ["", "gln_wrong", "not-a-token"])
def test_unknown_keys_authenticate_nobody(manager, key):
    api_token_create(user=manager, name="CRM sync")
    assert api_token_authenticate(key) is None


def test_revoked_token_stops_working(manager):
    token, key = api_token_create(user=manager, name="CRM sync")

    api_token_revoke(user=manager, token_id=token.pk)

    assert api_token_authenticate(key) is None


def test_token_of_inactive_user_stops_working(manager):
    _, key = api_token_create(user=manager, name="CRM sync")
    manager.is_active = False
    manager.save()

    assert api_token_authenticate(key) is None


def test_nobody_revokes_another_users_token(manager, colleague):
    token, key = api_token_create(user=manager, name="CRM sync")

    with pytest.raises(NotFound):
        api_token_revoke(user=colleague, token_id=token.pk)

    assert api_token_authenticate(key) == manager


def test_token_needs_a_name(manager):
    with pytest.raises(ValidationFailed) as error:
        api_token_create(user=manager, name="  ")

    assert "name" in error.value.errors
    assert not ApiToken.objects.exists()
