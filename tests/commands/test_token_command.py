"""`galena token create|list|revoke`."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from galena.accounts.models import ApiToken
from galena.accounts.services import api_token_authenticate, api_token_create


def run(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_create_prints_a_working_token_once_with_a_usage_hint(manager):
    output = run("create", "manager", "--name", "crm sync")

    key = re.search(r"gln_\S+", output).group(0)
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (manager, "crm sync")
    assert api_token_authenticate(key) == manager
    assert f"Created token {token.pk} ('crm sync') for manager." in output
    assert "It is shown only now" in output
    assert f"curl -H 'Authorization: Bearer {key}' http://127.0.0.1:8000/api/v1/leads" in output


def test_create_names_the_token_after_the_command_line_by_default(manager):
    run("create", "manager")

    assert ApiToken.objects.get().name == "command line"


def test_create_for_an_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("create", "ghost")

    assert ApiToken.objects.count() == 0


def test_create_for_an_inactive_user_fails(manager):
    manager.is_active = False
    manager.save()

    with pytest.raises(CommandError, match="is inactive"):
        run("create", "manager")

    assert ApiToken.objects.count() == 0


def test_create_with_a_blank_name_reports_the_service_message(manager):
    with pytest.raises(CommandError, match="Give the token a name"):
        run("create", "manager", "--name", "  ")


def test_list_shows_each_token_with_its_status_never_the_secret(manager):
    active, active_key = api_token_create(user=manager, name="sync")
    revoked, _ = api_token_create(user=manager, name="old")
    revoked.revoked_at = timezone.now()
    revoked.save()

    output = run("list", "manager")

    lines = output.splitlines()
    assert lines[0].split() == ["ID", "PREFIX", "STATUS", "CREATED", "LAST", "USED", "NAME"]
    assert lines[1].split()[0:3] == [str(active.pk), active.key_prefix + "…", "active"]
    assert lines[1].endswith("never      sync")
    assert lines[2].split()[0:3] == [str(revoked.pk), revoked.key_prefix + "…", "revoked"]
    assert active_key not in output


def test_list_for_a_user_without_tokens_says_how_to_make_one(manager):
    output = run("list", "manager")

    assert output.strip() == (
        "manager has no API tokens. Create one with `galena token create manager`."
    )


def test_list_for_an_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("list", "ghost")


def test_revoke_stops_the_token_at_once(manager):
    token, key = api_token_create(user=manager, name="sync")

    output = run("revoke", str(token.pk))

    assert output.strip() == f"Revoked token {token.pk} ('sync') of manager."
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(key) is None


def test_revoking_twice_changes_nothing(manager):
    token, _ = api_token_create(user=manager, name="sync")
    run("revoke", str(token.pk))
    token.refresh_from_db()
    revoked_at = token.revoked_at

    output = run("revoke", str(token.pk))

    assert output.strip() == f"Token {token.pk} was already revoked; nothing changed."
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_revoking_an_unknown_token_fails_clearly(db):
    with pytest.raises(CommandError, match="No API token with id 42"):
        run("revoke", "42")
