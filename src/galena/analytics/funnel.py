"""The funnel: visitors → interests → leads → qualified → clients, per slice.

What each stage counts, for the period (whole days in the business time zone):

- **visitors** — browsers first seen in the period (``scoring.Visitor.first_seen_at``).
  A visitor is in a channel, source and campaign by its *first touch* — where its first
  visit came from: UTM tags, an ad click, the referring site (``scoring.attribution``) —
  and, when that visit told nothing (a direct visit), by the lead it identified as. Its
  region, owner and team are its lead's. For a reader of the whole business, the visitors
  a row cannot take (no first touch and no lead; no lead, when grouped by region, owner or
  team) are one row of their own, and a channel, source or campaign slice counts its
  anonymous visitors too; a reader of some leads, or a region, team or owner slice, counts
  only the visitors of those leads;
- **interests** — everyone who showed interest: the leads below, plus the contact-less
  interests received in the period (``intake.Submission`` kept as *interest*: no way to
  reach the person), attributed by their channel, source and form's campaign;
- **leads** — the leads that arrived in the period (``Lead.created_at``), never a lead
  merged into another (its survivor counts once) nor a pseudo-lead (quarantined or
  rejected by the quality checks);
- **qualified** — of those leads, the ones qualified or converted since;
- **clients** — of those leads, the ones converted and converted still: a lead converted
  and then moved back to an open stage is not a client (its ``converted_at`` is cleared);
  converted again, it counts once.

The stages after visitors follow the leads of the period wherever they are today (an
arrival cohort), so a past period's figures only grow as its leads progress. Conversion is
clients / visitors × 100 %. Rates are of the previous stage; drop-off is what the previous
stage lost. Everything is a fixed number of grouped queries (see
docs/decisions/0005-analytics-aggregates.md for the indexes they use).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from galena.analytics.charts import Chart, bar_chart, funnel_chart, line_chart
from galena.analytics.facts import (
    TOUCH_DIMENSIONS,
    FactPlan,
    attribute_slices,
    fact_plan,
    facts_refresh,
    sum_by,
    visitor_attributed,
    visitor_touch,
)
from galena.analytics.filters import (
    GROUP_BY_LABELS,
    ReportFilter,
    business_zone,
    lead_scope,
    people_scope,
    prefixed,
    sees_whole_business,
)
from galena.analytics.models import Dimension, Grain, InterestFact, LeadFact, VisitorFact
from galena.analytics.speed_measures import empty_label, group_key, group_labels
from galena.analytics.tables import Column, ReportTable, percent
from galena.intake.models import Submission, SubmissionOutcome
from galena.leads.models import Lead, QualityStatus
from galena.scoring.models import Visitor

CODE = "funnel"
GROUP_BY = ("channel", "source", "campaign", "region", "month", "owner", "team")
STAGES = ("visitors", "interests", "leads", "qualified", "clients")
# the row of visitors nobody identified and interests with nothing to attribute them by
UNATTRIBUTED = "__unattributed__"
PSEUDO_LEADS = (QualityStatus.QUARANTINED, QualityStatus.REJECTED)
# the slices a contact-less interest can be attributed by (it has no region, owner, team)
INTEREST_FIELDS = {"channel": "channel", "source": "source_id", "campaign": "form__campaign_id"}


def _month(field_name: str) -> TruncMonth:
    return TruncMonth(field_name, tzinfo=business_zone(), output_field=DateField())


def _empty() -> dict[str, int]:
    return dict.fromkeys(("visitors", "contactless", "leads", "qualified", "clients"), 0)


def arrived_leads(user, f: ReportFilter):
    """The leads a funnel or cohort counts: arrived in the period, in the reader's scope
    and slices, no merged lead, no pseudo-lead."""
    return Lead.objects.filter(
        lead_scope(user, f), created_at__gte=f.start_at(), created_at__lt=f.end_at()
    ).exclude(quality_status__in=PSEUDO_LEADS)


def funnel_counts(user, f: ReportFilter) -> dict[Any, dict[str, int]]:
    """Per group key: visitors, contact-less interests, leads, qualified, clients — from the
    daily facts when they answer the question, else from the base tables."""
    plan = fact_plan(user, f, group_by=f.group_by)
    if plan is None:
        return _base_counts(user, f)
    facts_refresh()
    counts: dict[Any, dict[str, int]] = defaultdict(_empty)
    stages = ("leads", "qualified", "clients")
    for key, values in sum_by(plan, plan.rows(LeadFact, f), *stages).items():
        if values["leads"]:
            for stage in stages:
                counts[key][stage] += values[stage]
    anonymous = _counts_anonymous_visitors(user, f)
    visitor_plan = fact_plan(user, f, group_by=f.group_by, people=not anonymous)
    if visitor_plan is None:
        return _base_counts(user, f)
    visitor_rows = [
        {"group": key, "n": values["visitors"]}
        for key, values in sum_by(
            visitor_plan, visitor_plan.rows(VisitorFact, f), "visitors"
        ).items()
    ]
    if anonymous and f.group_by != "month":
        # the visitors of the period (of the slice) the rows above leave out
        slices = attribute_slices(f)
        dimension, value = slices[0] if slices else (Dimension.TOTAL, None)
        every = FactPlan(Grain.WHOLE, dimension, Q(), None if value is None else str(value), "day")
        total = every.rows(VisitorFact, f).aggregate(n=Sum("visitors"))["n"] or 0
        visitor_rows.append({"group": UNATTRIBUTED, "n": total - sum(r["n"] for r in visitor_rows)})
    for row in visitor_rows:
        if row["n"]:
            counts[row["group"]]["visitors"] += row["n"]
    interest_rows = _interest_fact_rows(f, whole=sees_whole_business(user))
    if interest_rows is None:
        interest_rows = _interest_rows(f, whole=sees_whole_business(user))
    for row in interest_rows:
        if row["n"]:
            counts[row["group"]]["contactless"] += row["n"]
    for values in counts.values():
        values["interests"] = values["leads"] + values["contactless"]
    return counts


def _interest_fact_rows(f: ReportFilter, *, whole: bool) -> list[dict[str, Any]] | None:
    """``_interest_rows`` from the daily facts; None when they cannot answer."""
    if not whole or f.region or f.team_id is not None or f.owner_id is not None:
        return []
    slices = attribute_slices(f, (Dimension.CHANNEL, Dimension.SOURCE, Dimension.CAMPAIGN))
    if len(slices) > 1:
        return None
    dimension = slices[0][0] if slices else Dimension.TOTAL
    if f.group_by in INTEREST_FIELDS and f.group_by != dimension:
        if slices:
            return None
        dimension = f.group_by
    rows = InterestFact.objects.filter(
        dimension=dimension, day__gte=f.date_from, day__lte=f.date_to
    ).order_by()
    if slices:
        rows = rows.filter(value=str(slices[0][1]))
    if f.group_by == "month":
        plan = FactPlan(Grain.WHOLE, dimension, Q(), None, "day")
    elif f.group_by in INTEREST_FIELDS:
        plan = FactPlan(Grain.WHOLE, dimension, Q(), None, "value")
    else:
        total = rows.aggregate(n=Sum("interests"))["n"] or 0
        return [{"group": UNATTRIBUTED, "n": total}]
    return [
        {"group": key, "n": values["interests"]}
        for key, values in sum_by(plan, rows, "interests").items()
    ]


def _base_counts(user, f: ReportFilter) -> dict[Any, dict[str, int]]:
    """``funnel_counts`` read from the base tables (every question the facts cannot answer)."""
    counts: dict[Any, dict[str, int]] = defaultdict(_empty)

    lead_rows = (
        arrived_leads(user, f)
        .values(group=group_key(f.group_by))
        .annotate(
            # a column of leads.lead_analytics_arrival, not the id: an index-only scan
            leads=Count("created_at"),
            qualified=Count(
                "created_at", filter=Q(qualified_at__isnull=False) | Q(converted_at__isnull=False)
            ),
            clients=Count("created_at", filter=Q(converted_at__isnull=False)),
        )
        .order_by()
    )
    for row in lead_rows:
        for stage in ("leads", "qualified", "clients"):
            counts[row["group"]][stage] += row[stage]

    for row in _visitor_rows(user, f):
        if row["n"]:
            counts[row["group"]]["visitors"] += row["n"]

    for row in _interest_rows(f, whole=sees_whole_business(user)):
        if row["n"]:
            counts[row["group"]]["contactless"] += row["n"]
    for values in counts.values():
        values["interests"] = values["leads"] + values["contactless"]
    return counts


def _counts_anonymous_visitors(user, f: ReportFilter) -> bool:
    """Whether the visitors nobody identified count: for a reader of the whole business
    whose slices (channel, source, campaign) a first touch can tell. A region, a team or an
    owner is known only of a visitor's lead."""
    return sees_whole_business(user) and not (
        f.region or f.team_id is not None or f.owner_id is not None
    )


