"""Money in one currency: spend and revenue converted at the rate valid on their day.

``RateBook`` is pure: the rates (``leads.CurrencyRate``) as a timeline per currency, each
rate valid from its day until the next one. ``sum_in_base`` asks the database for sums per
report row converted with those rates: one GROUP BY whose rate is a CASE over the rate
periods when there are few of them, or sums per day converted here when there are many.
Money without a rate on its day is never dropped silently: it comes back per currency with
its first and last day, for the report to name.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from galena.leads.models import CurrencyRate

CENT = Decimal("0.01")
RATE_DIGITS = Decimal("1e-12")
RATE_FIELD = DecimalField(max_digits=30, decimal_places=12)
MONEY_FIELD = DecimalField(max_digits=30, decimal_places=12)
# more rate periods than this (daily rates over a long range) are converted per day here
# rather than in one CASE the database evaluates for every row
MAX_CASE_PERIODS = 120


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RatePeriod:
    currency: str
    start: dt.date
    end: dt.date | None  # excluded; None: until further notice
    rate: Decimal  # units of the base currency for one unit of ``currency``


class RateBook:
    """The rates into one base currency, as a timeline per currency.

    A direct rate (currency → base) is used as given; a rate the other way (base →
    currency) is turned round when no direct rate starts that day."""

    def __init__(self, base: str, rates: list[tuple[str, str, dt.date, Decimal]]):
        self.base = base.upper()
        starts: dict[str, dict[dt.date, tuple[int, Decimal]]] = defaultdict(dict)
        for from_currency, to_currency, valid_from, rate in rates:
            from_currency, to_currency = from_currency.upper(), to_currency.upper()
            rate = Decimal(rate)
            if rate <= 0:
                continue
            if to_currency == self.base and from_currency != self.base:
                starts[from_currency][valid_from] = (0, rate)
            elif from_currency == self.base and to_currency != self.base:
                inverse = (Decimal(1) / rate).quantize(RATE_DIGITS, rounding=ROUND_HALF_UP)
                current = starts[to_currency].get(valid_from)
                if current is None or current[0] != 0:
                    starts[to_currency][valid_from] = (1, inverse)
        self._days: dict[str, list[dt.date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, by_day in starts.items():
            days = sorted(by_day)
            self._days[currency] = days
            self._rates[currency] = [by_day[day][1] for day in days]

    @classmethod
    def load(cls, base: str | None = None) -> RateBook:
        """Every configured rate into ``base`` (ANALYTICS_BASE_CURRENCY by default)."""
        base = (base or settings.ANALYTICS_BASE_CURRENCY).upper()
        rows = CurrencyRate.objects.filter(Q(to_currency=base) | Q(from_currency=base))
        return cls(
            base,
            list(rows.values_list("from_currency", "to_currency", "valid_from", "rate")),
        )

    def rate_on(self, currency: str, day: dt.date) -> Decimal | None:
        """Units of the base currency for one unit of ``currency`` on ``day``; None: no rate."""
        currency = currency.upper()
        if currency == self.base:
            return Decimal(1)
        days = self._days.get(currency)
        if not days:
            return None
        index = bisect.bisect_right(days, day) - 1
        return self._rates[currency][index] if index >= 0 else None

    def currencies(self) -> set[str]:
        """The currencies with a rate into the base one."""
        return set(self._days)

    def periods(
        self, currencies: set[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> list[RatePeriod]:
        """The rate periods of ``currencies`` (not the base) that touch [start, end]."""
        found: list[RatePeriod] = []
        for currency in sorted(currencies - {self.base}):
            days = self._days.get(currency, [])
            rates = self._rates.get(currency, [])
            for index, day in enumerate(days):
                until = days[index + 1] if index + 1 < len(days) else None
                if end is not None and day > end:
                    break
                if start is not None and until is not None and until <= start:
                    continue
                found.append(RatePeriod(currency, day, until, rates[index]))
        return found


@dataclass
class Unconverted:
    """Money of one currency that had no rate on its day."""

    currency: str
    amount: Decimal
    first_day: dt.date
    last_day: dt.date

    def merge(self, other: Unconverted) -> None:
        self.amount += other.amount
        self.first_day = min(self.first_day, other.first_day)
        self.last_day = max(self.last_day, other.last_day)


@dataclass
class Converted:
    """A sum in the base currency, and what could not be converted, per currency."""

    amount: Decimal = Decimal(0)
    unconverted: dict[str, Unconverted] = field(default_factory=dict)

    def add_unconverted(self, item: Unconverted) -> None:
        current = self.unconverted.get(item.currency)
        if current is None:
            self.unconverted[item.currency] = Unconverted(
                item.currency, item.amount, item.first_day, item.last_day
            )
        else:
            current.merge(item)

    def add(self, other: Converted, share: Decimal | None = None) -> None:
        """Add another sum (``share`` of it, when given; unconverted money likewise)."""
        factor = Decimal(1) if share is None else share
        self.amount += other.amount * factor
        for item in other.unconverted.values():
            self.add_unconverted(
                Unconverted(item.currency, item.amount * factor, item.first_day, item.last_day)
            )


def _local_day(value: Any, zone: ZoneInfo) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).date()
    return value


def sum_in_base(
    queryset: QuerySet,
    *,
    keys: dict[str, Any],
    amount: str,
    currency: str,
    day: str,
    day_is_moment: bool,
    book: RateBook,
    zone: ZoneInfo,
    start: dt.date | None = None,
    end: dt.date | None = None,
    max_case_periods: int | None = None,
) -> dict[tuple, Converted]:
    """Sums of ``amount`` per ``keys`` (name → expression) in the base currency, each row
    converted at the rate of its ``day`` (a date, or a moment read in ``zone``);
    [start, end] bounds the days the rows can have, to keep the CASE short."""
    names = list(keys)
    queryset = queryset.annotate(**keys)
    # every currency the book knows: one with no rate at all falls to "no rate" in the CASE,
    # so the rows' own currencies need not be read first
    periods = book.periods(book.currencies(), start, end)
    limit = MAX_CASE_PERIODS if max_case_periods is None else max_case_periods
    if len(periods) <= limit:
        return _sum_with_case(
            queryset, keys, names, amount, currency, day, day_is_moment, book, zone, periods
        )
    return _sum_per_day(queryset, keys, names, amount, currency, day, day_is_moment, book, zone)


def _boundary(day: dt.date, day_is_moment: bool, zone: ZoneInfo) -> Any:
    if day_is_moment:
        return dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return day


def _sum_with_case(
    queryset, keys, names, amount, currency, day, day_is_moment, book, zone, periods
):
    whens = [When(**{currency: book.base}, then=Value(Decimal(1), output_field=RATE_FIELD))]
    for period in periods:
        condition = {currency: period.currency}
        condition[f"{day}__gte"] = _boundary(period.start, day_is_moment, zone)
        if period.end is not None:
            condition[f"{day}__lt"] = _boundary(period.end, day_is_moment, zone)
        whens.append(When(**condition, then=Value(period.rate, output_field=RATE_FIELD)))
    rows = (
        queryset.order_by()
        .annotate(report_rate=Case(*whens, default=None, output_field=RATE_FIELD))
        .values(*names, report_currency=F(currency))
        .annotate(
            converted=Sum(
                ExpressionWrapper(F(amount) * F("report_rate"), output_field=MONEY_FIELD)
            ),
            missing=Sum(amount, filter=Q(report_rate__isnull=True)),
            missing_first=Min(day, filter=Q(report_rate__isnull=True)),
            missing_last=Max(day, filter=Q(report_rate__isnull=True)),
        )
    )
    result: dict[tuple, Converted] = defaultdict(Converted)
    for row in rows:
        key = tuple(row[name] for name in names)
        total = result[key]
        if row["converted"] is not None:
            total.amount += Decimal(str(row["converted"]))
        if row["missing"]:
            total.add_unconverted(
                Unconverted(
                    (row["report_currency"] or "").upper(),
                    Decimal(str(row["missing"])),
                    _local_day(row["missing_first"], zone),
                    _local_day(row["missing_last"], zone),
                )
            )
    return dict(result)


def _sum_per_day(queryset, keys, names, amount, currency, day, day_is_moment, book, zone):
    day_expression = TruncDate(day, tzinfo=zone) if day_is_moment else F(day)
    rows = (
        queryset.order_by()
        .values(*names, report_currency=F(currency), report_day=day_expression)
        .annotate(total=Sum(amount))
    )
    result: dict[tuple, Converted] = defaultdict(Converted)
    for row in rows:
        key = tuple(row[name] for name in names)
        total = result[key]
        code = (row["report_currency"] or "").upper()
        rate = book.rate_on(code, row["report_day"])
        value = Decimal(row["total"] or 0)
        if rate is None:
            total.add_unconverted(Unconverted(code, value, row["report_day"], row["report_day"]))
        else:
            total.amount += value * rate
    return dict(result)
