"""Routing's reads: the speed-to-lead report.

The report reads the leads that came in during a period with a first-response deadline (an
SLA clock, or the deadline copied onto the lead), sent to sales and not merged. For each, the
time to the first response (``created_at`` → ``first_response_at``, and from the assignment
when it came before the response) and how the deadline went: met on time, breached (met late,
or not met and past due), still open and overdue. The clock says whether it was met; a lead
without one has only the deadline on the lead, met by the lead's first response.

Figures per team, per manager (the lead's owner; and how many leads each person handed off
to sales, ``original_owner``) and in total. One query: on PostgreSQL it groups and takes the
percentiles itself (``percentile_cont`` over ``GROUPING SETS``); elsewhere it reads one row per
lead and the same arithmetic runs here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from galena.accounts.models import Role, Team
from galena.accounts.roles import role_of, team_id_of
from galena.core.errors import PermissionDenied
from galena.leads.models import Lead
from galena.leads.selectors import SENT_TO_SALES
from galena.scoring.selectors import Period

DEFAULT_DAYS = 30
PERIOD_PRESETS = (7, 30, 90)
FORBIDDEN = "The speed-to-lead report is for heads of sales and admins."
OTHER_TEAM = "Heads of sales see their own team's figures: leave the team out or choose yours."

# the columns of one lead's row, in the order both ways of computing read them
COLUMNS = (
    "team_key",
    "owner_key",
    "original_key",
    "response_time",
    "assignment_time",
    "on_time",
    "breached",
    "overdue_open",
)


def require_speed_access(user) -> None:
    """Refuse users other than heads of sales and admins."""
    if role_of(user) not in (Role.ADMIN, Role.HEAD_OF_SALES):
        raise PermissionDenied(FORBIDDEN)


@dataclass(frozen=True)
class SpeedFilters:
    period: Period
    team: int | None = None
    source: int | None = None
    channel: str = ""
    temperature: str = ""

    @classmethod
    def default(cls) -> SpeedFilters:
        return cls(period=Period.last(DEFAULT_DAYS))


@dataclass
class SpeedRow:
    """One team's, one person's or everyone's figures."""

    key: int | None
    name: str = ""
    leads: int = 0  # with a first-response deadline
    responded: int = 0
    median_seconds: float | None = None  # created → first response
    p90_seconds: float | None = None
    median_from_assignment_seconds: float | None = None  # assigned → first response
    met: int = 0  # answered by the deadline
    breached: int = 0  # answered late, or not answered and past the deadline
    overdue_open: int = 0  # of the breached: still not answered
    handed_off: int = 0  # leads this person had before handing them off to sales

    @property
    def decided(self) -> int:
        """Leads whose deadline has passed or that were answered: the ones the SLA judged."""
        return self.met + self.breached

    @property
    def within_sla(self) -> float | None:
        """Met on time, of the leads the SLA judged (those still in their time are not
        failures yet)."""
        return self.met / self.decided if self.decided else None

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.leads if self.leads else None


@dataclass
class SpeedReport:
    filters: SpeedFilters
    total: SpeedRow
    teams: list[SpeedRow] = field(default_factory=list)
    managers: list[SpeedRow] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.total.leads == 0


# --- the leads ------------------------------------------------------------------------


def _scope(user, filters: SpeedFilters) -> Q:
    require_speed_access(user)
    condition = Q()
    if role_of(user) == Role.HEAD_OF_SALES:
        own_team = team_id_of(user)
        if filters.team is not None and filters.team != own_team:
            raise PermissionDenied(OTHER_TEAM)
        condition = Q(team_id=own_team) if own_team else Q(owner=user)
    if filters.team is not None:
        condition &= Q(team_id=filters.team)
    return condition


