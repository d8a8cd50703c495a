"""The register of data-subject requests (with every step taken on each) and the audit log of
who read or exported personal data in bulk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access: what is held and how it is used")
    RECTIFY = "rectify", _("Rectify: correct wrong or incomplete data")
    RESTRICT = "restrict", _("Restrict: stop processing (block)")
    ERASE = "erase", _("Erase: destroy the data")
    WITHDRAW_CONSENT = "withdraw_consent", _("Withdraw consent")
    OBJECT = "object", _("Object to processing")


class RequestStatus(models.TextChoices):
    NEW = "new", _("New (identity not verified)")
    VERIFIED = "verified", _("Verified")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS)
CLOSED_STATUSES = (RequestStatus.DONE, RequestStatus.REFUSED)


class RequestChannel(models.TextChoices):
    PUBLIC_PAGE = "public_page", _("Public request page")
    STAFF = "staff", _("Registered by staff (letter, call, e-mail)")
    API = "api", _("API")


class DataRequest(TimeStampedModel):
    """One request of a person about their personal data, from receipt to its outcome."""

    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    email = models.CharField(
        max_length=254, blank=True, db_index=True, help_text=_("Normalised, lower case.")
    )
    phone = models.CharField(max_length=32, blank=True, db_index=True, help_text=_("E.164."))
    details = models.TextField(blank=True, help_text=_("What the person wrote."))
    channel = models.CharField(
        max_length=20, choices=RequestChannel.choices, default=RequestChannel.STAFF
    )
    language = models.CharField(max_length=10, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text=_("The answer is owed by then."))
    verified_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.NEW, db_index=True
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_requests_handled",
    )
    outcome = models.TextField(blank=True, help_text=_("What was done, or why it was refused."))
    closed_at = models.DateTimeField(null=True, blank=True)
    # what the request concerns, found or named while handling it: {"lead_ids": [...], ...}
    linked = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="compliance_req_status_due")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def subject(self) -> str:
        return " · ".join(value for value in (self.email, self.phone) if value)


class RequestAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Identity verified")
    TAKEN = "taken", _("Handler set")
    NOTE = "note", _("Note")
    FULFILLED = "fulfilled", _("Carried out")
    DONE = "done", _("Closed as done")
    REFUSED = "refused", _("Refused")
    REOPENED = "reopened", _("Reopened")
    EXTENDED = "extended", _("Deadline extended")


class DataRequestEvent(models.Model):
    """A step on a request: who did what, when (the request's own trail)."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=RequestAction.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · #{self.request_id}"


class AuditAction(models.TextChoices):
    BULK_EXPORT = "bulk_export", _("Bulk export")
    BULK_VIEW = "bulk_view", _("Bulk view")
    SUBJECT_EXPORT = "subject_export", _("A person's data exported")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction")
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Consent withdrawn")


class AuditEntry(models.Model):
    """Who read, exported or destroyed personal data, when, how much, and by which filter."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, help_text=_("e.g. leads.Lead"))
    count = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True, help_text=_("The filter or parameters."))
    ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["action", "-occurred_at"], name="compliance_audit_action"),
            models.Index(fields=["actor", "-occurred_at"], name="compliance_audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.object_type} × {self.count}"
