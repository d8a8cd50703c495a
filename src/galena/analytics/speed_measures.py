"""Measures the speed, team and quality reports share: counts and percentiles per group in
one pass, durations between two moments, the slices a report's rows stand for, and a lead
condition moved onto a related model.

Percentiles: on PostgreSQL ``percentile_cont`` runs in a ``GROUP BY GROUPING SETS``, so a
million rows never leave the database; elsewhere (SQLite in tests and the embedded default)
the rows are read once and interpolated here the same way
(``galena.routing.selectors.percentile``). Both give the same figures (the tests run on both).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext

from galena.accounts.models import Team
from galena.analytics.filters import business_zone
from galena.leads.models import Campaign, Channel, Source
from galena.routing.selectors import percentile

# the fractions every report shows: the median and the 90th percentile
MEDIAN = 0.5
P90 = 0.9


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


def response_annotations() -> dict[str, Any]:
    """A lead's times to its first response — from arrival (``response``) and from the
    assignment when it came first (``from_assignment``) — and its deadline (``due_at``) and
    when it was met (``met_at``): the SLA clock decides; a lead without one has the deadline
    on the lead, met by its first response."""
    return {
        "response": elapsed("first_response_at", "created_at"),
        "from_assignment": Case(
            When(
                first_response_at__gte=F("assigned_at"),
                then=F("first_response_at") - F("assigned_at"),
            ),
        ),
        "due_at": Coalesce("sla_clock__due_at", "response_due_at"),
        "met_at": Case(
            When(sla_clock__isnull=False, then=F("sla_clock__met_at")),
            default=F("first_response_at"),
        ),
    }


def seconds(value: dt.timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


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


def label_order(key: Any, label: Any) -> tuple:
    """The sort key of a report's row by its label, the row without a value last; rows of
    equal labels (two people or campaigns of one name) in the order of their ids, one order
    whatever order they were counted in."""
    tie = (0, key, "") if isinstance(key, int) else (1, 0, str(key))
    return (key in (None, ""), str(label).casefold(), tie)


def empty_label(group_by: str) -> str:
    """What a row without a value is called."""
    if group_by in ("owner",):
        return gettext("Unassigned")
    if group_by == "team":
        return gettext("No team")
    return gettext("Not set")


# --- one pass: counts and percentiles per group and in total ---------------------------

# the memory each sort of a report query may take before it spills to disk
REPORT_WORK_MEM = "64MB"
# the key the totals are kept under in grouped_figures' answer
TOTAL = "__total__"
FIGURES_SQL = """
SELECT {grouping}, {columns}
FROM ({rows}) AS report_rows
GROUP BY {sets}
"""


def grouped_figures(
    rows: QuerySet,
    *,
    counts: dict[str, Q | None],
    durations: dict[str, Sequence[float]],
    grouped: bool,
    also: bool = False,
) -> dict[Any, dict[str, Any]]:
    """In one pass over ``rows`` (a queryset annotated with ``group`` when ``grouped`` and
    with the duration annotations named in ``durations``): per group and in total
    (``TOTAL``), how many rows meet each of ``counts`` (None: every row) and the percentiles
    of each duration in seconds (``<name>_<index>``, in the order of its fractions); with
    ``also``, per value of a second annotation ``also`` too, under ``("also", value)``. On
    PostgreSQL one ``GROUP BY GROUPING SETS ((), (group)[, (also)])`` with
    ``percentile_cont``; on other databases the rows are read once and counted here."""
    flags = {
        f"flag_{name}": ExpressionWrapper(condition, output_field=BooleanField())
        for name, condition in counts.items()
        if condition is not None
    }
    names = [*(["group"] if grouped else []), *(["also"] if also else []), *flags, *durations]
    inner = rows.annotate(**flags).values(*names).order_by()
    if in_database():
        return _figures_in_database(inner, counts, durations, grouped, also)
    return _figures_in_python(inner, counts, durations, grouped, also)


def _figures_in_database(inner, counts, durations, grouped, also) -> dict[Any, dict[str, Any]]:
    columns, names = [], []
    for name, condition in counts.items():
        filtered = "" if condition is None else f' FILTER (WHERE "flag_{name}")'
        columns.append(f"COUNT(*){filtered}")
        names.append(name)
    for name, fractions in durations.items():
        for index, fraction in enumerate(fractions):
            columns.append(f'percentile_cont({float(fraction)}) WITHIN GROUP (ORDER BY "{name}")')
            names.append(f"{name}_{index}")
    sql, params = inner.query.sql_with_params()
    sets = ["()", *(['("group")'] if grouped else []), *(['("also")'] if also else [])]
    query = FIGURES_SQL.format(
        grouping=", ".join(
            [
                'GROUPING("group"), "group"' if grouped else "1, NULL",
                'GROUPING("also"), "also"' if also else "1, NULL",
            ]
        ),
        columns=", ".join(columns),
        rows=sql,
        sets=f"GROUPING SETS ({', '.join(sets)})",
    )
    found: dict[Any, dict[str, Any]] = {}
    with report_cursor() as cursor:
        cursor.execute(query, params)
        for not_grouped, key, not_also, also_key, *values in cursor.fetchall():
            figures = {
                name: seconds(value) if name not in counts else value
                for name, value in zip(names, values, strict=True)
            }
            if not not_grouped:
                found[key] = figures
            elif not not_also:
                found["also", also_key] = figures
            else:
                found[TOTAL] = figures
    found.setdefault(TOTAL, _nothing(counts, durations))
    return found


@contextmanager
def report_cursor() -> Iterator[Any]:
    """A cursor for one report query. On PostgreSQL without JIT compilation (a report's
    query runs once, and compiling its expressions cost ~100 ms of a 1,000,000-lead scan)
    and with room to sort the durations for the percentiles in memory rather than on disk."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        yield cursor


def _nothing(counts, durations) -> dict[str, Any]:
    figures: dict[str, Any] = dict.fromkeys(counts, 0)
    for name, fractions in durations.items():
        figures.update({f"{name}_{index}": None for index in range(len(fractions))})
    return figures


def _figures_in_python(inner, counts, durations, grouped, also) -> dict[Any, dict[str, Any]]:
    tallies: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(counts, 0))
    values: dict[Any, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in inner.iterator():
        keys = [
            TOTAL,
            *([row["group"]] if grouped else []),
            *([("also", row["also"])] if also else []),
        ]
        for key in keys:
            tally = tallies[key]
            for name, condition in counts.items():
                if condition is None or row[f"flag_{name}"]:
                    tally[name] += 1
            for name in durations:
                if row[name] is not None:
                    values[key][name].append(seconds(row[name]))
    found: dict[Any, dict[str, Any]] = {}
    for key, tally in tallies.items():
        figures: dict[str, Any] = dict(tally)
        for name, fractions in durations.items():
            ordered = sorted(values[key][name])
            for index, fraction in enumerate(fractions):
                figures[f"{name}_{index}"] = percentile(ordered, fraction)
        found[key] = figures
    found.setdefault(TOTAL, _nothing(counts, durations))
    return found
