"""The leads API: the list, one lead, its timeline and tasks, stages, sources and campaigns.

Views are thin: reads go through access and selectors, writes through services, and every
refusal is an ApplicationError that the API turns into its JSON error envelope.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticUseDefault

from galena.accounts.roles import can_see_marketing
from galena.core import audit
from galena.core.api import ErrorOut, keyset_page
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads import access, selectors, services
from galena.leads.models import (
    ActorSource,
    Campaign,
    Channel,
    ContactKind,
    ContactPoint,
    ContactType,
    Fit,
    Lead,
    Origin,
    QualityStatus,
    RejectionReason,
    Stage,
    StageKind,
    Task,
    TaskKind,
    Temperature,
    Verification,
    VerificationMethod,
)

router = Router()

CENTS = Decimal("0.01")

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}

SORT_DESCRIPTION = (
    f"Sort order: one of {', '.join(selectors.SORTS)}; prefix with - to reverse "
    "(default -created, newest first). Ties are broken by id. Leads without an owner or a "
    "source sort after all others (before them when reversed). `due`: unanswered leads "
    "first, the nearest or most overdue first-response deadline first, then answered ones."
)


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor(user=_user(request), source=ActorSource.API)


# --- schemas: small references --------------------------------------------------------


class Out(Schema):
    model_config = ConfigDict(use_enum_values=True)


class In(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class UserRef(Out):
    id: int
    username: str


class SourceRef(Out):
    id: int
    name: str


class CampaignRef(Out):
    id: int
    name: str


class OfflineEventRef(Out):
    id: int
    name: str


class PrimaryContactOut(Out):
    kind: ContactKind = Field(description="phone, email, social or messenger.")
    value: str = Field(description="The normalised value (phones in E.164, e-mails lower-cased).")


class ContactPointOut(Out):
    id: int
    kind: ContactKind
    value: str = Field(description="Normalised, as used for matching duplicates.")
    value_raw: str = Field(description="As it was given.")
    label: str = Field(description="mobile, work, telegram…")
    is_primary: bool = Field(description="The one to use first for its kind.")
    is_valid: bool = Field(description="Whether the value looks reachable (e.g. a real number).")
    verified: bool
    verified_at: dt.datetime | None
    created_at: dt.datetime


# --- schemas: leads out ---------------------------------------------------------------

SlaStatusOut = Literal["due", "met", "breached"] | None
RESPONSE_DUE_DESCRIPTION = "The first-response deadline (the SLA); null without one."
SLA_STATUS_DESCRIPTION = (
    "due, met or breached (answered late included); null without a first-response deadline."
)


def _sla_status(lead: Lead) -> str | None:
    now = timezone.now()
    return selectors.response_status(lead.response_due_at, lead.first_response_at, now=now) or None


class LeadListItemOut(Out):
    id: int
    display_name: str = Field(description="How the lead is shown: full name, else company.")
    first_name: str
    last_name: str
    company_name: str
    position: str
    stage: str = Field(description="The pipeline stage's code (see GET /stages).")
    owner: UserRef | None = Field(description="The responsible person; null if unassigned.")
    team_id: int | None
    temperature: Temperature = Field(description="Readiness to buy: unknown, cold, warm, hot.")
    fit: Fit = Field(description="Whether the lead matches the buying criteria.")
    origin: Origin = Field(description="Consumer (resellable) or targeted lead.")
    contact_type: ContactType
    verification: Verification
    quality_status: QualityStatus = Field(description="The pseudo-lead check's verdict.")
    score: int
    channel: Channel
    source: SourceRef | None
    campaign: CampaignRef | None
    primary_contacts: list[PrimaryContactOut] = Field(
        description="The primary contact of each kind."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    response_due_at: dt.datetime | None = Field(description=RESPONSE_DUE_DESCRIPTION)
    first_response_at: dt.datetime | None
    sla_status: SlaStatusOut = Field(description=SLA_STATUS_DESCRIPTION)

    @staticmethod
    def resolve_stage(lead: Lead) -> str:
        return lead.stage.code

    @staticmethod
    def resolve_sla_status(lead: Lead) -> str | None:
        return _sla_status(lead)


class LeadPageOut(Out):
    items: list[LeadListItemOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class LeadOut(Out):
    id: int
    # the person
    display_name: str
    first_name: str
    middle_name: str
    last_name: str
    company_name: str
    position: str
    language: str
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    region: str
    city: str
    interest: str = Field(description="Product or service asked about.")
    comment: str
    preferred_contact_time: str
    attributes: dict[str, Any] = Field(description="Demographic and questionnaire answers.")
    # classification
    temperature: Temperature
    fit: Fit
    origin: Origin
    contact_type: ContactType
    verification: Verification
    verification_method: VerificationMethod
    verified_at: dt.datetime | None
    quality_status: QualityStatus
    quality_reasons: list[Any] = Field(description="Why the pseudo-lead check decided so.")
    # the work
    stage: str = Field(description="The pipeline stage's code (see GET /stages).")
    owner: UserRef | None
    team_id: int | None
    score: int
    predicted_probability: float | None
    # attribution
    channel: Channel
    source: SourceRef | None
    campaign: CampaignRef | None
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    referrer: str
    landing_page: str
    offline_event: OfflineEventRef | None
    # the journey
    created_at: dt.datetime
    updated_at: dt.datetime
    assigned_at: dt.datetime | None
    first_response_at: dt.datetime | None
    response_due_at: dt.datetime | None = Field(description=RESPONSE_DUE_DESCRIPTION)
    sla_status: SlaStatusOut = Field(description=SLA_STATUS_DESCRIPTION)
    qualified_at: dt.datetime | None
    converted_at: dt.datetime | None
    rejected_at: dt.datetime | None
    rejection_reason: str | None = Field(
        description="Why it was rejected: a code of GET /rejection-reasons; null unless rejected."
    )
    rejection_note: str = Field(description="What the person rejecting it added.")
    recontact_at: dt.datetime | None = Field(description="When to come back to the lead.")
    merged_into_id: int | None = Field(
        description="The lead this one was merged into (it has this lead's contacts, events "
        "and tasks now); null unless merged."
    )
    contact_points: list[ContactPointOut]

    @staticmethod
    def resolve_stage(lead: Lead) -> str:
        return lead.stage.code

    @staticmethod
    def resolve_rejection_reason(lead: Lead) -> str | None:
        return lead.rejection_reason.code if lead.rejection_reason_id else None

    @staticmethod
    def resolve_contact_points(lead: Lead) -> list[ContactPoint]:
        return list(lead.contact_points.all())

    @staticmethod
    def resolve_sla_status(lead: Lead) -> str | None:
        return _sla_status(lead)


# --- schemas: leads in ----------------------------------------------------------------


class LeadFieldsIn(In):
    """The fields a client may set. Omitted fields are left alone; null or "" clears text."""

    first_name: str | None = Field(None, max_length=100)
    middle_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    display_name: str | None = Field(
        None, max_length=255, description="Defaults to the full name, else the company."
    )
    company_name: str | None = Field(None, max_length=200)
    position: str | None = Field(None, max_length=120, description="Job title.")
    language: str | None = Field(None, max_length=12, description="Language code, e.g. ro.")
    country: str | None = Field(
        None, max_length=2, description="ISO 3166-1 alpha-2 code; also the region for phones."
    )
    region: str | None = Field(None, max_length=120)
    city: str | None = Field(None, max_length=120)
    interest: str | None = Field(None, max_length=200, description="Product or service asked.")
    comment: str | None = None
    preferred_contact_time: str | None = Field(None, max_length=120)
    attributes: dict[str, Any] | None = Field(
        None, description="Demographic and questionnaire answers, as name: value."
    )
    temperature: Temperature = Field(None, description="Readiness to buy.")
    fit: Fit = Field(None, description="Whether the lead matches the buying criteria.")
    origin: Origin = Field(None, description="Consumer (resellable) or targeted lead.")
    contact_type: ContactType = Field(None)
    channel: Channel = Field(None, description="Where the lead came from.")
    source_id: int | None = Field(None, description="See GET /sources.")
    campaign_id: int | None = Field(None, description="See GET /campaigns.")
    offline_event_id: int | None = Field(None, description="The exhibition, conference… met at.")
    utm_source: str | None = Field(None, max_length=200)
    utm_medium: str | None = Field(None, max_length=200)
    utm_campaign: str | None = Field(None, max_length=200)
    utm_term: str | None = Field(None, max_length=200)
    utm_content: str | None = Field(None, max_length=200)
    referrer: str | None = None
    landing_page: str | None = None
    recontact_at: dt.datetime | None = Field(
        None, description="When to come back to the lead, with its time zone."
    )


class ContactIn(In):
    kind: ContactKind = Field(description="phone, email, social or messenger.")
    value: str = Field(max_length=320, description="As given; it is normalised for matching.")
    label: str = Field("", max_length=40, description="mobile, work, telegram…")
    is_primary: bool = Field(False, description="The first of each kind is primary otherwise.")


class LeadCreateIn(LeadFieldsIn):
    contacts: list[ContactIn] = Field(
        description="At least one way to reach the person: phone, e-mail or profile."
    )
    owner_id: int | None = Field(
        None,
        description="The responsible person. Managers entering a lead own it; only heads of "
        "sales and admins may name someone else.",
    )


class LeadUpdateIn(LeadFieldsIn):
    pass


class AssignIn(In):
    owner_id: int | None = Field(description="The new responsible person, or null to unassign.")
    reason: str = Field("", max_length=500, description="Why, for the timeline.")


class StageFieldsIn(LeadFieldsIn):
    """Values for the fields the stage requires (its required_fields), set with the move."""

    rejection_reason: str | None = Field(None, description="A code of GET /rejection-reasons.")
    rejection_note: str | None = Field(None, max_length=10_000)


class StageIn(In):
    stage: str = Field(description="The code of the stage to move to (see GET /stages).")
    fields: StageFieldsIn | None = Field(
        None,
        description="Fill in what the stage requires (see required_fields in GET /stages); "
        "a move that leaves any of them empty is refused with each missing field named.",
    )


class RejectIn(In):
    reason: str = Field(description="Why: a code of GET /rejection-reasons.")
    note: str = Field("", max_length=10_000, description="Anything to add, for the timeline.")


class DeferIn(In):
    recontact_at: dt.datetime | dt.date = Field(
        description="When to come back to the lead: a future time with its time zone, or a "
        "day (9:00 that day)."
    )
    note: str = Field("", max_length=10_000, description="Why, for the timeline and the task.")

    @field_validator("recontact_at", mode="before")
    @classmethod
    def _day_alone(cls, value: Any) -> Any:
        # "2026-12-07" is a day; anything with a time is a moment (with its time zone)
        if isinstance(value, str) and len(value) == 10:
            return dt.date.fromisoformat(value)
        return value


class NoteIn(In):
    text: str = Field(description="The note, up to 10,000 characters.")


class ContactAddIn(In):
    kind: ContactKind = Field(description="phone, email, social or messenger.")
    value: str = Field(max_length=320, description="As given; it is normalised for matching.")
    label: str = Field("", max_length=40, description="mobile, work, telegram…")


# --- schemas: list query --------------------------------------------------------------


class PageQuery(Schema):
    model_config = ConfigDict(use_enum_values=True)

    limit: int = Field(
        settings.API_PAGE_SIZE,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description=f"Items per page, at most {settings.API_MAX_PAGE_SIZE}.",
    )
    cursor: str | None = Field(
        None, description="The previous page's next_cursor; omit for the first page."
    )

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        # Forms and hand-written URLs send "?temperature=" for "any": treat it as omitted.
        if value == "":
            raise PydanticUseDefault()
        return value


class LeadListQuery(PageQuery):
    stage: str | None = Field(None, description="A stage code (see GET /stages).")
    owner: str | None = Field(None, description='A user id, "me" or "none" (unassigned).')
    temperature: Temperature | None = None
    fit: Fit | None = None
    source: int | None = Field(None, description="A source id.")
    campaign: int | None = Field(None, description="A campaign id.")
    channel: Channel | None = None
    created_from: dt.date | None = Field(None, description="Created on or after this day.")
    created_to: dt.date | None = Field(None, description="Created on or before this day.")
    q: str | None = Field(None, description="Words to find in names, company and contacts.")
    quality: Literal["accepted", "quarantined", "rejected", "all"] | None = Field(
        None,
        description="Omitted or accepted: only leads sent to sales (quality accepted or not "
        "checked). quarantined, rejected or all: for heads of sales and admins, who review "
        "pseudo-leads.",
    )
    sort: str = Field("-created", description=SORT_DESCRIPTION)

    def filters(self) -> selectors.LeadFilters:
        values = self.model_dump(exclude={"limit", "cursor"}, exclude_none=True)
        return selectors.LeadFilters(**values)


# --- schemas: timeline, tasks ---------------------------------------------------------


class EventOut(Out):
    id: int
    # an EventType, or a later app's own (consent_recorded, restricted, not_routed…)
    type: str = Field(description="created, updated, assigned… or a later app's event type.")
    occurred_at: dt.datetime
    actor: UserRef | None = Field(description="Who did it; null for the system or a rule.")
    actor_source: ActorSource = Field(description="Through which door: api, web_form, rule…")
    params: dict[str, Any] = Field(description="What happened, e.g. the fields' before/after.")


class EventPageOut(Out):
    items: list[EventOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class TaskOut(Out):
    id: int
    lead_id: int
    kind: TaskKind
    title: str
    description: str
    due_at: dt.datetime | None
    done_at: dt.datetime | None = Field(description="When it was done; null while open.")
    outcome: str
    is_overdue: bool
    assignee: UserRef | None
    created_by_id: int | None
    created_at: dt.datetime


class TaskIn(In):
    kind: TaskKind = Field(TaskKind.CALL, description="call, email, offer, price_list, meeting…")
    title: str = Field("", max_length=200, description="Defaults to the kind's name.")
    description: str = ""
    due_at: dt.datetime | None = Field(None, description="When, with its time zone.")
    assignee_id: int | None = Field(
        None, description="Who does it; defaults to the lead's owner, else you."
    )


class TaskCompleteIn(In):
    outcome: str = Field("", max_length=500, description="What came of it.")


# --- schemas: reference data ----------------------------------------------------------


class StageOut(Out):
    id: int
    code: str
    name: str
    kind: StageKind = Field(description="open, won (converted), lost (rejected) or deferred.")
    order: int
    is_initial: bool = Field(description="New leads start here.")
    required_fields: list[str] = Field(
        description="Lead fields that must be filled in before a lead enters this stage."
    )


class RejectionReasonOut(Out):
    code: str
    name: str = Field(description="In the reader's language for the default reasons.")
    order: int

    @staticmethod
    def resolve_name(reason: RejectionReason) -> str:
        return reason.label


class SourceOut(Out):
    id: int
    name: str
    channel: Channel
    vendor: str = Field(description="Who sold or supplied these leads, if bought.")
    description: str
    is_active: bool
    lead_count: int = Field(description="Leads it brought, all time.")


class SpendOut(Out):
    currency: str
    amount: Decimal = Field(description="Total spent in this currency, as a decimal string.")


class CampaignOut(Out):
    id: int
    name: str
    source: SourceRef
    utm_campaign: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    budget: Decimal | None
    currency: str = Field(description="The budget's currency.")
    region: str
    is_active: bool
    lead_count: int = Field(description="Leads it brought, all time.")
    spend: list[SpendOut] = Field(
        description="Total spend per currency over all days, largest first."
    )

    @staticmethod
    def resolve_spend(campaign: Campaign) -> list[dict[str, Any]]:
        # SUM on SQLite loses the column's scale; money always shows its two decimals.
        return [
            {"currency": currency, "amount": Decimal(amount).quantize(CENTS)}
            for currency, amount in getattr(campaign, "spend_totals", [])
        ]


# --- helpers --------------------------------------------------------------------------


def _user_for(user_id: int | None, *, field: str) -> Any:
    try:
        return services.user_by_id(user_id)
    except ValidationFailed as error:
        raise ValidationFailed({field: error.message}) from None


def _require_marketing(request: HttpRequest) -> None:
    if not can_see_marketing(_user(request)):
        raise PermissionDenied(
            "Your role does not give access to sources and campaigns; "
            "ask an admin or a head of sales."
        )


# --- leads ----------------------------------------------------------------------------


@router.get(
    "/leads",
    response={200: LeadPageOut, **LIST_ERRORS},
    tags=["leads"],
    summary="List leads",
)
def list_leads(request: HttpRequest, query: Query[LeadListQuery]):
    """The leads you may see, filtered and sorted, one page at a time."""
    filters = query.filters()
    if filters.stage and not Stage.objects.filter(code=filters.stage).exists():
        raise ValidationFailed(
            {"stage": f"No stage with code {filters.stage!r}: GET /api/v1/stages lists them."}
        )
    ordering = selectors.sort_fields(filters.sort)
    leads = selectors.lead_list(user=_user(request), filters=filters)
    items, next_cursor = keyset_page(
        leads,
        ordering=ordering,
        scope="leads:" + ",".join(ordering),
        cursor=query.cursor,
        limit=query.limit,
        parts=selectors.leads_filtered_parts(user=_user(request), filters=filters),
    )
    audit.record_bulk_view(
        request=request,
        object_type="leads.Lead",
        count=len(items),
        params={"filter": query.model_dump(mode="json", exclude={"cursor"}, exclude_none=True)},
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/leads/{lead_id}",
    response={200: LeadOut, **READ_ERRORS},
    tags=["leads"],
    summary="Get a lead",
)
def get_lead(request: HttpRequest, lead_id: int):
    """One lead with all its fields and contact points."""
    return selectors.lead_detail(user=_user(request), lead_id=lead_id)


@router.post(
    "/leads",
    response={201: LeadOut, **WRITE_ERRORS},
    tags=["leads"],
    summary="Create a lead",
)
def create_lead(request: HttpRequest, payload: LeadCreateIn):
    """Create a lead: a person's name and at least one way to reach them."""
    access.require_lead_access(_user(request))
    data = payload.model_dump(exclude_unset=True, exclude={"contacts", "owner_id"})
    owner = _user_for(payload.owner_id, field="owner_id")
    lead = services.lead_create(
        actor=_actor(request),
        data=data,
        contacts=[services.ContactInput(**contact.model_dump()) for contact in payload.contacts],
        owner=owner,
    )
    return Status(201, selectors.lead_detail(user=_user(request), lead_id=lead.pk))


