"""The ground floor: leads, their contact points, stages, tasks, events and attribution.

Business logic lives in services.py; models hold fields, constraints and cheap properties.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel

# --- attribution ----------------------------------------------------------------------


class Channel(models.TextChoices):
    ORGANIC_SEARCH = "organic_search", _("Search (organic)")
    PAID_SEARCH = "paid_search", _("Contextual ads")
    BANNER = "banner", _("Banner ads")
    SOCIAL = "social", _("Social networks")
    EMAIL_CAMPAIGN = "email_campaign", _("E-mail campaign")
    REFERRAL = "referral", _("Referral programme")
    LANDING_PAGE = "landing_page", _("Landing page / web form")
    POPUP = "popup", _("Pop-up")
    QUIZ = "quiz", _("Quiz")
    CALLBACK = "callback", _("Callback widget")
    CHAT = "chat", _("Chat / messenger")
    INBOUND_EMAIL = "inbound_email", _("Inbound e-mail")
    PHONE_CALL = "phone_call", _("Inbound call")
    AD_LEAD_FORM = "ad_lead_form", _("Ad-platform lead form")
    APP = "app", _("App download")
    SMS = "sms", _("SMS")
    COLD_CALL = "cold_call", _("Cold calls")
    EXHIBITION = "exhibition", _("Exhibition")
    CONFERENCE = "conference", _("Conference")
    RAFFLE = "raffle", _("Raffle")
    FLYER = "flyer", _("Flyers")
    MAILING_LIST = "mailing_list", _("Mailing list")
    BOUGHT_LIST = "bought_list", _("Bought list")
    IMPORT = "import", _("File import")
    MANUAL = "manual", _("Entered by hand")
    OTHER = "other", _("Other")


OFFLINE_CHANNELS = frozenset(
    {
        Channel.COLD_CALL,
        Channel.EXHIBITION,
        Channel.CONFERENCE,
        Channel.RAFFLE,
        Channel.FLYER,
        Channel.MAILING_LIST,
    }
)


class Source(TimeStampedModel):
    """Where leads come from: a site, an ad network, an exhibition, a list vendor."""

    name = models.CharField(max_length=120, unique=True)
    channel = models.CharField(max_length=32, choices=Channel.choices, default=Channel.OTHER)
    vendor = models.CharField(
        max_length=120, blank=True, help_text=_("Who sold or supplied these leads, if bought.")
    )
    description = models.TextField(blank=True)
    default_region = models.CharField(
        max_length=2,
        blank=True,
        help_text=_("Country (ISO code) for this source's phone numbers written without +code."),
    )
    # how a visit from this source is known (the funnel's visitors by first touch)
    utm_source = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_(
            "The utm_source tag of links from this source (e.g. google): a first visit "
            "carrying it counts for this source."
        ),
    )
    referrer_hosts = models.CharField(
        max_length=300,
        blank=True,
        help_text=_(
            "Sites whose links bring visitors from this source, separated by commas "
            "(e.g. google.com, yandex.ru); a site's subdomains count too."
        ),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_offline(self) -> bool:
        return self.channel in OFFLINE_CHANNELS


class Campaign(TimeStampedModel):
    name = models.CharField(max_length=160)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="campaigns")
    utm_campaign = models.CharField(max_length=200, blank=True, db_index=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    region = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "name"], name="campaign_unique_name_per_source"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CampaignSpend(models.Model):
    """Money spent on a campaign on one day, in one currency."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend")
    date = models.DateField()
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3)
    clicks = models.PositiveIntegerField(null=True, blank=True)
    impressions = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-date"]
        # the cost report reads a period's spend of every campaign
        indexes = [models.Index(fields=["date", "campaign"], name="spend_date_campaign")]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "date", "currency"], name="spend_one_row_per_campaign_day"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="spend_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.date}: {self.amount} {self.currency}"


def base_currency() -> str:
    """The currency reports sum money in (settings.ANALYTICS_BASE_CURRENCY)."""
    return settings.ANALYTICS_BASE_CURRENCY


