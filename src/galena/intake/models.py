"""Every inbound item exactly as received, before anything else happens to it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel
from galena.intake.fields import field_errors, fields_or_default, origin_errors
from galena.intake.quiz import definition_errors as quiz_definition_errors
from galena.leads.models import Channel


def new_form_key() -> str:
    return "f_" + secrets.token_urlsafe(16)


class FormKind(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    QUIZ = "quiz", _("Quiz")
    CALLBACK = "callback", _("Callback widget")
    QUICK_ENTRY = "quick_entry", _("Offline quick entry")


class LeadRule(models.TextChoices):
    NAME_AND_CONTACT = "name_and_contact", _("A name and a personal way to reach them")
    CONTACT = "contact", _("Any personal way to reach them (a name is not needed)")
    ANY = "any", _("Every submission is a lead")


class Form(TimeStampedModel):
    """A capture point defined in Galena: its key identifies the form, its source and
    the defaults of the leads it brings."""

    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True, help_text=_("Hosted page: /f/<slug>/"))
    key = models.CharField(max_length=64, unique=True, default=new_form_key, editable=False)
    kind = models.CharField(max_length=16, choices=FormKind.choices, default=FormKind.WEB_FORM)
    channel = models.CharField(max_length=32, choices=Channel.choices, default=Channel.LANDING_PAGE)
    source = models.ForeignKey("leads.Source", on_delete=models.PROTECT, related_name="forms")
    campaign = models.ForeignKey(
        "leads.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="forms"
    )
    offline_event = models.ForeignKey(
        "leads.OfflineEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="forms"
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    default_team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="forms"
    )
    default_region = models.CharField(
        max_length=2, blank=True, help_text=_("Region for phone numbers written without +code.")
    )
    interest = models.CharField(
        max_length=200, blank=True, help_text=_("Product or service this form asks about.")
    )
    fields = models.JSONField(
        default=list,
        blank=True,
        help_text=_("List of {name, label, type, required, options}: the form's fields."),
    )
    quiz = models.JSONField(
        default=dict, blank=True, help_text=_("Quiz steps: questions, options, branching.")
    )
    incentive = models.CharField(
        max_length=200, blank=True, help_text=_("Shown on completion, e.g. a discount code.")
    )
    consent_text = models.TextField(blank=True)
    consent_version = models.CharField(max_length=40, blank=True)
    consent_purposes = models.JSONField(default=list, blank=True)
    thank_you_message = models.TextField(blank=True)
    redirect_url = models.URLField(blank=True)
    allowed_origins = models.JSONField(
        default=list, blank=True, help_text=_("Sites allowed to post, e.g. https://example.com")
    )
    lead_rule = models.CharField(
        max_length=20,
        choices=LeadRule.choices,
        default=LeadRule.NAME_AND_CONTACT,
        help_text=_("What a submission needs to become a lead; the rest are kept as interests."),
    )
    double_opt_in = models.BooleanField(
        default=False,
        help_text=_("E-mail a confirmation link; the lead is verified when it is followed."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {
            "fields": field_errors(self.fields),
            "quiz": quiz_definition_errors(self.quiz)
            if self.kind == FormKind.QUIZ or self.quiz
            else [],
            "allowed_origins": origin_errors(self.allowed_origins),
        }
        if errors := {name: messages for name, messages in errors.items() if messages}:
            raise ValidationError(errors)

    @property
    def visitor_fields(self) -> list[dict]:
        """The fields the visitor fills: the form's own, or its kind's defaults."""
        return fields_or_default(self.fields, self.kind)


class TrackingNumber(TimeStampedModel):
    """A call-tracking number: calls to it are attributed to its source and campaign."""

    number = models.CharField(max_length=20, unique=True, help_text=_("E.164, e.g. +40312345678"))
    source = models.ForeignKey(
        "leads.Source", on_delete=models.PROTECT, related_name="tracking_numbers"
    )
    campaign = models.ForeignKey(
        "leads.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tracking_numbers",
    )
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.number


class SubmissionOutcome(models.TextChoices):
    NONE = "", _("—")
    CREATED = "created", _("New lead")
    ATTACHED = "attached", _("Attached to an existing lead")
    INTEREST = "interest", _("Interest (not a lead)")
    QUARANTINED = "quarantined", _("Quarantined")
    REJECTED = "rejected", _("Rejected as pseudo-lead")


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class Submission(models.Model):
    channel = models.CharField(max_length=32, choices=Channel.choices)
    adapter = models.CharField(
        max_length=40, help_text=_("The channel adapter that parses this submission.")
    )
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
    form = models.ForeignKey(
        Form, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    status = models.CharField(
        max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED
    )
    outcome = models.CharField(
        max_length=12, choices=SubmissionOutcome.choices, blank=True, default=""
    )
    decision = models.JSONField(default=dict, blank=True, help_text=_("The stages' reasons."))
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
    # set when processed, for the quality checks and the per-source report
    source = models.ForeignKey(
        "leads.Source", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    network = models.CharField(
        max_length=50, blank=True, help_text=_("The sender's network: /24 for IPv4, /48 for IPv6.")
    )
    device = models.CharField(
        max_length=64, blank=True, help_text=_("A hash of the sender's device fingerprint.")
    )
    content_hash = models.CharField(
        max_length=64, blank=True, help_text=_("A hash of who the submission is about.")
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="submission_status"),
            models.Index(fields=["remote_addr", "received_at"], name="submission_address"),
            models.Index(fields=["network", "received_at"], name="submission_network"),
            models.Index(fields=["device", "received_at"], name="submission_device"),
            models.Index(fields=["content_hash", "received_at"], name="submission_content"),
            models.Index(fields=["source", "received_at"], name="submission_source"),
            # analytics: the contact-less interests received in a period
            models.Index(
                fields=["received_at"],
                name="submission_interest",
                condition=Q(outcome="interest"),
            ),
            # the worker's claim: the first waiting submissions in order, however many wait
            # (without it, every claim read and sorted the whole backlog)
            models.Index(fields=["id"], name="submission_waiting", condition=Q(status="received")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="submission_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} ({self.status})"


class DecisionReason(models.Model):
    """One reason a stage gave for a submission's outcome, one row each: what the
    per-source credibility report and the review queue count and filter by."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reasons")
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source = models.ForeignKey(
        "leads.Source", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(max_length=40)
    code = models.CharField(max_length=60)
    outcome = models.CharField(max_length=12, choices=SubmissionOutcome.choices, blank=True)
    points = models.SmallIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # the credibility report: a period, grouped by source and reason
            models.Index(fields=["received_at", "source", "code"], name="reason_time_source_code"),
            models.Index(fields=["code", "received_at"], name="reason_code_time"),
        ]

    def __str__(self) -> str:
        return f"{self.stage}.{self.code}"