@router.patch(
    "/leads/{lead_id}",
    response={200: LeadOut, **WRITE_ERRORS},
    tags=["leads"],
    summary="Change a lead's fields",
)
def update_lead(request: HttpRequest, lead_id: int, payload: LeadUpdateIn):
    """Change only the fields sent; the timeline records each field's before and after."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    services.lead_update(
        actor=_actor(request), lead=lead, data=payload.model_dump(exclude_unset=True)
    )
    return selectors.lead_detail(user=_user(request), lead_id=lead_id)


@router.post(
    "/leads/{lead_id}/assign",
    response={200: LeadOut, **WRITE_ERRORS},
    tags=["leads"],
    summary="Assign a lead",
)
def assign_lead(request: HttpRequest, lead_id: int, payload: AssignIn):
    """Give the lead a responsible person, or none. Managers may only take leads themselves."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    owner = _user_for(payload.owner_id, field="owner_id")
    services.lead_assign(actor=_actor(request), lead=lead, owner=owner, reason=payload.reason)
    return selectors.lead_detail(user=_user(request), lead_id=lead_id)


@router.post(
    "/leads/{lead_id}/stage",
    response={200: LeadOut, **WRITE_ERRORS},
    tags=["leads"],
    summary="Move a lead to a stage",
)
def change_stage(request: HttpRequest, lead_id: int, payload: StageIn):
    """Move the lead along the pipeline; converting or rejecting stamps the time."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    stage = Stage.objects.filter(code=payload.stage).first()
    if stage is None:
        raise ValidationFailed(
            {"stage": f"No stage with code {payload.stage!r}: GET /api/v1/stages lists them."}
        )
    fields = payload.fields.model_dump(exclude_unset=True) if payload.fields else {}
    services.lead_change_stage(actor=_actor(request), lead=lead, stage=stage, fields=fields)
    return selectors.lead_detail(user=_user(request), lead_id=lead_id)


@router.post(
    "/leads/{lead_id}/reject",
    response={200: LeadOut, **WRITE_ERRORS},
    tags=["leads"],
    summary="Reject a lead",
)
def reject_lead(request: HttpRequest, lead_id: int, payload: RejectIn):
    """Move the lead to the rejected stage with a reason (GET /rejection-reasons) and a note."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    reason = RejectionReason.objects.filter(code=payload.reason).first()
    services.lead_reject(actor=_actor(request), lead=lead, reason=reason, note=payload.note)
    return selectors.lead_detail(user=_user(request), lead_id=lead_id)