def _visitor_rows(user, f: ReportFilter) -> list[dict[str, Any]]:
    """Visitors first seen in the period per group key, from the base tables: by their
    first touch's (else their lead's) channel, source and campaign; by their lead's region,
    owner and team; those a row cannot take under ``UNATTRIBUTED``."""
    anonymous = _counts_anonymous_visitors(user, f)
    visitors = Visitor.objects.filter(first_seen_at__gte=f.start_at(), first_seen_at__lt=f.end_at())
    if not anonymous:
        people = people_scope(user, f) & (Q(region=f.region) if f.region else Q())
        visitors = visitors.filter(prefixed(people, "lead__"), lead__isnull=False)
    for dimension, value in attribute_slices(f, TOUCH_DIMENSIONS):
        visitors = visitors.alias(**{f"touch_{dimension}": visitor_touch(dimension)}).filter(
            **{f"touch_{dimension}": value}
        )
    if f.group_by == "month":
        return list(
            visitors.values(group=_month("first_seen_at"))
            .annotate(n=Count("first_seen_at"))
            .order_by()
        )
    if f.group_by in TOUCH_DIMENSIONS:
        grouped = visitors.filter(visitor_attributed()).values(group=visitor_touch(f.group_by))
    else:
        grouped = visitors.filter(lead__isnull=False)
        if f.has_slices():
            grouped = grouped.filter(lead__merged_into__isnull=True)
        grouped = grouped.values(group=group_key(f.group_by, prefix="lead__"))
    rows = list(grouped.annotate(n=Count("first_seen_at")).order_by())
    if anonymous:
        rows.append({"group": UNATTRIBUTED, "n": visitors.count() - sum(r["n"] for r in rows)})
    return rows


