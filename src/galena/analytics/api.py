"""The reports in the API: ``GET /api/v1/analytics/<report>`` with the pages' query
parameters (``from``, ``to``, ``channel``, ``source``, ``campaign``, ``region``, ``team``,
``owner``, ``group_by``), answering the table as ``ReportOut``. One line per report:
``report_endpoint("funnel", "funnel", funnel.funnel_table, group_by=funnel.GROUP_BY)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from galena.analytics import cohorts, funnel
from galena.analytics.filters import ReportFilter, ReportFilterForm, require_report, role_scope
from galena.analytics.tables import ReportTable, table_json
from galena.core.api import ErrorOut

router = Router(tags=["analytics"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class ReportOut(Schema):
    code: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None
    notes: list[str]


def api_filter(request: HttpRequest, code: str, *, group_by: tuple[str, ...] = ()) -> ReportFilter:
    """The role check and the filter from the query; ValidationFailed names wrong parameters."""
    user = request.auth  # type: ignore[attr-defined]
    require_report(user, code)
    role_scope(user)
    kwargs = {"group_by": group_by} if group_by else {}
    form = ReportFilterForm(request.GET, user=user, **kwargs)
    return form.to_filter_or_refuse()


def report_endpoint(
    path: str,
    code: str,
    build: Callable[..., ReportTable],
    *,
    group_by: tuple[str, ...] = (),
    options: tuple[str, ...] = (),
    summary: str = "",
) -> None:
    """Registers ``GET /analytics/<path>``: the report ``build(user, filter)`` as JSON;
    the query parameters named in ``options`` are passed to ``build`` by name."""

    def endpoint(request: HttpRequest) -> dict[str, Any]:
        report_filter = api_filter(request, code, group_by=group_by)
        extra = {name: request.GET[name] for name in options if name in request.GET}
        return table_json(build(request.auth, report_filter, **extra))  # type: ignore[attr-defined]

    endpoint.__name__ = f"analytics_{code}"
    router.get(
        f"/analytics/{path}",
        response={200: ReportOut, **ERRORS},
        summary=summary or f"The {code} report",
        operation_id=f"analytics_{code}",
    )(endpoint)


# --- the reports: one line each ------------------------------------------------------------

report_endpoint("funnel", funnel.CODE, funnel.funnel_table, group_by=funnel.GROUP_BY)
report_endpoint(
    "cohorts", cohorts.CODE, cohorts.cohort_table, group_by=cohorts.GROUP_BY, options=("measure",)
)


from galena.analytics import speed  # noqa: E402 - the report registers on the router

report_endpoint("speed", "speed", speed.speed_table, group_by=speed.GROUP_BY, summary="Speed")

from galena.analytics import team  # noqa: E402

report_endpoint("team", "team", team.team_table, group_by=team.GROUP_BY, summary="Team")

from galena.analytics import quality  # noqa: E402

report_endpoint(
    "quality", "quality", quality.quality_table, group_by=quality.GROUP_BY, summary="Quality"
)


from galena.analytics import cost, cost_api  # noqa: E402 - the reports register on the router

report_endpoint("cost", "cost", cost.cost_table, group_by=cost.GROUP_BY, summary="Cost and ROI")
router.add_router("", cost_api.router)