@router.post(
    "/leads/{lead_id}/defer",
    response={200: LeadOut, **WRITE_ERRORS},
    tags=["leads"],
    summary="Defer a lead",
)
def defer_lead(request: HttpRequest, lead_id: int, payload: DeferIn):
    """Put the lead off until a future day: it moves to the deferred stage and its owner
    gets a call task for that day."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    services.lead_defer(
        actor=_actor(request), lead=lead, recontact_at=payload.recontact_at, note=payload.note
    )
    return selectors.lead_detail(user=_user(request), lead_id=lead_id)


@router.post(
    "/leads/{lead_id}/notes",
    response={201: EventOut, **WRITE_ERRORS},
    tags=["timeline"],
    summary="Add a note",
)
def add_note(request: HttpRequest, lead_id: int, payload: NoteIn):
    """Write a note on the lead's timeline."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    event = services.note_add(actor=_actor(request), lead=lead, text=payload.text)
    return Status(201, event)


@router.post(
    "/leads/{lead_id}/contacts",
    response={201: ContactPointOut, **WRITE_ERRORS},
    tags=["leads"],
    summary="Add a contact",
)
def add_contact(request: HttpRequest, lead_id: int, payload: ContactAddIn):
    """Add a phone, e-mail or profile; one the lead already has is refused."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    contact = services.ContactInput(**payload.model_dump())
    try:
        point = services.contact_point_add(actor=_actor(request), lead=lead, contact=contact)
    except ValidationFailed as error:
        # The service validates contacts as a list; this endpoint takes a single one.
        raise ValidationFailed(
            {name.removeprefix("contacts[0]."): message for name, message in error.errors.items()}
        ) from None
    return Status(201, point)


# --- timeline and tasks ---------------------------------------------------------------


@router.get(
    "/leads/{lead_id}/events",
    response={200: EventPageOut, **READ_ERRORS, 400: ErrorOut},
    tags=["timeline"],
    summary="A lead's timeline",
)
def list_events(request: HttpRequest, lead_id: int, query: Query[PageQuery]):
    """Everything that happened to the lead, newest first, one page at a time."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    ordering = ("-occurred_at", "-id")
    items, next_cursor = keyset_page(
        selectors.lead_timeline(lead=lead),
        ordering=ordering,
        scope=f"events:{lead.pk}",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/leads/{lead_id}/tasks",
    response={200: list[TaskOut], **READ_ERRORS},
    tags=["tasks"],
    summary="A lead's tasks",
)
def list_tasks(request: HttpRequest, lead_id: int):
    """The lead's tasks: open ones first, by due time, then the done ones."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    return selectors.lead_tasks(lead=lead)


@router.post(
    "/leads/{lead_id}/tasks",
    response={201: TaskOut, **WRITE_ERRORS},
    tags=["tasks"],
    summary="Plan a task",
)
def create_task(request: HttpRequest, lead_id: int, payload: TaskIn):
    """Plan a call, e-mail, offer or meeting on the lead."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    assignee = _user_for(payload.assignee_id, field="assignee_id")
    task = services.task_create(
        actor=_actor(request),
        lead=lead,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        due_at=payload.due_at,
        assignee=assignee,
    )
    return Status(201, task)


