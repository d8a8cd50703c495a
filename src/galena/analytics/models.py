"""Daily facts the funnel, cohorts and cost reports add up instead of reading every lead of
a period, and the marks that say which days to recompute
(docs/decisions/0006-analytics-daily-facts.md).

Facts are derived data: they hold no foreign keys (a person or a campaign deleted changes
the leads, whose triggers mark the days), and every row can be recomputed from the base
tables at any time (``galena analytics verify`` compares, ``--rebuild`` recomputes).
"""

from __future__ import annotations

from django.db import models


class FactKind(models.TextChoices):
    LEAD = "lead", "lead"  # leads by the day they arrived
    VISITOR = "visitor", "visitor"  # visitors by the day they were first seen
    INTEREST = "interest", "interest"  # contact-less interests by the day they came in
    # the speed and team reports' facts (docs/decisions/0007-analytics-speed-team-facts.md)
    ARRIVAL = "arrival", "arrival"  # responses and the team's work, by the lead's arrival
    CONVERSION = "conversion", "conversion"  # lead times, by the day of the conversion
    DEAL = "deal", "deal"  # won deals' money, by the day the deal closed
    STAY = "stay", "stay"  # time in a stage, by the day the lead left it


class DirtyDay(models.Model):
    """A day (UTC date of the changed row's moment) whose facts of one kind must be
    recomputed. Written only by the database triggers of analytics' migration 0002 (so a
    ``queryset.update``, a raw statement or a cascade marks it too); ``writer`` is the
    writing transaction on PostgreSQL, so concurrent writers never wait on one row."""

    kind = models.CharField(max_length=10, choices=FactKind.choices)
    day = models.DateField()
    writer = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "day", "writer"], name="dirty_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"


class Grain(models.IntegerChoices):
    # the whole business: no person or team in the key (admins' and marketers' figures)
    WHOLE = 0, "whole"
    # per team, owner and first owner: the keys the roles' scopes are made of
    PEOPLE = 1, "people"


class Dimension(models.TextChoices):
    TOTAL = "total", "total"
    CHANNEL = "channel", "channel"
    SOURCE = "source", "source"
    CAMPAIGN = "campaign", "campaign"
    REGION = "region", "region"
    OWNER = "owner", "owner"  # whole grain only: the people grain has the column
    TEAM = "team", "team"
    FIRST_OWNER = "first_owner", "first owner"  # whole grain of the team facts only
    # the cost report's attribution: campaign_id, and the lead's own value without one
    COST_CHANNEL = "cost_channel", "cost channel"
    COST_SOURCE = "cost_source", "cost source"
    COST_REGION = "cost_region", "cost region"
    # two of them at once (a slice grouped by another attribution): ``value`` the first,
    # ``other_value`` the second (decision 0006, "Two attributions at once")
    COST_CHANNEL_REGION = "cost_chan_region", "cost channel and region"
    COST_SOURCE_REGION = "cost_src_region", "cost source and region"
    COST_CHANNEL_SOURCE = "cost_chan_source", "cost channel and source"


def _scope_indexes(name: str, key: str) -> list[models.Index]:
    """A fact table read by grain, and by each column a role's scope is made of."""
    return [
        models.Index(fields=["grain", key, "day"], name=f"{name}_day"),
        models.Index(fields=["owner_id", key, "day"], name=f"{name}_owner"),
        models.Index(fields=["original_owner_id", key, "day"], name=f"{name}_first_owner"),
        models.Index(fields=["team_id", key, "day"], name=f"{name}_team"),
    ]


def _slice_index(name: str) -> models.Index:
    """One slice's rows (a channel, a region…) without the other values' (the team report
    for one slice reads the people grain's, a year and the year before)."""
    return models.Index(fields=["grain", "dimension", "value", "day"], name=f"{name}_value")


class _Fact(models.Model):
    day = models.DateField()  # in the business time zone
    grain = models.PositiveSmallIntegerField(choices=Grain.choices)
    team_id = models.IntegerField(null=True)
    owner_id = models.IntegerField(null=True)
    original_owner_id = models.IntegerField(null=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.get_grain_display()}"


class LeadFact(_Fact):
    """The leads that arrived on a day (never a merged lead), per one slice dimension, and
    where they are today. ``leads`` and the outcome counts leave pseudo-leads out (the
    funnel's rule); ``pseudo`` counts them."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    other_value = models.CharField(max_length=120, null=True)  # a pair dimension's second
    campaign_id = models.IntegerField(null=True)
    leads = models.IntegerField(default=0)
    qualified = models.IntegerField(default=0)  # qualified or converted
    clients = models.IntegerField(default=0)  # converted (and not reopened)
    lost = models.IntegerField(default=0)
    deferred = models.IntegerField(default=0)
    still_open = models.IntegerField(default=0)
    pseudo = models.IntegerField(default=0)

    class Meta:
        indexes = _scope_indexes("lead_fact", "dimension")


class LeadReach(_Fact):
    """For the cohorts: the leads of an arrival day (no merged lead, no pseudo-lead) that
    reached a measure — converted, qualified, rejected — in a month."""

    measure = models.CharField(max_length=10)
    month = models.DateField()
    leads = models.IntegerField(default=0)

    class Meta:
        indexes = _scope_indexes("lead_reach", "measure")


class VisitorFact(_Fact):
    """Visitors first seen on a day, per a slice of the lead they identified as. The whole
    grain's ``total`` row counts every visitor (identified or not) and its other rows the
    identified ones; the people grain counts the visitors of leads not merged away."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    visitors = models.IntegerField(default=0)

    class Meta:
        indexes = _scope_indexes("visitor_fact", "dimension")


