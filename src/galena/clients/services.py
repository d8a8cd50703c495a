"""Every write on clients: the conversion of a lead, deals on an account, the link of a new
lead to a known client. Each function runs in one transaction, checks the actor's rights,
validates, writes, and records a LeadEvent when a lead is concerned."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from galena.accounts.roles import team_id_of
from galena.clients import access as client_access
from galena.clients import selectors
from galena.clients.models import (
    REQUIRABLE_FIELDS,
    Account,
    ClientEvent,
    ClientEventType,
    ClientField,
    ClientLead,
    ClientRecord,
    Contact,
    ContactMethod,
    Conversion,
    Deal,
    DealKind,
    DealStage,
    DealStageKind,
    LinkKind,
)
from galena.consent import services as consent
from galena.core.changes import fields_change, fields_diff
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.contact_values import transliterate
from galena.leads.models import (
    ActorSource,
    ContactKind,
    ContactPoint,
    EventType,
    Lead,
    LeadEvent,
    QualityStatus,
    Stage,
    StageKind,
)
from galena.leads.normalise import normalise_contact
from galena.leads.services import Actor, lead_change_stage, new_leads_contacts

# --- what the callers give --------------------------------------------------------------


@dataclass(frozen=True)
class ContactData:
    """A new contact: the person, as the conversion form gives it."""

    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    position: str = ""
    language: str = ""
    country: str = ""


@dataclass(frozen=True)
class AccountData:
    """A new account: the company, as the conversion form gives it."""

    name: str = ""
    legal_name: str = ""
    tax_id: str = ""
    registration_number: str = ""
    billing_address: str = ""
    country: str = ""
    website: str = ""
    industry: str = ""


@dataclass(frozen=True)
class DealData:
    """A deal: what is sold, for how much, when it is expected to close."""

    amount: Decimal | str | int
    currency: str
    title: str = ""
    kind: str = DealKind.NEW
    expected_close_on: dt.date | None = None
    stage_id: int | None = None


# --- helpers ----------------------------------------------------------------------------

_TAX_ID_NOISE = re.compile(r"[\s.\-/]+")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def tax_id_normalise(value: str) -> str:
    """A tax id as matching compares it: without spaces, dots, dashes or slashes, upper case
    ("ro 123.456" and "RO123456" are the same)."""
    return _TAX_ID_NOISE.sub("", value or "").upper()[:40]


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    return value


def _event(lead: Lead, actor: Actor, type: str, **params: Any) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        type=type,
        actor=actor.user,
        actor_source=actor.source,
        params={k: _json(v) for k, v in params.items()},
    )


def _client_event(
    actor: Actor,
    type: str,
    *,
    contact: Contact | None = None,
    account: Account | None = None,
    **params: Any,
) -> ClientEvent:
    return ClientEvent.objects.create(
        contact=contact,
        account=account,
        type=type,
        actor=actor.user,
        actor_source=actor.source,
        params={k: _json(v) for k, v in params.items()},
    )


def required_fields(record: str) -> list[ClientField]:
    """The fields a client's record of this kind needs (``ClientField`` rows, in order)."""
    return [
        row
        for row in ClientField.objects.filter(record=record, is_required=True)
        if row.field in REQUIRABLE_FIELDS.get(record, ())
    ]


def missing_fields(instance: Account | Contact | AccountData | ContactData, rows=None) -> list:
    """The required ClientField rows this account or contact (saved or not) leaves empty."""
    record = (
        ClientRecord.ACCOUNT
        if isinstance(instance, Account | AccountData)
        else ClientRecord.CONTACT
    )
    rows = required_fields(record) if rows is None else rows
    return [row for row in rows if not str(getattr(instance, row.field, "") or "").strip()]


def _refuse_missing(instance: AccountData | ContactData, prefix: str) -> None:
    missing = missing_fields(instance)
    if missing:
        raise ValidationFailed(
            {
                f"{prefix}.{row.field}": f"A client needs this: {row.label.lower()}."
                for row in missing
            }
        )


def _check_owner(actor: Actor, owner, *, keeps: int | None = None) -> None:
    """The actor may give the client to this owner (keeping the lead's owner is allowed)."""
    if owner is None or actor.user is None or owner.pk == keeps:
        return
    if not access.assignable_owners(actor.user).filter(pk=owner.pk).exists():
        raise PermissionDenied(
            f"You cannot make {owner.get_username()} the owner of a client.", field="owner_id"
        )


