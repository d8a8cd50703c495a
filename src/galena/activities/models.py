"""The work on a lead that leaves a trace outside Galena: e-mails from templates, the
documents sent as offers and price lists, and meetings with their calendar invitations.

Calls are CALL events (quality.verification.lead_call_log); tasks are leads.Task. Business
logic lives in services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel

# --- e-mail templates -----------------------------------------------------------------


class EmailPurpose(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OFFER = "offer", _("Commercial offer")
    MEETING = "meeting", _("Meeting")
    THANK_YOU = "thank_you", _("Thank you")
    MARKETING = "marketing", _("Marketing")
    OTHER = "other", _("Other")


class EmailTemplate(TimeStampedModel):
    """A reusable e-mail with merge fields (``{{ first_name }}``…), edited in the admin."""

    name = models.CharField(_("name"), max_length=120)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=EmailPurpose.choices, default=EmailPurpose.OTHER
    )
    language = models.CharField(
        _("language"),
        max_length=12,
        blank=True,
        help_text=_("Language code (en, ro…); empty: for leads of any language."),
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Plain text with merge fields such as {{ first_name }} and {{ signature }}; "
            "links become clickable and blank lines paragraphs in the HTML part."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "language"], name="email_template_unique_name_per_language"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language when it is one of the seeded templates' names
        (the catalogues translate them); a business's own names as written."""
        return gettext(self.name)


class Signature(TimeStampedModel):
    """A person's e-mail signature, the ``{{ signature }}`` merge field of their e-mails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_signature"
    )
    text = models.TextField(_("signature"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("e-mail signature")
        verbose_name_plural = _("e-mail signatures")

    def __str__(self) -> str:
        return f"{self.user}"


# --- documents: offers and price lists ------------------------------------------------


class DocumentKind(models.TextChoices):
    OFFER = "offer", _("Commercial offer")
    PRICE_LIST = "price_list", _("Price list")
    OTHER = "other", _("Other material")


class Document(TimeStampedModel):
    """A file to send: a price list or brochure for everyone (no lead), or a commercial
    offer made for one lead."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=120)
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        help_text=_("Set for an offer made for one lead; empty for material for everyone."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "title", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["lead", "is_active"], name="document_lead_active")]

    def __str__(self) -> str:
        return self.title


# --- sent e-mails ---------------------------------------------------------------------


class EmailKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    MARKETING = "marketing", _("Marketing")


class EmailStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SentEmail(models.Model):
    """An e-mail Galena sent a lead (or tried to): kept whole, so a failure is never lost and
    a reply finds its lead by the Message-ID."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="sent_emails")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template = models.ForeignKey(
        EmailTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=EmailKind.choices, default=EmailKind.PERSONAL)
    # the event written once it is sent: email_sent, offer_sent, meeting_scheduled, nurture…
    event_type = models.CharField(max_length=32, default="email_sent")
    event_params = models.JSONField(default=dict, blank=True)
    from_email = models.CharField(max_length=320)
    to = models.CharField(max_length=320)
    # copies: the other people invited to a meeting
    cc = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # [{"name", "content_type", "size", "document_id"?}]; generated files (an .ics) are
    # rebuilt from their source on a retry
    attachments = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.SENDING
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # when the last attempt started: an e-mail still "sending" long after is taken as lost
    # (the process died) and may be sent again
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    meeting = models.ForeignKey(
        "activities.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sent e-mail")
        verbose_name_plural = _("sent e-mails")
        indexes = [
            models.Index(fields=["lead", "-created_at"], name="sent_email_lead_time"),
            # a person's e-mails by their address, when it is on no lead any more (the
            # lead's address was corrected, the lead merged): access and erasure
            models.Index(fields=["to"], name="sent_email_to"),
            models.Index(
                fields=["status", "created_at"],
                name="sent_email_failed",
                condition=Q(status="failed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


# --- meetings -------------------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(TimeStampedModel):
    """A meeting with a lead: a ``meeting`` task for its organiser and an .ics invitation
    (UID stable, SEQUENCE raised by each change)."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="meetings")
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    location = models.CharField(_("place"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    description = models.TextField(_("agenda"), blank=True, max_length=5000)
    attendees = models.JSONField(_("attendees"), default=list, blank=True)
    uid = models.CharField(max_length=255, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    task = models.ForeignKey(
        "leads.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [
            models.Index(fields=["organizer", "status", "starts_at"], name="meeting_organizer_day"),
            models.Index(fields=["lead", "starts_at"], name="meeting_lead_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
