"""Teams, user profiles with their sales role, and personal API tokens."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    HEAD_OF_SALES = "head_of_sales", _("Head of sales")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    TELEMARKETER = "telemarketer", _("Telemarketer")
    MARKETER = "marketer", _("Marketer")
    # the people's data, not sales: requests, access reports, erasure, the register, audit
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("Data protection officer")


class Team(TimeStampedModel):
    name = models.CharField(max_length=120, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_headed",
    )
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def default_working_hours() -> dict:
    # ISO weekday (1 = Monday) -> [start, end] in the member's team time zone.
    return {str(day): ["09:00", "18:00"] for day in range(1, 6)}


class Profile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.SALES_MANAGER)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    capacity_per_day = models.PositiveIntegerField(
        default=30, help_text=_("New leads this person can take per day.")
    )
    products = models.JSONField(
        default=list, blank=True, help_text=_("Products or services this person sells.")
    )
    languages = models.JSONField(
        default=list, blank=True, help_text=_("Language codes this person works in.")
    )
    working_hours = models.JSONField(default=default_working_hours, blank=True)
    phone = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "role"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ApiToken(TimeStampedModel):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    PREFIX = "gln_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=16, help_text=_("First characters, to recognise it."))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
