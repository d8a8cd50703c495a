"""Daily facts: keeping them equal to the base tables, and asking them a report's question.

How they stay correct (docs/decisions/0006-analytics-daily-facts.md): database triggers
(analytics migration 0002) mark the UTC day of every changed lead, visitor or contact-less
interest in ``analytics.DirtyDay`` — whatever wrote it: a service, ``queryset.update``, raw
SQL, a cascade. ``facts_refresh`` takes the marks, turns them into the business days they
touch and recomputes those days' facts from the base tables in one transaction. Reports
call it before reading facts; the beat task ``analytics-refresh-facts`` keeps the marks
few. ``facts_verify`` recomputes every day in memory and lists what differs.

Which questions the facts answer (``FactPlan``): the whole business or a role's scope (team,
owner, first owner), the team and owner slices, at most one of the channel, source,
campaign and region slices, grouped by that slice, by month, by owner or by team (the cost
report: by any of its groupings, through ``COST_PAIRS``). Anything else is answered by the
report's exact query over the base tables.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate, TruncMonth

from galena.accounts.roles import role_of
from galena.analytics.completeness import filled_count
from galena.analytics.durations import duration_list, moment_list
from galena.analytics.filters import WHOLE_BUSINESS_ROLES, ReportFilter, business_zone, role_scope
from galena.analytics.models import (
    ConversionFact,
    DealFact,
    Dimension,
    DirtyDay,
    FactKind,
    Grain,
    InterestFact,
    LeadFact,
    LeadReach,
    QualityFact,
    ResponseFact,
    RevenueFact,
    StayFact,
    TeamFact,
    VisitorFact,
)
from galena.analytics.speed_measures import response_annotations
from galena.clients.models import Conversion, Deal, DealStageKind
from galena.intake.models import Submission, SubmissionOutcome
from galena.leads.models import (
    EventType,
    Fit,
    Lead,
    LeadEvent,
    QualityStatus,
    StageKind,
    Verification,
)
from galena.leads.selectors import SENT_TO_SALES
from galena.scoring.models import Visitor

PSEUDO_LEADS = (QualityStatus.QUARANTINED, QualityStatus.REJECTED)
# the lead field behind each slice dimension
FIELDS = {
    Dimension.CHANNEL: "channel",
    Dimension.SOURCE: "source_id",
    Dimension.CAMPAIGN: "campaign_id",
    Dimension.REGION: "region",
    Dimension.OWNER: "owner_id",
    Dimension.TEAM: "team_id",
    Dimension.FIRST_OWNER: "original_owner_id",
}
# dimensions whose values are ids (stored as text)
ID_DIMENSIONS = frozenset(
    {Dimension.SOURCE, Dimension.CAMPAIGN, Dimension.OWNER, Dimension.TEAM, Dimension.FIRST_OWNER}
)
COST_DIMENSIONS = {
    Dimension.COST_CHANNEL: "channel",
    Dimension.COST_SOURCE: "source_id",
    Dimension.COST_REGION: "region",
}
# the cost report's attribution by two of them at once (one slice grouped by another): the
# lead's own values (``value``, ``other_value``) when it has no campaign, as above
COST_PAIRS = {
    Dimension.COST_CHANNEL_REGION: (Dimension.COST_CHANNEL, Dimension.COST_REGION),
    Dimension.COST_SOURCE_REGION: (Dimension.COST_SOURCE, Dimension.COST_REGION),
    Dimension.COST_CHANNEL_SOURCE: (Dimension.COST_CHANNEL, Dimension.COST_SOURCE),
}
SLICE_DIMENSIONS = (Dimension.CHANNEL, Dimension.SOURCE, Dimension.CAMPAIGN, Dimension.REGION)
# what each grain keeps: the people grain has the team and owners as columns
DIMENSIONS = {
    Grain.WHOLE: (
        Dimension.TOTAL,
        *SLICE_DIMENSIONS,
        Dimension.OWNER,
        Dimension.TEAM,
        *COST_DIMENSIONS,
        *COST_PAIRS,
    ),
    Grain.PEOPLE: (Dimension.TOTAL, *SLICE_DIMENSIONS, *COST_DIMENSIONS, *COST_PAIRS),
}
VISITOR_DIMENSIONS = {
    Grain.WHOLE: (Dimension.TOTAL, *SLICE_DIMENSIONS, Dimension.OWNER, Dimension.TEAM),
    Grain.PEOPLE: (Dimension.TOTAL, *SLICE_DIMENSIONS),
}
INTEREST_FIELDS = {
    Dimension.TOTAL: None,
    Dimension.CHANNEL: "channel",
    Dimension.SOURCE: "source_id",
    Dimension.CAMPAIGN: "form__campaign_id",
}
# the cohorts' measures: when a lead reached each, and the condition it holds today
REACH = {
    "converted": (F("converted_at"), Q(converted_at__isnull=False)),
    "qualified": (
        Coalesce("qualified_at", "converted_at"),
        Q(qualified_at__isnull=False) | Q(converted_at__isnull=False),
    ),
    "rejected": (F("rejected_at"), Q(stage__kind=StageKind.LOST, rejected_at__isnull=False)),
}
LOCK_KEY = 0x6A6C_7966  # pg_advisory_xact_lock: one refresh at a time
SCOPE_COLUMNS = {"owner": "owner_id", "original_owner": "original_owner_id", "team_id": "team_id"}


def facts_enabled() -> bool:
    """Whether reports read the facts (``ANALYTICS_FACTS``; off, every figure is read from
    the base tables — the tests compare both)."""
    return getattr(settings, "ANALYTICS_FACTS", True)


# --- the days: UTC marks to business days and their moments ---------------------------------


def business_days_of(utc_days: Iterable[dt.date]) -> set[dt.date]:
    """The business days a UTC day overlaps (one or two)."""
    zone = business_zone()
    days: set[dt.date] = set()
    for day in utc_days:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        last = start + dt.timedelta(days=1, microseconds=-1)
        days.add(start.astimezone(zone).date())
        days.add(last.astimezone(zone).date())
    return days


# the longest run of days recomputed by one set of statements (a database whose facts were
# all marked at once — an upgrade — is recomputed a month at a time, as ``rebuild`` does)
LONGEST_RUN = 31


def _runs(days: Iterable[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) runs of at most ``LONGEST_RUN`` days."""
    run: list[dt.date] = []
    for day in sorted(set(days)):
        if run and (day != run[-1] + dt.timedelta(days=1) or len(run) == LONGEST_RUN):
            yield run[0], run[-1]
            run = []
        run.append(day)
    if run:
        yield run[0], run[-1]


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=business_zone())


