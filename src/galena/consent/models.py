"""The consent ledger and blocking (restriction of processing).

``ConsentRecord`` is append-only: a record is never changed or deleted through the ORM or the
admin; a correction or a withdrawal is a new record, and the latest record of a person and
purpose is the one that counts. A person is named by a normalised e-mail and/or an E.164
phone, and by the lead when the record came through one.

``Restriction`` blocks a person (every lead carrying one of their e-mails, phones, social
profiles or messengers): their records stay, but nobody contacts, nurtures, routes or exports them until it is lifted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """A consent record was to be changed or deleted: record a new one instead."""


class Purpose(models.TextChoices):
    """The purposes a person consents to; settings.CONSENT_EXTRA_PURPOSES adds more."""

    PROCESSING = "processing", _("Processing of the inquiry")
    CONTACT_PHONE = "contact_phone", _("Contact by phone")
    CONTACT_EMAIL = "contact_email", _("Contact by e-mail")
    MARKETING_EMAIL = "marketing_email", _("Marketing e-mail")
    MARKETING_SMS = "marketing_sms", _("Marketing SMS")
    TRANSFER_PARTNERS = "transfer_partners", _("Transfer to partners")
    PROFILING = "profiling", _("Profiling")


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentMethod(models.TextChoices):
    FORM = "form", _("Web form")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    MANUAL = "manual", _("Entered by hand")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")


class ConsentRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Consent records are never changed: record a new one.")

    def delete(self):
        raise AppendOnly("Consent records are never deleted: record a withdrawal.")


class ConsentRecord(models.Model):
    """One consent given or withdrawn, with how and the evidence (append-only)."""

    email = models.CharField(max_length=320, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consent_records",
    )
    purpose = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=12, choices=ConsentMethod.choices)
    # the intake form the consent was given on (its slug: the ledger outlives forms and
    # stands before intake on the road) and the version of its consent text
    form = models.CharField(max_length=80, blank=True)
    text_version = models.CharField(max_length=40, blank=True)
    # for imports and records entered by hand: the legal basis stated
    basis = models.CharField(max_length=200, blank=True)
    # ip, user agent, submission id, call id, uploaded file id…
    evidence = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "purpose", "recorded_at"], name="consent_lead_purpose"),
            models.Index(
                fields=["email", "purpose", "recorded_at"],
                name="consent_email_purpose",
                condition=~Q(email=""),
            ),
            models.Index(
                fields=["phone", "purpose", "recorded_at"],
                name="consent_phone_purpose",
                condition=~Q(phone=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="", phone="", lead__isnull=True), name="consent_names_a_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose}: {self.status} @ {self.recorded_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Consent records are never changed: record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Consent records are never deleted: record a withdrawal.")

    @property
    def purpose_label(self) -> str:
        return str(dict(Purpose.choices).get(self.purpose, self.purpose))


class Restriction(models.Model):
    """A person's processing blocked at their request (or by law) until it is lifted."""

    reason = models.TextField()
    # the data-subject request this answers (the compliance register's reference, a ticket…)
    request_reference = models.CharField(max_length=100, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # the lead it was asked from, when there was one
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # or the record other than a lead it was asked from (a client contact: "clients.contact"
    # and its id); the app that owns that record checks who sees it
    holder_type = models.CharField(max_length=40, blank=True)
    holder_id = models.BigIntegerField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["holder_type", "holder_id"],
                name="restriction_holder",
                condition=~Q(holder_type=""),
            )
        ]

    def __str__(self) -> str:
        return f"Restriction #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class RestrictedValue(models.Model):
    """One contact value of a restricted person (an e-mail, a phone, a social profile or
    messenger link, under every kind it may come back as); ``active`` while the restriction
    holds (copied, so the check is one lookup on a partial index)."""

    restriction = models.ForeignKey(Restriction, on_delete=models.CASCADE, related_name="values")
    kind = models.CharField(max_length=12)  # leads.ContactKind
    value = models.CharField(max_length=320)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["kind", "value"], name="restricted_active", condition=Q(active=True)
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["restriction", "kind", "value"], name="restricted_value_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"
