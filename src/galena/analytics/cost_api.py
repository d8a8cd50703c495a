"""Ad spend in the API: ``POST /api/v1/analytics/spend`` (rows checked as the import page
checks a file; a wrong row refuses them all, naming ``rows.<index>.<column>``) and
``GET /api/v1/analytics/spend`` (the stored rows, newest day first, a page at a time)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from galena.accounts.roles import can_see_marketing
from galena.analytics.cost_import import (
    MAX_ROWS,
    campaign_spend_import,
    json_error_key,
)
from galena.core.api import ErrorOut, keyset_page
from galena.core.errors import PermissionDenied
from galena.leads.models import CampaignSpend

router = Router(tags=["analytics"])

READ_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


class SpendRowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    campaign: str | int = Field(description="The campaign's id, name or UTM campaign.")
    date: str = Field(description="The day, e.g. 2026-01-31.")
    amount: str | Decimal | float = Field(description="The money spent that day, e.g. 125.40.")
    currency: str = Field("", description="Three letters; the campaign's currency if empty.")
    clicks: int | str | None = None
    impressions: int | str | None = None


class SpendIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rows: list[SpendRowIn] = Field(max_length=MAX_ROWS)


class SpendImportedOut(Schema):
    created: int = Field(description="Rows stored.")
    replaced: int = Field(description="Rows stored before for the same campaigns and days.")
    days: int = Field(description="Campaign days the rows cover.")


class SpendOut(Schema):
    id: int
    campaign_id: int
    date: dt.date
    amount: Decimal
    currency: str
    clicks: int | None
    impressions: int | None


class SpendPageOut(Schema):
    items: list[SpendOut]
    next_cursor: str | None


class SpendListQuery(Schema):
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    campaign_id: int | None = Field(None, alias="campaign")
    cursor: str | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


def _raw(row: SpendRowIn) -> dict[str, Any]:
    return {key: "" if value is None else str(value) for key, value in row.model_dump().items()}


@router.post(
    "/analytics/spend",
    response={201: SpendImportedOut, **WRITE_ERRORS},
    summary="Import ad spend",
)
def spend_post(request: HttpRequest, payload: SpendIn):
    """Store spend per campaign and day (admins and marketers); each campaign day given
    replaces what was stored for it, so sending the same rows twice stores them once."""
    imported = campaign_spend_import(
        user=request.auth,  # type: ignore[attr-defined]
        raw_rows=[_raw(row) for row in payload.rows],
        first_row=0,
        error_key=json_error_key,
    )
    return Status(201, imported)


@router.get(
    "/analytics/spend",
    response={200: SpendPageOut, **READ_ERRORS},
    summary="List ad spend",
)
def spend_list(request: HttpRequest, query: Query[SpendListQuery]):
    """Stored spend rows (admins, heads of sales, marketers), newest day first."""
    if not can_see_marketing(request.auth):  # type: ignore[attr-defined]
        raise PermissionDenied(_("Your role does not give access to ad spend."))
    rows = CampaignSpend.objects.all()
    if query.date_from:
        rows = rows.filter(date__gte=query.date_from)
    if query.date_to:
        rows = rows.filter(date__lte=query.date_to)
    if query.campaign_id:
        rows = rows.filter(campaign_id=query.campaign_id)
    items, next_cursor = keyset_page(
        rows, ordering=("-date", "-id"), scope="spend", cursor=query.cursor, limit=query.limit
    )
    return {"items": items, "next_cursor": next_cursor}
