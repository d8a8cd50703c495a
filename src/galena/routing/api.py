"""Routing's API: ``GET /api/v1/routing/speed`` — the speed-to-lead report's figures, as the
page at /routing/speed/ shows them, for heads of sales (their team) and admins."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from galena.core.api import ErrorOut, QuerySchema
from galena.leads.models import Channel, Temperature
from galena.routing import selectors
from galena.routing.selectors import SpeedRow
from galena.scoring.selectors import MAX_PERIOD_DAYS, Period

router = Router(tags=["routing"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


class SpeedQuery(QuerySchema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date | None = Field(
        None,
        alias="from",
        description="First day, by when leads came in (default: `days` before `to`).",
    )
    date_to: dt.date | None = Field(None, alias="to", description="Last day (default: today).")
    days: int = Field(
        selectors.DEFAULT_DAYS,
        ge=1,
        le=MAX_PERIOD_DAYS,
        description="The period's length when `from` is not given.",
    )
    team: int | None = Field(None, description="A team id (heads of sales: only their own).")
    source: int | None = Field(None, description="A source id.")
    channel: Channel | None = None
    temperature: Temperature | None = None


class SpeedRowOut(Schema):
    id: int | None = Field(description="The team's or person's id; null: no team, unassigned.")
    name: str
    leads: int = Field(description="Leads that came in with a first-response deadline.")
    responded: int = Field(description="Of those, leads answered.")
    median_seconds: float | None = Field(description="Median time from arrival to first response.")
    p90_seconds: float | None = Field(description="90th percentile of that time.")
    median_from_assignment_seconds: float | None = Field(
        description="Median time from assignment to first response."
    )
    met: int = Field(description="Answered by the deadline.")
    breached: int = Field(description="Answered late, or past the deadline without an answer.")
    overdue_open: int = Field(description="Of the breached, still not answered.")
    within_sla: float | None = Field(
        description="met / (met + breached), 0..1: leads still within their time are left out."
    )
    handed_off: int = Field(description="Leads the person had before a hand-off to sales.")

    @staticmethod
    def resolve_id(row: SpeedRow) -> int | None:
        return row.key


class SpeedOut(Schema):
    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")
    total: SpeedRowOut
    teams: list[SpeedRowOut]
    managers: list[SpeedRowOut] = Field(description="Per owner; null id: unassigned leads.")


@router.get(
    "/routing/speed",
    response={200: SpeedOut, **ERRORS},
    by_alias=True,
    summary="Speed to lead",
)
def routing_speed(request: HttpRequest, query: Query[SpeedQuery]):
    """Time to first response (median and 90th percentile, from arrival and from
    assignment) and the share answered within the first-response SLA, per team, per
    manager and in total, for the leads that came in during the period with a deadline.
    Heads of sales see their team; admins everyone."""
    period = Period.of(query.date_from, query.date_to, days=query.days)
    filters = selectors.SpeedFilters(
        period=period,
        team=query.team,
        source=query.source,
        channel=query.channel or "",
        temperature=query.temperature or "",
    )
    report = selectors.speed_report(user=request.auth, filters=filters)
    return {
        "date_from": period.start,
        "date_to": period.end,
        "total": report.total,
        "teams": report.teams,
        "managers": report.managers,
    }
