"""The clients API: convert a lead, list and read accounts and contacts, add deals.

Views are thin: reads go through clients.access and selectors, writes through services; the
same role rules as the pages (a client out of one's sight is 404, a role without clients 403).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from galena.clients import access as client_access
from galena.clients import selectors, services
from galena.clients.models import (
    ClientLead,
    Contact,
    ContactMethod,
    Conversion,
    Deal,
    DealKind,
    DealStage,
)
from galena.core.api import ErrorOut, keyset_page
from galena.core.errors import NotFound, ValidationFailed
from galena.leads import access
from galena.leads.models import ActorSource
from galena.leads.services import Actor, user_by_id

router = Router(tags=["clients"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=_user(request), source=ActorSource.API)


class Out(Schema):
    model_config = ConfigDict(use_enum_values=True)


class In(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


# --- schemas ------------------------------------------------------------------------------


class MethodOut(Out):
    kind: str
    value: str = Field(description="Normalised: E.164 phone, lower-case e-mail, canonical link.")
    value_raw: str
    label: str
    is_primary: bool


class ContactOut(Out):
    id: int
    first_name: str
    middle_name: str
    last_name: str
    display_name: str
    position: str
    language: str
    country: str
    account_id: int | None
    owner_id: int | None
    created_at: dt.datetime
    methods: list[MethodOut]


class DealOut(Out):
    id: int
    title: str
    kind: DealKind
    amount: Decimal
    currency: str
    expected_close_on: dt.date | None
    stage: str = Field(description="The deal stage's code.")
    stage_kind: str = Field(description="open, won or lost.")
    account_id: int | None
    contact_id: int | None
    lead_id: int | None
    owner_id: int | None
    closed_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_stage(deal: Deal) -> str:
        return deal.stage.code

    @staticmethod
    def resolve_stage_kind(deal: Deal) -> str:
        return deal.stage.kind


class TotalOut(Out):
    currency: str
    won: Decimal
    open: Decimal
    count: int


class AccountOut(Out):
    id: int
    name: str
    legal_name: str
    tax_id: str
    registration_number: str
    billing_address: str
    country: str
    website: str
    industry: str
    owner_id: int | None
    created_at: dt.datetime


class AccountDetailOut(AccountOut):
    missing_fields: list[str] = Field(
        description="The required client fields this account leaves empty."
    )
    contacts: list[ContactOut]
    deals: list[DealOut]
    totals: list[TotalOut] = Field(description="Per currency, never added across currencies.")
    lead_ids: list[int] = Field(description="The leads it came from that you may see.")


class ContactDetailOut(ContactOut):
    missing_fields: list[str]
    deals: list[DealOut]
    totals: list[TotalOut]
    lead_ids: list[int]


class AccountPageOut(Out):
    items: list[AccountOut]
    next_cursor: str | None


class ContactPageOut(Out):
    items: list[ContactOut]
    next_cursor: str | None


class ContactIn(In):
    first_name: str = Field("", max_length=100)
    middle_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    position: str = Field("", max_length=120)
    language: str = Field("", max_length=12)
    country: str = Field("", max_length=2)


class AccountIn(In):
    name: str = Field(max_length=200)
    legal_name: str = Field("", max_length=255)
    tax_id: str = Field("", max_length=40)
    registration_number: str = Field("", max_length=60)
    billing_address: str = Field("", max_length=2000)
    country: str = Field("", max_length=2)
    website: str = Field("", max_length=255)
    industry: str = Field("", max_length=120)


class DealIn(In):
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217, e.g. EUR.")
    title: str = Field("", max_length=200)
    kind: DealKind = DealKind.NEW
    expected_close_on: dt.date | None = None
    stage: str | None = Field(None, description="A deal stage's code; the default stage if none.")


class AccountDealIn(DealIn):
    kind: DealKind = DealKind.REPEAT
    contact_id: int | None = None
    owner_id: int | None = None


class ConvertIn(In):
    contact_id: int | None = Field(None, description="Link this existing contact…")
    contact: ContactIn | None = Field(
        None, description="…or create this one (default: the lead's name)."
    )
    account_id: int | None = Field(None, description="Link this existing account…")
    account: AccountIn | None = Field(
        None, description="…or create this one; neither: a consumer without an account."
    )
    deal: DealIn | None = None
    owner_id: int | None = Field(None, description="The client's owner; default the lead's.")


class ConversionOut(Out):
    id: int
    lead_id: int
    contact_id: int
    account_id: int | None
    deal_id: int | None
    converted_at: dt.datetime
    client_owner_id: int | None
    contact_created: bool
    account_created: bool
    conversion_seconds: int = Field(description="From the lead's arrival to the conversion.")
    lead_time_seconds: int = Field(description="From the first contact to money.")

    @staticmethod
    def resolve_conversion_seconds(conversion: Conversion) -> int:
        return int(conversion.conversion_time.total_seconds())

    @staticmethod
    def resolve_lead_time_seconds(conversion: Conversion) -> int:
        return int(conversion.lead_time.total_seconds())


class AccountListQuery(Schema):
    q: str = Field("", max_length=200, description="Name, legal name, tax id or number.")
    owner_id: int | None = None
    cursor: str | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class ContactListQuery(AccountListQuery):
    account_id: int | None = None
    consumers: bool = Field(False, description="Only contacts without an account.")


# --- helpers ------------------------------------------------------------------------------


def _deal_data(payload: DealIn) -> services.DealData:
    stage_id = None
    if payload.stage:
        stage_id = DealStage.objects.filter(code=payload.stage).values_list("pk", flat=True).first()
        if stage_id is None:
            raise ValidationFailed({"deal.stage": f"No deal stage with code {payload.stage!r}."})
    return services.DealData(
        amount=payload.amount,
        currency=payload.currency,
        title=payload.title,
        kind=payload.kind,
        expected_close_on=payload.expected_close_on,
        stage_id=stage_id,
    )


def _methods() -> Prefetch:
    return Prefetch("methods", queryset=ContactMethod.objects.order_by("-is_primary", "kind", "id"))


def _lead_ids(user, links) -> list[int]:
    return [link.lead_id for link in selectors.client_leads(user, links)["lead_links"]]


# --- conversion ---------------------------------------------------------------------------


@router.post(
    "/leads/{lead_id}/convert",
    response={201: ConversionOut, **WRITE_ERRORS},
    summary="Convert a lead to a client",
)
def convert_lead(request: HttpRequest, lead_id: int, payload: ConvertIn):
    """Create or link the lead's contact and account (none for a consumer), optionally a
    deal, and move the lead to the won stage. A converted, merged or rejected lead is
    refused; a new account must have the required client fields (GET the account's
    `missing_fields`, or see the admin's Client fields)."""
    user = _user(request)
    access.require_lead_access(user)
    lead = access.lead_get_for(user=user, lead_id=lead_id)
    if payload.contact_id is not None and payload.contact is not None:
        raise ValidationFailed({"contact": "Give contact_id or contact, not both."})
    if payload.account_id is not None and payload.account is not None:
        raise ValidationFailed({"account": "Give account_id or account, not both."})
    contact: Any
    if payload.contact_id is not None:
        contact = client_access.contact_get_for(user=user, contact_id=payload.contact_id)
    elif payload.contact is not None:
        contact = services.ContactData(**payload.contact.model_dump())
    else:
        contact = services.ContactData(
            first_name=lead.first_name or lead.display_name,
            middle_name=lead.middle_name,
            last_name=lead.last_name,
            position=lead.position,
            language=lead.language,
            country=lead.country,
        )
    account: Any = None
    if payload.account_id is not None:
        account = client_access.account_get_for(user=user, account_id=payload.account_id)
    elif payload.account is not None:
        account = services.AccountData(**payload.account.model_dump())
    owner = user_by_id(payload.owner_id)
    conversion = services.lead_convert(
        actor=_actor(request),
        lead=lead,
        contact=contact,
        account=account,
        deal=_deal_data(payload.deal) if payload.deal is not None else None,
        owner=owner,
    )
    return Status(201, conversion)


# --- accounts -----------------------------------------------------------------------------


@router.get(
    "/clients/accounts", response={200: AccountPageOut, **LIST_ERRORS}, summary="List accounts"
)
def list_accounts(request: HttpRequest, query: Query[AccountListQuery]):
    """The accounts you may see, by name, one page at a time."""
    accounts = client_access.accounts_visible_to(_user(request))
    if query.q.strip():
        accounts = accounts.filter(search_text__contains=query.q.strip().casefold())
    if query.owner_id:
        accounts = accounts.filter(owner_id=query.owner_id)
    items, next_cursor = keyset_page(
        accounts, ordering=("name", "id"), scope="accounts", cursor=query.cursor, limit=query.limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/clients/accounts/{account_id}",
    response={200: AccountDetailOut, **READ_ERRORS},
    summary="Get an account",
)
def get_account(request: HttpRequest, account_id: int):
    """An account with its contacts, deals, totals per currency and the leads it came from."""
    user = _user(request)
    account = client_access.account_get_for(user=user, account_id=account_id)
    deals = list(Deal.objects.filter(account=account).select_related("stage"))
    return {
        **{field: getattr(account, field) for field in AccountOut.model_fields},
        "missing_fields": [row.field for row in services.missing_fields(account)],
        "contacts": list(account.contacts.prefetch_related(_methods())),
        "deals": deals,
        "totals": selectors.totals_by_currency(deals),
        "lead_ids": _lead_ids(user, ClientLead.objects.filter(account=account)),
    }


@router.put(
    "/clients/accounts/{account_id}",
    response={200: AccountDetailOut, **WRITE_ERRORS},
    summary="Change an account's details",
)
def update_account(request: HttpRequest, account_id: int, payload: AccountIn):
    """Every detail of the account, as the card's edit form sends them (a correction: the
    account's history keeps each changed field's before and after)."""
    account = client_access.account_get_for(user=_user(request), account_id=account_id)
    services.account_update(
        actor=_actor(request), account=account, data=services.AccountData(**payload.model_dump())
    )
    return get_account(request, account_id)


@router.post(
    "/clients/accounts/{account_id}/deals",
    response={201: DealOut, **WRITE_ERRORS},
    summary="Add a deal to an account",
)
def create_account_deal(request: HttpRequest, account_id: int, payload: AccountDealIn):
    """A repeat purchase, an upsell or a cross-sell on the same account."""
    user = _user(request)
    account = client_access.account_get_for(user=user, account_id=account_id)
    contact = (
        client_access.contact_get_for(user=user, contact_id=payload.contact_id)
        if payload.contact_id is not None
        else None
    )
    deal = services.deal_create(
        actor=_actor(request),
        data=_deal_data(payload),
        account=account,
        contact=contact,
        owner=user_by_id(payload.owner_id),
    )
    return Status(201, Deal.objects.select_related("stage").get(pk=deal.pk))


# --- contacts -----------------------------------------------------------------------------


@router.get(
    "/clients/contacts", response={200: ContactPageOut, **LIST_ERRORS}, summary="List contacts"
)
def list_contacts(request: HttpRequest, query: Query[ContactListQuery]):
    """The contacts you may see, by name, one page at a time, with their ways to reach them."""
    contacts = client_access.contacts_visible_to(_user(request))
    if query.q.strip():
        contacts = contacts.filter(search_text__contains=query.q.strip().casefold())
    if query.owner_id:
        contacts = contacts.filter(owner_id=query.owner_id)
    if query.account_id:
        contacts = contacts.filter(account_id=query.account_id)
    if query.consumers:
        contacts = contacts.filter(account__isnull=True)
    items, next_cursor = keyset_page(
        contacts.prefetch_related(_methods()),
        ordering=("display_name", "id"),
        scope="contacts",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/clients/contacts/{contact_id}",
    response={200: ContactDetailOut, **READ_ERRORS},
    summary="Get a contact",
)
def get_contact(request: HttpRequest, contact_id: int):
    """A contact with its ways to reach them, deals and the leads it came from."""
    user = _user(request)
    contact = client_access.contact_get_for(user=user, contact_id=contact_id)
    contact = Contact.objects.prefetch_related(_methods()).get(pk=contact.pk)
    deals = list(Deal.objects.filter(contact=contact).select_related("stage"))
    return {
        **{
            field: getattr(contact, field)
            for field in ContactOut.model_fields
            if field != "methods"
        },
        "methods": list(contact.methods.all()),
        "missing_fields": [row.field for row in services.missing_fields(contact)],
        "deals": deals,
        "totals": selectors.totals_by_currency(deals),
        "lead_ids": _lead_ids(user, ClientLead.objects.filter(contact=contact)),
    }


@router.put(
    "/clients/contacts/{contact_id}",
    response={200: ContactDetailOut, **WRITE_ERRORS},
    summary="Change a contact's details",
)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactIn):
    """Every detail of the contact, as the card's edit form sends them (a correction: the
    contact's history keeps each changed field's before and after)."""
    contact = client_access.contact_get_for(user=_user(request), contact_id=contact_id)
    services.contact_update(
        actor=_actor(request), contact=contact, data=services.ContactData(**payload.model_dump())
    )
    return get_contact(request, contact_id)


# --- deals --------------------------------------------------------------------------------


class DealStageIn(In):
    stage: str = Field(description="The deal stage's code, e.g. paid.")


@router.post(
    "/clients/deals/{deal_id}/stage",
    response={200: DealOut, **WRITE_ERRORS},
    summary="Move a deal to another stage",
)
def move_deal(request: HttpRequest, deal_id: int, payload: DealStageIn):
    """Won or lost closes the deal; a deal won after its conversion sets the conversion's
    lead time (first contact → money)."""
    user = _user(request)
    deal = client_access.deals_visible_to(user).filter(pk=deal_id).first()
    if deal is None:
        raise NotFound("No deal with this id, or it is not yours to see.")
    stage = DealStage.objects.filter(code=payload.stage).first()
    if stage is None:
        raise ValidationFailed({"stage": f"No deal stage with code {payload.stage!r}."})
    services.deal_stage_change(actor=_actor(request), deal=deal, stage=stage)
    return Deal.objects.select_related("stage").get(pk=deal.pk)