class CurrencyRate(models.Model):
    """What one unit of a currency is worth in another from a day on, until the next rate.

    The cost report converts spend on its day and revenue on the day the deal was won at
    the rate valid then (the latest ``valid_from`` on or before that day); a rate from the
    base currency to another is used the other way round when no direct one is given.
    """

    from_currency = models.CharField(_("from currency"), max_length=3)
    to_currency = models.CharField(
        _("to currency"),
        max_length=3,
        default=base_currency,
        help_text=_("Usually the reports' base currency (ANALYTICS_BASE_CURRENCY)."),
    )
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        help_text=_("How many units of the 'to' currency one unit of the 'from' currency buys."),
    )
    valid_from = models.DateField(_("valid from"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["from_currency", "to_currency", "-valid_from"]
        verbose_name = _("currency rate")
        verbose_name_plural = _("currency rates")
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "valid_from"],
                name="currency_rate_one_per_day",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="currency_rate_positive"),
            models.CheckConstraint(
                condition=~Q(from_currency=models.F("to_currency")),
                name="currency_rate_two_currencies",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} ({self.valid_from})"

    def clean(self) -> None:
        self.from_currency = (self.from_currency or "").strip().upper()
        self.to_currency = (self.to_currency or "").strip().upper()
        errors = {}
        for name in ("from_currency", "to_currency"):
            value = getattr(self, name)
            if len(value) != 3 or not value.isalpha():
                errors[name] = _("Give a three-letter currency code, e.g. EUR.")
        if not errors and self.from_currency == self.to_currency:
            errors["to_currency"] = _("A rate converts between two different currencies.")
        if self.rate is not None and self.rate <= 0:
            errors["rate"] = _("A rate is more than zero.")
        if errors:
            raise ValidationError(errors)


class OfflineEvent(TimeStampedModel):
    """An exhibition, conference, raffle or other offline occasion where leads are met."""

    name = models.CharField(max_length=160)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="offline_events", null=True, blank=True
    )
    city = models.CharField(max_length=120, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


# --- pipeline stages ------------------------------------------------------------------


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Converted")
    LOST = "lost", _("Rejected")
    DEFERRED = "deferred", _("Deferred")


# The default stages' names, seeded as data by a migration, listed here so they are
# translated (Stage.label).
DEFAULT_STAGE_NAMES = (
    gettext_noop("New"),
    gettext_noop("In work"),
    gettext_noop("Qualified"),
    gettext_noop("Converted"),
    gettext_noop("Rejected"),
    gettext_noop("Deferred"),
)


# The lead fields a stage may require (Stage.required_fields): the ones a person fills in on
# the card, plus the rejection's reason and note. A choice field still "unknown" is missing.
REQUIRABLE_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "company_name",
    "position",
    "language",
    "country",
    "region",
    "city",
    "interest",
    "comment",
    "preferred_contact_time",
    "temperature",
    "fit",
    "origin",
    "contact_type",
    "source",
    "campaign",
    "offline_event",
    "recontact_at",
    "rejection_reason",
    "rejection_note",
)
UNKNOWN = "unknown"


class Stage(models.Model):
    """A step of the lead pipeline; stages are data so each business can shape its own."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=StageKind.choices, default=StageKind.OPEN)
    order = models.PositiveSmallIntegerField(default=0)
    is_initial = models.BooleanField(default=False, help_text=_("New leads start here."))
    required_fields = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Lead fields that must be filled in before a lead enters this stage, e.g. "
            '["temperature", "interest"]. The rejected stage needs "rejection_reason", the '
            'deferred one "recontact_at".'
        ),
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_initial"], condition=Q(is_initial=True), name="one_initial_stage"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language when it is one of the default stages' names
        (or any name the catalogues translate); a business's own names as written."""
        return gettext(self.name)

    @property
    def is_closed(self) -> bool:
        return self.kind in (StageKind.WON, StageKind.LOST)

    def clean(self) -> None:
        names = self.required_fields
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValidationError(
                {"required_fields": _('Give a list of field names, e.g. ["temperature"].')}
            )
        unknown = [n for n in names if n not in REQUIRABLE_FIELDS]
        if unknown:
            raise ValidationError(
                {
                    "required_fields": _(
                        "Not a field a stage can require: %(names)s. Use: %(allowed)s."
                    )
                    % {"names": ", ".join(unknown), "allowed": ", ".join(REQUIRABLE_FIELDS)}
                }
            )
        if len(set(names)) != len(names):
            raise ValidationError({"required_fields": _("Name each field once.")})

    def missing_fields(self, lead: Lead) -> list[str]:
        """The fields this stage requires that the lead has not filled in, in the stage's order."""
        return [name for name in self.required_fields or () if is_blank(lead, name)]


