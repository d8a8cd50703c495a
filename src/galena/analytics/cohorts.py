"""Cohorts: the leads of each month of arrival and what became of them, month by month.

A cohort is the leads that arrived in one month (business time zone) — the same leads the
funnel counts: in the reader's scope and slices, no lead merged into another, no
pseudo-lead. For each cohort the table gives, today: how many were qualified (or
converted), converted, rejected, deferred and are still open; and, for month 0 (the month
of arrival), 1, 2, …, the share of the cohort that had reached the chosen measure by the
end of that month:

- **converted** — converted and converted still, counted in the month of ``converted_at``
  (a lead converted and reopened is not converted; converted again, it counts once, in the
  month of the last conversion);
- **qualified** — qualified or converted, in the month of ``qualified_at`` (or of the
  conversion when it skipped the qualified stage);
- **rejected** — in a rejected stage today, in the month of ``rejected_at``.

Months that have not ended yet for a cohort are left empty. Two grouped queries whatever
the number of leads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galena.analytics.charts import Chart, line_chart
from galena.analytics.facts import fact_plan, facts_refresh, sum_by
from galena.analytics.filters import ReportFilter, business_zone
from galena.analytics.funnel import arrived_leads
from galena.analytics.models import FactKind, LeadFact, LeadReach
from galena.analytics.tables import Column, ReportTable, percent
from galena.core.errors import ValidationFailed
from galena.leads.models import StageKind

CODE = "cohorts"
GROUP_BY = ("month",)
MAX_MONTHS = 12
MEASURES = {
    "converted": gettext_lazy("Converted"),
    "qualified": gettext_lazy("Qualified"),
    "rejected": gettext_lazy("Rejected"),
}


def _month(expression) -> TruncMonth:
    return TruncMonth(expression, tzinfo=business_zone(), output_field=DateField())


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _measure_date(measure: str):
    if measure == "qualified":
        return Coalesce("qualified_at", "converted_at")
    return f"{measure}_at"


def _measure_condition(measure: str) -> Q:
    if measure == "converted":
        return Q(converted_at__isnull=False)
    if measure == "qualified":
        return Q(qualified_at__isnull=False) | Q(converted_at__isnull=False)
    return Q(stage__kind=StageKind.LOST, rejected_at__isnull=False)


def cohort_table(
    user, f: ReportFilter, *, measure: str = "converted", today: dt.date | None = None
) -> ReportTable:
    """One row per month of arrival: the outcome today and the cumulative share of the
    cohort that reached ``measure`` by the end of month 0, 1, 2, …"""
    if measure not in MEASURES:
        raise ValidationFailed({"measure": _("Choose converted, qualified or rejected.")})
    today = today or timezone.localdate(timezone=business_zone())
    outcomes, reached = _cohort_counts(user, f, measure)

    arrivals = sorted(outcomes)
    current = _month_index(today)
    months = min(
        MAX_MONTHS,
        max((current - _month_index(arrival) + 1 for arrival in arrivals), default=0),
    )
    rows = []
    for arrival in arrivals:
        outcome = outcomes[arrival]
        row: dict[str, Any] = {
            "cohort": f"{arrival:%Y-%m}",
            **{key: outcome[key] for key in _OUTCOMES},
            "conversion": percent(outcome["converted"], outcome["leads"]),
        }
        cumulative = 0
        for offset in range(months):
            cumulative += reached[arrival].get(offset, 0)
            ended = _month_index(arrival) + offset < current
            row[f"m{offset}"] = percent(cumulative, outcome["leads"]) if ended else None
        rows.append(row)
    totals = None
    if rows:
        totals = {"cohort": _("Total"), **{key: sum(row[key] for row in rows) for key in _OUTCOMES}}
        totals["conversion"] = percent(totals["converted"], totals["leads"])
    columns = [
        Column("cohort", _("Month of arrival"), "text"),
        Column("leads", _("Leads")),
        Column("qualified", _("Qualified")),
        Column("converted", _("Converted")),
        Column("rejected", _("Rejected")),
        Column("deferred", _("Deferred")),
        Column("still_open", _("Still open")),
        Column("conversion", _("Converted of leads"), "percent"),
        *[
            Column(
                f"m{offset}",
                _("%(measure)s by month %(month)s")
                % {"measure": MEASURES[measure], "month": offset},
                "percent",
            )
            for offset in range(months)
        ],
    ]
    return ReportTable(
        code=CODE,
        title=_("Cohorts"),
        columns=columns,
        rows=rows,
        totals=totals,
        notes=[
            _(
                "A cohort is the leads that arrived in one month; merged leads count once, "
                "pseudo-leads not at all. Qualified, converted, rejected, deferred and still "
                "open are where the cohort's leads are today."
            ),
            _(
                "Month 0 is the month of arrival; each month column is the share of the "
                "cohort that had reached %(measure)s by the end of that month (empty until "
                "the month is over)."
            )
            % {"measure": str(MEASURES[measure]).lower()},
        ],
    )


_OUTCOMES = ("leads", "qualified", "converted", "rejected", "deferred", "still_open")


def _cohort_counts(
    user, f: ReportFilter, measure: str
) -> tuple[dict[dt.date, dict[str, int]], dict[dt.date, dict[int, int]]]:
    """Per month of arrival: the outcomes today, and the leads that reached ``measure`` per
    month since arrival — from the daily facts when they answer (no channel, source,
    campaign or region slice), else from the base tables."""
    reached: dict[dt.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    plan = fact_plan(user, f, group_by="month")
    if plan is not None and plan.value is None:
        facts_refresh([FactKind.LEAD])
        outcomes = {
            month: {
                "leads": values["leads"],
                "qualified": values["qualified"],
                "converted": values["clients"],
                "rejected": values["lost"],
                "deferred": values["deferred"],
                "still_open": values["still_open"],
            }
            for month, values in sum_by(
                plan,
                plan.rows(LeadFact, f),
                "leads",
                "qualified",
                "clients",
                "lost",
                "deferred",
                "still_open",
            ).items()
            if values["leads"]
        }
        rows = LeadReach.objects.filter(
            plan.scope,
            grain=plan.grain,
            measure=measure,
            day__gte=f.date_from,
            day__lte=f.date_to,
        ).order_by()
        for row in rows.values("day", "month").annotate(n=Sum("leads")):
            arrival = row["day"].replace(day=1)
            offset = max(0, _month_index(row["month"]) - _month_index(arrival))
            reached[arrival][offset] += row["n"]
        return outcomes, reached
    leads = arrived_leads(user, f)
    outcomes = {
        row["arrival"]: row
        for row in leads.values(arrival=_month("created_at"))
        .annotate(
            leads=Count("created_at"),
            qualified=Count("created_at", filter=_measure_condition("qualified")),
            converted=Count("created_at", filter=Q(converted_at__isnull=False)),
            rejected=Count("created_at", filter=Q(stage__kind=StageKind.LOST)),
            deferred=Count("created_at", filter=Q(stage__kind=StageKind.DEFERRED)),
            still_open=Count("created_at", filter=Q(stage__kind=StageKind.OPEN)),
        )
        .order_by()
    }
    for row in (
        leads.filter(_measure_condition(measure))
        .values(arrival=_month("created_at"), reached=_month(_measure_date(measure)))
        .annotate(n=Count("created_at"))
        .order_by()
    ):
        offset = max(0, _month_index(row["reached"]) - _month_index(row["arrival"]))
        reached[row["arrival"]][offset] += row["n"]
    return outcomes, reached


def cohort_charts(table: ReportTable, measure: str = "converted") -> list[Chart]:
    """The classic cohort curves: the cumulative share of each cohort, month by month."""
    offsets = [column for column in table.columns if column.key.startswith("m")]
    if not table.rows or not offsets:
        return []
    rows = table.rows[-12:]
    return [
        line_chart(
            [str(column.key[1:]) for column in offsets],
            {row["cohort"]: [row.get(column.key) for column in offsets] for row in rows},
            unit="%",
            title=_("%(measure)s: share of each cohort by month since arrival")
            % {"measure": MEASURES.get(measure, MEASURES["converted"])},
        )
    ]
