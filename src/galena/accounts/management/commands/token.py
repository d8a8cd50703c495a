"""`galena token create|list|revoke`: personal API tokens from the console."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from galena.accounts.models import ApiToken
from galena.accounts.services import api_token_create, api_token_revoke
from galena.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = actions.add_parser("create", help="Create a token for a user; shown only once.")
        create.add_argument("username")
        create.add_argument(
            "--name",
            default="command line",
            help="What the token is for, e.g. the script that will use it.",
        )
        listing = actions.add_parser("list", help="List a user's tokens.")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id; it stops at once.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "create":
                self._create(options["username"], options["name"])
            elif action == "list":
                self._list(options["username"])
            else:
                self._revoke(options["token_id"])
        except ApplicationError as error:
            raise CommandError(error.message) from error

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                f"No user named {username!r}. Check the spelling, or create the user first "
                "(`galena createsuperuser` or in the admin)."
            )
        return user

    def _create(self, username: str, name: str) -> None:
        user = self._user(username)
        if not user.is_active:
            raise CommandError(
                f"User {username!r} is inactive, so a token would not work. Activate them first."
            )
        token, key = api_token_create(user=user, name=name)
        self.stdout.write(
            self.style.SUCCESS(f"Created token {token.pk} ({token.name!r}) for {username}.")
        )
        self.stdout.write("It is shown only now; store it somewhere safe:")
        self.stdout.write("")
        self.stdout.write(f"    {key}")
        self.stdout.write("")
        self.stdout.write("Use it as a bearer token, e.g.:")
        self.stdout.write(
            f"    curl -H 'Authorization: Bearer {key}' {settings.SITE_URL}/api/v1/leads"
        )

    def _list(self, username: str) -> None:
        user = self._user(username)
        tokens = ApiToken.objects.filter(user=user).order_by("created_at", "id")
        if not tokens:
            self.stdout.write(
                f"{username} has no API tokens. Create one with `galena token create {username}`."
            )
            return
        self.stdout.write(
            f"{'ID':>5}  {'PREFIX':<12}  {'STATUS':<8}  {'CREATED':<16}  LAST USED  NAME"
        )
        for token in tokens:
            status = "active" if token.is_active else "revoked"
            last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk:>5}  {token.key_prefix + '…':<12}  {status:<8}  "
                f"{token.created_at:%Y-%m-%d %H:%M}  {last_used:<9}  {token.name}"
            )

    def _revoke(self, token_id: int) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(
                f"No API token with id {token_id}. `galena token list USERNAME` shows the ids."
            )
        was_active = token.is_active
        api_token_revoke(user=token.user, token_id=token.pk)
        if was_active:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Revoked token {token.pk} ({token.name!r}) of {token.user.get_username()}."
                )
            )
        else:
            self.stdout.write(f"Token {token.pk} was already revoked; nothing changed.")