def is_blank(lead: Lead, name: str) -> bool:
    """Whether a lead's field counts as not filled in (a choice still "unknown" included)."""
    field = Lead._meta.get_field(name)
    value = getattr(lead, field.attname)
    return value in (None, "", {}, []) or (bool(field.choices) and value == UNKNOWN)


# The default rejection reasons' names, seeded as data by a migration, listed here so they are
# translated (RejectionReason.label).
DEFAULT_REJECTION_REASON_NAMES = (
    gettext_noop("No budget"),
    gettext_noop("Bought elsewhere"),
    gettext_noop("Not the decision maker"),
    gettext_noop("No need now"),
    gettext_noop("Unreachable"),
    gettext_noop("Other"),
)


class RejectionReason(models.Model):
    """Why a lead was rejected: a list the business keeps (the admin), reported on."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive reasons stay on old leads but cannot be chosen.")
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language when it is a default reason's name."""
        return gettext(self.name)


# --- the lead -------------------------------------------------------------------------


class Temperature(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    COLD = "cold", _("Cold")
    WARM = "warm", _("Warm")
    HOT = "hot", _("Hot")


class Fit(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    TARGET = "target", _("Target")
    NON_TARGET = "non_target", _("Non-target")


class Origin(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    CONSUMER = "consumer", _("Consumer")
    TARGETED = "targeted", _("Targeted")


class ContactType(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    QUICK = "quick", _("Quick")
    REGISTRATION = "registration", _("Registration")
    PROMO = "promo", _("Promo")
    INTERESTED = "interested", _("Interested")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED = "verified", _("Verified")


class VerificationMethod(models.TextChoices):
    NONE = "", _("—")
    EMAIL = "email", _("E-mail confirmation")
    CALL = "call", _("Call")
    SOURCE_MATCH = "source_match", _("Match with another source")
    MANUAL = "manual", _("Confirmed by hand")


class QualityStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked")
    ACCEPTED = "accepted", _("Accepted")
    QUARANTINED = "quarantined", _("Quarantined")
    REJECTED = "rejected", _("Rejected as pseudo-lead")


# Where a lead came from, as the browser told it: UTM tags, referrer, landing page.
TRACKING_FIELDS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "referrer",
    "landing_page",
)


# what the list's and the board's filters and access rules test: the last columns of the
# board's indexes, so a bounded count is read from the index alone, without a table row (as
# trailing keys rather than INCLUDE: SQLite has no INCLUDE, and PostgreSQL's inner pages
# keep only the keys up to the unique id)
BOARD_FILTER_COLUMNS = ("owner", "team", "temperature", "source", "quality_status", "merged_into")


def _board_index_fields(*keys: str) -> list[str]:
    """A board index's columns: ``keys``, newest first, then the filters' columns."""
    return [*keys, "-created_at", "-id", *(c for c in BOARD_FILTER_COLUMNS if c not in keys)]


class Lead(models.Model):
    # the person
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    position = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=12, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))
    region = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=120, blank=True)
    interest = models.CharField(
        max_length=200, blank=True, help_text=_("Product or service asked about.")
    )
    comment = models.TextField(blank=True)
    preferred_contact_time = models.CharField(max_length=120, blank=True)
    attributes = models.JSONField(
        default=dict, blank=True, help_text=_("Demographic and questionnaire answers.")
    )

    # classification
    temperature = models.CharField(
        max_length=10, choices=Temperature.choices, default=Temperature.UNKNOWN
    )
    fit = models.CharField(max_length=12, choices=Fit.choices, default=Fit.UNKNOWN)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.UNKNOWN)
    contact_type = models.CharField(
        max_length=14, choices=ContactType.choices, default=ContactType.UNKNOWN
    )
    verification = models.CharField(
        max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verification_method = models.CharField(
        max_length=16, choices=VerificationMethod.choices, blank=True, default=""
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    quality_status = models.CharField(
        max_length=12, choices=QualityStatus.choices, default=QualityStatus.UNKNOWN
    )
    quality_reasons = models.JSONField(
        default=list, blank=True, help_text=_("Named reasons with evidence.")
    )

    # the work
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="leads")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_leads",
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    # who had the lead before a hand-off to sales (a telemarketer who qualified it): lead and
    # client may have different responsible people, and both count in the reports
    original_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handed_off_leads",
    )
    score = models.IntegerField(default=0)
    predicted_probability = models.FloatField(null=True, blank=True)
    # what the first deal was worth when the lead became a client (the conversion sets it)
    deal_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    deal_currency = models.CharField(max_length=3, blank=True)

    # attribution
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    channel = models.CharField(max_length=32, choices=Channel.choices, default=Channel.OTHER)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    referrer = models.TextField(blank=True)
    landing_page = models.TextField(blank=True)
    offline_event = models.ForeignKey(
        OfflineEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )

    # timestamps of the journey
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # the first-response deadline (the SLA), for sorting lists by what is due first
    response_due_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    recontact_at = models.DateTimeField(null=True, blank=True)
    # why the lead was rejected (set with the move to a lost stage, cleared when it leaves)
    rejection_reason = models.ForeignKey(
        RejectionReason, on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    rejection_note = models.TextField(blank=True)

    # lower-cased names, company and contact values: one column to search
    search_text = models.TextField(blank=True, editable=False)
    # the name in Latin letters, lower case, without accents: for matching across scripts
    name_translit = models.CharField(max_length=255, blank=True, editable=False)
    # set when this lead was merged into another: it is kept (so the merge can be undone)
    # but leaves every list, count and search
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # a user's or a team's leads in a stage, newest first (a board column of "mine",
            # "my team's"), with the columns the board's filters and counts test: a bounded
            # count is read from the index alone (docs/benchmarks.md, "Pipeline")
            models.Index(
                fields=_board_index_fields("owner", "stage"),
                name="lead_owner_stage_created",
            ),
            models.Index(
                fields=_board_index_fields("team", "stage"),
                name="lead_team_stage_created",
            ),
            # every lead of a stage, newest first: an admin's board column
            models.Index(
                fields=_board_index_fields("stage"),
                name="lead_stage_created",
            ),
            # the deferred-demand base: who to come back to, soonest first
            models.Index(fields=["stage", "recontact_at"], name="lead_stage_recontact"),
            models.Index(fields=["-created_at", "-id"], name="lead_created"),
            # a source's leads, newest first, ending like the board's: a count by source
            # reads the index alone
            models.Index(
                fields=[*_board_index_fields("source"), "stage"],
                name="lead_source_created_covering",
            ),
            models.Index(fields=["campaign", "created_at"], name="lead_campaign_created"),
            models.Index(fields=["temperature", "stage"], name="lead_temperature_stage"),
            models.Index(fields=["quality_status", "-created_at"], name="lead_quality_created"),
            models.Index(fields=["name_translit"], name="lead_name_translit"),
            models.Index(fields=["owner", "response_due_at"], name="lead_owner_response_due"),
            # analytics: the leads that arrived in a period with every column the funnel and
            # the cohorts scope, group and count by, so PostgreSQL answers from the index
            # alone (docs/decisions/0005-analytics-aggregates.md)
            models.Index(
                fields=[
                    "created_at",
                    "channel",
                    "source",
                    "campaign",
                    "region",
                    "team",
                    "owner",
                    "original_owner",
                    "stage",
                    "quality_status",
                    "qualified_at",
                    "converted_at",
                    "rejected_at",
                ],
                name="lead_analytics_arrival",
                condition=Q(merged_into__isnull=True),
            ),
            # analytics: one region's leads, whatever their arrival — the visitors, responses,
            # conversions and stays of a region's leads are joined to them (a region per
            # channel reads the base tables): from the index alone, not a scan of every lead
            models.Index(
                fields=["region", "id", "channel", "source", "campaign", "converted_at"],
                name="lead_analytics_region",
                condition=Q(merged_into__isnull=True),
            ),
            # a team's unassigned leads (the queue managers also see): without it, "mine or
            # my team's unassigned" reads every lead of the team
            models.Index(
                fields=_board_index_fields("team", "stage"),
                name="lead_team_queue_created",
                condition=Q(owner__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or f"Lead #{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    SOCIAL = "social", _("Social profile")
    MESSENGER = "messenger", _("Messenger")


class ContactStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    POSSIBLE = "possible", _("Possible but unlikely")
    INVALID = "invalid", _("Invalid")


class ContactPoint(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=12, choices=ContactKind.choices)
    value_raw = models.CharField(max_length=320, help_text=_("As given."))
    value = models.CharField(max_length=320, help_text=_("Normalised, for matching."))
    label = models.CharField(max_length=40, blank=True, help_text=_("mobile, work, telegram…"))
    is_primary = models.BooleanField(default=False)
    is_valid = models.BooleanField(default=True)
    status = models.CharField(
        max_length=10, choices=ContactStatus.choices, default=ContactStatus.VALID
    )
    line_type = models.CharField(
        max_length=24, blank=True, help_text=_("mobile, fixed_line, voip… when the number tells.")
    )
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_primary", "kind", "id"]
        indexes = [models.Index(fields=["kind", "value"], name="contact_kind_value")]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "kind", "value"], name="contact_unique_per_lead"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


# --- the event stream -----------------------------------------------------------------


class EventType(models.TextChoices):
    CREATED = "created", _("Lead created")
    UPDATED = "updated", _("Fields changed")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    ASSIGNED = "assigned", _("Assigned")
    CONTACT_ADDED = "contact_added", _("Contact added")
    CONTACT_REMOVED = "contact_removed", _("Contact removed")
    NOTE_ADDED = "note_added", _("Note")
    TASK_CREATED = "task_created", _("Task created")
    TASK_COMPLETED = "task_completed", _("Task done")
    SUBMISSION_RECEIVED = "submission_received", _("Submission received")
    CLASSIFIED = "classified", _("Classification changed")
    EMAIL_RECEIVED = "email_received", _("E-mail received")
    CALL = "call", _("Call")
    CHAT = "chat", _("Chat")
    QUALITY_DECIDED = "quality_decided", _("Quality decision")
    VERIFICATION_SENT = "verification_sent", _("Confirmation requested")
    VERIFIED = "verified", _("Verified")
    REPEAT_INQUIRY = "repeat_inquiry", _("Repeat inquiry")
    MERGED = "merged", _("Merged")
    UNMERGED = "unmerged", _("Merge undone")
    QUEUED = "queued", _("Put in a team's queue")
    HANDED_OFF = "handed_off", _("Handed off to sales")
    SLA_WARNING = "sla_warning", _("First response due soon")
    SLA_BREACHED = "sla_breached", _("First response overdue")
    SLA_ESCALATED = "sla_escalated", _("Overdue response escalated")
    SLA_MET = "sla_met", _("First response given")
    # the work on a lead: activities, conversion, rejection and the deferred-demand base
    EMAIL_SENT = "email_sent", _("E-mail sent")
    OFFER_SENT = "offer_sent", _("Offer sent")
    MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
    CONVERTED = "converted", _("Converted to client")
    REACTIVATED = "reactivated", _("Back in the pipeline")
    FAREWELL_SENT = "farewell_sent", _("Farewell e-mail sent")
    FAREWELL_ANSWERED = "farewell_answered", _("Farewell questionnaire answered")
    NURTURE_SENT = "nurture_sent", _("Nurture e-mail sent")
    NURTURE_STOPPED = "nurture_stopped", _("Nurture stopped")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class CallOutcome(models.TextChoices):
    """How a call to the lead went (the CALL event's ``outcome``)."""

    CONFIRMED = "confirmed", _("Reached — details confirmed")
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALL_BACK = "call_back", _("Call back later")


class ActorSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    EMAIL = "email", _("E-mail")
    CALL = "call", _("Call")
    MANUAL = "manual", _("By hand")
    RULE = "rule", _("Rule")
    SYSTEM = "system", _("System")


class LeadEvent(models.Model):
    """One change to a lead: the timeline, the audit trail and the input of analytics."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=EventType.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_events",
    )
    actor_source = models.CharField(max_length=12, choices=ActorSource.choices)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-occurred_at"], name="event_lead_time"),
            models.Index(fields=["type", "occurred_at"], name="event_type_time"),
            # a lead's moves between stages alone: analytics looks up each move's previous
            # one (time in stage, docs/decisions/0007) without reading the lead's other events
            models.Index(
                fields=["lead", "occurred_at", "id"],
                condition=Q(type="stage_changed"),
                name="event_lead_moves",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} @ {self.occurred_at:%Y-%m-%d %H:%M}"


# --- tasks ----------------------------------------------------------------------------


class TaskKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    OFFER = "offer", _("Commercial offer")
    PRICE_LIST = "price_list", _("Price list")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class Task(TimeStampedModel):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=12, choices=TaskKind.choices, default=TaskKind.CALL)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["done_at", "due_at", "id"]
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"], name="task_assignee_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at is not None and self.due_at < timezone.now()


# --- saved filters --------------------------------------------------------------------


class SavedFilter(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, help_text=_("The list's query string."))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