@router.post(
    "/leads/{lead_id}/tasks/{task_id}/complete",
    response={200: TaskOut, **WRITE_ERRORS},
    tags=["tasks"],
    summary="Complete a task",
)
def complete_task(request: HttpRequest, lead_id: int, task_id: int, payload: TaskCompleteIn):
    """Mark the task done with its outcome."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    task = Task.objects.filter(pk=task_id, lead=lead).first()
    if task is None:
        raise NotFound("This lead has no task with this id.")
    return services.task_complete(actor=_actor(request), task=task, outcome=payload.outcome)


# --- reference data -------------------------------------------------------------------


@router.get(
    "/stages",
    response={200: list[StageOut], 401: ErrorOut},
    tags=["reference"],
    summary="Pipeline stages",
)
def list_stages(request: HttpRequest):
    """All pipeline stages, in pipeline order."""
    return Stage.objects.order_by("order", "id")


@router.get(
    "/rejection-reasons",
    response={200: list[RejectionReasonOut], 401: ErrorOut},
    tags=["reference"],
    summary="Rejection reasons",
)
def list_rejection_reasons(request: HttpRequest):
    """The reasons a lead can be rejected with (the active ones), in their order."""
    return RejectionReason.objects.filter(is_active=True).order_by("order", "id")


@router.get(
    "/sources",
    response={200: list[SourceOut], 401: ErrorOut, 403: ErrorOut},
    tags=["marketing"],
    summary="Lead sources",
)
def list_sources(request: HttpRequest):
    """Where leads come from. For admins, heads of sales and marketers."""
    _require_marketing(request)
    return selectors.sources_with_lead_counts()


@router.get(
    "/campaigns",
    response={200: list[CampaignOut], 401: ErrorOut, 403: ErrorOut},
    tags=["marketing"],
    summary="Campaigns with their spend",
)
def list_campaigns(request: HttpRequest):
    """Campaigns with their lead count and total spend per currency, active ones first.
    For admins, heads of sales and marketers."""
    _require_marketing(request)
    return selectors.campaigns_with_spend()