# --- what the facts are, as queries over the base tables ----------------------------------


def _text(expression: Any) -> Cast:
    return Cast(expression, output_field=CharField())


def _none_int() -> Cast:
    # typed, or PostgreSQL reads a bare NULL of a subquery as text
    return Cast(Value(None), output_field=IntegerField())


def _none_text() -> Cast:
    return Cast(Value(None), output_field=CharField())


def _people_keys(grain: int, prefix: str = "") -> dict[str, Any]:
    if grain == Grain.WHOLE:
        return {"k_team": _none_int(), "k_owner": _none_int(), "k_first_owner": _none_int()}
    return {
        "k_team": F(f"{prefix}team_id"),
        "k_owner": F(f"{prefix}owner_id"),
        "k_first_owner": F(f"{prefix}original_owner_id"),
    }


def _value(dimension: str, prefix: str = "") -> Any:
    if dimension == Dimension.TOTAL:
        return _none_text()
    if dimension in COST_PAIRS:
        return _value(COST_PAIRS[dimension][0], prefix)
    if dimension in COST_DIMENSIONS:
        own = F(f"{prefix}{COST_DIMENSIONS[dimension]}")
        return Case(
            When(**{f"{prefix}campaign__isnull": True}, then=_text(own)),
            default=_none_text(),
        )
    return _text(F(f"{prefix}{FIELDS[dimension]}"))


def _other_value(dimension: str, prefix: str = "") -> Any:
    """A pair dimension's second value (NULL for any other dimension)."""
    if dimension in COST_PAIRS:
        return _value(COST_PAIRS[dimension][1], prefix)
    return _none_text()


def _day(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=business_zone())


def lead_fact_rows(grain: int, dimension: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """``LeadFact`` rows of one grain and dimension for the leads arrived in [start, end)."""
    real = ~Q(quality_status__in=PSEUDO_LEADS)
    campaign = (
        F("campaign_id")
        if dimension in (Dimension.CAMPAIGN, *COST_DIMENSIONS, *COST_PAIRS)
        else _none_int()
    )
    return (
        Lead.objects.filter(created_at__gte=start, created_at__lt=end, merged_into__isnull=True)
        .order_by()
        .values(
            k_day=_day("created_at"),
            **_people_keys(grain),
            k_value=_value(dimension),
            k_other=_other_value(dimension),
            k_campaign=campaign,
        )
        .annotate(
            n_leads=Count("pk", filter=real),
            n_qualified=Count(
                "pk", filter=real & (Q(qualified_at__isnull=False) | Q(converted_at__isnull=False))
            ),
            n_clients=Count("pk", filter=real & Q(converted_at__isnull=False)),
            n_lost=Count("pk", filter=real & Q(stage__kind=StageKind.LOST)),
            n_deferred=Count("pk", filter=real & Q(stage__kind=StageKind.DEFERRED)),
            n_open=Count("pk", filter=real & Q(stage__kind=StageKind.OPEN)),
            n_pseudo=Count("pk", filter=~real),
        )
    )


# a fact's day and people, as the rows queries name them
KEY_COLUMNS = {
    "day": "k_day",
    "team_id": "k_team",
    "owner_id": "k_owner",
    "original_owner_id": "k_first_owner",
}
LEAD_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "other_value": "k_other",
    "campaign_id": "k_campaign",
    "leads": "n_leads",
    "qualified": "n_qualified",
    "clients": "n_clients",
    "lost": "n_lost",
    "deferred": "n_deferred",
    "still_open": "n_open",
    "pseudo": "n_pseudo",
}


