"""The team report: per sales manager and telemarketer, how they worked their leads.

For the leads that came in during the period (``scope``: what the reader may see, e.g.
``analytics.filters.lead_scope``; merged leads never count), per owner:

- **leads** they own, and **handed off**: the leads a telemarketer passed to sales
  (``original_owner``);
- **responded** and the **median response time** (arrival → ``first_response_at``);
- **converted** (still converted at the time of reading) and the **conversion rate**;
- **deal value won**: the won deals of those leads closed in the period, in the base
  currency (``ANALYTICS_BASE_CURRENCY``) at the rate of the day each closed
  (``analytics.cost_rates``); money without a rate is kept aside per currency;
- **card completeness**: the share of the card's key fields filled in, per lead, averaged —
  the key fields are ``CARD_FIELDS`` and whatever the lead's current stage requires
  (``Stage.required_fields``); a choice still "unknown" is empty;
- **rejected**, and the rejection reasons (``RejectionReason``) counted.

The same figures for the previous period of equal length, for the comparison.
``team_report`` adds up the daily facts (``team_fact_periods``,
docs/decisions/0007-analytics-speed-team-facts.md), also for one channel, source, campaign or
region; with two such slices at once, and with ``ANALYTICS_FACTS`` off, ``team_periods``
reads the leads: a fixed number of GROUP BY
queries whatever the number of leads; the figures per (owner, stage) are combined here (a few
rows per person); both periods are read in the same passes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext, gettext_lazy

from galena.accounts.models import Profile, Role
from galena.accounts.roles import role_of
from galena.analytics.charts import Chart, bar_chart
from galena.analytics.completeness import CARD_FIELDS, filled, stage_key_fields
from galena.analytics.cost_rates import Converted, RateBook, cents, sum_in_base
from galena.analytics.durations import DurationLists, percentiles
from galena.analytics.facts import FactPlan, fact_plan, facts_refresh
from galena.analytics.filters import ReportFilter, business_zone, lead_scope, require_report
from galena.analytics.models import DealFact, Dimension, FactKind, Grain, ResponseFact, TeamFact
from galena.analytics.speed_measures import (
    MEDIAN,
    elapsed,
    grouped_figures,
    lead_condition_on,
    person_names,
    ratio,
)
from galena.analytics.tables import Column, ReportTable, percent
from galena.clients.models import Deal, DealStageKind
from galena.leads.models import Lead, RejectionReason, StageKind


@dataclass
class PersonFigures:
    """One person's figures for one period."""

    person_id: int
    leads: int = 0
    handed_off: int = 0
    responded: int = 0
    response_median: float | None = None  # seconds
    converted: int = 0
    rejected: int = 0
    # key fields filled in, summed over the leads, per number of key fields their stage has
    filled: dict[int, int] = field(default_factory=dict)
    deal_value: Converted = field(default_factory=Converted)  # won, in the base currency
    reasons: dict[str, int] = field(default_factory=dict)  # rejection reason code -> leads

    @property
    def conversion_rate(self) -> float | None:
        return ratio(self.converted, self.leads)

    @property
    def completeness_sum(self) -> float:
        """The leads' shares of key fields filled in, summed (in one order whatever the
        figures were read from, so the facts and the leads give the same number)."""
        return sum(self.filled[size] / size for size in sorted(self.filled))

    @property
    def completeness(self) -> float | None:
        return ratio(self.completeness_sum, self.leads)

    def add_filled(self, size: int, count: int) -> None:
        self.filled[size] = self.filled.get(size, 0) + count


