"""Every inbound item exactly as received, before anything else happens to it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.leads.models import Channel


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class Submission(models.Model):
    channel = models.CharField(max_length=32, choices=Channel.choices)
    endpoint = models.CharField(
        max_length=120, blank=True, help_text=_("Form key, mailbox or webhook that received it.")
    )
    content_type = models.CharField(max_length=200, blank=True)
    raw_body = models.TextField(blank=True, help_text=_("The body exactly as received."))
    payload = models.JSONField(default=dict, blank=True, help_text=_("The body as parsed."))
    headers = models.JSONField(default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="submission_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="submission_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} ({self.status})"