def _account_search_text(account: Account) -> str:
    parts = (account.name, account.legal_name, account.tax_id, account.registration_number)
    return " ".join(p for p in parts if p).casefold()


def _contact_refresh_names(contact: Contact, values: Iterable[str]) -> None:
    contact.display_name = contact.full_name or contact.display_name
    contact.name_translit = transliterate(contact.full_name or contact.display_name)[:255]
    parts = [contact.full_name, contact.display_name, *values]
    contact.search_text = " ".join(p for p in parts if p).casefold()


def _account_create(data: AccountData, *, owner, actor_user=None) -> Account:
    if not data.name.strip():
        raise ValidationFailed({"account.name": "Give the company's name."})
    _refuse_missing(data, "account")
    account = Account(
        **{f.name: _text(getattr(data, f.name), 255) for f in fields(AccountData)},
        owner=owner,
        team_id=team_id_of(owner) if owner is not None else None,
    )
    account.name = account.name[:200]
    account.country = account.country.upper()[:2]
    account.tax_id = account.tax_id[:40]
    account.registration_number = account.registration_number[:60]
    account.industry = account.industry[:120]
    account.billing_address = str(data.billing_address or "").strip()
    account.tax_id_normalised = tax_id_normalise(account.tax_id)
    account.search_text = _account_search_text(account)
    _account_save(account, actor_user=actor_user)
    return account


def _tax_id_taken(account: Account, actor_user) -> str:
    """Why this account's tax id cannot be used: another account has it ("" when free)."""
    if not account.tax_id_normalised:
        return ""
    other = (
        Account.objects.filter(tax_id_normalised=account.tax_id_normalised)
        .exclude(pk=account.pk)
        .first()
    )
    if other is None:
        return ""
    visible = actor_user is None or (
        client_access.accounts_visible_to(actor_user).filter(pk=other.pk).exists()
    )
    if visible:
        return f"{other.name} (account #{other.pk}) has this tax id: link that account instead."
    return (
        "Another team's account has this tax id: ask a head of sales to give it to you, "
        "then link it."
    )


def _account_save(account: Account, *, actor_user) -> None:
    """Save an account whose tax id no other account has (checked, and kept by the unique
    constraint when two are written at once)."""
    taken = _tax_id_taken(account, actor_user)
    if taken:
        raise ValidationFailed({"account.tax_id": taken})
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:
        raise ValidationFailed(
            {"account.tax_id": _tax_id_taken(account, actor_user) or "This tax id is taken."}
        ) from error


def _methods_add(contact: Contact, points: Iterable[ContactPoint]) -> list[ContactMethod]:
    """Copy the lead's contact points the contact lacks (same kind and normalised value)."""
    known = set(contact.methods.values_list("kind", "value")) if contact.pk else set()
    kinds_with_primary = {kind for kind, _ in known}
    added = []
    for point in points:
        if (point.kind, point.value) in known:
            continue
        known.add((point.kind, point.value))
        added.append(
            ContactMethod(
                contact=contact,
                kind=point.kind,
                value_raw=point.value_raw,
                value=point.value,
                label=point.label,
                is_primary=point.kind not in kinds_with_primary,
                verified=point.verified,
            )
        )
        kinds_with_primary.add(point.kind)
    ContactMethod.objects.bulk_create(added)
    return added


def _contact_create(data: ContactData, lead: Lead, *, account, owner) -> Contact:
    _refuse_missing(data, "contact")
    contact = Contact(
        first_name=_text(data.first_name, 100),
        middle_name=_text(data.middle_name, 100),
        last_name=_text(data.last_name, 100),
        position=_text(data.position, 120),
        language=_text(data.language, 12),
        country=_text(data.country, 2).upper(),
        account=account,
        owner=owner,
        team_id=team_id_of(owner) if owner is not None else None,
    )
    if not (contact.first_name or contact.last_name):
        contact.display_name = lead.display_name[:255]
        if not contact.display_name:
            raise ValidationFailed({"contact.first_name": "Give the person's name."})
    points = list(lead.contact_points.all())
    _contact_refresh_names(contact, (p.value for p in points))
    contact.save()
    _methods_add(contact, points)
    return contact