# --- inbound channels: e-mail, calls, chats, ad-platform lead forms ----------------------


def new_mailbox_key() -> str:
    return "m_" + secrets.token_urlsafe(24)


def new_integration_key() -> str:
    return "i_" + secrets.token_urlsafe(16)


def new_integration_secret() -> str:
    return secrets.token_urlsafe(32)


class InboundEndpoint(TimeStampedModel):
    """What every inbound integration gives the leads it brings: a campaign, an owner or
    team by default; and a switch."""

    campaign = models.ForeignKey(
        "leads.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    default_team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Mailbox(InboundEndpoint):
    """An inbound address: messages posted to /api/v1/inbound/email/<key> (or fetched over
    IMAP for the mailbox named in INTAKE_IMAP_MAILBOX) bring leads with its attribution."""

    name = models.CharField(max_length=160, unique=True)
    key = models.CharField(
        max_length=64,
        unique=True,
        default=new_mailbox_key,
        help_text=_("Secret part of the inbound URL; whoever knows it can post messages."),
    )
    source = models.ForeignKey("leads.Source", on_delete=models.PROTECT, related_name="mailboxes")


class IntegrationKind(models.TextChoices):
    CALLS = "calls", _("Call tracking")
    CHAT = "chat", _("Chat / messenger")


class IntegrationProvider(models.TextChoices):
    GENERIC = "generic", _("Generic (Galena's JSON, HMAC-signed)")
    TWILIO = "twilio", _("Twilio voice status callback")


class WebhookIntegration(InboundEndpoint):
    """A call-tracking or chat service that posts to /api/v1/inbound/calls|chat/<key>,
    signing each request with the secret (for Twilio: the account's auth token)."""

    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=8, choices=IntegrationKind.choices)
    provider = models.CharField(
        max_length=12, choices=IntegrationProvider.choices, default=IntegrationProvider.GENERIC
    )
    key = models.CharField(max_length=64, unique=True, default=new_integration_key)
    secret = models.CharField(
        max_length=200,
        default=new_integration_secret,
        help_text=_("Signs the requests (HMAC); for Twilio, the account's auth token."),
    )
    source = models.ForeignKey(
        "leads.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Chats: the leads' source. Calls take theirs from the tracking number."),
    )
    default_region = models.CharField(
        max_length=2, blank=True, help_text=_("Region for phone numbers written without +code.")
    )


