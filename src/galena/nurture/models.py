"""The deferred-demand base's data: who may not be written to (suppressions), the farewell
questionnaire with its invitations and answers, nurture sequences, their steps, each lead's
enrolment and every nurture e-mail sent.

Business logic lives in services.py; models hold fields, constraints and cheap properties.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel
from galena.nurture.merge import MERGE_FIELDS, unknown_fields


def _check_merge_fields(**texts: str) -> None:
    errors = {}
    for name, text in texts.items():
        unknown = unknown_fields(text)
        if unknown:
            errors[name] = _("Unknown merge field: %(names)s. Use: %(allowed)s.") % {
                "names": ", ".join(unknown),
                "allowed": ", ".join(MERGE_FIELDS),
            }
    if errors:
        raise ValidationError(errors)


# --- suppression ----------------------------------------------------------------------


class SuppressionMethod(models.TextChoices):
    LINK = "link", _("Unsubscribe link")
    ONE_CLICK = "one_click", _("One-click unsubscribe (mail client)")
    BY_HAND = "by_hand", _("Entered by hand")
    API = "api", _("API")
    BOUNCE = "bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    QUESTIONNAIRE = "questionnaire", _("Answered “no” to writing later")


class Suppression(models.Model):
    """An e-mail address nothing marketing may be sent to again: every sender checks it."""

    email = models.CharField(max_length=320, unique=True, help_text=_("Lower case."))
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suppressions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=16, choices=SuppressionMethod.choices)
    evidence = models.JSONField(
        default=dict, blank=True, help_text=_("Address, browser, link used: proof of the request.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.email


# The seeded questionnaire's texts (a data migration writes them), listed here so they are
# translated into the person's language when shown (FarewellQuestion.label, the e-mail).
DEFAULT_FAREWELL_TEXTS = (
    gettext_noop("A few words before we part"),
    gettext_noop(
        "Hello {{ first_name }},\n\n"
        "Thank you for considering us. We understand that our offer is not what you need "
        "right now.\n\n"
        "Would you tell us why? Four short questions, a minute of your time, and it helps us "
        "do better:\n{{ questionnaire_link }}\n\n"
        "Kind regards,\n{{ owner_name }}"
    ),
    gettext_noop("Why did you decide not to go ahead with us?"),
    gettext_noop("The price"),
    gettext_noop("We chose another company"),
    gettext_noop("The offer did not fit our needs"),
    gettext_noop("The timing is not right"),
    gettext_noop("Nobody answered us in time"),
    gettext_noop("Other"),
    gettext_noop("How would you rate the way we handled your request?"),
    gettext_noop("What would change your mind?"),
    gettext_noop("May we write to you later with offers?"),
    gettext_noop("Yes"),
    gettext_noop("No"),
)


# --- the farewell questionnaire -------------------------------------------------------


class QuestionKind(models.TextChoices):
    CHOICE = "choice", _("One of several answers")
    SCALE = "scale", _("A scale of 1 to 5")
    TEXT = "text", _("Free text")


class FarewellQuestionnaire(TimeStampedModel):
    """The short questionnaire a rejected lead's farewell e-mail links to."""

    name = models.CharField(max_length=120, unique=True)
    is_active = models.BooleanField(default=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text=_(
            "The e-mail's text. Merge fields: {{ first_name }}, {{ full_name }}, {{ company }}, "
            "{{ owner_name }}, {{ questionnaire_link }}, {{ unsubscribe_link }}; the links are "
            "added at the end when not used."
        )
    )
    auto_send = models.BooleanField(
        default=True, help_text=_("Send it when a lead is rejected for one of the reasons below.")
    )
    auto_send_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Codes of the rejection reasons it is sent for automatically, e.g. "
            '["no_budget", "bought_elsewhere"]; empty: every reason but "unreachable".'
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_merge_fields(subject=self.subject, body=self.body)


class FarewellQuestion(models.Model):
    questionnaire = models.ForeignKey(
        FarewellQuestionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=40, help_text=_("Names the answer in reports and the API."))
    kind = models.CharField(max_length=8, choices=QuestionKind.choices)
    text = models.CharField(max_length=300)
    choices = models.JSONField(
        default=list, blank=True, help_text=_('For a choice: the answers, e.g. ["Yes", "No"].')
    )
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "code"], name="farewell_question_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        if self.kind == QuestionKind.CHOICE and not self.choices:
            raise ValidationError({"choices": _("A choice question needs its answers.")})
        if self.choices and not all(isinstance(c, str) and c for c in self.choices):
            raise ValidationError({"choices": _("Give the answers as a list of texts.")})

    @property
    def label(self) -> str:
        """The text in the reader's language when the catalogues translate it (the seeded
        questions); a business's own questions as written."""
        return gettext(self.text)

    def choice_labels(self) -> list[tuple[str, str]]:
        return [(choice, gettext(choice)) for choice in self.choices]


class FarewellInvitation(models.Model):
    """One farewell e-mail sent to a lead: at most one per lead."""

    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.CASCADE, related_name="farewell_invitation"
    )
    questionnaire = models.ForeignKey(
        FarewellQuestionnaire, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.CharField(max_length=320)
    language = models.CharField(max_length=12, blank=True)
    rejection_reason_code = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        # the person's invitations by address, when it is on no lead any more: access and
        # erasure (galena.privacy)
        indexes = [models.Index(fields=["email"], name="farewell_invitation_email")]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.email}"


