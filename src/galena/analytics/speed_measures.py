"""Measures the speed, team and quality reports share: percentiles computed by the database,
durations between two moments, and a lead condition moved onto a related model.

Percentiles: on PostgreSQL ``percentile_cont`` runs in the GROUP BY, so a million rows never
leave the database; elsewhere (SQLite in tests and the embedded default) the values are read
once, ordered by the database, and interpolated here the same way
(``galena.routing.selectors.percentile``). Both give the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    DateField,
    DurationField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext

from galena.accounts.models import Team
from galena.analytics.filters import business_zone
from galena.leads.models import Campaign, Channel, Source
from galena.routing.selectors import percentile

# the fractions every report shows: the median and the 90th percentile
MEDIAN = 0.5
P90 = 0.9


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile of a duration (an interval in, an interval out)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(
            expression, fraction=float(fraction), output_field=DurationField(), **extra
        )


def in_database() -> bool:
    """Whether percentiles can be computed by the database itself."""
    return connection.vendor == "postgresql"


def elapsed(later: str, earlier: str) -> Case:
    """``later - earlier`` as a duration, never negative (a moment recorded before the start —
    an import's history — took no time); empty when ``later`` is empty."""
    return Case(
        When(**{f"{later}__gte": F(earlier)}, then=F(later) - F(earlier)),
        When(**{f"{later}__isnull": False}, then=Value(dt.timedelta(0))),
        output_field=DurationField(),
    )


def seconds(value: dt.timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def grouped_percentiles(
    rows: QuerySet,
    *,
    key: str | None,
    value: str,
    fractions: Sequence[float] = (MEDIAN, P90),
) -> dict[Any, tuple[float | None, ...]]:
    """Per value of the annotation ``key`` (None: one group, key None), the percentiles of
    the duration annotation ``value`` in seconds, over the rows where it is not empty."""
    rows = rows.filter(**{f"{value}__isnull": False}).order_by()
    if in_database():
        measures = {
            f"p{index}": PercentileCont(value, fraction) for index, fraction in enumerate(fractions)
        }
        if key is None:
            found = rows.aggregate(**measures)
            return {None: tuple(seconds(found[f"p{i}"]) for i in range(len(fractions)))}
        return {
            row[key]: tuple(seconds(row[f"p{i}"]) for i in range(len(fractions)))
            for row in rows.values(key).annotate(**measures)
        }
    values: dict[Any, list[float]] = defaultdict(list)
    if key is None:
        for duration in rows.order_by(value).values_list(value, flat=True).iterator():
            values[None].append(seconds(duration))
    else:
        for group, duration in rows.order_by(value).values_list(key, value).iterator():
            values[group].append(seconds(duration))
    found = {
        group: tuple(percentile(ordered, fraction) for fraction in fractions)
        for group, ordered in values.items()
    }
    if key is None:
        found.setdefault(None, (None,) * len(fractions))
    return found


def lead_condition_on(condition: Q, prefix: str) -> Q:
    """A condition on ``leads.Lead`` (e.g. ``analytics.filters.lead_scope``) rewritten for a
    model that reaches the lead through ``prefix`` (``"lead"`` for a conversion or an
    event), so the database joins instead of running a subquery."""
    moved = Q()
    moved.connector = condition.connector
    moved.negated = condition.negated
    moved.children = [
        lead_condition_on(child, prefix)
        if isinstance(child, Q)
        else (f"{prefix}__{child[0]}", _moved_value(child[1], prefix))
        for child in condition.children
    ]
    return moved


def _moved_value(value: Any, prefix: str) -> Any:
    if isinstance(value, F):
        return F(f"{prefix}__{value.name}")
    return value


def ratio(part: float | None, whole: float | None) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return part / whole


def change(current: float | None, previous: float | None) -> float | None:
    """The difference between two periods' figures, None when either is missing."""
    if current is None or previous is None:
        return None
    return current - previous


# --- slices: what a row of a report stands for -----------------------------------------

# the lead fields a report can be sliced by (the month is the month of the date the report
# counts by, in the business's time zone)
GROUP_FIELDS = {
    "channel": "channel",
    "source": "source_id",
    "campaign": "campaign_id",
    "region": "region",
    "owner": "owner_id",
    "team": "team_id",
}


def group_key(group_by: str, *, prefix: str = "", date_field: str = "created_at"):
    """The expression a report's rows are grouped by, None for one row of totals."""
    if group_by == "month":
        return TruncMonth(date_field, tzinfo=business_zone(), output_field=DateField())
    name = GROUP_FIELDS.get(group_by)
    if name is None:
        return None
    return F(f"{prefix}{name}")


def group_labels(group_by: str, keys: Iterable[Any]) -> dict[Any, str]:
    """The words shown for each key: names of sources, campaigns, people and teams (one
    query whatever the number of rows), channels by their label, months as YYYY-MM."""
    keys = [key for key in keys if key not in (None, "")]
    labels: dict[Any, str] = {}
    if group_by == "month":
        labels = {key: f"{key:%Y-%m}" for key in keys}
    elif group_by == "channel":
        names = dict(Channel.choices)
        labels = {key: str(names.get(key, key)) for key in keys}
    elif group_by == "region":
        labels = {key: key for key in keys}
    elif group_by == "source":
        labels = dict(Source.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group_by == "campaign":
        labels = dict(Campaign.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group_by == "team":
        labels = dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif group_by == "owner":
        labels = person_names(keys)
    return labels


def person_names(ids: Iterable[int]) -> dict[int, str]:
    """Each user's full name, or the username when it has none."""
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    return {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=ids)
    }


def empty_label(group_by: str) -> str:
    """What a row without a value is called."""
    if group_by in ("owner",):
        return gettext("Unassigned")
    if group_by == "team":
        return gettext("No team")
    return gettext("Not set")