def lead_reach_rows(grain: int, measure: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """``LeadReach`` rows: the real leads arrived in [start, end) that reached ``measure``,
    per month they reached it."""
    moment, condition = REACH[measure]
    return (
        Lead.objects.filter(
            condition, created_at__gte=start, created_at__lt=end, merged_into__isnull=True
        )
        .exclude(quality_status__in=PSEUDO_LEADS)
        .order_by()
        .values(
            k_day=_day("created_at"),
            **_people_keys(grain),
            k_month=TruncMonth(moment, tzinfo=business_zone(), output_field=_date_field()),
        )
        .annotate(n_leads=Count("pk"))
    )


REACH_COLUMNS = {
    **KEY_COLUMNS,
    "month": "k_month",
    "leads": "n_leads",
}


def _date_field():
    from django.db.models import DateField

    return DateField()


# the slices a visitor takes from its first touch (``scoring.attribution``) when its first
# visit told where it came from, else from the lead it identified as; its region, owner and
# team are always the lead's
TOUCH_DIMENSIONS = (Dimension.CHANNEL, Dimension.SOURCE, Dimension.CAMPAIGN)


def visitor_touch(dimension: str) -> Case:
    """A visitor's channel, source or campaign (NULL for a visitor with neither a first
    touch nor a lead)."""
    name = FIELDS[dimension]
    output = CharField() if dimension == Dimension.CHANNEL else IntegerField()
    return Case(When(channel="", then=F(f"lead__{name}")), default=F(name), output_field=output)


def visitor_attributed() -> Q:
    """The visitors who are in a channel: by their first touch or by their lead."""
    return ~Q(channel="") | Q(lead__isnull=False)


def visitor_fact_rows(grain: int, dimension: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """``VisitorFact`` rows: visitors first seen in [start, end). The whole grain's total
    counts every visitor, its channel, source and campaign the visitors in a channel (by
    first touch or lead), its other dimensions the identified ones; the people grain counts
    the visitors of leads not merged away."""
    visitors = Visitor.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end)
    if grain == Grain.PEOPLE:
        visitors = visitors.filter(lead__isnull=False, lead__merged_into__isnull=True)
    elif dimension in TOUCH_DIMENSIONS:
        visitors = visitors.filter(visitor_attributed())
    elif dimension != Dimension.TOTAL:
        visitors = visitors.filter(lead__isnull=False)
    if dimension in TOUCH_DIMENSIONS:
        value = _text(visitor_touch(dimension))
    else:
        value = _value(dimension, prefix="lead__")
    return (
        visitors.order_by()
        .values(
            k_day=_day("first_seen_at"),
            **_people_keys(grain, prefix="lead__"),
            k_value=value,
        )
        .annotate(n_visitors=Count("pk"))
    )


VISITOR_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "visitors": "n_visitors",
}


def interest_fact_rows(dimension: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """``InterestFact`` rows: contact-less interests received in [start, end)."""
    field_name = INTEREST_FIELDS[dimension]
    value = _none_text() if field_name is None else _text(F(field_name))
    return (
        Submission.objects.filter(
            outcome=SubmissionOutcome.INTEREST, received_at__gte=start, received_at__lt=end
        )
        .order_by()
        .values(k_day=_day("received_at"), k_value=value)
        .annotate(n_interests=Count("pk"))
    )


INTEREST_FACT_COLUMNS = {"day": "k_day", "value": "k_value", "interests": "n_interests"}


QUALITY_DIMENSIONS = (Dimension.TOTAL, *SLICE_DIMENSIONS)


def quality_fact_rows(
    grain: int, dimension: str, start: dt.datetime, end: dt.datetime, *, merged: bool
) -> QuerySet:
    """``QualityFact`` rows for the leads arrived in [start, end): the leads not merged
    (``merged`` False), or the duplicates merged into a lead that was not merged itself —
    with that survivor's team and owners."""
    lost = Q(stage__kind=StageKind.LOST)
    arrived = Lead.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    zero = Value(0, output_field=IntegerField())
    if merged:
        return (
            arrived.filter(merged_into__isnull=False, merged_into__merged_into__isnull=True)
            .values(
                k_day=_day("created_at"),
                **_people_keys(grain, prefix="merged_into__"),
                k_value=_value(dimension),
                k_reason=_none_int(),
            )
            .annotate(
                n_leads=zero,
                n_pseudo=zero,
                n_verified=zero,
                n_non_target=zero,
                n_rejected=zero,
                n_duplicates=Count("pk"),
            )
        )
    return (
        arrived.filter(merged_into__isnull=True)
        .values(
            k_day=_day("created_at"),
            **_people_keys(grain),
            k_value=_value(dimension),
            k_reason=Case(When(lost, then=F("rejection_reason_id")), default=_none_int()),
        )
        .annotate(
            n_leads=Count("pk"),
            n_pseudo=Count("pk", filter=Q(quality_status__in=PSEUDO_LEADS)),
            n_verified=Count("pk", filter=Q(verification=Verification.VERIFIED)),
            n_non_target=Count("pk", filter=Q(fit=Fit.NON_TARGET)),
            n_rejected=Count("pk", filter=lost),
            n_duplicates=zero,
        )
    )


QUALITY_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "reason_id": "k_reason",
    "leads": "n_leads",
    "pseudo": "n_pseudo",
    "verified": "n_verified",
    "non_target": "n_non_target",
    "rejected": "n_rejected",
    "duplicates": "n_duplicates",
}


