"""Telling people about their leads: in-app notifications, their e-mails, each user's
preferences, and outgoing webhooks with their delivery log.

A notification stores what happened (kind, lead, JSON parameters), never its English
text: titles and bodies are rendered when shown or sent, in the reader's language.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    LEAD_ASSIGNED = "lead_assigned", _("A lead was assigned to you")
    HOT_LEAD = "hot_lead", _("A lead of yours is hot")
    SLA_WARNING = "sla_warning", _("First response due soon")
    SLA_BREACH = "sla_breach", _("First response overdue")
    SLA_ESCALATED = "sla_escalated", _("An overdue lead escalated to you")
    REPEAT_INQUIRY = "repeat_inquiry", _("A lead of yours wrote again")
    QUEUE_ALERT = "queue_alert", _("A lead waits in your team's queue")
    LEAD_REACTIVATED = "lead_reactivated", _("A rejected or deferred lead of yours came back")


# What a user gets when they have not said otherwise: every kind in the app; e-mail for
# what needs acting on now, not for reminders the page already shows.
EMAIL_BY_DEFAULT = frozenset(
    {
        NotificationKind.LEAD_ASSIGNED,
        NotificationKind.HOT_LEAD,
        NotificationKind.SLA_BREACH,
        NotificationKind.SLA_ESCALATED,
        NotificationKind.QUEUE_ALERT,
        NotificationKind.LEAD_REACTIVATED,
    }
)


class Notification(models.Model):
    """One thing one user is told. ``in_app`` rows are listed and counted on the badge;
    a row kept only for its e-mail (in-app switched off) is not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the list, newest first
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=Q(in_app=True),
                name="notification_user_list",
            ),
            # the badge: one count over a small partial index
            models.Index(
                fields=["user"],
                condition=Q(in_app=True, read_at__isnull=True),
                name="notification_user_unread",
            ),
            # the e-mail sweep
            models.Index(
                fields=["created_at"],
                condition=Q(email_wanted=True, emailed_at__isnull=True),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(TimeStampedModel):
    """A user's choice for one kind; without a row the defaults hold (in-app on, e-mail
    per EMAIL_BY_DEFAULT)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"

    @staticmethod
    def default_for(kind: str) -> tuple[bool, bool]:
        """(in-app, e-mail) for a kind the user has not chosen for."""
        return True, kind in EMAIL_BY_DEFAULT


def webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Webhook(TimeStampedModel):
    """An outside system told of notification events: signed POSTs, retried."""

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500, help_text=_("Where events are POSTed (http or https)."))
    secret = models.CharField(
        max_length=100,
        default=webhook_secret,
        help_text=_("Signs every body (HMAC-SHA256); the receiver checks it."),
    )
    kinds = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Event kinds sent; empty: all."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook, and how sending it went."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=32)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.webhook_id} ({self.status})"
