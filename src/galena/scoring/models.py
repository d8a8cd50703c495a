"""Scoring's data: tracked behaviour, score rules and settings, each lead's stored score
components, and the trained predictive models.

How the score stays right at any moment without rewriting every lead is written down in
docs/decisions/0003-scoring-decay.md: a lead's behaviour points are stored as one value
at one moment (``LeadScore.engagement_points`` at ``engagement_epoch``), and their value
now is that value halved once per half-life since.
"""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel
from galena.leads.models import Campaign, Channel, Lead, Source, Temperature

# --------------------------------------------------------------------------- behaviour


class TrackedKind(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page view")
    DOWNLOAD = "download", _("Download")
    VIDEO = "video", _("Video watched")
    WEBINAR = "webinar", _("Webinar attended")
    EMAIL_OPEN = "email_open", _("E-mail opened")
    EMAIL_CLICK = "email_click", _("E-mail link clicked")
    FORM_SUBMIT = "form_submit", _("Form submitted")
    CALL_ANSWERED = "call_answered", _("Call answered")
    QUESTIONS_ANSWERED = "questions_answered", _("Questions answered")
    OFFER_VIEWED = "offer_viewed", _("Offer viewed")
    CUSTOM = "custom", _("Other")


class TrackedOrigin(models.TextChoices):
    BROWSER = "browser", _("Browser")
    SERVER = "server", _("Server")
    EMAIL = "email", _("E-mail")


class Visitor(models.Model):
    """A browser known by its first-party cookie; linked to a lead once the person identifies
    (a form sent with the same visitor id, a tracked e-mail link)."""

    key = models.CharField(max_length=64, unique=True)
    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="visitors"
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    identified_at = models.DateTimeField(null=True, blank=True)
    # first touch: where the first visit came from (``scoring.attribution``); an empty
    # channel means it told nothing (a direct visit, an unknown site) and the funnel then
    # counts the visitor by the lead it identified as
    channel = models.CharField(max_length=32, choices=Channel.choices, blank=True)
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    landing_page = models.TextField(blank=True)
    referrer = models.TextField(blank=True)

    class Meta:
        # analytics: the visitors first seen in a period, the lead they identified as and
        # their first touch, read from the index alone (the funnel's per-slice visitors)
        indexes = [
            models.Index(
                fields=["first_seen_at", "lead", "channel", "source", "campaign"],
                name="visitor_first_seen_touch",
            ),
            # and a region's: from each of the region's leads to its visitors of the period
            # (the funnel for a region per channel, source or campaign), not a scan of them all
            models.Index(
                fields=["lead", "first_seen_at", "channel", "source", "campaign"],
                name="visitor_lead_first_seen",
                condition=models.Q(lead__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.key


class TrackedEvent(models.Model):
    """One thing a visitor or lead did: a page view, a download, a webinar, an e-mail opened,
    a call answered. Anonymous until the visitor is known: then ``lead`` is set."""

    visitor_key = models.CharField(max_length=64, blank=True)
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, null=True, blank=True, related_name="tracked_events"
    )
    kind = models.CharField(max_length=24, choices=TrackedKind.choices)
    category = models.CharField(
        max_length=40, blank=True, help_text=_("pricing, payment, contacts, product, …")
    )
    url = models.TextField(blank=True)
    title = models.CharField(max_length=300, blank=True)
    origin = models.CharField(
        max_length=8, choices=TrackedOrigin.choices, default=TrackedOrigin.BROWSER
    )
    properties = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(default=timezone.now)
    # a sender's own id for the event: the same event sent twice is stored once
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-occurred_at"], name="tracked_lead_time"),
            models.Index(fields=["visitor_key", "-occurred_at"], name="tracked_visitor_time"),
            models.Index(fields=["kind", "occurred_at"], name="tracked_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category or self.url}"[:120]


class PageCategoryRule(models.Model):
    """Which pages are pricing, payment, contacts, product…: a page whose address contains
    ``url_contains`` gets ``category`` (the first rule in order wins; a page the site's
    script names itself keeps that name)."""

    url_contains = models.CharField(max_length=300)
    category = models.CharField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.url_contains} → {self.category}"


# --------------------------------------------------------------------------- rules


class ScoreGroup(models.TextChoices):
    FIT = "fit", _("Fit")
    ENGAGEMENT = "engagement", _("Engagement")


class RuleKind(models.TextChoices):
    PROFILE = "profile", _("Profile: what the lead is")
    BEHAVIOUR = "behaviour", _("Behaviour: what the lead did")


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    EACH = "each", _("Each time")


class ScoreRule(TimeStampedModel):
    """Points for what a lead is (profile: "position contains director: +15") or did
    (behaviour: "viewed a page in category pricing: +10 each time, at most 30")."""

    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=RuleKind.choices, default=RuleKind.PROFILE)
    event_kind = models.CharField(
        max_length=24,
        choices=TrackedKind.choices,
        blank=True,
        help_text=_("Behaviour rules: the kind of event that gives the points."),
    )
    conditions = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'All must hold: [{"field": "position", "operator": "contains", "value": '
            '["director"]}]. Profile rules read lead fields and attributes.<answer>; '
            "behaviour rules read the event's category, url, title and properties.<name>."
        ),
    )
    points = models.IntegerField(help_text=_("Negative points are allowed."))
    frequency = models.CharField(max_length=4, choices=Frequency.choices, default=Frequency.ONCE)
    cap = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Behaviour rules: the most points this rule gives one lead at a time."),
    )
    hot_signal = models.BooleanField(
        default=False,
        help_text=_(
            "A lead this rule matches is hot whatever its points (asked for the price, …)."
        ),
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def group(self) -> str:
        """Profile rules count to fit, behaviour rules to engagement."""
        return ScoreGroup.FIT if self.kind == RuleKind.PROFILE else ScoreGroup.ENGAGEMENT

    def clean(self) -> None:
        from galena.scoring.rules import rule_errors

        if errors := rule_errors(
            kind=self.kind,
            event_kind=self.event_kind,
            conditions=self.conditions,
            frequency=self.frequency,
        ):
            raise ValidationError(errors)


class ScoreSettings(models.Model):
    """The business's scoring settings: one row."""

    updated_at = models.DateTimeField(auto_now=True)

    half_life_days = models.FloatField(
        default=30, help_text=_("Behaviour points lose half their value in this many days.")
    )
    warm_threshold = models.IntegerField(default=30)
    hot_threshold = models.IntegerField(default=60)
    fit_cap = models.IntegerField(
        null=True, blank=True, help_text=_("The most points the fit group counts.")
    )
    engagement_cap = models.IntegerField(
        null=True, blank=True, help_text=_("The most points the engagement group counts.")
    )
    hot_signal_days = models.FloatField(
        default=7, help_text=_("A hot signal keeps the lead hot this many days.")
    )
    min_outcomes = models.PositiveIntegerField(
        default=200,
        help_text=_("Closed leads (won and lost) needed before a predictive model is trained."),
    )
    min_outcomes_per_class = models.PositiveIntegerField(
        default=30, help_text=_("At least this many won and this many lost leads.")
    )

    class Meta:
        verbose_name_plural = _("score settings")

    def __str__(self) -> str:
        return str(_("Score settings"))

    def clean(self) -> None:
        errors = {}
        if self.half_life_days <= 0:
            errors["half_life_days"] = _("A half-life is a positive number of days.")
        if self.hot_threshold <= self.warm_threshold:
            errors["hot_threshold"] = _("The hot threshold must be above the warm threshold.")
        if self.hot_signal_days < 0:
            errors["hot_signal_days"] = _("Use 0 or more days.")
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------- per lead


class LeadScore(models.Model):
    """A lead's stored score components. Fit points are stored as they are; engagement as
    its value at ``engagement_epoch`` (seconds since 1970), which decays from there."""

    lead = models.OneToOneField(
        Lead, on_delete=models.CASCADE, primary_key=True, related_name="score_state"
    )
    fit_points = models.FloatField(default=0)
    fit_breakdown = models.JSONField(default=list, blank=True)
    engagement_points = models.FloatField(default=0)
    engagement_epoch = models.FloatField(default=0)
    hot_until = models.DateTimeField(null=True, blank=True)
    hot_reason = models.CharField(max_length=200, blank=True)
    # a person set the temperature by hand: scoring keeps the score but not the temperature
    temperature_by_hand = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"score of lead {self.lead_id}"


class ScoreComponent(models.Model):
    """Points one behaviour rule gave one lead for one event: the breakdown's lines."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="score_components")
    rule = models.ForeignKey(ScoreRule, on_delete=models.SET_NULL, null=True, blank=True)
    rule_name = models.CharField(max_length=120)
    group = models.CharField(max_length=12, choices=ScoreGroup.choices)
    event = models.ForeignKey(
        TrackedEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    points = models.FloatField(help_text=_("As given, before decay."))
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["lead", "rule", "occurred_at"], name="component_lead_rule")]

    def __str__(self) -> str:
        return f"{self.rule_name}: {self.points:+g}"


# --------------------------------------------------------------------------- predictive


class PredictiveModel(models.Model):
    """A model trained on the business's own won and lost leads."""

    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=False)
    algorithm = models.CharField(max_length=60)
    trained_on = models.PositiveIntegerField(help_text=_("Closed leads it learned from."))
    won = models.PositiveIntegerField()
    lost = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=list, blank=True)
    artifact = models.BinaryField(editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.algorithm} @ {self.created_at:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- tracking


def site_key_new() -> str:
    """A new public key for a tracked site."""
    return "site_" + secrets.token_urlsafe(12)


class TrackingSite(TimeStampedModel):
    """A website that runs Galena's tracking script: its public key names it in the
    script's requests, and only pages at its allowed origins may send from a browser."""

    name = models.CharField(max_length=120)
    key = models.CharField(
        max_length=40,
        unique=True,
        default=site_key_new,
        help_text=_("Public: it is written in the site's pages."),
    )
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "The site's addresses, e.g. https://www.example.com: only pages there may send "
            "events and read greetings."
        ),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from galena.intake.fields import origin_errors

        if errors := origin_errors(self.allowed_origins):
            raise ValidationError({"allowed_origins": errors})


