"""Durations kept in daily facts, and exact percentiles over them
(docs/decisions/0007-analytics-speed-team-facts.md).

A fact row keeps the durations it stands for as a list: whole microseconds separated by
spaces (``"240000000 1800000000"``), written by the database itself (``duration_list``: the
durations of a ``GROUP BY`` group, nulls left out). A report reads the rows of its period,
joins each group's lists and picks the order statistics it needs with ``numpy.partition``
(linear in the number of values: no sort), then interpolates between the two nearest ranks as
PostgreSQL's ``percentile_cont`` and ``routing.selectors.percentile`` do. The figures are
those of the base tables to the microsecond — no bucket, no sketch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Hashable, Iterator, Sequence

import numpy as np
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    StringAgg,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce

# a moment is kept as the duration since this one
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECONDS = 1_000_000


class Microseconds(Func):
    """A duration as whole microseconds, on every database (SQLite keeps durations so)."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="CAST(%(expressions)s AS INTEGER)", **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        # EXTRACT of an interval is exact (numeric) on PostgreSQL 14 and later
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM %(expressions)s) * 1000000 AS bigint)",
            **extra_context,
        )


def duration_list(duration, *, condition: Q | None = None) -> Coalesce:
    """The durations (an expression) of a group's rows as one list; "" when there are none."""
    return Coalesce(
        StringAgg(Cast(Microseconds(duration), CharField()), Value(" "), filter=condition),
        Value(""),
        output_field=TextField(),
    )


def moment_list(moment: str, *, condition: Q | None = None) -> Coalesce:
    """The moments (a field) of a group's rows as one list of microseconds since 1970."""
    since = ExpressionWrapper(
        F(moment) - Value(EPOCH, output_field=DateTimeField()), output_field=DurationField()
    )
    return duration_list(since, condition=condition)


def microseconds_of(moment: dt.datetime) -> int:
    """A moment as the lists keep it."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def seconds_of(microseconds: int) -> float:
    """Microseconds as seconds, as ``timedelta.total_seconds`` gives them."""
    return int(microseconds) / MICROSECONDS


class DurationLists:
    """The lists of fact rows gathered per key (a report's group), read as arrays; each
    key's lists are parsed once, however many totals it is part of."""

    def __init__(self) -> None:
        self._texts: dict[Hashable, list[str]] = defaultdict(list)
        self._arrays: dict[Hashable, list[np.ndarray]] = defaultdict(list)

    def add(self, key: Hashable, text: str | None) -> None:
        if text:
            self._texts[key].append(text)

    def absorb(self, key: Hashable, other: DurationLists, other_key: Hashable) -> None:
        """Add another gathering's durations of ``other_key`` under ``key``."""
        values = other.values(other_key)
        if len(values):
            self._arrays[key].append(values)

    def __iter__(self) -> Iterator[Hashable]:
        """The keys that have durations."""
        return iter(list(dict.fromkeys([*self._texts, *self._arrays])))

    def values(self, *keys: Hashable) -> np.ndarray:
        """The durations of these keys together, in microseconds, in no order."""
        for key in keys:
            texts = self._texts.pop(key, None)
            if texts:
                self._arrays[key].append(np.fromstring(" ".join(texts), dtype=np.int64, sep=" "))
        arrays = [array for key in keys for array in self._arrays.get(key, ())]
        if not arrays:
            return np.empty(0, dtype=np.int64)
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def percentiles(values: np.ndarray, fractions: Sequence[float]) -> list[float | None]:
    """The values (microseconds) at ``fractions`` (0..1), in seconds, interpolated between the
    two nearest ranks as ``percentile_cont``; None for each when there are no values."""
    if not len(values):
        return [None] * len(fractions)
    positions = [fraction * (len(values) - 1) for fraction in fractions]
    ranks = sorted({rank for p in positions for rank in (math.floor(p), math.ceil(p))})
    chosen = np.partition(values, ranks)
    found = []
    for position in positions:
        low, high = math.floor(position), math.ceil(position)
        below, above = seconds_of(chosen[low]), seconds_of(chosen[high])
        found.append(below + (above - below) * (position - low))
    return found


def count_below(values: np.ndarray, limit: int) -> int:
    """How many of the values are below ``limit``."""
    return int(np.count_nonzero(values < limit))


def bucket_counts(values: np.ndarray, edges: Sequence[int]) -> list[int]:
    """How many values fall in each bucket: below the first edge, between each two, and at or
    above the last (``len(edges) + 1`` counts)."""
    buckets = np.searchsorted(np.asarray(edges, dtype=np.int64), values, side="right")
    return np.bincount(buckets, minlength=len(edges) + 1).tolist()