# the cost report's dimensions: its groupings' attribution, alone and two at once (one slice
# grouped by another), and the campaign (by campaign, by month)
REVENUE_DIMENSIONS = (Dimension.CAMPAIGN, *COST_DIMENSIONS, *COST_PAIRS)


def revenue_fact_rows(grain: int, dimension: str, start: dt.datetime, end: dt.datetime):
    """``RevenueFact`` rows: the won deals of the real leads arrived in [start, end), summed
    per currency and business day won."""
    return (
        Deal.objects.filter(
            ~Q(lead__quality_status__in=PSEUDO_LEADS),
            stage__kind=DealStageKind.WON,
            closed_at__isnull=False,
            lead__created_at__gte=start,
            lead__created_at__lt=end,
            lead__merged_into__isnull=True,
        )
        .order_by()
        .values(
            k_day=_day("lead__created_at"),
            **_people_keys(grain, prefix="lead__"),
            k_value=_value(dimension, prefix="lead__"),
            k_other=_other_value(dimension, prefix="lead__"),
            k_campaign=F("lead__campaign_id"),
            k_closed=_day("closed_at"),
            k_currency=F("currency"),
        )
        .annotate(n_amount=Sum("amount"))
    )


REVENUE_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "other_value": "k_other",
    "campaign_id": "k_campaign",
    "closed": "k_closed",
    "currency": "k_currency",
    "amount": "n_amount",
}


# --- the speed and team reports' facts (docs/decisions/0007-analytics-speed-team-facts.md) --

# the slices a speed report's rows are (by month: the total), as the visitors' facts
SPEED_DIMENSIONS = VISITOR_DIMENSIONS
# stage stays are never grouped by person: a person is the people grain's scope
STAY_DIMENSIONS = dict.fromkeys(Grain, (Dimension.TOTAL, *SLICE_DIMENSIONS))
# the team report's rows are people: the owner (and the first owner who handed a lead off);
# the people grain has them as columns, per slice too (a report for one channel, source,
# campaign or region)
TEAM_DIMENSIONS = {
    Grain.WHOLE: (Dimension.OWNER, Dimension.FIRST_OWNER),
    Grain.PEOPLE: (Dimension.TOTAL, *SLICE_DIMENSIONS),
}
DEAL_DIMENSIONS = {
    Grain.WHOLE: (Dimension.OWNER,),
    Grain.PEOPLE: (Dimension.TOTAL, *SLICE_DIMENSIONS),
}


def _arrived(start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The leads that arrived in [start, end) and were not merged into another."""
    return Lead.objects.filter(
        created_at__gte=start, created_at__lt=end, merged_into__isnull=True
    ).order_by()


def response_fact_rows(
    grain: int, dimension: str, start: dt.datetime, end: dt.datetime
) -> QuerySet:
    """``ResponseFact`` rows: the leads arrived in [start, end), sent to sales or not, their
    first responses and deadlines (as ``speed.arrivals`` reads them)."""
    unanswered = Q(met_at__isnull=True, due_at__isnull=False)
    return (
        _arrived(start, end)
        .annotate(**response_annotations())
        .values(
            k_day=_day("created_at"),
            **_people_keys(grain),
            k_value=_value(dimension),
            k_to_sales=ExpressionWrapper(
                Q(quality_status__in=SENT_TO_SALES), output_field=BooleanField()
            ),
        )
        .annotate(
            n_leads=Count("pk"),
            n_responded=Count("pk", filter=Q(first_response_at__isnull=False)),
            n_with_deadline=Count("pk", filter=Q(due_at__isnull=False)),
            n_sla_met=Count("pk", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))),
            n_sla_late=Count("pk", filter=Q(met_at__gt=F("due_at"))),
            n_sla_breached=Count("pk", filter=unanswered & Q(sla_clock__breached_at__isnull=False)),
            l_responses=duration_list(F("response")),
            l_assignments=duration_list(F("from_assignment")),
            l_pending=moment_list(
                "due_at", condition=unanswered & Q(sla_clock__breached_at__isnull=True)
            ),
        )
    )


RESPONSE_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "to_sales": "k_to_sales",
    "leads": "n_leads",
    "responded": "n_responded",
    "with_deadline": "n_with_deadline",
    "sla_met": "n_sla_met",
    "sla_late": "n_sla_late",
    "sla_breached": "n_sla_breached",
    "responses": "l_responses",
    "assignments": "l_assignments",
    "pending": "l_pending",
}


def _handed_off() -> Q:
    """A lead whose first owner is someone other than its owner (or it has none now)."""
    return Q(original_owner__isnull=False) & (Q(owner__isnull=True) | ~Q(original_owner=F("owner")))


def team_fact_rows(grain: int, dimension: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """``TeamFact`` rows: the leads arrived in [start, end), pseudo-leads included, per
    owner (or, the ``first_owner`` dimension, the leads handed off, per first owner), stage
    and a lost lead's rejection reason."""
    lost = Q(stage__kind=StageKind.LOST)
    leads = _arrived(start, end)
    if dimension == Dimension.FIRST_OWNER:
        leads = leads.filter(_handed_off())
    return leads.values(
        k_day=_day("created_at"),
        **_people_keys(grain),
        k_value=_value(dimension),
        k_stage=F("stage_id"),
        k_reason=Case(When(lost, then=F("rejection_reason_id")), default=_none_int()),
    ).annotate(
        n_leads=Count("pk"),
        n_responded=Count("pk", filter=Q(first_response_at__isnull=False)),
        n_converted=Count("pk", filter=Q(converted_at__isnull=False)),
        n_rejected=Count("pk", filter=lost),
        n_filled=Coalesce(Sum(filled_count()), Value(0)),
        n_handed_off=Count("pk", filter=_handed_off()),
    )


TEAM_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "stage_id": "k_stage",
    "reason_id": "k_reason",
    "leads": "n_leads",
    "responded": "n_responded",
    "converted": "n_converted",
    "rejected": "n_rejected",
    "filled": "n_filled",
    "handed_off": "n_handed_off",
}


