"""Consent's part of the JSON API (/api/v1/consent/…): a lead's consents and blocks, recording
a consent or a withdrawal, blocking and unblocking a person, corrections on request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from galena.accounts.models import Role
from galena.accounts.roles import role_of
from galena.core.api import ErrorOut
from galena.core.errors import PermissionDenied
from galena.leads import access
from galena.leads.models import ActorSource
from galena.leads.services import Actor

from . import selectors, services
from .models import ConsentMethod, ConsentRecord, Restriction

router = Router(tags=["consent"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.auth, source=ActorSource.API)  # type: ignore[attr-defined]


class PurposeOut(Schema):
    code: str
    label: str


class RecordOut(Schema):
    id: int
    email: str
    phone: str
    lead_id: int | None
    purpose: str
    status: str = Field(description="given or withdrawn.")
    recorded_at: dt.datetime
    method: str
    form: str
    text_version: str
    basis: str
    evidence: dict[str, Any]
    actor_id: int | None


class RestrictionOut(Schema):
    id: int
    reason: str
    request_reference: str
    requested_at: dt.datetime
    requested_by_id: int | None
    lead_id: int | None
    lifted_at: dt.datetime | None
    lifted_by_id: int | None
    lift_reason: str
    values: list[str]


class LeadConsentOut(Schema):
    lead_id: int
    restricted: bool
    states: dict[str, str] = Field(description="Purpose → given, withdrawn or none.")
    records: list[RecordOut]
    restrictions: list[RestrictionOut]


def _restriction_out(restriction: Restriction) -> dict[str, Any]:
    return {
        "id": restriction.pk,
        "reason": restriction.reason,
        "request_reference": restriction.request_reference,
        "requested_at": restriction.requested_at,
        "requested_by_id": restriction.requested_by_id,
        "lead_id": restriction.lead_id,
        "lifted_at": restriction.lifted_at,
        "lifted_by_id": restriction.lifted_by_id,
        "lift_reason": restriction.lift_reason,
        "values": [value.value for value in restriction.values.all()],
    }


@router.get("/consent/purposes", response={200: list[PurposeOut], 401: ErrorOut})
def list_purposes(request: HttpRequest):
    """The purposes a consent may name."""
    return [{"code": code, "label": label} for code, label in services.purposes().items()]


@router.get(
    "/consent/leads/{lead_id}",
    response={200: LeadConsentOut, **READ_ERRORS},
    summary="A lead's consents and blocks",
)
def lead_consent(request: HttpRequest, lead_id: int):
    """Every consent record of the lead's person (the lead, its e-mails and phones), the
    latest first, each purpose's state now, and the blocks naming them."""
    user = request.auth  # type: ignore[attr-defined]
    lead = access.lead_get_for(user=user, lead_id=lead_id)
    panel = selectors.panel(lead, user)
    restrictions = list(
        services.restrictions_of(lead).prefetch_related("values").order_by("-requested_at")
    )
    return {
        "lead_id": lead.pk,
        "restricted": bool(panel.active_restrictions),
        "states": {code: state for code, _label, state in panel.current},
        "records": selectors.records_of(lead, limit=None, person=panel.person),
        "restrictions": [_restriction_out(r) for r in restrictions],
    }


class RecordIn(Schema):
    purpose: str
    status: str = Field(description="given or withdrawn.")
    method: str = Field(ConsentMethod.API, description="form, call, email, import, api, manual…")
    recorded_at: dt.datetime | None = Field(None, description="When it was given; now if empty.")
    form: str = ""
    text_version: str = ""
    basis: str = Field("", description="The stated legal basis (required for imports).")
    evidence: dict[str, Any] = Field(default_factory=dict)


class PersonRecordIn(RecordIn):
    email: str = ""
    phone: str = ""


def _record(request: HttpRequest, payload: RecordIn, **who: Any) -> ConsentRecord:
    data = payload.dict()
    data.pop("email", None), data.pop("phone", None)
    return services.consent_record(actor=_actor(request), **who, **data)


@router.post(
    "/consent/leads/{lead_id}/records",
    response={201: RecordOut, **WRITE_ERRORS},
    summary="Record a consent given or withdrawn by a lead's person",
)
def record_for_lead(request: HttpRequest, lead_id: int, payload: RecordIn):
    """The lead's owner, a head of sales or an admin records a consent; anyone who sees
    the lead may record a withdrawal. Records are never changed: a correction is a new one."""
    lead = access.lead_get_for(user=request.auth, lead_id=lead_id)  # type: ignore[attr-defined]
    return Status(201, _record(request, payload, lead=lead))