class AdPlatform(models.TextChoices):
    META = "meta", _("Meta (Facebook / Instagram) Lead Ads")
    GOOGLE = "google", _("Google Ads lead form")


class AdPlatformIntegration(InboundEndpoint):
    """An ad platform's lead-form webhook at /api/v1/inbound/meta|google-ads/<key>."""

    platform = models.CharField(max_length=8, choices=AdPlatform.choices)
    name = models.CharField(max_length=160)
    key = models.CharField(max_length=64, unique=True, default=new_integration_key)
    verify_token = models.CharField(
        max_length=200, blank=True, help_text=_("Meta: the webhook's verify token.")
    )
    app_secret = models.CharField(
        max_length=200, blank=True, help_text=_("Meta: the app secret that signs the webhooks.")
    )
    access_token = models.CharField(
        max_length=500, blank=True, help_text=_("Meta: a Page token that may read the leads.")
    )
    google_key = models.CharField(
        max_length=200, blank=True, help_text=_("Google: the key set on the lead form's webhook.")
    )
    source = models.ForeignKey("leads.Source", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "leads.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Used when the platform's campaign id maps to no campaign."),
    )


class ExternalCampaign(models.Model):
    """An ad platform's campaign id, mapped to a Galena campaign for attribution."""

    platform = models.CharField(max_length=8, choices=AdPlatform.choices)
    external_id = models.CharField(max_length=64)
    campaign = models.ForeignKey(
        "leads.Campaign", on_delete=models.CASCADE, related_name="external_ids"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="external_campaign_unique_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.external_id}"


# --- file imports ---------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Dry run in progress")
    DRY_RUN_DONE = "dry_run_done", _("Dry run done")
    RUNNING = "running", _("Importing")
    INTERRUPTED = "interrupted", _("Interrupted (can resume)")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(TimeStampedModel):
    """One CSV/XLSX file imported into leads: the stored file, how its columns map to
    fields, and how far the import got. ``processed_rows`` is the checkpoint, advanced in
    the same transaction as the rows it counts, so a resumed import starts right after."""

    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    source = models.ForeignKey("leads.Source", on_delete=models.PROTECT, related_name="imports")
    campaign = models.ForeignKey(
        "leads.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="imports"
    )
    headers = models.JSONField(default=list, blank=True, help_text=_("The file's column names."))
    mapping = models.JSONField(
        default=list,
        blank=True,
        help_text=_('One target per column: a lead field, "attribute:NAME" or "ignore".'),
    )
    options = models.JSONField(
        default=dict, blank=True, help_text=_("encoding, delimiter, sheet, channel.")
    )
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0, help_text=_("Dry run progress."))
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    other_count = models.PositiveIntegerField(
        default=0, help_text=_("Rows kept as interest or attached to an existing lead.")
    )
    error_report = models.JSONField(
        default=dict, blank=True, help_text=_("Counts and the first problems, by row.")
    )
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import #{self.pk} {self.original_name}"

    @property
    def endpoint(self) -> str:
        """The endpoint of this import's submissions; their idempotency key is the row."""
        return f"import:{self.pk}"

    @property
    def progress_percent(self) -> int:
        done = self.checked_rows if self.status == ImportStatus.CHECKING else self.processed_rows
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, done * 100 // self.total_rows)
