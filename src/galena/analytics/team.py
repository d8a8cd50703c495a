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

The same figures for the previous period of equal length, for the comparison. A fixed
number of GROUP BY queries whatever the number of leads; the figures per (owner, stage) are
combined here (a few rows per person); both periods are read in the same passes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils.translation import gettext, gettext_lazy

from galena.accounts.models import Profile, Role
from galena.accounts.roles import role_of
from galena.analytics.charts import Chart, bar_chart
from galena.analytics.cost_rates import Converted, RateBook, cents, sum_in_base
from galena.analytics.filters import ReportFilter, business_zone, lead_scope, require_report
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
from galena.leads.models import UNKNOWN, Lead, RejectionReason, Stage, StageKind

# the fields every card should have filled in, whatever its stage
CARD_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "position",
    "region",
    "interest",
    "temperature",
    "fit",
)


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
    completeness_sum: float = 0.0  # the leads' shares of key fields filled, summed
    deal_value: Converted = field(default_factory=Converted)  # won, in the base currency
    reasons: dict[str, int] = field(default_factory=dict)  # rejection reason code -> leads

    @property
    def conversion_rate(self) -> float | None:
        return ratio(self.converted, self.leads)

    @property
    def completeness(self) -> float | None:
        return ratio(self.completeness_sum, self.leads)


def filled(name: str) -> Q:
    """The condition that a lead's field counts as filled in (``leads.models.is_blank``)."""
    model_field = Lead._meta.get_field(name)
    condition = Q(**{f"{model_field.attname}__isnull": False})
    if model_field.get_internal_type() in ("CharField", "TextField"):
        condition &= ~Q(**{model_field.attname: ""})
    if model_field.choices:
        condition &= ~Q(**{model_field.attname: UNKNOWN})
    return condition


def stage_key_fields() -> dict[int, tuple[str, ...]]:
    """Per stage, the key fields a card in it should have: ``CARD_FIELDS`` and the stage's
    own required fields."""
    fields = {}
    for stage in Stage.objects.all():
        required = [name for name in stage.required_fields or () if name not in CARD_FIELDS]
        fields[stage.pk] = (*CARD_FIELDS, *required)
    return fields


def previous_period(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The period of equal length just before [start, end)."""
    return start - (end - start), start


# which of the two periods a lead or a deal is in: 1 this one, 0 the one before
CURRENT, PREVIOUS = 1, 0


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
    periods: dict[int, dict[int, PersonFigures]] = {CURRENT: {}, PREVIOUS: {}}

    def person(period: int, pk: int) -> PersonFigures:
        people = periods[period]
        if pk not in people:
            people[pk] = PersonFigures(person_id=pk)
        return people[pk]

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
        target.completeness_sum += sum(row[f"filled_{name}"] for name in names) / len(names)

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
        total.completeness_sum += row.completeness_sum
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
    current, previous, medians = team_periods(scope=scope, start=start, end=end, book=book)
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
    return team_figures(
        scope=lead_scope(user, f), start=f.start_at(), end=f.end_at(), people=people, book=book
    )


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