def speed_leads(*, user, filters: SpeedFilters, now: dt.datetime) -> QuerySet:
    """One row per lead of the report (``COLUMNS``), with how its deadline went."""
    start, end = filters.period.bounds()
    leads = Lead.objects.filter(
        _scope(user, filters),
        Q(response_due_at__isnull=False) | Q(sla_clock__isnull=False),
        created_at__gte=start,
        created_at__lt=end,
        merged_into__isnull=True,
        quality_status__in=SENT_TO_SALES,
    )
    if filters.source is not None:
        leads = leads.filter(source_id=filters.source)
    if filters.channel:
        leads = leads.filter(channel=filters.channel)
    if filters.temperature:
        leads = leads.filter(temperature=filters.temperature)
    overdue = Q(met_at__isnull=True) & (Q(sla_clock__breached_at__isnull=False) | Q(due_at__lt=now))
    return (
        leads.order_by()
        .annotate(
            # the clock decides; a lead without one has its deadline and first response
            due_at=Coalesce("sla_clock__due_at", "response_due_at"),
            met_at=Case(
                When(sla_clock__isnull=False, then=F("sla_clock__met_at")),
                default=F("first_response_at"),
            ),
        )
        .values(
            team_key=F("team_id"),
            owner_key=F("owner_id"),
            original_key=F("original_owner_id"),
            # a response stamped before the lead (an import's history) took no time
            response_time=Case(
                When(
                    first_response_at__gte=F("created_at"),
                    then=F("first_response_at") - F("created_at"),
                ),
                When(first_response_at__isnull=False, then=Value(dt.timedelta(0))),
                output_field=DurationField(),
            ),
            assignment_time=Case(
                When(
                    first_response_at__gte=F("assigned_at"),
                    then=F("first_response_at") - F("assigned_at"),
                ),
                output_field=DurationField(),
            ),
            on_time=ExpressionWrapper(
                Q(met_at__isnull=False, met_at__lte=F("due_at")), output_field=BooleanField()
            ),
            breached=ExpressionWrapper(
                Q(met_at__isnull=False, met_at__gt=F("due_at")) | overdue,
                output_field=BooleanField(),
            ),
            overdue_open=ExpressionWrapper(overdue, output_field=BooleanField()),
        )
    )


# --- the figures ----------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The value at ``fraction`` (0..1) of sorted values, interpolated between the two
    nearest ranks as PostgreSQL's ``percentile_cont``; None without values."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# group kind -> the column its key is in
GROUPS = {"total": None, "team": "team_key", "owner": "owner_key", "original": "original_key"}


@dataclass
class _Tally:
    leads: int = 0
    response: list[float] = field(default_factory=list)
    assignment: list[float] = field(default_factory=list)
    met: int = 0
    breached: int = 0
    overdue_open: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.leads += 1
        if row["response_time"] is not None:
            self.response.append(row["response_time"].total_seconds())
        if row["assignment_time"] is not None:
            self.assignment.append(row["assignment_time"].total_seconds())
        self.met += bool(row["on_time"])
        self.breached += bool(row["breached"])
        self.overdue_open += bool(row["overdue_open"])

    def figures(self) -> dict[str, Any]:
        self.response.sort()
        self.assignment.sort()
        return {
            "leads": self.leads,
            "responded": len(self.response),
            "median_seconds": percentile(self.response, 0.5),
            "p90_seconds": percentile(self.response, 0.9),
            "median_from_assignment_seconds": percentile(self.assignment, 0.5),
            "met": self.met,
            "breached": self.breached,
            "overdue_open": self.overdue_open,
        }


def _figures_in_python(rows: Iterable[dict[str, Any]]) -> list[tuple[str, Any, dict]]:
    tallies: dict[tuple[str, Any], _Tally] = defaultdict(_Tally)
    for row in rows:
        for kind, column in GROUPS.items():
            key = None if column is None else row[column]
            if kind == "original" and key is None:
                continue
            tallies[kind, key].add(row)
    return [(kind, key, tally.figures()) for (kind, key), tally in tallies.items()]