def _interest_rows(f: ReportFilter, *, whole: bool) -> list[dict[str, Any]]:
    """Contact-less interests per group key; none for a reader who sees only some leads or
    slices by something an interest does not have."""
    if not whole or f.region or f.team_id is not None or f.owner_id is not None:
        return []
    interests = Submission.objects.filter(
        outcome=SubmissionOutcome.INTEREST,
        received_at__gte=f.start_at(),
        received_at__lt=f.end_at(),
    )
    for name, value in (
        ("channel", f.channel),
        ("source_id", f.source_id),
        ("form__campaign_id", f.campaign_id),
    ):
        if value not in (None, ""):
            interests = interests.filter(**{name: value})
    if f.group_by == "month":
        key = _month("received_at")
    elif f.group_by in INTEREST_FIELDS:
        key = F(INTEREST_FIELDS[f.group_by])
    else:
        return [{"group": UNATTRIBUTED, "n": interests.count()}]
    return list(interests.values(group=key).annotate(n=Count("received_at")).order_by())


def _months(f: ReportFilter) -> list[dt.date]:
    """The first day of every month the period touches."""
    months, current = [], f.date_from.replace(day=1)
    while current <= f.date_to:
        months.append(current)
        current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def _rates(values: dict[str, int]) -> dict[str, float | None]:
    return {
        "interest_rate": percent(values["interests"], values["visitors"]),
        "lead_rate": percent(values["leads"], values["interests"]),
        "qualified_rate": percent(values["qualified"], values["leads"]),
        "client_rate": percent(values["clients"], values["qualified"]),
        "conversion": percent(values["clients"], values["visitors"], digits=2),
    }