def conversion_fact_rows(
    grain: int, dimension: str, start: dt.datetime, end: dt.datetime
) -> QuerySet:
    """``ConversionFact`` rows: the conversions made in [start, end) whose lead is still
    converted and not merged away, with their lead times."""
    return (
        Conversion.objects.filter(
            converted_at__gte=start,
            converted_at__lt=end,
            lead__converted_at__isnull=False,
            lead__merged_into__isnull=True,
        )
        .order_by()
        .values(
            k_day=_day("converted_at"),
            **_people_keys(grain, prefix="lead__"),
            k_value=_value(dimension, prefix="lead__"),
        )
        .annotate(n_conversions=Count("pk"), l_lead_times=duration_list(F("lead_time")))
    )


CONVERSION_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "conversions": "n_conversions",
    "lead_times": "l_lead_times",
}


def deal_fact_rows(grain: int, dimension: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """``DealFact`` rows: the deals won and closed in [start, end) of leads not merged away,
    summed per currency."""
    return (
        Deal.objects.filter(
            stage__kind=DealStageKind.WON,
            closed_at__gte=start,
            closed_at__lt=end,
            lead__isnull=False,
            lead__merged_into__isnull=True,
        )
        .order_by()
        .values(
            k_day=_day("closed_at"),
            **_people_keys(grain, prefix="lead__"),
            k_value=_value(dimension, prefix="lead__"),
            k_currency=F("currency"),
        )
        .annotate(n_amount=Sum("amount"))
    )


DEAL_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "currency": "k_currency",
    "amount": "n_amount",
}


