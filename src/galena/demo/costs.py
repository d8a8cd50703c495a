"""The demo's currency rates: what the cost report needs to put the campaigns' RON and RUB
spend and the deals' revenue in euros.

A rate a month for the last fourteen months (a little more than the report's default year,
so last year's months compare too), moving a little from month to month as real rates do.
RON is given as RON → EUR; RUB the way Russian banks quote it, EUR → RUB, which the report
turns round. Rates are reference data the admin keeps: loading the demo again updates the
demo's months instead of adding rows, and wiping the demo leaves them.
Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from galena.leads.models import CurrencyRate

RATE_MONTHS = 14
# (from, to, the rate around which the months move, how far a month may move it)
DEMO_RATES = (
    ("RON", "EUR", Decimal("0.2010"), 0.004),
    ("EUR", "RUB", Decimal("98.50"), 0.03),
)


def _months_back(today: dt.date, months: int) -> list[dt.date]:
    """The first days of the last ``months`` months, the current one included, oldest first."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(months + 1):
        firsts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(firsts)


def demo_costs_create(*, seed: int, now: dt.datetime) -> int:
    """A rate a month for each demo currency; returns how many rates were written."""
    rng = random.Random(seed * 7_919 + 41)  # noqa: S311 - repeatable demo data
    rows = []
    for from_currency, to_currency, centre, spread in DEMO_RATES:
        rate = centre
        for first in _months_back(now.date(), RATE_MONTHS):
            step = Decimal(str(round(rng.uniform(-spread, spread), 4)))
            rate = (rate * (1 + step)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            rows.append(
                CurrencyRate(
                    from_currency=from_currency,
                    to_currency=to_currency,
                    rate=rate,
                    valid_from=first,
                )
            )
    CurrencyRate.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["from_currency", "to_currency", "valid_from"],
        update_fields=["rate"],
    )
    return len(rows)