def _deal_values(data: DealData, *, default_title: str) -> dict[str, Any]:
    try:
        amount = Decimal(str(data.amount).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValidationFailed(
            {"deal.amount": "Give the amount as a number, e.g. 1250.00."}
        ) from error
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed({"deal.amount": "The amount must be zero or more."})
    if amount >= Decimal("1e12"):
        raise ValidationFailed({"deal.amount": "This amount is too large."})
    amount = amount.quantize(Decimal("0.01"))
    currency = _text(data.currency, 10).upper()
    if not CURRENCY.match(currency):
        raise ValidationFailed(
            {"deal.currency": "Give the currency as its three-letter code, e.g. EUR."}
        )
    if data.kind not in DealKind.values:
        raise ValidationFailed({"deal.kind": f"Use one of: {', '.join(DealKind.values)}."})
    title = _text(data.title, 200) or default_title[:200]
    if data.stage_id is not None:
        stage = DealStage.objects.filter(pk=data.stage_id).first()
        if stage is None:
            raise ValidationFailed({"deal.stage_id": f"No deal stage with id {data.stage_id}."})
    else:
        stage = DealStage.objects.filter(is_default=True).first() or DealStage.objects.first()
        if stage is None:
            raise ValidationFailed({"deal.stage_id": "No deal stages exist: add one in the admin."})
    return {
        "amount": amount,
        "currency": currency,
        "kind": data.kind,
        "title": title,
        "expected_close_on": data.expected_close_on,
        "stage": stage,
        "closed_at": timezone.now() if stage.kind != DealStageKind.OPEN else None,
    }


def _lead_field_label(name: str) -> str:
    try:
        return str(Lead._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def won_stage() -> Stage:
    """The pipeline stage a converted lead goes to: the first stage of kind won."""
    stage = Stage.objects.filter(kind=StageKind.WON).order_by("order", "id").first()
    if stage is None:
        raise ValidationFailed(
            {"lead": "There is no 'converted' stage: add a stage of kind won in the admin."}
        )
    return stage


def _lead_locked(actor: Actor, lead: Lead) -> Lead:
    if actor.user is None:
        return Lead.objects.select_for_update().get(pk=lead.pk)
    access.require_lead_access(actor.user)
    return access.lead_get_for(user=actor.user, lead_id=lead.pk, for_update=True)


def conversion_refusal(lead: Lead, stage: Stage | None = None) -> str:
    """Why this lead cannot be converted, in words ("" when it can)."""
    stage = stage or lead.stage
    if lead.merged_into_id is not None:
        return f"This lead was merged into lead #{lead.merged_into_id}: convert that one instead."
    if Conversion.objects.filter(lead_id=lead.pk).exists() or stage.kind == StageKind.WON:
        return "This lead is already converted: open its client card to add a deal."
    if stage.kind == StageKind.LOST:
        return "This lead was rejected: move it back to an open stage first, then convert it."
    return ""


def _first_contact_at(lead: Lead) -> dt.datetime:
    """The first contact with the person: the earliest arrival of this lead and of the leads
    merged into it."""
    earliest = Lead.objects.filter(Q(pk=lead.pk) | Q(merged_into_id=lead.pk)).aggregate(
        at=Min("created_at")
    )["at"]
    return min(earliest or lead.created_at, lead.created_at)


# --- the conversion ---------------------------------------------------------------------


@transaction.atomic
def lead_convert(
    *,
    actor: Actor,
    lead: Lead,
    contact: Contact | ContactData,
    account: Account | AccountData | None = None,
    deal: DealData | None = None,
    owner=None,
) -> Conversion:
    """Convert a lead to a client: create or link its contact, account and deal, record the
    conversion with its conversion time and lead time, and move the lead to the won stage;
    one conversion per lead, whoever converts it at the same time."""
    lead = _lead_locked(actor, lead)
    stage = Stage.objects.get(pk=lead.stage_id)
    refusal = conversion_refusal(lead, stage)
    if refusal:
        raise ValidationFailed({"lead": refusal})
    target_stage = won_stage()
    if owner is None:
        owner = lead.owner or actor.user
    _check_owner(actor, owner, keeps=lead.owner_id)
    if owner is not None and not owner.is_active:
        raise ValidationFailed({"owner_id": "The client's owner must be an active user."})

    if isinstance(account, Account):
        if actor.user is not None:
            account = client_access.account_get_for(user=actor.user, account_id=account.pk)
        account_created = False
    elif isinstance(account, AccountData):
        account = _account_create(account, owner=owner, actor_user=actor.user)
        account_created = True
    else:
        account, account_created = None, False

    if isinstance(contact, Contact):
        if actor.user is not None:
            contact = client_access.contact_get_for(
                user=actor.user, contact_id=contact.pk, for_update=True
            )
        else:
            contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if account is not None and contact.account_id is None:
            contact.account = account
        _methods_add(contact, lead.contact_points.all())
        _contact_refresh_names(contact, contact.methods.values_list("value", flat=True))
        contact.save()
        contact_created = False
    else:
        contact = _contact_create(contact, lead, account=account, owner=owner)
        contact_created = True

    deal_row = None
    if deal is not None:
        values = _deal_values(deal, default_title=lead.interest or str(contact))
        deal_row = Deal.objects.create(
            account=account,
            contact=contact,
            lead=lead,
            owner=owner,
            created_by=actor.user,
            **values,
        )

    now = timezone.now()
    first_contact_at = _first_contact_at(lead)
    money_at = deal_row.closed_at if deal_row and deal_row.closed_at else now
    try:
        with transaction.atomic():
            conversion = Conversion.objects.create(
                lead=lead,
                contact=contact,
                account=account,
                deal=deal_row,
                converted_by=actor.user,
                client_owner=owner,
                lead_owner_id=lead.owner_id,
                converted_at=now,
                first_contact_at=first_contact_at,
                conversion_time=max(now - lead.created_at, dt.timedelta(0)),
                lead_time=max(money_at - first_contact_at, dt.timedelta(0)),
                contact_created=contact_created,
                account_created=account_created,
            )
    except IntegrityError as error:  # converted at the same moment by another request
        raise ValidationFailed(
            {"lead": "This lead is already converted: open its client card to add a deal."}
        ) from error
    ClientLead.objects.update_or_create(
        lead=lead,
        defaults={
            "contact": contact,
            "account": account,
            "kind": LinkKind.CONVERTED,
            "linked_at": now,
        },
    )
    if deal_row is not None:
        Lead.objects.filter(pk=lead.pk).update(
            deal_value=deal_row.amount, deal_currency=deal_row.currency
        )
    try:
        lead = lead_change_stage(actor=actor, lead=lead, stage=target_stage)
    except ValidationFailed as error:
        # the won stage may require lead fields (Stage.required_fields): say which, on the
        # form's "lead" error, since the conversion form does not hold the lead's fields
        raise ValidationFailed(
            {
                "lead": "Before it is converted, fill this in on the lead's card: "
                + ", ".join(_lead_field_label(name) for name in error.errors)
                + "."
            }
        ) from error
    _event(
        lead,
        actor,
        EventType.CONVERTED,
        conversion_id=conversion.pk,
        contact_id=contact.pk,
        contact_name=str(contact),
        contact_created=contact_created,
        account_id=account.pk if account else None,
        account_name=account.name if account else "",
        account_created=account_created,
        deal_id=deal_row.pk if deal_row else None,
        deal_title=deal_row.title if deal_row else "",
        amount=deal_row.amount if deal_row else None,
        currency=deal_row.currency if deal_row else "",
        client_owner_id=owner.pk if owner else None,
        client_owner_name=owner.get_username() if owner else "",
        conversion_seconds=conversion.conversion_time,
        lead_time_seconds=conversion.lead_time,
    )
    return conversion


# --- the client card ---------------------------------------------------------------------


# the longest value each of an account's details keeps (255 for the others)
ACCOUNT_LIMITS = {
    "name": 200,
    "country": 2,
    "tax_id": 40,
    "registration_number": 60,
    "industry": 120,
}


@transaction.atomic
def account_update(*, actor: Actor, account: Account, data: AccountData) -> Account:
    """Change an account's details (the client fields the business requires among them);
    a required field cannot be emptied. An ``updated`` event on the account keeps each
    changed field's before and after."""
    if actor.user is not None:
        account = client_access.account_get_for(
            user=actor.user, account_id=account.pk, for_update=True
        )
    if not data.name.strip():
        raise ValidationFailed({"account.name": "Give the company's name."})
    before_missing = {row.field for row in missing_fields(account)}
    values = {}
    for f in fields(AccountData):
        value = getattr(data, f.name)
        if f.name == "billing_address":
            values[f.name] = str(value or "").strip()
        else:
            values[f.name] = _text(value, ACCOUNT_LIMITS.get(f.name, 255))
    values["country"] = values["country"].upper()
    changes = fields_change(account, values)
    emptied = [row for row in missing_fields(account) if row.field not in before_missing]
    if emptied:
        raise ValidationFailed(
            {
                f"account.{row.field}": f"A client needs this: {row.label.lower()}."
                for row in emptied
            }
        )
    account.tax_id_normalised = tax_id_normalise(account.tax_id)
    account.search_text = _account_search_text(account)
    _account_save(account, actor_user=actor.user)
    if changes:
        _client_event(actor, ClientEventType.UPDATED, account=account, changes=changes)
    return account


@transaction.atomic
def contact_update(*, actor: Actor, contact: Contact, data: ContactData) -> Contact:
    """Change a contact's details (the client fields the business requires among them); a
    required field cannot be emptied. An ``updated`` event on the contact keeps each changed
    field's before and after."""
    if actor.user is not None:
        contact = client_access.contact_get_for(
            user=actor.user, contact_id=contact.pk, for_update=True
        )
    before_missing = {row.field for row in missing_fields(contact)}
    changes = fields_change(
        contact,
        {
            "first_name": _text(data.first_name, 100),
            "middle_name": _text(data.middle_name, 100),
            "last_name": _text(data.last_name, 100),
            "position": _text(data.position, 120),
            "language": _text(data.language, 12),
            "country": _text(data.country, 2).upper(),
        },
    )
    if not (contact.first_name or contact.last_name or contact.display_name):
        raise ValidationFailed({"contact.first_name": "Give the person's name."})
    emptied = [row for row in missing_fields(contact) if row.field not in before_missing]
    if emptied:
        raise ValidationFailed(
            {
                f"contact.{row.field}": f"A client needs this: {row.label.lower()}."
                for row in emptied
            }
        )
    _contact_refresh_names(contact, contact.methods.values_list("value", flat=True))
    contact.save()
    if changes:
        _client_event(actor, ClientEventType.UPDATED, contact=contact, changes=changes)
    return contact


def client_edit_record(
    *,
    actor: Actor,
    before: Mapping[str, Any],
    contact: Contact | None = None,
    account: Account | None = None,
) -> ClientEvent | None:
    """An edit saved outside the card (the admin site), after the save: an ``updated`` event
    with each changed detail's before (``before``: name -> value) and after, as the card's
    edits write; nothing when nothing differs."""
    changes = fields_diff(before, contact or account)
    if not changes:
        return None
    return _client_event(
        actor, ClientEventType.UPDATED, contact=contact, account=account, changes=changes
    )


@transaction.atomic
def contact_method_add(
    *, actor: Actor, contact: Contact, kind: str, value: str, label: str = ""
) -> ContactMethod:
    """Add a way to reach a contact, normalised as a lead's contact point is; a value the
    contact already has is refused. A ``method_added`` event on the contact names it."""
    if actor.user is not None:
        contact = client_access.contact_get_for(
            user=actor.user, contact_id=contact.pk, for_update=True
        )
    if kind not in ContactKind.values:
        raise ValidationFailed({"kind": f"Use one of: {', '.join(ContactKind.values)}."})
    raw = (value or "").strip()
    if not raw:
        raise ValidationFailed({"value": "This contact value is empty."})
    if len(raw) > 320:
        raise ValidationFailed({"value": "Use at most 320 characters."})
    normalised = normalise_contact(kind, raw, region=contact.country or settings.DEFAULT_REGION)
    if contact.methods.filter(kind=kind, value=normalised.value).exists():
        raise ValidationFailed({"value": "This contact already has this value."})
    method = ContactMethod.objects.create(
        contact=contact,
        kind=kind,
        value_raw=raw,
        value=normalised.value[:320],
        label=_text(label, 40),
        is_primary=not contact.methods.filter(kind=kind).exists(),
    )
    _contact_refresh_names(contact, contact.methods.values_list("value", flat=True))
    contact.save(update_fields=["display_name", "name_translit", "search_text", "updated_at"])
    _client_event(
        actor,
        ClientEventType.METHOD_ADDED,
        contact=contact,
        kind=kind,
        value=method.value,
        label=method.label,
    )
    return method


@transaction.atomic
def client_assign(*, actor: Actor, owner, account: Account | None = None, contact=None):
    """Give a client another owner (heads of sales and admins; a manager may take a client
    nobody owns). An account's contacts and open deals that the previous owner had move
    with it."""
    client = account or contact
    if client is None:
        raise ValidationFailed({"account_id": "Give the account or the contact."})
    if actor.user is not None:
        if account is not None:
            client = client_access.account_get_for(
                user=actor.user, account_id=account.pk, for_update=True
            )
        else:
            client = client_access.contact_get_for(
                user=actor.user, contact_id=contact.pk, for_update=True
            )
        takes_it = owner is not None and owner.pk == actor.user.pk and client.owner_id is None
        if not access.can_assign(actor.user) and not takes_it:
            raise PermissionDenied("Only a head of sales or an admin can give clients to others.")
        _check_owner(actor, owner)
    if owner is not None and not owner.is_active:
        raise ValidationFailed({"owner_id": "The client's owner must be an active user."})
    previous = client.owner_id
    new_id = owner.pk if owner else None
    if previous == new_id:
        return client
    team_id = team_id_of(owner) if owner is not None else None
    client.owner_id, client.team_id = new_id, team_id or client.team_id
    client.save(update_fields=["owner", "team", "updated_at"])
    if isinstance(client, Account):
        Contact.objects.filter(account=client, owner_id=previous).update(
            owner_id=new_id, team_id=client.team_id, updated_at=timezone.now()
        )
        Deal.objects.filter(
            account=client, owner_id=previous, stage__kind=DealStageKind.OPEN
        ).update(owner_id=new_id, updated_at=timezone.now())
    return client


# --- deals on a client ------------------------------------------------------------------


@transaction.atomic
def deal_create(
    *,
    actor: Actor,
    data: DealData,
    account: Account | None = None,
    contact: Contact | None = None,
    owner=None,
) -> Deal:
    """A new deal for a client: a repeat purchase, an upsell or a cross-sell on the same
    account (or a consumer contact)."""
    if account is None and contact is None:
        raise ValidationFailed({"account_id": "Give the account or the contact the deal is for."})
    if actor.user is not None:
        if account is not None:
            account = client_access.account_get_for(user=actor.user, account_id=account.pk)
        if contact is not None:
            contact = client_access.contact_get_for(user=actor.user, contact_id=contact.pk)
    if account is not None and contact is not None and contact.account_id not in (None, account.pk):
        raise ValidationFailed({"contact_id": "This contact belongs to another account."})
    client = account or contact
    if owner is None:
        owner = client.owner or actor.user
    _check_owner(actor, owner, keeps=client.owner_id)
    kind = data.kind
    if (
        kind == DealKind.NEW
        and Deal.objects.filter(
            Q(account=account) if account is not None else Q(contact=contact)
        ).exists()
    ):
        kind = DealKind.REPEAT  # a client buying again is not new business
    values = _deal_values(
        DealData(**{**{f.name: getattr(data, f.name) for f in fields(DealData)}, "kind": kind}),
        default_title=str(client),
    )
    return Deal.objects.create(
        account=account, contact=contact, owner=owner, created_by=actor.user, **values
    )


@transaction.atomic
def deal_stage_change(*, actor: Actor, deal: Deal, stage: DealStage) -> Deal:
    """Move a deal to another stage: won or lost closes it, open reopens it; a deal won after
    the conversion it came with sets that conversion's lead time to when the money came."""
    deals = client_access.deals_visible_to(actor.user) if actor.user is not None else Deal.objects
    deal = deals.select_for_update().filter(pk=deal.pk).first()
    if deal is None:
        raise NotFound("No deal with this id, or it is not yours to see.")
    if deal.stage_id == stage.pk:
        return deal
    deal.stage = stage
    deal.closed_at = timezone.now() if stage.kind != DealStageKind.OPEN else None
    deal.save(update_fields=["stage", "closed_at", "updated_at"])
    if stage.kind == DealStageKind.WON:
        for conversion in Conversion.objects.select_for_update().filter(deal=deal):
            conversion.lead_time = max(
                deal.closed_at - conversion.first_contact_at, dt.timedelta(0)
            )
            conversion.save(update_fields=["lead_time"])
    return deal


# --- known clients at intake ------------------------------------------------------------

# What a lead recognised as a known client's writes in its ASSIGNED event (the reason).
KNOWN_CLIENT_REASON = "known client"
NOT_GIVEN = frozenset({QualityStatus.QUARANTINED, QualityStatus.REJECTED})


def leads_clients_link(*, leads: list[Lead]) -> None:
    """A LEADS_CREATED_HOOKS hook, before routing: a new lead from a known client's e-mail
    or phone is linked to that client, and goes to the client's owner while that owner is
    active (routing leaves owned leads alone) — two indexed queries per batch, whatever its
    size, and a few writes per recognised lead."""
    candidates = [lead for lead in leads if lead.merged_into_id is None]
    if not candidates:
        return
    contacts = new_leads_contacts(candidates)  # in memory when written in bulk
    by_lead = selectors.clients_for_leads(
        [lead.pk for lead in candidates],
        points=None
        if contacts is None
        else [(lead.pk, p.kind, p.value) for lead in candidates for p in contacts[lead.pk]],
    )
    if not by_lead:
        return
    # a blocked person's lead is linked but given to no one (routing says why)
    blocked = consent.restricted_lead_ids(list(by_lead))
    now = timezone.now()
    links, events, assigned = [], [], []
    for lead in candidates:
        match = by_lead.get(lead.pk)
        if match is None:
            continue
        links.append(
            ClientLead(
                lead=lead,
                contact_id=match.contact_id,
                account_id=match.account_id,
                kind=LinkKind.RECOGNISED,
                linked_at=now,
            )
        )
        gives = (
            lead.owner_id is None
            and lead.pk not in blocked
            and match.owner_id is not None
            and match.owner_active
            and lead.quality_status not in NOT_GIVEN
        )
        if gives:
            lead.owner_id = match.owner_id
            lead.team_id = match.owner_team_id or lead.team_id
            lead.assigned_at = lead.created_at
            Lead.objects.filter(pk=lead.pk).update(
                owner_id=lead.owner_id, team_id=lead.team_id, assigned_at=lead.assigned_at
            )
            assigned.append(
                LeadEvent(
                    lead=lead,
                    type=EventType.ASSIGNED,
                    occurred_at=lead.created_at,
                    actor_source=ActorSource.RULE,
                    params={
                        "from": None,
                        "to": match.owner_id,
                        "to_name": match.owner_username,
                        "reason": KNOWN_CLIENT_REASON,
                        "client_contact_id": match.contact_id,
                    },
                )
            )
        events.append(
            LeadEvent(
                lead=lead,
                type=EventType.NOTE_ADDED,
                occurred_at=lead.created_at,
                actor_source=ActorSource.SYSTEM,
                params={
                    "text": known_client_note(match, given=gives),
                    "client_contact_id": match.contact_id,
                    "client_account_id": match.account_id,
                    "matched": match.matched,
                },
            )
        )
    ClientLead.objects.bulk_create(links, ignore_conflicts=True)
    LeadEvent.objects.bulk_create([*assigned, *events])
    if assigned:
        for hook in settings.LEAD_ASSIGNED_HOOKS:
            import_string(hook)(events=assigned)


def known_client_note(match: selectors.ClientMatch, *, given: bool) -> str:
    """The timeline's words for a lead recognised as a known client (stored in English like
    every event's text; the ids let the card link the client)."""
    client = match.contact_name + (f" ({match.account_name})" if match.account_name else "")
    text = f"Known client: {client}, recognised by the {match.matched}."
    if given:
        text += f" Given to the client's owner, {match.owner_username}."
    elif match.owner_id is not None and not match.owner_active:
        text += f" The client's owner, {match.owner_username}, is inactive: routed by the rules."
    return text