FIGURES_SQL = """
SELECT GROUPING(team_key), GROUPING(owner_key), GROUPING(original_key),
       team_key, owner_key, original_key,
       COUNT(*),
       COUNT(response_seconds),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY response_seconds),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY response_seconds),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY assignment_seconds),
       COUNT(*) FILTER (WHERE on_time),
       COUNT(*) FILTER (WHERE breached),
       COUNT(*) FILTER (WHERE overdue_open)
FROM (
    SELECT lead_rows.*,
           EXTRACT(EPOCH FROM response_time)::double precision AS response_seconds,
           EXTRACT(EPOCH FROM assignment_time)::double precision AS assignment_seconds
    FROM ({rows}) AS lead_rows
) AS timed
GROUP BY GROUPING SETS ((), (team_key), (owner_key), (original_key))
"""
FIGURE_NAMES = (
    "leads",
    "responded",
    "median_seconds",
    "p90_seconds",
    "median_from_assignment_seconds",
    "met",
    "breached",
    "overdue_open",
)


def _figures_in_database(rows: QuerySet) -> list[tuple[str, Any, dict]]:
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL.format(rows=sql), params)
        found = cursor.fetchall()
    grouped = []
    for row in found:
        not_team, not_owner, not_original = row[:3]
        figures = dict(zip(FIGURE_NAMES, row[6:], strict=True))
        if not not_team:
            grouped.append(("team", row[3], figures))
        elif not not_owner:
            grouped.append(("owner", row[4], figures))
        elif not not_original:
            if row[5] is not None:
                grouped.append(("original", row[5], figures))
        else:
            grouped.append(("total", None, figures))
    return grouped


def _names(grouped: list[tuple[str, Any, dict]]) -> tuple[dict[int, str], dict[int, str]]:
    team_ids = {key for kind, key, _ in grouped if kind == "team" and key is not None}
    user_ids = {key for kind, key, _ in grouped if kind in ("owner", "original") and key}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
    users = {
        user.pk: user.get_full_name() or user.get_username()
        for user in (get_user_model().objects.filter(pk__in=user_ids) if user_ids else [])
    }
    return teams, users


def _by_name(rows: Iterable[SpeedRow]) -> list[SpeedRow]:
    # "no team" and "unassigned" after the named rows
    return sorted(rows, key=lambda row: (row.key is None, row.name.casefold(), row.key or 0))


def speed_report(
    *,
    user,
    filters: SpeedFilters,
    now: dt.datetime | None = None,
    in_database: bool | None = None,
) -> SpeedReport:
    """Speed to lead for the period: per team, per manager and in total. Heads of sales see
    their team, admins everyone; others are refused. ``in_database`` chooses how the
    figures are computed (default: in PostgreSQL when the database is PostgreSQL)."""
    now = now or timezone.now()
    rows = speed_leads(user=user, filters=filters, now=now)
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    grouped = _figures_in_database(rows) if in_database else _figures_in_python(rows)
    team_names, user_names = _names(grouped)
    total = SpeedRow(key=None)
    teams: list[SpeedRow] = []
    managers: dict[int | None, SpeedRow] = {}
    handed_off: dict[int, int] = {}
    for kind, key, figures in grouped:
        if kind == "total":
            total = SpeedRow(key=None, **figures)
        elif kind == "team":
            teams.append(SpeedRow(key=key, name=team_names.get(key, ""), **figures))
        elif kind == "owner":
            managers[key] = SpeedRow(key=key, name=user_names.get(key, ""), **figures)
        else:
            handed_off[key] = figures["leads"]
    for key, count in handed_off.items():
        person = managers.setdefault(key, SpeedRow(key=key, name=user_names.get(key, "")))
        person.handed_off = count
    total.handed_off = sum(handed_off.values())
    return SpeedReport(
        filters=filters,
        total=total,
        teams=_by_name(teams),
        managers=_by_name(managers.values()),
    )


def speed_teams(user) -> list[Team]:
    """The teams the report may be narrowed to: a head of sales' own, or every team."""
    require_speed_access(user)
    teams = Team.objects.order_by("name")
    if role_of(user) == Role.HEAD_OF_SALES:
        return list(teams.filter(pk=team_id_of(user)))
    return list(teams)