def funnel_table(user, f: ReportFilter) -> ReportTable:
    """The funnel report's table: one row per group, totals, rates of the previous stage."""
    counts = funnel_counts(user, f)
    if f.group_by == "month":
        keys = _months(f) if counts else []
    else:
        keys = sorted(
            (key for key in counts if key != UNATTRIBUTED),
            key=lambda key: (-counts[key]["leads"], -counts[key]["visitors"], str(key)),
        )
        if UNATTRIBUTED in counts:
            keys.append(UNATTRIBUTED)
    labels = group_labels(f.group_by, keys)
    labels[UNATTRIBUTED] = _("Not attributed (unidentified visitors, contact-less interests)")
    rows, totals = [], _empty() | {"interests": 0}
    for key in keys:
        values = counts.get(key) or (_empty() | {"interests": 0})
        label = labels.get(key) or (key if key not in (None, "") else empty_label(f.group_by))
        rows.append({"group": str(label), **_stage_values(values), **_rates(values)})
        for stage in totals:
            totals[stage] += values.get(stage, 0)
    columns = [
        Column("group", str(GROUP_BY_LABELS.get(f.group_by, _("Group"))), "text"),
        Column("visitors", _("Visitors")),
        Column("interests", _("Interests")),
        Column("leads", _("Leads")),
        Column("qualified", _("Qualified")),
        Column("clients", _("Clients")),
        Column("interest_rate", _("Interests of visitors"), "percent"),
        Column("lead_rate", _("Leads of interests"), "percent"),
        Column("qualified_rate", _("Qualified of leads"), "percent"),
        Column("client_rate", _("Clients of qualified"), "percent"),
        Column("conversion", _("Conversion (clients of visitors)"), "percent"),
    ]
    return ReportTable(
        code=CODE,
        title=_("Funnel"),
        columns=columns,
        rows=rows,
        totals={"group": _("Total"), **_stage_values(totals), **_rates(totals)} if rows else None,
        notes=[
            _(
                "Leads arrived in the period, followed to today: qualified and clients are "
                "what became of them since. Merged leads count once, pseudo-leads not at all."
            ),
            _(
                "A lead converted and moved back to an open stage is not a client; "
                "converted again, it counts once."
            ),
            _(
                "Visitors are browsers first seen in the period. Their channel, source and "
                "campaign are where their first visit came from (UTM tags, an ad click, the "
                "referring site); a direct visit takes its lead's, if the visitor became one. "
                "Their region, owner and team are their lead's. Channels nobody visits the "
                "site from (calls, exhibitions) have only their leads' tracked visitors, so "
                "their conversion from visitors says little. Interests are the leads plus the "
                "contact-less interests. Conversion = clients / visitors × 100 %."
            ),
        ],
    )


def _stage_values(values: dict[str, int]) -> dict[str, int]:
    return {stage: values.get(stage, 0) for stage in STAGES}


def funnel_steps(table: ReportTable) -> list[dict[str, Any]]:
    """The totals stage by stage: count, share of the previous stage, and the drop-off."""
    if not table.totals:
        return []
    labels = {column.key: column.label for column in table.columns}
    steps, previous = [], None
    for stage in STAGES:
        value = table.totals[stage]
        steps.append(
            {
                "stage": labels[stage],
                "count": value,
                "of_previous": percent(value, previous) if previous is not None else None,
                "dropped": previous - value if previous is not None else None,
                "dropped_share": percent(previous - value, previous)
                if previous is not None
                else None,
            }
        )
        previous = value
    return steps


def funnel_charts(table: ReportTable, f: ReportFilter) -> list[Chart]:
    if not table.rows or not table.totals:
        return []
    charts = [
        funnel_chart(
            [(str(column.label), table.totals[column.key]) for column in table.columns[1:6]],
            title=_("Funnel for the period"),
        )
    ]
    rows = table.rows[:12]
    labels = [row["group"] for row in rows]
    if f.group_by == "month":
        charts.append(
            line_chart(
                labels,
                {
                    _("Leads"): [row["leads"] for row in rows],
                    _("Qualified"): [row["qualified"] for row in rows],
                    _("Clients"): [row["clients"] for row in rows],
                },
                title=_("Leads, qualified and clients by month of arrival"),
            )
        )
    else:
        charts.append(
            bar_chart(
                labels,
                {
                    _("Leads"): [row["leads"] for row in rows],
                    _("Clients"): [row["clients"] for row in rows],
                },
                title=_("Leads and clients by %(group)s")
                % {"group": str(GROUP_BY_LABELS[f.group_by]).lower()},
            )
        )
    charts.append(
        bar_chart(
            labels,
            {_("Conversion"): [row["conversion"] or 0 for row in rows]},
            unit="%",
            title=_("Conversion (clients of visitors), %"),
        )
    )
    return charts