def stay_fact_rows(grain: int, dimension: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """``StayFact`` rows: the moves out of a stage in [start, end) of leads not merged away,
    with the time since the lead entered that stage (its previous move, else its arrival)."""
    moves = LeadEvent.objects.filter(type=EventType.STAGE_CHANGED)
    # the lead's move just before this one, in (moment, id) order; the first condition is the
    # one the lead's event index (lead, moment) can range over
    previous = (
        moves.filter(lead=OuterRef("lead"), occurred_at__lte=OuterRef("occurred_at"))
        .filter(Q(occurred_at__lt=OuterRef("occurred_at")) | Q(pk__lt=OuterRef("pk")))
        .order_by("-occurred_at", "-pk")
        .values("occurred_at")[:1]
    )
    # the stay is named once, so the database looks the previous move up once
    stay = Greatest(
        ExpressionWrapper(
            F("occurred_at") - Coalesce(Subquery(previous), F("lead__created_at")),
            output_field=DurationField(),
        ),
        Value(dt.timedelta(0)),
        output_field=DurationField(),
    )
    return (
        moves.filter(occurred_at__gte=start, occurred_at__lt=end, lead__merged_into__isnull=True)
        .order_by()
        .values(
            k_day=_day("occurred_at"),
            **_people_keys(grain, prefix="lead__"),
            k_value=_value(dimension, prefix="lead__"),
            k_stage=KeyTextTransform("from", "params"),
        )
        .annotate(n_exits=Count("pk"), l_stays=duration_list(stay))
    )


STAY_FACT_COLUMNS = {
    **KEY_COLUMNS,
    "value": "k_value",
    "stage": "k_stage",
    "exits": "n_exits",
    "stays": "l_stays",
}
# each kind of the speed and team facts: (model, dimensions per grain, rows, columns)
SPEED_SOURCES = {
    FactKind.ARRIVAL: (
        (ResponseFact, SPEED_DIMENSIONS, response_fact_rows, RESPONSE_FACT_COLUMNS),
        (TeamFact, TEAM_DIMENSIONS, team_fact_rows, TEAM_FACT_COLUMNS),
    ),
    FactKind.CONVERSION: (
        (ConversionFact, SPEED_DIMENSIONS, conversion_fact_rows, CONVERSION_FACT_COLUMNS),
    ),
    FactKind.DEAL: ((DealFact, DEAL_DIMENSIONS, deal_fact_rows, DEAL_FACT_COLUMNS),),
    FactKind.STAY: ((StayFact, STAY_DIMENSIONS, stay_fact_rows, STAY_FACT_COLUMNS),),
}


def _fact_sources(kind: str, start: dt.datetime, end: dt.datetime):
    """(model, constant columns, rows query, column map) for every fact of one kind."""
    if kind == FactKind.LEAD:
        for grain, dimensions in DIMENSIONS.items():
            for dimension in dimensions:
                yield (
                    LeadFact,
                    {"grain": grain, "dimension": dimension},
                    lead_fact_rows(grain, dimension, start, end),
                    LEAD_FACT_COLUMNS,
                )
        for grain in Grain:
            for dimension in REVENUE_DIMENSIONS:
                yield (
                    RevenueFact,
                    {"grain": grain, "dimension": dimension},
                    revenue_fact_rows(grain, dimension, start, end),
                    REVENUE_FACT_COLUMNS,
                )
            for dimension in QUALITY_DIMENSIONS:
                for merged in (False, True):
                    yield (
                        QualityFact,
                        {"grain": grain, "dimension": dimension},
                        quality_fact_rows(grain, dimension, start, end, merged=merged),
                        QUALITY_FACT_COLUMNS,
                    )
            for measure in REACH:
                yield (
                    LeadReach,
                    {"grain": grain, "measure": measure},
                    lead_reach_rows(grain, measure, start, end),
                    REACH_COLUMNS,
                )
    elif kind in SPEED_SOURCES:
        for model, dimensions_of, rows_of, columns in SPEED_SOURCES[kind]:
            for grain, dimensions in dimensions_of.items():
                for dimension in dimensions:
                    yield (
                        model,
                        {"grain": grain, "dimension": dimension},
                        rows_of(grain, dimension, start, end),
                        columns,
                    )
    elif kind == FactKind.VISITOR:
        for grain, dimensions in VISITOR_DIMENSIONS.items():
            for dimension in dimensions:
                yield (
                    VisitorFact,
                    {"grain": grain, "dimension": dimension},
                    visitor_fact_rows(grain, dimension, start, end),
                    VISITOR_FACT_COLUMNS,
                )
    else:
        for dimension in INTEREST_FIELDS:
            yield (
                InterestFact,
                {"dimension": dimension},
                interest_fact_rows(dimension, start, end),
                INTEREST_FACT_COLUMNS,
            )


FACT_MODELS = {
    FactKind.LEAD: (LeadFact, LeadReach, QualityFact, RevenueFact),
    FactKind.VISITOR: (VisitorFact,),
    FactKind.INTEREST: (InterestFact,),
    **{kind: tuple(source[0] for source in sources) for kind, sources in SPEED_SOURCES.items()},
}


# --- recomputing -------------------------------------------------------------------------


def _insert_select(model, constants: dict[str, Any], rows: QuerySet, columns: dict[str, str]):
    """``INSERT INTO <facts> SELECT …`` from the rows query: the figures never leave the
    database."""
    quote = connection.ops.quote_name
    sql, params = rows.query.sql_with_params()
    names = ", ".join(quote(name) for name in [*constants, *columns])
    selected = ", ".join(["%s"] * len(constants) + [quote(alias) for alias in columns.values()])
    table = quote(model._meta.db_table)
    statement = f"INSERT INTO {table} ({names}) SELECT {selected} FROM ({sql}) facts"  # noqa: S608 - names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            (*constants.values(), *params),
        )


def facts_recompute(*, kind: str, days: Iterable[dt.date]) -> int:
    """Replace the facts of ``kind`` for these business days with figures read from the
    base tables; the number of days. Call inside a transaction (``facts_refresh`` does)."""
    count = 0
    for first, last in _runs(days):
        start, end = _moment(first), _moment(last + dt.timedelta(days=1))
        for model in FACT_MODELS[kind]:
            model.objects.filter(day__gte=first, day__lte=last).delete()
        for model, constants, rows, columns in _fact_sources(kind, start, end):
            _insert_select(model, constants, rows, columns)
        count += (last - first).days + 1
    return count


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


# PostgreSQL's default cost of a random page read (4: a spinning disk) makes a few days'
# recompute scan every won deal to join the days' leads to theirs, instead of looking each up
# by lead; 1.1 is the usual value for SSDs. 1M leads, one marked day of leads: 1.0 → 0.65 s.
REFRESH_RANDOM_PAGE_COST = "1.1"