@router.post(
    "/consent/records",
    response={201: RecordOut, **WRITE_ERRORS},
    summary="Record a consent for a person named by e-mail or phone (admins)",
)
def record_for_person(request: HttpRequest, payload: PersonRecordIn):
    """For a person without a lead at hand (admins only)."""
    return Status(201, _record(request, payload, email=payload.email, phone=payload.phone))


class StateQuery(Schema):
    purpose: str
    email: str = ""
    phone: str = ""


class StateOut(Schema):
    purpose: str
    state: str = Field(description="given, withdrawn or none.")


@router.post(
    "/consent/state",
    response={200: StateOut, **WRITE_ERRORS},
    summary="A person's consent to a purpose now (admins)",
)
def person_state(request: HttpRequest, payload: StateQuery):
    """The latest record of the person named by e-mail or phone (a POST: the address
    stays out of URLs and logs). Admins only."""
    if role_of(request.auth) != Role.ADMIN:  # type: ignore[attr-defined]
        raise PermissionDenied("Only an admin can look a person up by e-mail or phone.")
    state = services.consent_state(
        purpose=payload.purpose, email=payload.email, phone=payload.phone
    )
    return {"purpose": payload.purpose, "state": state}


class BlockIn(Schema):
    reason: str
    request_reference: str = ""


class PersonBlockIn(BlockIn):
    email: str = ""
    phone: str = ""


@router.post(
    "/consent/leads/{lead_id}/restrictions",
    response={201: RestrictionOut, **WRITE_ERRORS},
    summary="Block the processing of a lead's person",
)
def block_lead(request: HttpRequest, lead_id: int, payload: BlockIn):
    """Heads of sales and admins: every lead with the person's e-mails and phones is kept
    but not contacted, nurtured, routed or exported until the block is lifted."""
    lead = access.lead_get_for(user=request.auth, lead_id=lead_id)  # type: ignore[attr-defined]
    restriction = services.restrict_subject(
        actor=_actor(request),
        lead=lead,
        reason=payload.reason,
        request_reference=payload.request_reference,
    )
    return Status(201, _restriction_out(restriction))


@router.post(
    "/consent/restrictions",
    response={201: RestrictionOut, **WRITE_ERRORS},
    summary="Block a person named by e-mail or phone (admins)",
)
def block_person(request: HttpRequest, payload: PersonBlockIn):
    restriction = services.restrict_subject(
        actor=_actor(request),
        email=payload.email,
        phone=payload.phone,
        reason=payload.reason,
        request_reference=payload.request_reference,
    )
    return Status(201, _restriction_out(restriction))


class LiftIn(Schema):
    reason: str = ""


@router.post(
    "/consent/restrictions/{restriction_id}/lift",
    response={200: RestrictionOut, **WRITE_ERRORS},
    summary="Lift a block",
)
def lift(request: HttpRequest, restriction_id: int, payload: LiftIn):
    """Heads of sales (for a block asked from a lead they see) and admins."""
    user = request.auth  # type: ignore[attr-defined]
    if not services.can_restrict(user):
        raise PermissionDenied("Only a head of sales or an admin can unblock a person.")
    restriction = get_object_or_404(Restriction, pk=restriction_id)
    restriction = services.lift_restriction(
        actor=_actor(request), restriction=restriction, reason=payload.reason
    )
    return _restriction_out(restriction)


class RectifyIn(Schema):
    fields: dict[str, Any] = Field(default_factory=dict, description="Lead field → value.")
    contacts: dict[str, str] = Field(
        default_factory=dict, description="A contact's stored value → the corrected one."
    )
    request_reference: str = ""
    note: str = ""


class RectifyOut(Schema):
    lead_id: int
    event_id: int


@router.post(
    "/consent/leads/{lead_id}/rectify",
    response={200: RectifyOut, **WRITE_ERRORS},
    summary="Correct a lead's personal data on the person's request",
)
def rectify(request: HttpRequest, lead_id: int, payload: RectifyIn):
    """The lead's owner, a head of sales or an admin; a ``rectified`` event keeps the
    request's reference and every before and after."""
    lead = access.lead_get_for(user=request.auth, lead_id=lead_id)  # type: ignore[attr-defined]
    lead = services.lead_rectify(
        actor=_actor(request),
        lead=lead,
        data=payload.fields,
        contacts=payload.contacts,
        request_reference=payload.request_reference,
        note=payload.note,
    )
    event = lead.events.filter(type=services.EVENT_RECTIFIED).order_by("-id").first()
    return {"lead_id": lead.pk, "event_id": event.pk}