class FarewellAnswer(models.Model):
    """The person's answers to their farewell questionnaire: given once."""

    invitation = models.OneToOneField(
        FarewellInvitation, on_delete=models.CASCADE, related_name="answer"
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="farewell_answers"
    )
    answers = models.JSONField(default=dict, help_text=_("Question code → answer."))
    answered_at = models.DateTimeField(default=timezone.now, db_index=True)
    may_write_later = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-answered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.lead_id} @ {self.answered_at:%Y-%m-%d}"


# --- nurture sequences ----------------------------------------------------------------


class Audience(models.TextChoices):
    REJECTED = "rejected", _("Rejected leads")
    DEFERRED = "deferred", _("Deferred leads")
    COLD = "cold", _("Cold leads in the pipeline")


class Sequence(TimeStampedModel):
    """Scheduled e-mails for one audience: offers, reminders, holiday greetings."""

    name = models.CharField(max_length=120, unique=True)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    rejection_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Rejection reason codes it is for (rejected leads); empty: any reason."),
    )
    sources = models.ManyToManyField(
        "leads.Source",
        blank=True,
        related_name="+",
        help_text=_("Only leads from these sources; none: any source."),
    )
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Only leads in these languages, e.g. ["ro", "en"]; empty: any language.'),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SequenceStep(models.Model):
    """One e-mail of a sequence: ``wait_days`` after the previous one (or the enrolment), or
    on a fixed date (a holiday greeting), in one language or for every language (blank)."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=1)
    language = models.CharField(
        max_length=12,
        blank=True,
        help_text=_("The text's language; blank: for leads whose language has no own version."),
    )
    wait_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Days after the previous e-mail (or the enrolment).")
    )
    send_on = models.DateField(
        null=True, blank=True, help_text=_("Or a fixed date, e.g. a holiday greeting.")
    )
    repeat_yearly = models.BooleanField(
        default=False, help_text=_("With a fixed date: on that day every year.")
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text=_(
            "Merge fields: {{ first_name }}, {{ full_name }}, {{ company }}, {{ owner_name }}, "
            "{{ interest }}, {{ unsubscribe_link }}; the unsubscribe link is added at the end "
            "when not used."
        )
    )

    class Meta:
        ordering = ["sequence", "order", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "order", "language"], name="sequence_step_unique_order"
            ),
            models.CheckConstraint(
                condition=Q(wait_days__isnull=False, send_on__isnull=True)
                | Q(wait_days__isnull=True, send_on__isnull=False),
                name="sequence_step_wait_or_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} #{self.order} {self.language}".strip()

    def clean(self) -> None:
        _check_merge_fields(subject=self.subject, body=self.body)
        if (self.wait_days is None) == (self.send_on is None):
            raise ValidationError(
                _("Give either the days to wait after the previous e-mail or a fixed date.")
            )


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FINISHED = "finished", _("Finished")
    STOPPED = "stopped", _("Stopped")


class StopReason(models.TextChoices):
    NONE = "", _("—")
    ANSWERED = "answered", _("The lead wrote or called again")
    REENTERED = "reentered", _("Back in the pipeline")
    CONVERTED = "converted", _("Became a client")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    NO_CONSENT = "no_consent", _("No consent for e-mail marketing")
    NO_EMAIL = "no_email", _("No valid e-mail address")
    LEFT_AUDIENCE = "left_audience", _("No longer in the sequence's audience")
    SEQUENCE_OFF = "sequence_off", _("The sequence was switched off")
    BY_HAND = "by_hand", _("Stopped by hand")


class Enrollment(models.Model):
    """A lead in a sequence: which step is next and when."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="enrollments")
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    next_step = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("The order of the step sent next.")
    )
    next_send_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(
        max_length=16, choices=StopReason.choices, blank=True, default=StopReason.NONE
    )

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "sequence"],
                condition=Q(status="active"),
                name="enrollment_one_active_per_lead_sequence",
            )
        ]
        indexes = [
            # the sweep: active enrolments due first
            models.Index(
                fields=["next_send_at"],
                condition=Q(status="active"),
                name="enrollment_active_due",
            ),
            models.Index(fields=["lead", "status"], name="enrollment_lead_status"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} in {self.sequence_id} ({self.status})"


class MessageStatus(models.TextChoices):
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NurtureMessage(models.Model):
    """One step sent (or being sent) to one enrolment: recorded before the e-mail leaves,
    so a crash mid-batch never sends a step twice."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="messages")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(SequenceStep, on_delete=models.SET_NULL, null=True, related_name="+")
    step_order = models.PositiveSmallIntegerField()
    email = models.CharField(max_length=320)
    subject = models.CharField(max_length=200)
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.SENDING
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        # the person's messages by address, when it is on no lead any more: access and
        # erasure (galena.privacy)
        indexes = [models.Index(fields=["email"], name="nurture_message_email")]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "step_order"], name="nurture_message_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.email}"


class DeferredDemand(models.Model):
    """A lead's entry into the deferred-demand base (rejected or deferred): when, and how
    warm it was then, so a later warming is told from the temperature it left with."""

    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.CASCADE, related_name="deferred_demand"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    temperature_at_entry = models.CharField(max_length=10, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.lead_id} since {self.entered_at:%Y-%m-%d}"