@contextmanager
def _index_reads() -> Iterator[None]:
    """Cost random page reads as an SSD's inside the block, then put the caller's value back
    (the refresh may run in the caller's transaction; on an error, rolling the block's
    savepoint back restores it too)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('random_page_cost'), set_config('random_page_cost', %s, true)",
            [REFRESH_RANDOM_PAGE_COST],
        )
        before = cursor.fetchone()[0]
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('random_page_cost', %s, true)", [before])


def facts_refresh(kinds: Iterable[str] = tuple(FactKind)) -> int:
    """Recompute the days the triggers marked since the last refresh (of ``kinds``: a report
    refreshes the facts it reads, the beat task all); the number of days.

    Concurrency (PostgreSQL, read committed): one refresh at a time (an advisory lock);
    it deletes only the marks committed before its DELETE, so a writer still in flight keeps
    its mark for the next refresh, and every mark it deleted belongs to a change the
    recomputing statements that follow can see."""
    kinds = [str(kind) for kind in kinds]
    if not DirtyDay.objects.filter(kind__in=kinds).exists():
        return 0
    with transaction.atomic(), _index_reads():
        _lock()
        marks = []
        with connection.cursor() as cursor:
            for kind in kinds:
                cursor.execute(
                    "DELETE FROM analytics_dirtyday WHERE kind = %s RETURNING kind, day", [kind]
                )
                marks += cursor.fetchall()
        by_kind: dict[str, set[dt.date]] = {}
        for kind, day in marks:
            if isinstance(day, str):  # SQLite returns the text
                day = dt.date.fromisoformat(day)
            by_kind.setdefault(kind, set()).add(day)
        return sum(
            facts_recompute(kind=kind, days=business_days_of(days))
            for kind, days in by_kind.items()
        )


def facts_rebuild(kinds: Iterable[str] = tuple(FactKind)) -> int:
    """Recompute every fact (of ``kinds``) from the base tables (after a bulk load, an
    upgrade that added facts, or when the time zone changed); the number of days."""
    kinds = [str(kind) for kind in kinds]
    with transaction.atomic():
        _lock()
        DirtyDay.objects.filter(kind__in=kinds).delete()
        total = 0
        for kind in kinds:
            for model in FACT_MODELS[kind]:
                model.objects.all().delete()
            first, last = _span(kind)
            if first is not None:
                total += facts_recompute(kind=kind, days=_every_day(first, last))
        return total


def _every_day(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# the moment each kind's days are counted by: (model, field, condition)
SPAN_OF = {
    FactKind.LEAD: (Lead, "created_at", Q()),
    FactKind.ARRIVAL: (Lead, "created_at", Q()),
    FactKind.VISITOR: (Visitor, "first_seen_at", Q()),
    FactKind.INTEREST: (Submission, "received_at", Q(outcome=SubmissionOutcome.INTEREST)),
    FactKind.CONVERSION: (Conversion, "converted_at", Q()),
    FactKind.DEAL: (Deal, "closed_at", Q()),
    FactKind.STAY: (LeadEvent, "occurred_at", Q(type=EventType.STAGE_CHANGED)),
}


def _span(kind: str) -> tuple[dt.date | None, dt.date | None]:
    from django.db.models import Max, Min

    model, moment, condition = SPAN_OF[kind]
    moments = model.objects.filter(condition).aggregate(first=Min(moment), last=Max(moment))
    if moments["first"] is None:
        return None, None
    zone = business_zone()
    return moments["first"].astimezone(zone).date(), moments["last"].astimezone(zone).date()


# --- verifying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple
    stored: tuple | None
    expected: tuple | None


@dataclass(frozen=True)
class ListDigest:
    """A list of durations as verify compares it: how many, their sum, and a hash of them in
    order (the order the database wrote them in does not matter; a whole business's lists
    are not held in memory)."""

    count: int
    total: int
    digest: int

    @classmethod
    def of(cls, text: str) -> ListDigest:
        values = sorted(int(item) for item in text.split())
        return cls(len(values), sum(values), hash(tuple(values)))

    def __add__(self, other: ListDigest) -> ListDigest:
        return ListDigest(
            self.count + other.count, self.total + other.total, hash((self.digest, other.digest))
        )


def _measure(value: Any) -> Any:
    """A count as it is compared; a list of durations as its digest."""
    return ListDigest.of(value) if isinstance(value, str) else value


def _add(totals: dict[tuple, tuple], key: tuple, counts) -> None:
    """Add counts under a key (a quality fact's leads and duplicates may share one)."""
    counts = tuple(_measure(value) for value in counts)
    before = totals.get(key)
    totals[key] = counts if before is None else tuple(map(operator.add, before, counts))


def _stored(model, key_columns: list[str], count_columns: list[str]) -> dict[tuple, tuple]:
    stored: dict[tuple, tuple] = {}
    for row in model.objects.values_list(*key_columns, *count_columns):
        _add(stored, tuple(_plain(v) for v in row[: len(key_columns)]), row[len(key_columns) :])
    return stored


def facts_verify() -> list[Difference]:
    """Refresh, then recompute every fact in memory from the base tables and list every row
    that differs from the stored one (empty when the facts are right)."""
    facts_refresh()
    differences: list[Difference] = []
    for kind in FactKind:
        first, last = _span(kind)
        expected_by_model: dict[Any, dict[tuple, tuple]] = {}
        layout: dict[Any, tuple[list[str], list[str]]] = {}
        if first is not None:
            start, end = _moment(first), _moment(last + dt.timedelta(days=1))
            for model, constants, rows, columns in _fact_sources(kind, start, end):
                counts = [name for name in columns if name in _COUNT_COLUMNS]
                keys = [*constants, *(name for name in columns if name not in counts)]
                layout[model] = (keys, counts)
                expected = expected_by_model.setdefault(model, {})
                for row in rows:
                    values = {name: row[alias] for name, alias in columns.items()}
                    values.update(constants)
                    _add(
                        expected,
                        tuple(_plain(values[k]) for k in keys),
                        [values[c] for c in counts],
                    )
        for model in FACT_MODELS[kind]:
            keys, counts = layout.get(model) or _layout_of(model)
            stored = _stored(model, keys, counts)
            expected = expected_by_model.get(model, {})
            for key in sorted(set(stored) | set(expected), key=repr):
                if stored.get(key) != expected.get(key):
                    differences.append(
                        Difference(model._meta.db_table, key, stored.get(key), expected.get(key))
                    )
    return differences


_COUNT_COLUMNS = frozenset(
    {
        "leads",
        "qualified",
        "clients",
        "lost",
        "deferred",
        "still_open",
        "pseudo",
        "visitors",
        "interests",
        "verified",
        "non_target",
        "rejected",
        "duplicates",
        "amount",
        # the speed and team facts
        "responded",
        "with_deadline",
        "sla_met",
        "sla_late",
        "sla_breached",
        "responses",
        "assignments",
        "pending",
        "converted",
        "filled",
        "handed_off",
        "conversions",
        "lead_times",
        "exits",
        "stays",
    }
)


def _layout_of(model) -> tuple[list[str], list[str]]:
    names = [f.name for f in model._meta.concrete_fields if f.name != "id"]
    return [n for n in names if n not in _COUNT_COLUMNS], [n for n in names if n in _COUNT_COLUMNS]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    return value


# --- asking the facts ----------------------------------------------------------------------


@dataclass(frozen=True)
class FactPlan:
    """Which fact rows answer a report's question, and what their rows are grouped by."""

    grain: int
    dimension: str
    scope: Q  # on the facts' team and owner columns
    value: str | None  # the one attribute slice's value, as stored; None: no slice
    group: str  # "day", "value", "owner_id" or "team_id"

    def rows(self, model, f: ReportFilter, **dates: Any) -> QuerySet:
        rows = model.objects.filter(
            self.scope,
            grain=self.grain,
            dimension=self.dimension,
            day__gte=f.date_from,
            day__lte=f.date_to,
            **dates,
        )
        if self.value is not None:
            rows = rows.filter(value=self.value)
        return rows.order_by()

    def key(self, row: dict[str, Any]) -> Any:
        """The report's group key of a fact row (a month's first day when by month)."""
        value = row[self.group]
        if self.group == "day":
            return value.replace(day=1)
        if self.group == "value":
            return stored_value(self.dimension, value)
        return value


def stored_value(dimension: str, value: str | None) -> Any:
    """A stored value back as the lead's field holds it (ids as ints)."""
    if value is not None and dimension in ID_DIMENSIONS:
        return int(value)
    return value


def _scope_on_facts(condition: Q) -> Q:
    """A role's condition on leads (``filters.role_scope``) on the facts' columns."""
    moved = Q()
    moved.connector = condition.connector
    moved.negated = condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            moved.children.append(_scope_on_facts(child))
        else:
            name, value = child
            moved.children.append((SCOPE_COLUMNS[name], getattr(value, "pk", value)))
    return moved


def attribute_slices(f: ReportFilter, dimensions=SLICE_DIMENSIONS) -> list[tuple[str, Any]]:
    """The filter's channel, source, campaign and region slices that are set (of
    ``dimensions``), as (dimension, value)."""
    values = {
        Dimension.CHANNEL: f.channel,
        Dimension.SOURCE: f.source_id,
        Dimension.CAMPAIGN: f.campaign_id,
        Dimension.REGION: f.region,
    }
    return [
        (dimension, values[dimension])
        for dimension in dimensions
        if values[dimension] not in (None, "")
    ]


def fact_plan(
    user, f: ReportFilter, *, group_by: str, people: bool = False, owner_team: bool = True
) -> FactPlan | None:
    """How the facts answer ``user``'s question, or None when they cannot (then the report
    reads the base tables). ``people`` asks for the people grain even for a reader of the
    whole business (the figures that leave merged leads' visitors out)."""
    if not facts_enabled():
        return None
    slices = attribute_slices(f)
    if len(slices) > 1:
        return None
    whole = role_of(user) in WHOLE_BUSINESS_ROLES and f.team_id is None and f.owner_id is None
    by_person = group_by in ("owner", "team")
    grain = Grain.WHOLE if whole and not people and not (by_person and slices) else Grain.PEOPLE
    scope = Q()
    if grain == Grain.PEOPLE:
        scope = _scope_on_facts(role_scope(user))
        if f.team_id is not None:
            scope &= Q(team_id=f.team_id)
        if f.owner_id is not None:
            scope &= Q(owner_id=f.owner_id)
    value = None
    if slices:
        dimension, sliced = slices[0]
        value = str(sliced)
        if group_by == "month":
            group = "day"
        elif group_by == dimension:
            group = "value"
        elif by_person and owner_team:
            group = f"{group_by}_id"
        else:
            return None
        return FactPlan(grain, dimension, scope, value, group)
    if group_by == "month":
        return FactPlan(grain, Dimension.TOTAL, scope, None, "day")
    if group_by in FIELDS and not by_person:
        return FactPlan(grain, group_by, scope, None, "value")
    if by_person and owner_team:
        if grain == Grain.WHOLE:
            return FactPlan(grain, group_by, scope, None, "value")
        return FactPlan(grain, Dimension.TOTAL, scope, None, f"{group_by}_id")
    return None


def sum_by(plan: FactPlan, rows: QuerySet, *names: str) -> dict[Any, dict[str, int]]:
    """The counts ``names`` summed per report group key."""
    out: dict[Any, dict[str, int]] = {}
    for row in rows.values(plan.group).annotate(**{name: Sum(name) for name in names}):
        target = out.setdefault(plan.key(row), dict.fromkeys(names, 0))
        for name in names:
            target[name] += row[name] or 0
    return out