def previous_period(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The period of equal length just before [start, end)."""
    return start - (end - start), start


# which of the two periods a lead or a deal is in: 1 this one, 0 the one before
CURRENT, PREVIOUS = 1, 0


class _Periods(dict[int, dict[int, PersonFigures]]):
    """Both periods' figures per person, each made when first counted in."""

    def __init__(self) -> None:
        super().__init__({CURRENT: {}, PREVIOUS: {}})

    def person(self, period: int, pk: int) -> PersonFigures:
        people = self[period]
        if pk not in people:
            people[pk] = PersonFigures(person_id=pk)
        return people[pk]


def _period_of(moment: str, start: dt.datetime) -> Case:
    return Case(
        When(**{f"{moment}__gte": start}, then=Value(CURRENT)),
        default=Value(PREVIOUS),
        output_field=IntegerField(),
    )


def team_periods(
    *,
    scope: Q,
    start: dt.datetime,
    end: dt.datetime,
    book: RateBook | None = None,
) -> tuple[dict[int, PersonFigures], dict[int, PersonFigures], dict[int, float | None]]:
    """Per person (by id), the figures of the leads in ``scope`` that came in during
    [start, end) and during the period of equal length before it, and the team's median
    response in each period (by ``CURRENT``/``PREVIOUS``). Both periods are read in the
    same passes: one GROUP BY for the counts, one for the medians, one for the deals."""
    previous_start, _previous_end = previous_period(start, end)
    periods = _Periods()
    person = periods.person

    leads = (
        Lead.objects.filter(
            scope, created_at__gte=previous_start, created_at__lt=end, merged_into__isnull=True
        )
        .order_by()
        .annotate(period=_period_of("created_at", start))
    )
    key_fields = stage_key_fields()
    every_field = sorted({name for names in key_fields.values() for name in names})
    # owner × stage × reason × who had the lead first: a few rows per person
    combinations = leads.values(
        "period", "owner_id", "stage_id", "rejection_reason__code", "original_owner_id"
    ).annotate(
        leads=Count("pk"),
        responded=Count("pk", filter=Q(first_response_at__isnull=False)),
        converted=Count("pk", filter=Q(converted_at__isnull=False)),
        rejected=Count("pk", filter=Q(stage__kind=StageKind.LOST)),
        **{f"filled_{name}": Count("pk", filter=filled(name)) for name in every_field},
    )
    for row in combinations:
        original, owner = row["original_owner_id"], row["owner_id"]
        if original is not None and original != owner:
            person(row["period"], original).handed_off += row["leads"]
        if owner is None:
            continue
        target = person(row["period"], owner)
        target.leads += row["leads"]
        target.responded += row["responded"]
        target.converted += row["converted"]
        target.rejected += row["rejected"]
        if row["rejected"]:
            code = row["rejection_reason__code"] or ""
            target.reasons[code] = target.reasons.get(code, 0) + row["rejected"]
        names = key_fields.get(row["stage_id"], CARD_FIELDS)
        target.add_filled(len(names), sum(row[f"filled_{name}"] for name in names))

    owned = leads.filter(owner__isnull=False).annotate(
        response=elapsed("first_response_at", "created_at")
    )
    # one key for person and period: the owner's id twice, plus the period
    # one key for person and period (the owner's id twice, plus the period), and the period
    found = grouped_figures(
        owned.annotate(group=F("owner_id") * 2 + F("period"), also=F("period")),
        counts={},
        durations={"response": (MEDIAN,)},
        grouped=True,
        also=True,
    )
    for key, figures in found.items():
        if isinstance(key, int):
            person(key % 2, key // 2).response_median = figures["response_0"]
    medians = {
        period: found.get(("also", period), {}).get("response_0") for period in (CURRENT, PREVIOUS)
    }

    won = Deal.objects.filter(
        lead_condition_on(scope, "lead"),
        lead__merged_into__isnull=True,
        lead__owner__isnull=False,
        stage__kind=DealStageKind.WON,
        closed_at__gte=previous_start,
        closed_at__lt=end,
    ).order_by()
    zone = business_zone()
    sums = sum_in_base(
        won,
        keys={"person": F("lead__owner_id"), "period": _period_of("closed_at", start)},
        amount="amount",
        currency="currency",
        day="closed_at",
        day_is_moment=True,
        book=book or RateBook.load(),
        zone=zone,
        start=previous_start.astimezone(zone).date(),
        end=end.astimezone(zone).date(),
    )
    for (pk, period), money in sums.items():
        person(period, pk).deal_value = money
    return periods[CURRENT], periods[PREVIOUS], medians


def _total(rows: dict[int, PersonFigures], response_median: float | None) -> PersonFigures:
    """The team's figures: the people's summed (the median is the team's own)."""
    total = PersonFigures(person_id=0, response_median=response_median)
    for row in rows.values():
        for name in ("leads", "handed_off", "responded", "converted", "rejected"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        for size, count in row.filled.items():
            total.add_filled(size, count)
        total.deal_value.add(row.deal_value)
        for code, n in row.reasons.items():
            total.reasons[code] = total.reasons.get(code, 0) + n
    return total


@dataclass
class TeamFigures:
    start: dt.datetime
    end: dt.datetime
    previous_start: dt.datetime
    current: dict[int, PersonFigures]
    previous: dict[int, PersonFigures]
    total: PersonFigures
    total_previous: PersonFigures
    names: dict[int, str]
    roles: dict[int, str]
    reasons: list[tuple[str, str]]  # (code, label) of the reasons that occur, most first

    @property
    def people(self) -> list[int]:
        """Everyone with figures in either period, by name."""
        ids = set(self.current) | set(self.previous)
        return sorted(ids, key=lambda pk: (self.names.get(pk, "").casefold(), pk))


def team_figures(
    *,
    scope: Q,
    start: dt.datetime,
    end: dt.datetime,
    people: set[int] | None = None,
    book: RateBook | None = None,
) -> TeamFigures:
    """The figures of this period and of the previous one of equal length, per person and
    for everyone shown; only the persons in ``people`` when given (a manager sees their own
    row)."""
    periods = team_periods(scope=scope, start=start, end=end, book=book)
    return _team_figures(*periods, start=start, end=end, people=people)


def _team_figures(
    current: dict[int, PersonFigures],
    previous: dict[int, PersonFigures],
    medians: dict[int, float | None],
    *,
    start: dt.datetime,
    end: dt.datetime,
    people: set[int] | None,
) -> TeamFigures:
    """The report's figures from both periods' people (read from the leads or the facts)."""
    if people is not None:
        current = {pk: row for pk, row in current.items() if pk in people}
        previous = {pk: row for pk, row in previous.items() if pk in people}

    def median_of(rows: dict[int, PersonFigures], period: int) -> float | None:
        if people is None:
            return medians[period]
        # one person: their own median; several chosen people: not measured together
        return next(iter(rows.values())).response_median if len(rows) == 1 else None

    ids = set(current) | set(previous)
    totals: dict[str, int] = defaultdict(int)
    for row in current.values():
        for code, n in row.reasons.items():
            totals[code] += n
    labels = {
        reason.code: reason.label for reason in RejectionReason.objects.filter(code__in=totals)
    }
    reasons = [
        (code, labels.get(code, code) if code else gettext("No reason given"))
        for code in sorted(totals, key=lambda code: (-totals[code], code))
    ]
    roles = dict(Profile.objects.filter(user_id__in=ids).values_list("user_id", "role"))
    return TeamFigures(
        start=start,
        end=end,
        previous_start=previous_period(start, end)[0],
        current=current,
        previous=previous,
        total=_total(current, median_of(current, CURRENT)),
        total_previous=_total(previous, median_of(previous, PREVIOUS)),
        names=person_names(ids),
        roles=roles,
        reasons=reasons,
    )


# --- the same figures from the daily facts (docs/decisions/0007) --------------------------


def team_fact_periods(
    plan: FactPlan, f: ReportFilter, *, book: RateBook
) -> tuple[dict[int, PersonFigures], dict[int, PersonFigures], dict[int, float | None]]:
    """``team_periods`` from the team, response and deal facts the plan points to: per
    person and period the summed counts, the medians picked from the facts' response times,
    and the won deals summed per day and currency."""
    facts_refresh([FactKind.ARRIVAL, FactKind.DEAL])
    first = f.date_from - (f.date_to - f.date_from + dt.timedelta(days=1))
    periods = _Periods()
    person = periods.person

    whole = plan.grain == Grain.WHOLE
    # the whole business keeps a row per owner; the people grain has the owner as a column,
    # in the total's rows or in one slice's (``plan.value``: a channel, source, campaign or
    # region)
    owned = Dimension.OWNER if whole else plan.dimension
    owner = Cast("value", IntegerField()) if whole else F("owner_id")
    period = Case(
        When(day__gte=f.date_from, then=Value(CURRENT)),
        default=Value(PREVIOUS),
        output_field=IntegerField(),
    )

    def rows(model, dimension: str):
        found = model.objects.filter(
            plan.scope,
            grain=plan.grain,
            dimension=dimension,
            day__gte=first,
            day__lte=f.date_to,
        )
        if plan.value is not None:
            found = found.filter(value=plan.value)
        return found.order_by()

    def owned_rows(model):
        return rows(model, owned).exclude(
            **{"value__isnull" if whole else "owner_id__isnull": True}
        )

    codes = dict(RejectionReason.objects.values_list("pk", "code"))
    key_fields = stage_key_fields()
    counted = (
        owned_rows(TeamFact)
        .values("stage_id", "reason_id", fact_period=period, person=owner)
        .annotate(
            **{
                f"n_{name}": Sum(name)
                for name in ("leads", "responded", "converted", "rejected", "filled")
            }
        )
    )
    for row in counted:
        target = person(row["fact_period"], row["person"])
        target.leads += row["n_leads"]
        target.responded += row["n_responded"]
        target.converted += row["n_converted"]
        target.rejected += row["n_rejected"]
        if row["n_rejected"]:
            code = codes.get(row["reason_id"]) or ""
            target.reasons[code] = target.reasons.get(code, 0) + row["n_rejected"]
        names = key_fields.get(row["stage_id"], CARD_FIELDS)
        target.add_filled(len(names), row["n_filled"])

    if whole:
        handed = rows(TeamFact, Dimension.FIRST_OWNER).values(fact_period=period, person=owner)
    else:
        handed = (
            rows(TeamFact, owned)
            .filter(handed_off__gt=0)
            .values(fact_period=period, person=F("original_owner_id"))
        )
    for row in handed.annotate(n=Sum("handed_off")):
        person(row["fact_period"], row["person"]).handed_off += row["n"]

    responses = DurationLists()
    for key_period, pk, text in owned_rows(ResponseFact).values_list(period, owner, "responses"):
        responses.add((key_period, pk), text)
    by_period: dict[int, list[tuple[int, int]]] = {CURRENT: [], PREVIOUS: []}
    for key in responses:
        by_period[key[0]].append(key)
        person(*key).response_median = percentiles(responses.values(key), (MEDIAN,))[0]
    medians = {
        key_period: percentiles(responses.values(*keys), (MEDIAN,))[0]
        for key_period, keys in by_period.items()
    }

    sums = sum_in_base(
        owned_rows(DealFact),
        keys={"person": owner, "period": period},
        amount="amount",
        currency="currency",
        day="day",
        day_is_moment=False,
        book=book,
        zone=business_zone(),
        start=first,
        end=f.date_to + dt.timedelta(days=1),
    )
    for (pk, key_period), money in sums.items():
        person(key_period, pk).deal_value = money
    return periods[CURRENT], periods[PREVIOUS], medians


# --- the page, the API and the exports ---------------------------------------------------

CODE = "team"
# the rows are people whatever the filter asks; the form needs a grouping every role may use
GROUP_BY = ("channel",)
# the figures compared with the previous period: (key, label, kind)
COMPARED = (
    ("leads", gettext_lazy("Leads"), "int"),
    ("response_median", gettext_lazy("Median response"), "duration"),
    ("conversion_rate", gettext_lazy("Conversion"), "percent"),
    ("deal_value", gettext_lazy("Won deals"), "money"),
    ("completeness", gettext_lazy("Card completeness"), "percent"),
)
ROW_ROLES = frozenset({Role.SALES_MANAGER, Role.TELEMARKETER})


def team_report(user, f: ReportFilter, *, book: RateBook | None = None) -> TeamFigures:
    """The team figures the user may see: admins everyone, heads of sales their team, a
    manager or telemarketer their own row; marketers are refused."""
    require_report(user, CODE)
    people = {user.pk} if role_of(user) in ROW_ROLES else None
    # one slice (a channel, source, campaign or region) is in the people grain's facts;
    # two at once are not: then ``fact_plan`` says None and the leads are read
    plan = fact_plan(user, f, group_by="owner")
    if plan is None:
        return team_figures(
            scope=lead_scope(user, f), start=f.start_at(), end=f.end_at(), people=people, book=book
        )
    periods = team_fact_periods(plan, f, book=book or RateBook.load())
    return _team_figures(*periods, start=f.start_at(), end=f.end_at(), people=people)


def _shown(row: PersonFigures | None) -> dict[str, Any]:
    """One person's (or the team's) figures as the table shows them."""
    if row is None:
        return {}
    return {
        "leads": row.leads,
        "handed_off": row.handed_off,
        "responded": row.responded,
        "response_median": row.response_median,
        "converted": row.converted,
        "conversion_rate": percent(row.converted, row.leads),
        "deal_value": cents(row.deal_value.amount),
        "completeness": percent(row.completeness_sum, row.leads),
        "rejected": row.rejected,
        **{f"reason_{code}": n for code, n in row.reasons.items()},
    }


def _compare(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    row = dict(current)
    for key, _label, _kind in COMPARED:
        before = previous.get(key)
        row[f"{key}_previous"] = before
        now = current.get(key)
        row[f"{key}_change"] = None if now is None or before is None else now - before
    return row


def _team_columns(figures: TeamFigures, base: str) -> list[Column]:
    columns = [
        Column("label", str(gettext_lazy("Person")), "text"),
        Column("role", str(gettext_lazy("Role")), "text"),
        Column("leads", str(gettext_lazy("Leads")), "int"),
        Column("handed_off", str(gettext_lazy("Handed off to sales")), "int"),
        Column("responded", str(gettext_lazy("Answered")), "int"),
        Column("response_median", str(gettext_lazy("Median response")), "duration"),
        Column("converted", str(gettext_lazy("Converted")), "int"),
        Column("conversion_rate", str(gettext_lazy("Conversion")), "percent"),
        Column("deal_value", gettext("Won deals, %(currency)s") % {"currency": base}, "money"),
        Column("completeness", str(gettext_lazy("Card completeness")), "percent"),
        Column("rejected", str(gettext_lazy("Rejected")), "int"),
    ]
    columns += [
        Column(f"reason_{code}", gettext("Rejected: %(reason)s") % {"reason": label}, "int")
        for code, label in figures.reasons
    ]
    for key, label, kind in COMPARED:
        shown = (
            gettext("%(figure)s, %(currency)s") % {"figure": label, "currency": base}
            if kind == "money"
            else str(label)
        )
        columns.append(
            Column(f"{key}_previous", gettext("%(figure)s before") % {"figure": shown}, kind)
        )
        columns.append(
            Column(f"{key}_change", gettext("%(figure)s change") % {"figure": shown}, kind)
        )
    return columns


def team_table(
    user,
    f: ReportFilter,
    *,
    figures: TeamFigures | None = None,
    book: RateBook | None = None,
) -> ReportTable:
    """The team report's table: one row per person, the period's figures, the previous
    period's and the change; the team's totals."""
    book = book or RateBook.load()
    figures = figures or team_report(user, f, book=book)
    roles = dict(Role.choices)
    rows = []
    for pk in figures.people:
        row = _compare(_shown(figures.current.get(pk)), _shown(figures.previous.get(pk)))
        row["label"] = figures.names.get(pk, "")
        row["role"] = str(roles.get(figures.roles.get(pk, ""), ""))
        rows.append(row)
    totals = _compare(_shown(figures.total), _shown(figures.total_previous))
    totals.update(label=gettext("Total"), role="")
    previous_to = (figures.start - dt.timedelta(days=1)).astimezone(business_zone()).date()
    notes = [
        gettext(
            "The leads that came in during the period, per owner; the previous period is the "
            "%(days)s days before it (%(start)s – %(end)s)."
        )
        % {
            "days": (figures.end - figures.start).days,
            "start": figures.previous_start.astimezone(business_zone()).date().isoformat(),
            "end": previous_to.isoformat(),
        },
        gettext(
            "Card completeness: the share of the key fields filled in (%(fields)s and what the "
            "lead's stage requires), per lead, averaged."
        )
        % {
            "fields": ", ".join(
                str(Lead._meta.get_field(name).verbose_name) for name in CARD_FIELDS
            )
        },
        gettext(
            "Won deals: the deals of those leads won during the period, in %(currency)s at the "
            "rate of the day each closed."
        )
        % {"currency": book.base},
    ]
    notes += unconverted_notes(figures.total.deal_value)
    return ReportTable(
        code=CODE,
        title=gettext("Team"),
        columns=_team_columns(figures, book.base),
        rows=rows,
        totals=totals,
        notes=notes,
    )


def unconverted_notes(money: Converted) -> list[str]:
    """Money left out for want of a rate, said per currency."""
    return [
        gettext(
            "%(amount)s %(currency)s of deals won between %(first)s and %(last)s are not in the "
            "totals: no rate to %(base)s for those days."
        )
        % {
            "amount": cents(item.amount),
            "currency": item.currency,
            "first": item.first_day.isoformat(),
            "last": item.last_day.isoformat(),
            "base": settings.ANALYTICS_BASE_CURRENCY,
        }
        for item in money.unconverted.values()
    ]


def team_chart_series(table: ReportTable) -> dict[str, list[float]]:
    return {
        gettext("This period"): [row.get("conversion_rate") or 0 for row in table.rows],
        gettext("Previous period"): [
            row.get("conversion_rate_previous") or 0 for row in table.rows
        ],
    }


def team_charts(table: ReportTable) -> list[Chart]:
    """Conversion and median response per person, this period against the previous one."""
    labels = [row["label"] for row in table.rows]
    return [
        bar_chart(
            labels,
            team_chart_series(table),
            unit="%",
            title=gettext("Conversion, %"),
        ),
        bar_chart(
            labels,
            {
                gettext("This period"): [
                    round((row.get("response_median") or 0) / 60) for row in table.rows
                ],
                gettext("Previous period"): [
                    round((row.get("response_median_previous") or 0) / 60) for row in table.rows
                ],
            },
            unit=gettext("min"),
            title=gettext("Median response, minutes"),
        ),
    ]