GREETING_PLACEHOLDERS = ("first_name", "interest")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


class Greeting(TimeStampedModel):
    """A personal greeting or offer the tracking script shows a returning known visitor:
    the first active greeting, in order, whose conditions the visitor's lead meets."""

    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    site = models.ForeignKey(
        TrackingSite,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="greetings",
        help_text=_("Only on this site; empty for every site."),
    )
    temperatures = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The lead's temperature is one of these; none for any."),
    )
    interest_contains = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The lead's interest contains this text (in any case); empty for any."),
    )
    page_category = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("Only on pages of this category (pricing, product, …); empty for any."),
    )
    message = models.TextField(
        max_length=500,
        help_text=_(
            "Plain text; {first_name} and {interest} are replaced by the lead's own. A "
            "greeting that names a value the lead has not given is skipped."
        ),
    )
    offer_text = models.CharField(max_length=200, blank=True)
    offer_url = models.URLField(blank=True, validators=[URLValidator(schemes=["http", "https"])])

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        named = set(PLACEHOLDER.findall(self.message or ""))
        if unknown := sorted(named - set(GREETING_PLACEHOLDERS)):
            errors["message"] = _(
                "Unknown placeholder %(names)s: use {first_name} or {interest}."
            ) % {"names": ", ".join("{" + name + "}" for name in unknown)}
        known = set(Temperature.values)
        temperatures = self.temperatures if isinstance(self.temperatures, list) else [None]
        if not all(isinstance(t, str) and t in known for t in temperatures):
            errors["temperatures"] = _("Choose temperatures among %(names)s.") % {
                "names": ", ".join(Temperature.values)
            }
        if self.offer_url and not self.offer_text:
            errors["offer_text"] = _("An offer address needs a text to show.")
        if errors:
            raise ValidationError(errors)
