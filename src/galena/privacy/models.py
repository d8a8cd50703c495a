"""What the privacy app stores: the record of each erasure (never the erased values), the
leads already depersonalised, and the retention periods per purpose."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ErasureOrigin(models.TextChoices):
    REQUEST = "request", _("The person's request")
    RETENTION = "retention", _("Retention period over")


class Erasure(models.Model):
    """One erasure: who, when, why, which records and how many rows of each table — the
    evidence that it happened, holding none of the values it erased."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(max_length=10, choices=ErasureOrigin.choices)
    purpose = models.CharField(max_length=32, blank=True, help_text=_("For a retention sweep."))
    reason = models.TextField(blank=True)
    lead_ids = models.JSONField(default=list, blank=True)
    contact_ids = models.JSONField(default=list, blank=True)
    # model label -> rows changed or deleted
    counts = models.JSONField(default=dict, blank=True)
    files_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"{self.get_origin_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def rows_total(self) -> int:
        return sum(int(n) for n in (self.counts or {}).values())


class ErasedLead(models.Model):
    """A lead whose personal data is gone: what the retention sweep skips and the card shows."""

    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.CASCADE, primary_key=True, related_name="erasure_mark"
    )
    erasure = models.ForeignKey(Erasure, on_delete=models.CASCADE, related_name="leads")
    erased_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"lead {self.lead_id} erased {self.erased_at:%Y-%m-%d}"


class RetentionPurpose(models.TextChoices):
    PSEUDO_LEADS = "pseudo_leads", _("Pseudo-leads (spam, bots, tests)")
    REJECTED_LEADS = "rejected_leads", _("Rejected leads")
    DEFERRED_LEADS = "deferred_leads", _("Deferred leads")
    OPEN_LEADS = "open_leads", _("Open leads nobody worked on")
    CONVERTED_LEADS = "converted_leads", _("Converted leads (the client record stays)")
    UNLINKED_SUBMISSIONS = "unlinked_submissions", _("Submissions that made no lead")


class RetentionPolicy(models.Model):
    """How long the personal data kept for one purpose stays before it is depersonalised.
    Seeded with defaults by a migration; edited in the admin."""

    purpose = models.CharField(max_length=32, choices=RetentionPurpose.choices, unique=True)
    days = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text=_("Days after the last change (for leads) or the receipt (for submissions)."),
    )
    is_active = models.BooleanField(
        default=True, help_text=_("Off: nothing of this purpose is depersonalised.")
    )
    note = models.TextField(blank=True, help_text=_("Why this period: the law or the reason."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose"]
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.days}"


class SubmissionContact(models.Model):
    """An e-mail address or phone number (normalised as a contact point stores it) found in a
    submission that made no lead — an interest: how a person's access or erasure request
    finds those submissions with one indexed lookup instead of reading every body. Written
    by intake (``settings.INTAKE_UNLINKED_HOOKS``) when the submission is processed."""

    submission = models.ForeignKey("intake.Submission", on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=320)

    class Meta:
        indexes = [models.Index(fields=["value"], name="submission_contact_value")]
        constraints = [
            models.UniqueConstraint(fields=["submission", "value"], name="submission_contact_once")
        ]

    def __str__(self) -> str:
        return f"submission {self.submission_id}: {self.value}"