class InterestFact(models.Model):
    """Contact-less interests (submissions kept as *interest*) received on a day, per
    channel, source or form campaign."""

    day = models.DateField()
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    interests = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["dimension", "day"], name="interest_fact_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension} {self.value}"


class QualityFact(_Fact):
    """For the quality report: the leads that arrived on a day, pseudo-leads included, per
    one slice and, for those rejected by sales, their reason; and ``duplicates``: the leads
    of the day merged into another, whose team and owners are then the surviving lead's
    (the reader must see the survivor) and whose slice is their own."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    reason_id = models.IntegerField(null=True)  # a lost lead's rejection reason
    leads = models.IntegerField(default=0)
    pseudo = models.IntegerField(default=0)
    verified = models.IntegerField(default=0)
    non_target = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0)

    class Meta:
        indexes = _scope_indexes("quality_fact", "dimension")


class RevenueFact(_Fact):
    """For the cost report: the won deals of the leads that arrived on a day (no merged
    lead, no pseudo-lead), per cost dimension, campaign, currency and the business day the
    deal was won (its rate's day), summed."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    other_value = models.CharField(max_length=120, null=True)  # a pair dimension's second
    campaign_id = models.IntegerField(null=True)
    closed = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        indexes = _scope_indexes("revenue_fact", "dimension")


# --- the speed and team reports (docs/decisions/0007-analytics-speed-team-facts.md) -------
#
# Their medians and 90th percentiles are exact: a fact keeps the durations themselves, as
# whole microseconds separated by spaces (``analytics.durations``), and the report picks the
# order statistics from the rows it adds up.


class ResponseFact(_Fact):
    """The leads that arrived on a day (never a merged lead), per one slice dimension and
    whether they went to sales (``to_sales``: not a pseudo-lead): their first responses, the
    deadlines met or missed, and the durations to the first response."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    to_sales = models.BooleanField()
    leads = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    with_deadline = models.IntegerField(default=0)
    sla_met = models.IntegerField(default=0)  # answered by the deadline
    sla_late = models.IntegerField(default=0)  # answered after it
    sla_breached = models.IntegerField(default=0)  # unanswered, the clock says breached
    # arrival -> first response; assignment -> first response (when after it)
    responses = models.TextField(default="")
    assignments = models.TextField(default="")
    # the deadlines (microseconds since 1970, UTC) of the leads still unanswered that no
    # clock has called breached: overdue once the reader's moment is past them
    pending = models.TextField(default="")

    class Meta:
        indexes = [*_scope_indexes("response_fact", "dimension"), _slice_index("response_fact")]


class TeamFact(_Fact):
    """For the team report: the leads that arrived on a day (never a merged lead, pseudo-leads
    included), per owner (whole grain: the ``owner`` dimension; the people grain has the
    column), stage and — for a lost lead — rejection reason. ``filled`` sums, over the leads,
    the key fields of their stage they have filled in; ``handed_off`` counts the leads whose
    first owner is someone else than the owner (the ``first_owner`` dimension's rows hold
    only those, under the first owner)."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    stage_id = models.IntegerField(null=True)
    reason_id = models.IntegerField(null=True)
    leads = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    converted = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    filled = models.IntegerField(default=0)
    handed_off = models.IntegerField(default=0)

    class Meta:
        indexes = [*_scope_indexes("team_fact", "dimension"), _slice_index("team_fact")]


class ConversionFact(_Fact):
    """The conversions made on a day whose lead is still converted and not merged away, per
    one slice of the lead: how many, and their lead times."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    conversions = models.IntegerField(default=0)
    lead_times = models.TextField(default="")

    class Meta:
        indexes = _scope_indexes("conversion_fact", "dimension")


class DealFact(_Fact):
    """The deals won and closed on a day (business time zone: the day of their rate), of leads
    not merged away, per the lead's owner and currency, summed."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        indexes = [*_scope_indexes("deal_fact", "dimension"), _slice_index("deal_fact")]


class StayFact(_Fact):
    """The moves out of a stage on a day (``stage_changed`` events of leads not merged away),
    per one slice of the lead and the stage left: how many, and how long each lead had been
    in it."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=120, null=True)
    stage = models.TextField(null=True)  # the code of the stage left (the event's "from")
    exits = models.IntegerField(default=0)
    stays = models.TextField(default="")

    class Meta:
        indexes = _scope_indexes("stay_fact", "dimension")
