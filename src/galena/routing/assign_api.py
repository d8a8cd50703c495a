"""Assignment by hand through the API: many leads to one person at once (a head of sales'
bulk reassignment), and the telemarketer → sales hand-off."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router

from galena.leads import access
from galena.leads.api import WRITE_ERRORS, In, Out, _actor, _user, _user_for
from galena.routing.services import BULK_LIMIT, lead_hand_off, leads_reassign

router = Router()


class ReassignIn(In):
    lead_ids: list[int] = Field(
        description=f"The leads to give, up to {BULK_LIMIT}; each must be yours to assign."
    )
    owner_id: int | None = Field(description="The new responsible person, or null to unassign.")
    reason: str = Field("", max_length=500, description="Why, for each lead's timeline.")


class ReassignOut(Out):
    changed: int = Field(description="How many leads changed owner (the others were theirs).")


class HandOffOut(Out):
    lead_id: int
    owner_id: int = Field(description="The sales manager who owns the lead now.")
    original_owner_id: int | None = Field(description="Who had it before (the telemarketer).")
    handed_off_at: str


class HandOffIn(In):
    to_id: int = Field(description="The sales manager (or head of sales) who takes the lead.")
    note: str = Field("", max_length=500, description="What the telemarketer learned.")


@router.post(
    "/routing/reassign",
    response={200: ReassignOut, **WRITE_ERRORS},
    tags=["routing"],
    summary="Reassign many leads",
)
def reassign_leads(request: HttpRequest, payload: ReassignIn):
    """Give many leads to one person (heads of sales and admins); each gets an assignment
    event with the reason, and the new owner is notified."""
    owner = _user_for(payload.owner_id, field="owner_id")
    changed = leads_reassign(
        actor=_actor(request), lead_ids=payload.lead_ids, owner=owner, reason=payload.reason
    )
    return {"changed": changed}


@router.post(
    "/leads/{lead_id}/hand-off",
    response={200: HandOffOut, **WRITE_ERRORS},
    tags=["routing"],
    summary="Hand a qualified lead to sales",
)
def hand_off_lead(request: HttpRequest, lead_id: int, payload: HandOffIn):
    """Pass a qualified lead to a sales manager; its telemarketer stays recorded as the
    original owner. The owner or a head of sales may do it."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    to = _user_for(payload.to_id, field="to_id")
    lead = lead_hand_off(actor=_actor(request), lead=lead, to=to, note=payload.note)
    return {
        "lead_id": lead.pk,
        "owner_id": lead.owner_id,
        "original_owner_id": lead.original_owner_id,
        "handed_off_at": lead.handed_off_at.isoformat(),
    }
