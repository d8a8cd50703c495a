"""The matching API: merging leads and undoing a merge.

Views are thin: who may merge which leads is selectors', the writes are services', and every
refusal is an ApplicationError that the API turns into its JSON error envelope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from galena.core.api import ErrorOut
from galena.leads.api import In, Out, UserRef
from galena.leads.models import ActorSource
from galena.leads.services import Actor
from galena.matching import selectors, services
from galena.matching.models import LeadMerge

router = Router(tags=["matching"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=_user(request), source=ActorSource.API)


class MergeIn(In):
    survivor_id: int = Field(description="The lead that stays; the others are merged into it.")
    lead_ids: list[int] = Field(
        description=f"The leads to merge into the survivor, at most "
        f"{services.MERGE_MAX_LEADS - 1}.",
        min_length=1,
    )
    choices: dict[str, int] = Field(
        default_factory=dict,
        description="Optional: the lead to take a field from, by field or group name, e.g. "
        '{"first_name": 34, "address": 34}. Groups go together: address (country, region, '
        "city, address-like attributes), verification, quality, assignment (owner, team), "
        "pipeline (stage), attribution; custom attributes as attributes.<name>. Omitted "
        "ones take the defaults: the survivor's value unless empty, the most complete "
        "address, verified wins, the hottest temperature, the first contact's date and "
        "attribution. A merge's `choices` lists every name.",
    )


class MergeOut(Out):
    id: int
    survivor_id: int
    merged_ids: list[int] = Field(description="The leads merged into the survivor.")
    choices: dict[str, int] = Field(description="The lead each field or group was taken from.")
    changes: dict[str, list[Any]] = Field(
        description="The survivor's fields the merge changed: name -> [before, after]."
    )
    moved: dict[str, dict[str, list[int]]] = Field(
        description="The rows moved to the survivor: '<model>.<field>' -> original lead id "
        "-> row ids."
    )
    kept: dict[str, dict[str, list[int]]] = Field(
        description="Rows left on their merged lead because the survivor has their like "
        "(e.g. the same contact value)."
    )
    actor: UserRef | None
    created_at: dt.datetime
    undo_until: dt.datetime | None = Field(
        description="Until when the merge can be undone; null once undone."
    )
    unmerged_at: dt.datetime | None
    unmerged_by: UserRef | None

    @staticmethod
    def resolve_changes(merge: LeadMerge) -> dict[str, list[Any]]:
        return (merge.snapshot or {}).get("fields") or {}

    @staticmethod
    def resolve_moved(merge: LeadMerge) -> dict[str, Any]:
        return (merge.moved or {}).get("rows") or {}

    @staticmethod
    def resolve_kept(merge: LeadMerge) -> dict[str, Any]:
        return (merge.moved or {}).get("kept") or {}

    @staticmethod
    def resolve_undo_until(merge: LeadMerge) -> dt.datetime | None:
        return None if merge.unmerged_at else selectors.unmerge_deadline(merge)


@router.post(
    "/matching/merges",
    response={201: MergeOut, **WRITE_ERRORS},
    summary="Merge leads",
)
def merge_create(request: HttpRequest, payload: MergeIn):
    """Merge leads into a survivor: its fields chosen field by field, every contact, event,
    task and submission of the others moved to it, the others out of every list. For heads
    of sales and admins, on leads they can all see. Undo within the configured period."""
    user = _user(request)
    selectors.require_merger(user)
    leads = selectors.leads_for_merge(user=user, lead_ids=[payload.survivor_id, *payload.lead_ids])
    merge = services.leads_merge(
        survivor=leads[0], others=leads[1:], actor=_actor(request), choices=payload.choices
    )
    return Status(201, selectors.merge_for(user=user, merge_id=merge.pk))


@router.get(
    "/matching/merges/{merge_id}",
    response={200: MergeOut, **READ_ERRORS},
    summary="One merge",
)
def merge_detail(request: HttpRequest, merge_id: int):
    """A merge: who merged which leads into which survivor, what moved and changed, and
    whether (until when) it can be undone."""
    return selectors.merge_for(user=_user(request), merge_id=merge_id)


@router.post(
    "/matching/merges/{merge_id}/unmerge",
    response={200: MergeOut, **WRITE_ERRORS},
    summary="Undo a merge",
)
def merge_undo(request: HttpRequest, merge_id: int):
    """Restore the merged leads with the rows they had and the survivor's fields as they
    were (where not changed since). Within the configured period; a merged lead merged
    elsewhere since must be restored first."""
    user = _user(request)
    merge = selectors.merge_for(user=user, merge_id=merge_id)
    services.lead_unmerge(merge=merge, actor=_actor(request))
    return selectors.merge_for(user=user, merge_id=merge_id)
