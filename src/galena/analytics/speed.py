"""The speed report: how fast leads turn into money, how long they stay in each stage, how
fast the team answers them and whether the first-response deadlines hold.

Each figure is counted on the date that belongs to it, for the leads the reader may see
(``scope``: a condition on ``leads.Lead``, e.g. ``analytics.filters.lead_scope``; merged
leads never count, only the lead they were merged into):

- **lead time** — the conversions (``clients.Conversion``) made in the period whose lead is
  still converted at the time of reading: from the first contact with the person (the
  earliest arrival of the lead and of the leads merged into it) to the money (the
  conversion, or the payment when the deal is won later): ``Conversion.lead_time``. A lead
  converted and moved back to an open stage is not converted any more and is not counted.
  Median, 90th percentile and the distribution in buckets;
- **time in each stage** — every move out of a stage in the period (``stage_changed``
  events): the time since the lead entered that stage (its previous move, or its arrival);
- **first response** — the leads that came in during the period and went to sales: from
  arrival (and from assignment) to ``first_response_at``, median and 90th percentile;
- **SLA compliance** — of those, the leads with a deadline (an SLA clock, or the deadline on
  the lead): met on time, breached (answered late, or not answered and past the deadline),
  and the share within the SLA of the leads it has judged — routing's rules
  (``docs/decisions/0004-sla-clocks.md``, ``routing.selectors``).

``speed_report`` and ``stage_report`` add up the daily facts when they answer the question
(``speed_from_facts``, ``stays_from_facts``: counts summed, medians and 90th percentiles picked
exactly from the durations the facts keep, docs/decisions/0007-analytics-speed-team-facts.md);
otherwise, and with ``ANALYTICS_FACTS`` off, ``speed_figures`` and ``stage_stays`` read the
leads, conversions and events: a fixed number of queries whatever the number of leads,
percentiles by ``percentile_cont`` on PostgreSQL (``speed_measures``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, F, Q, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from galena.analytics.charts import Chart, bar_chart, histogram
from galena.analytics.durations import (
    DurationLists,
    bucket_counts,
    count_below,
    microseconds_of,
    percentiles,
)
from galena.analytics.facts import FactPlan, fact_plan, facts_refresh
from galena.analytics.filters import (
    GROUP_BY_LABELS,
    ReportFilter,
    business_zone,
    lead_scope,
    require_report,
)
from galena.analytics.models import ConversionFact, FactKind, ResponseFact, StayFact
from galena.analytics.speed_measures import (
    MEDIAN,
    P90,
    TOTAL,
    empty_label,
    group_key,
    group_labels,
    grouped_figures,
    in_database,
    label_order,
    lead_condition_on,
    ratio,
    report_cursor,
    response_annotations,
    seconds,
)
from galena.analytics.tables import Column, ReportTable, percent
from galena.clients.models import Conversion
from galena.leads.models import EventType, Lead, LeadEvent, Stage
from galena.leads.selectors import SENT_TO_SALES
from galena.routing.selectors import percentile

DAY = dt.timedelta(days=1)
# the lead-time distribution's buckets: (upper edge, label); the last has no edge
LEAD_TIME_BUCKETS: tuple[tuple[dt.timedelta | None, Any], ...] = (
    (DAY, _("under 1 day")),
    (3 * DAY, _("1–3 days")),
    (7 * DAY, _("3–7 days")),
    (14 * DAY, _("1–2 weeks")),
    (30 * DAY, _("2 weeks – 1 month")),
    (60 * DAY, _("1–2 months")),
    (90 * DAY, _("2–3 months")),
    (180 * DAY, _("3–6 months")),
    (None, _("6 months or more")),
)

# figures of one row; every row has all of them (None when there is nothing to measure)
ARRIVAL_FIGURES = (
    "leads",
    "responded",
    "with_deadline",
    "sla_met",
    "sla_breached",
    "sla_overdue_open",
)
DURATION_FIGURES = (
    "response_median",
    "response_p90",
    "assignment_median",
    "lead_time_median",
    "lead_time_p90",
)


@dataclass
class SpeedFigures:
    group_by: str
    rows: list[dict[str, Any]]  # one per slice (``key``, ``label`` and the figures)
    total: dict[str, Any]
    stages: list[dict[str, Any]]  # per stage left: stage, label, exits, median, p90 (seconds)
    histogram: list[tuple[str, int]] = field(default_factory=list)  # lead time, the buckets

    @property
    def is_empty(self) -> bool:
        return not (self.total["leads"] or self.total["conversions"] or self.stages)


def _blank_row(key: Any = None, label: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"key": key, "label": label, "conversions": 0}
    row.update(dict.fromkeys(ARRIVAL_FIGURES, 0))
    row.update(dict.fromkeys(DURATION_FIGURES))
    row["within_sla"] = None
    row["response_rate"] = None
    return row


# --- first response and SLA: the leads that came in during the period -----------------


def arrivals(*, scope: Q, start: dt.datetime, end: dt.datetime, group_by: str = ""):
    """The leads that came in during the period and went to sales, with their group key
    (``group``), times to the first response and deadline (``due_at``, ``met_at``)."""
    key = group_key(group_by, date_field="created_at")
    return (
        Lead.objects.filter(
            scope,
            created_at__gte=start,
            created_at__lt=end,
            merged_into__isnull=True,
            quality_status__in=SENT_TO_SALES,
        )
        .order_by()
        .annotate(group=key if key is not None else _no_group(), **response_annotations())
    )


def _no_group():
    return ExpressionWrapper(Q(pk__isnull=True), output_field=BooleanField())


def arrival_counts(now: dt.datetime) -> dict[str, Q | None]:
    overdue = Q(met_at__isnull=True, due_at__isnull=False) & (
        Q(sla_clock__breached_at__isnull=False) | Q(due_at__lt=now)
    )
    return {
        "leads": None,
        "responded": Q(first_response_at__isnull=False),
        "with_deadline": Q(due_at__isnull=False),
        "sla_met": Q(met_at__isnull=False, met_at__lte=F("due_at")),
        "sla_breached": Q(met_at__gt=F("due_at")) | overdue,
        "sla_overdue_open": overdue,
    }


# --- lead time: the conversions of the period ------------------------------------------


def conversions(*, scope: Q, start: dt.datetime, end: dt.datetime, group_by: str = ""):
    """The conversions made in the period whose lead is still converted, with their group
    key (``group``; a month is the conversion's)."""
    key = group_key(group_by, prefix="lead__", date_field="converted_at")
    return (
        Conversion.objects.filter(
            lead_condition_on(scope, "lead"),
            converted_at__gte=start,
            converted_at__lt=end,
            lead__converted_at__isnull=False,
            lead__merged_into__isnull=True,
        )
        .order_by()
        .annotate(group=key if key is not None else _no_group())
    )


def _bucket_conditions() -> dict[str, Q]:
    conditions = {}
    lower = None
    for index, (upper, _label) in enumerate(LEAD_TIME_BUCKETS):
        condition = Q()
        if lower is not None:
            condition &= Q(lead_time__gte=lower)
        if upper is not None:
            condition &= Q(lead_time__lt=upper)
        conditions[f"bucket{index}"] = condition
        lower = upper
    return conditions


# --- time in each stage: the moves out of a stage in the period ------------------------

STAGE_ROWS_SQL = """
SELECT stage_code, occurred_at, COALESCE(entered_at, lead_created_at) AS entered
FROM ({events}) AS moves
WHERE occurred_at >= %s
"""
STAGE_FIGURES_SQL = """
SELECT stage_code, COUNT(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY spent),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY spent)
FROM (
    SELECT stage_code,
           GREATEST(occurred_at - COALESCE(entered_at, lead_created_at), INTERVAL '0') AS spent
    FROM ({events}) AS moves
    WHERE occurred_at >= %s
) AS stays
GROUP BY stage_code
"""


def stage_moves(*, scope: Q, end: dt.datetime):
    """Every move out of a stage before the period's end, for the leads in scope, with when
    the lead had entered that stage (its previous move; empty for the first: its arrival)."""
    return (
        LeadEvent.objects.filter(
            lead_condition_on(scope, "lead"),
            lead__merged_into__isnull=True,
            type=EventType.STAGE_CHANGED,
            occurred_at__lt=end,
        )
        .order_by()
        .annotate(
            entered_at=Window(
                Lag("occurred_at"),
                partition_by=[F("lead_id")],
                order_by=[F("occurred_at").asc(), F("id").asc()],
            ),
            stage_code=KeyTextTransform("from", "params"),
        )
        .values("stage_code", "occurred_at", "entered_at", lead_created_at=F("lead__created_at"))
    )


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def stage_stays(*, scope: Q, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per stage left during the period: how many moves out, and the median and 90th
    percentile of the time spent in it (seconds), in the pipeline's order."""
    sql, params = stage_moves(scope=scope, end=end).query.sql_with_params()
    figures: dict[str, tuple[int, float | None, float | None]] = {}
    with report_cursor() as cursor:
        if in_database():
            cursor.execute(STAGE_FIGURES_SQL.format(events=sql), (*params, start))
            for code, exits, median, p90 in cursor.fetchall():
                figures[code] = (exits, seconds(median), seconds(p90))
        else:
            cursor.execute(STAGE_ROWS_SQL.format(events=sql), (*params, start))
            spent: dict[str, list[float]] = {}
            for code, left, entered in cursor.fetchall():
                stay = (_moment(left) - _moment(entered)).total_seconds()
                spent.setdefault(code, []).append(max(stay, 0.0))
            for code, values in spent.items():
                values.sort()
                figures[code] = (len(values), percentile(values, MEDIAN), percentile(values, P90))
    return _stage_rows(figures)


def _stage_rows(figures: dict[str, tuple[int, float | None, float | None]]) -> list[dict]:
    """The stages' (exits, median, 90th percentile), labelled, in the pipeline's order."""
    stages = {stage.code: stage for stage in Stage.objects.filter(code__in=list(figures))}
    order = sorted(
        figures,
        key=lambda code: (code not in stages, getattr(stages.get(code), "order", 0), code or ""),
    )
    return [
        {
            "stage": code,
            "label": stages[code].label if code in stages else (code or gettext("Not set")),
            "exits": figures[code][0],
            "median": figures[code][1],
            "p90": figures[code][2],
        }
        for code in order
    ]


# --- the report ------------------------------------------------------------------------


def speed_figures(
    *,
    scope: Q,
    start: dt.datetime,
    end: dt.datetime,
    group_by: str = "",
    now: dt.datetime | None = None,
    with_stages: bool = True,
) -> SpeedFigures:
    """The speed report's figures for the leads of ``scope`` in [start, end): one row per
    slice of ``group_by`` (channel, source, campaign, region, owner, team, month; "" for
    totals only), the totals, the lead-time distribution and, ``with_stages``, the time in
    each stage (the costly part: every stage change before the period's end is read)."""
    now = now or timezone.now()
    rows = _Rows()
    row_for = rows.row_for
    grouped = bool(group_by) and group_key(group_by) is not None
    total = _blank_row(label=gettext("Total"))
    leads = arrivals(scope=scope, start=start, end=end, group_by=group_by)
    found = grouped_figures(
        leads,
        counts=arrival_counts(now),
        durations={"response": (MEDIAN, P90), "from_assignment": (MEDIAN,)},
        grouped=grouped,
    )
    for key, figures in found.items():
        target = total if key == TOTAL else row_for(key)
        target.update({name: figures[name] for name in ARRIVAL_FIGURES})
        target["response_median"] = figures["response_0"]
        target["response_p90"] = figures["response_1"]
        target["assignment_median"] = figures["from_assignment_0"]

    converted = conversions(scope=scope, start=start, end=end, group_by=group_by)
    found = grouped_figures(
        converted,
        counts={"conversions": None, **_bucket_conditions()},
        durations={"lead_time": (MEDIAN, P90)},
        grouped=grouped,
    )
    histogram = [
        (str(label), found[TOTAL][f"bucket{index}"])
        for index, (_edge, label) in enumerate(LEAD_TIME_BUCKETS)
    ]
    for key, figures in found.items():
        target = total if key == TOTAL else row_for(key)
        target["conversions"] = figures["conversions"]
        target["lead_time_median"] = figures["lead_time_0"]
        target["lead_time_p90"] = figures["lead_time_1"]

    return SpeedFigures(
        group_by=group_by if grouped else "",
        rows=rows.finished(group_by, total),
        total=total,
        stages=stage_stays(scope=scope, start=start, end=end) if with_stages else [],
        histogram=histogram,
    )


class _Rows(dict[Any, dict[str, Any]]):
    """The report's rows by group key, each made when first counted in."""

    def row_for(self, key: Any) -> dict[str, Any]:
        if key not in self:
            self[key] = _blank_row(key)
        return self[key]

    def finished(self, group_by: str, total: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows with their rates (the total's too) and labels, in the report's order."""
        for row in [*self.values(), total]:
            _derive(row)
        labels = group_labels(group_by, self)
        for key, row in self.items():
            row["label"] = labels.get(key, key if key not in (None, "") else empty_label(group_by))
        return sorted(self.values(), key=_row_order(group_by))


def _derive(row: dict[str, Any]) -> None:
    judged = row["sla_met"] + row["sla_breached"]
    row["within_sla"] = ratio(row["sla_met"], judged)
    row["response_rate"] = ratio(row["responded"], row["leads"])


def _row_order(group_by: str):
    if group_by == "month":
        return lambda row: (row["key"] is None, row["key"] or dt.date.min)
    return lambda row: label_order(row["key"], row["label"])


# --- the same figures from the daily facts (docs/decisions/0007) --------------------------

# the lead-time buckets' upper edges, in microseconds
BUCKET_EDGES = tuple(
    edge // dt.timedelta(microseconds=1) for edge, _label in LEAD_TIME_BUCKETS if edge is not None
)
ARRIVAL_COUNTS = ("leads", "responded", "with_deadline", "sla_met", "sla_late", "sla_breached")


class _Arrivals:
    """A group's response facts added up: the counts, and the durations' lists."""

    LISTS = ("responses", "assignments", "pending")

    def __init__(self) -> None:
        self.counts = dict.fromkeys(ARRIVAL_COUNTS, 0)
        self.lists = DurationLists()  # by the list's name

    def add(self, row: dict[str, Any]) -> None:
        for name in ARRIVAL_COUNTS:
            self.counts[name] += row[name]
        for name in self.LISTS:
            self.lists.add(name, row[name])

    def absorb(self, other: _Arrivals) -> None:
        for name in ARRIVAL_COUNTS:
            self.counts[name] += other.counts[name]
        for name in self.LISTS:
            self.lists.absorb(name, other.lists, name)

    def figures(self, now: dt.datetime) -> dict[str, Any]:
        overdue = self.counts["sla_breached"]
        overdue += count_below(self.lists.values("pending"), microseconds_of(now))
        median, p90 = percentiles(self.lists.values("responses"), (MEDIAN, P90))
        return {
            **{name: self.counts[name] for name in ("leads", "responded", "with_deadline")},
            "sla_met": self.counts["sla_met"],
            "sla_breached": self.counts["sla_late"] + overdue,
            "sla_overdue_open": overdue,
            "response_median": median,
            "response_p90": p90,
            "assignment_median": percentiles(self.lists.values("assignments"), (MEDIAN,))[0],
        }


def speed_from_facts(
    plan: FactPlan,
    f: ReportFilter,
    *,
    group_by: str,
    now: dt.datetime | None = None,
    with_stages: bool = False,
) -> SpeedFigures:
    """``speed_figures`` from the response and conversion facts the plan points to (and the
    stay facts, ``with_stages``): the counts summed, the percentiles picked from the
    facts' durations — the same figures, to the microsecond."""
    facts_refresh([FactKind.ARRIVAL, FactKind.CONVERSION])
    now = now or timezone.now()
    rows = _Rows()
    row_for = rows.row_for

    groups: dict[Any, _Arrivals] = {}
    found = plan.rows(ResponseFact, f, to_sales=True).values(
        plan.group, *ARRIVAL_COUNTS, "responses", "assignments", "pending"
    )
    for values in found:
        groups.setdefault(plan.key(values), _Arrivals()).add(values)
    everyone = _Arrivals()
    for key, group in groups.items():
        row_for(key).update(group.figures(now))
        everyone.absorb(group)
    total = _blank_row(label=gettext("Total"))
    total.update(everyone.figures(now))

    lead_times = DurationLists()
    for values in plan.rows(ConversionFact, f).values(plan.group, "conversions", "lead_times"):
        key = plan.key(values)
        row_for(key)["conversions"] += values["conversions"]
        total["conversions"] += values["conversions"]
        lead_times.add(key, values["lead_times"])
    for key in lead_times:
        rows[key]["lead_time_median"], rows[key]["lead_time_p90"] = percentiles(
            lead_times.values(key), (MEDIAN, P90)
        )
    every_lead_time = lead_times.values(*lead_times)
    total["lead_time_median"], total["lead_time_p90"] = percentiles(every_lead_time, (MEDIAN, P90))
    counts = bucket_counts(every_lead_time, BUCKET_EDGES)
    histogram = [
        (str(label), counts[index]) for index, (_edge, label) in enumerate(LEAD_TIME_BUCKETS)
    ]

    return SpeedFigures(
        group_by=group_by,
        rows=rows.finished(group_by, total),
        total=total,
        stages=stays_from_facts(stage_plan(plan), f) if with_stages else [],
        histogram=histogram,
    )


def stage_plan(plan: FactPlan) -> FactPlan:
    """The same readers and slice, for the stay facts (whose rows are never grouped)."""
    return replace(plan, group="day")


def stays_from_facts(plan: FactPlan, f: ReportFilter) -> list[dict[str, Any]]:
    """``stage_stays`` from the stay facts the plan points to."""
    facts_refresh([FactKind.STAY])
    exits: dict[str, int] = {}
    stays = DurationLists()
    for code, count, text in plan.rows(StayFact, f).values_list("stage", "exits", "stays"):
        exits[code] = exits.get(code, 0) + count
        stays.add(code, text)
    return _stage_rows(
        {
            code: (count, *percentiles(stays.values(code), (MEDIAN, P90)))
            for code, count in exits.items()
        }
    )


# --- the page, the API and the exports ---------------------------------------------------

CODE = "speed"
GROUP_BY = ("channel", "source", "campaign", "region", "month", "owner", "team")
DAY_SECONDS = 86400


def speed_report(
    user, f: ReportFilter, *, now: dt.datetime | None = None, with_stages: bool = False
) -> SpeedFigures:
    """The speed figures the user may see for the filter (refused for a role without
    reports); the time in each stage only when asked (``stage_report``)."""
    require_report(user, CODE)
    group_by = f.group_by if f.group_by in GROUP_BY else GROUP_BY[0]
    plan = fact_plan(user, f, group_by=group_by)
    if plan is not None:
        return speed_from_facts(plan, f, group_by=group_by, now=now, with_stages=with_stages)
    return speed_figures(
        scope=lead_scope(user, f),
        start=f.start_at(),
        end=f.end_at(),
        group_by=group_by,
        now=now,
        with_stages=with_stages,
    )


def stage_report(user, f: ReportFilter) -> list[dict[str, Any]]:
    """The time in each stage the user may see for the filter: per stage left during the
    period, the moves out and the median and 90th percentile of the time spent in it."""
    require_report(user, CODE)
    plan = fact_plan(user, f, group_by="month")
    if plan is not None:
        return stays_from_facts(plan, f)
    return stage_stays(scope=lead_scope(user, f), start=f.start_at(), end=f.end_at())


def _columns(group_by: str) -> list[Column]:
    return [
        Column("label", str(GROUP_BY_LABELS.get(group_by, _("Group"))), "text"),
        Column("leads", _("Leads to sales"), "int"),
        Column("responded", _("Answered"), "int"),
        Column("response_median", _("Median first response"), "duration"),
        # xgettext:no-python-format
        Column("response_p90", _("90 % answered within"), "duration"),
        Column("assignment_median", _("Median response from assignment"), "duration"),
        Column("with_deadline", _("With a deadline"), "int"),
        Column("sla_met", _("SLA met"), "int"),
        Column("sla_breached", _("SLA breached"), "int"),
        Column("sla_overdue_open", _("Still unanswered, overdue"), "int"),
        Column("within_sla", _("Within SLA"), "percent"),
        Column("conversions", _("Converted"), "int"),
        Column("lead_time_median", _("Median lead time"), "duration"),
        # xgettext:no-python-format
        Column("lead_time_p90", _("90 % converted within"), "duration"),
    ]


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    shown = dict(row)
    shown["label"] = str(row["label"])
    shown["within_sla"] = percent(row["sla_met"], row["sla_met"] + row["sla_breached"])
    return shown


def speed_table(user, f: ReportFilter, *, figures: SpeedFigures | None = None) -> ReportTable:
    """The speed report's table: one row per group, the totals, what is counted how."""
    figures = figures or speed_report(user, f)
    group_by = figures.group_by or (f.group_by if f.group_by in GROUP_BY else GROUP_BY[0])
    return ReportTable(
        code=CODE,
        title=str(_("Speed")),
        columns=_columns(group_by),
        rows=[_table_row(row) for row in figures.rows],
        totals=_table_row(figures.total),
        notes=[
            str(
                _(
                    "First response and SLA: the leads that came in during the period and went "
                    "to sales; within SLA is met of the leads the deadline has judged (answered, "
                    "or past due)."
                )
            ),
            str(
                _(
                    "Lead time: from the first contact with the person to the money, for the "
                    "conversions of the period whose lead is still converted; a month is the "
                    "conversion's."
                )
            ),
            str(
                _("Days and months are counted in the business time zone (%(zone)s).")
                % {"zone": business_zone().key}
            ),
        ],
    )


def stage_table(stages: list[dict[str, Any]]) -> ReportTable:
    """Time in each stage: the page's second table (loaded after the page)."""
    return ReportTable(
        code=f"{CODE}-stages",
        title=str(_("Time in each stage")),
        columns=[
            Column("label", str(_("Stage")), "text"),
            Column("exits", str(_("Moves out")), "int"),
            Column("median", str(_("Median time in stage")), "duration"),
            # xgettext:no-python-format
            Column("p90", str(_("90 % left within")), "duration"),
        ],
        rows=[dict(row, label=str(row["label"])) for row in stages],
    )


def _days(seconds_value: float | None) -> float:
    return round((seconds_value or 0) / DAY_SECONDS, 1)


def speed_charts(figures: SpeedFigures) -> list[Chart]:
    """The lead-time distribution and the first response per group."""
    charts = [histogram(figures.histogram, title=str(_("Lead time to money: conversions")))]
    if figures.rows:
        minutes = str(_("min"))
        charts.append(
            bar_chart(
                [str(row["label"]) for row in figures.rows],
                {
                    str(_("Median")): [
                        round((row["response_median"] or 0) / 60) for row in figures.rows
                    ],
                    str(_("90th percentile")): [
                        round((row["response_p90"] or 0) / 60) for row in figures.rows
                    ],
                },
                unit=minutes,
                title=str(_("First response, minutes")),
            )
        )
    return charts


def stage_chart(stages: list[dict[str, Any]]) -> Chart:
    """The median and 90th percentile of the time in each stage, in days."""
    return bar_chart(
        [str(row["label"]) for row in stages],
        {
            str(_("Median")): [_days(row["median"]) for row in stages],
            str(_("90th percentile")): [_days(row["p90"]) for row in stages],
        },
        unit=str(_("d")),
        title=str(_("Time in each stage, days")),
    )
