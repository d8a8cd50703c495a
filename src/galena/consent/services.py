"""The consent ledger's writes and the checks every sender, router and export asks.

- ``consent_record`` writes one record (given or withdrawn) for a person and a purpose;
  ``consent_state`` / ``consent_states_many`` answer "given, withdrawn or none?" (the latest
  record of the person — the lead itself, or any of its e-mails and phones — wins).
- ``restrict_subject`` / ``lift_restriction`` block and unblock a person (every contact value
  of theirs: e-mails, phones, social profiles, messengers); ``restricted_lead_ids`` (one
  indexed query for many leads), ``restricted_values`` and ``restricted_rows`` (a submission's
  or a client's contact values) and ``contact_check`` are what routing, nurture, intake,
  e-mail, calls, clients and exports ask. Lifting hands the person's leads to
  settings.LEAD_UNBLOCKED_HOOKS (routing routes and starts their clocks).
- ``lead_rectify`` corrects a lead's data on the person's request, with before and after.

Who may do what (decided conservatively): everyone who sees a lead sees its consents; the
lead's owner, a head of sales who sees it and an admin may record a consent given or
withdrawn on it (e.g. by phone); anyone who sees it may record a withdrawal; only heads of
sales (for leads they see) and admins block and unblock; a person named only by e-mail or
phone (no lead) is handled by admins or by the system (the requests register). A client
contact (a ``Holder``, found by the clients app for a user who sees it) is as a lead: its
owner, a head of sales or an admin records a consent, heads of sales and admins block and
unblock from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from galena.accounts.models import Role
from galena.accounts.roles import handles_personal_data, role_of
from galena.core.bulk import insert_many
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.core.lookups import sql_in
from galena.leads import access
from galena.leads.models import ContactKind, ContactPoint, Lead, LeadEvent
from galena.leads.normalise import normalise_contact
from galena.leads.services import Actor, lead_update, new_leads_contacts

from .models import (
    ConsentMethod,
    ConsentRecord,
    ConsentStatus,
    Purpose,
    RestrictedValue,
    Restriction,
)

# The events this app writes on a lead's timeline (presented by consent.timeline).
EVENT_CONSENT = "consent_recorded"
EVENT_RESTRICTED = "restricted"
EVENT_LIFTED = "restriction_lifted"
EVENT_NOT_ROUTED = "not_routed"
EVENT_RECTIFIED = "rectified"
EVENT_WITHHELD = "contact_withheld"

GIVEN, WITHDRAWN, NONE = "given", "withdrawn", "none"

# What channels call their purposes, mapped to the ledger's (settings.NURTURE_CONSENT_PURPOSES
# also mean marketing e-mail). A purpose nobody knows is kept as given.
ALIASES: dict[str, tuple[str, ...]] = {
    "marketing": (Purpose.MARKETING_EMAIL,),
    "email_marketing": (Purpose.MARKETING_EMAIL,),
    "newsletter": (Purpose.MARKETING_EMAIL,),
    "sms": (Purpose.MARKETING_SMS,),
    "sms_marketing": (Purpose.MARKETING_SMS,),
    "contact": (Purpose.CONTACT_PHONE, Purpose.CONTACT_EMAIL),
    "call": (Purpose.CONTACT_PHONE,),
    "phone": (Purpose.CONTACT_PHONE,),
    "email": (Purpose.CONTACT_EMAIL,),
    "partners": (Purpose.TRANSFER_PARTNERS,),
    "transfer": (Purpose.TRANSFER_PARTNERS,),
}

# who blocks and unblocks a person (the data protection officer: by address, for a request)
RESTRICTING_ROLES = (Role.ADMIN, Role.HEAD_OF_SALES, Role.DATA_PROTECTION_OFFICER)


def purposes() -> dict[str, str]:
    """Every purpose a consent may name: code -> label (the defaults and
    settings.CONSENT_EXTRA_PURPOSES, a list of [code, label])."""
    found = {code: str(label) for code, label in Purpose.choices}
    for item in getattr(settings, "CONSENT_EXTRA_PURPOSES", []):
        code, label = (item, item) if isinstance(item, str) else item
        found.setdefault(code, label)
    return found


def purposes_from(given: Iterable[Any]) -> list[str]:
    """The ledger's purposes for what a channel named (aliases mapped, unknown ones kept)."""
    marketing = {str(p).casefold() for p in getattr(settings, "NURTURE_CONSENT_PURPOSES", [])}
    found: list[str] = []
    for raw in given:
        name = str(raw).strip().casefold()[:40]
        if not name:
            continue
        mapped = ALIASES.get(name) or ((Purpose.MARKETING_EMAIL,) if name in marketing else (name,))
        found.extend(str(p) for p in mapped)
    return list(dict.fromkeys(found))


def email_of(raw: str) -> str:
    return normalise_contact(ContactKind.EMAIL, raw, region="").value if raw else ""


def phone_of(raw: str, region: str = "") -> str:
    region = region or getattr(settings, "DEFAULT_REGION", "")
    return normalise_contact(ContactKind.PHONE, raw, region=region).value if raw else ""


def _event(lead_id: int, actor: Actor, type_: str, **params: Any) -> LeadEvent:
    return LeadEvent(
        lead_id=lead_id,
        type=type_,
        actor=actor.user,
        actor_source=actor.source,
        params=params,
    )


def primary_contacts(leads: Iterable[Lead | int]) -> dict[int, tuple[str, str]]:
    """Each lead's (a lead or its id) primary e-mail and phone: one query, none for leads
    leads_create_bulk has just written, whose contact points are in memory."""
    leads = list(leads)
    known = new_leads_contacts(leads)
    if known is not None:
        # as written: in the order of their keys, the primary ones first
        rows: Iterable[tuple[int, str, str]] = [
            (lead_id, point.kind, point.value)
            for lead_id, points in known.items()
            for point in sorted(points, key=lambda point: not point.is_primary)
            if point.kind in (ContactKind.EMAIL, ContactKind.PHONE)
        ]
    else:
        rows = (
            ContactPoint.objects.filter(
                lead_id__in=[getattr(lead, "pk", lead) for lead in leads],
                kind__in=(ContactKind.EMAIL, ContactKind.PHONE),
            )
            .order_by("lead_id", "-is_primary", "id")
            .values_list("lead_id", "kind", "value")
        )
    found: dict[int, list[str]] = {}
    for lead_id, kind, value in rows:
        pair = found.setdefault(lead_id, ["", ""])
        index = 0 if kind == ContactKind.EMAIL else 1
        pair[index] = pair[index] or value
    return {lead_id: (pair[0], pair[1]) for lead_id, pair in found.items()}


# --------------------------------------------------------------------------- roles


def can_record_consent(user, lead: Lead | Holder, status: str) -> bool:
    """The lead's (or client contact's) owner, a head of sales or an admin records a
    consent; a withdrawal may be recorded by anyone who sees it (it only stops processing)."""
    role = role_of(user)
    if status == ConsentStatus.WITHDRAWN and role is not None:
        return True
    return role in RESTRICTING_ROLES or (lead.owner_id is not None and lead.owner_id == user.pk)


def can_restrict(user) -> bool:
    """Heads of sales (for leads they see), admins and the data protection officer block and
    unblock."""
    return role_of(user) in RESTRICTING_ROLES


# --------------------------------------------------------------------------- the ledger


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    purpose: str,
    status: str,
    method: str,
    lead: Lead | None = None,
    holder: Holder | None = None,
    email: str = "",
    phone: str = "",
    recorded_at: dt.datetime | None = None,
    form: str = "",
    text_version: str = "",
    basis: str = "",
    evidence: Mapping[str, Any] | None = None,
) -> ConsentRecord:
    """Record a consent given or withdrawn by a person for a purpose (the lead's — or the
    client contact's — first e-mail and phone name the person when none are given); a lead
    gets a timeline event."""
    if holder is not None and lead is None:
        if actor.user is not None and not can_record_consent(actor.user, holder, status):
            raise PermissionDenied(
                _("Only the contact's owner, a head of sales or an admin can record a consent.")
            )
        if not (email or phone):
            email, phone = _first_values(holder.values)
    elif lead is not None and actor.user is not None:
        lead = access.lead_get_for(user=actor.user, lead_id=lead.pk)
        if not can_record_consent(actor.user, lead, status):
            raise PermissionDenied(
                _("Only the lead's owner, a head of sales or an admin can record a consent.")
            )
    elif lead is None and actor.user is not None and not handles_personal_data(actor.user):
        raise PermissionDenied(
            _("Only an admin or the data protection officer can record a consent without a lead.")
        )
    if purpose not in purposes():
        raise ValidationFailed({"purpose": _("Choose one of the consent purposes.")})
    if status not in ConsentStatus.values:
        raise ValidationFailed({"status": _("Say whether the consent is given or withdrawn.")})
    if method not in ConsentMethod.values:
        raise ValidationFailed({"method": _("Say how the consent was given.")})
    if method == ConsentMethod.IMPORT and not basis.strip():
        raise ValidationFailed({"basis": _("An imported consent needs its stated legal basis.")})
    if recorded_at is not None and timezone.is_naive(recorded_at):
        raise ValidationFailed({"recorded_at": _("Give the time with its time zone.")})
    if recorded_at is not None and recorded_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed({"recorded_at": _("A consent cannot be recorded in the future.")})
    email, phone = email_of(email), phone_of(phone)
    if lead is not None and not (email or phone):
        email, phone = primary_contacts([lead.pk]).get(lead.pk, ("", ""))
    if lead is None and not (email or phone):
        raise ValidationFailed({"email": _("Name the person: an e-mail address or a phone.")})
    record = ConsentRecord.objects.create(
        email=email,
        phone=phone,
        lead=lead,
        purpose=purpose,
        status=status,
        method=method,
        recorded_at=recorded_at or timezone.now(),
        form=form[:80],
        text_version=text_version[:40],
        basis=basis.strip()[:200],
        evidence=dict(evidence or {}),
        actor=actor.user,
    )
    if lead is not None:
        _event(
            lead.pk,
            actor,
            EVENT_CONSENT,
            record=record.pk,
            purpose=purpose,
            status=status,
            method=method,
        ).save()
    return record


def consent_records_write(records: list[ConsentRecord]) -> list[ConsentRecord]:
    """Store many new records at once (intake's batch, the history migration)."""
    return insert_many(ConsentRecord, records) if records else []


@dataclass(frozen=True)
class Identity:
    """Who a lead is to the ledger: the lead itself and its e-mails and phones."""

    lead_id: int
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()


def identities(lead_ids: Iterable[int]) -> dict[int, Identity]:
    """Each lead's e-mails and phones (one query)."""
    lead_ids = list(dict.fromkeys(lead_ids))
    emails: dict[int, set[str]] = {pk: set() for pk in lead_ids}
    phones: dict[int, set[str]] = {pk: set() for pk in lead_ids}
    for lead_id, kind, value in ContactPoint.objects.filter(
        lead_id__in=lead_ids, kind__in=(ContactKind.EMAIL, ContactKind.PHONE)
    ).values_list("lead_id", "kind", "value"):
        (emails if kind == ContactKind.EMAIL else phones)[lead_id].add(value)
    return {pk: Identity(pk, frozenset(emails[pk]), frozenset(phones[pk])) for pk in lead_ids}


def states_of(people: Iterable[Identity], purpose: str) -> dict[int, str]:
    """given / withdrawn / none for each lead, from one query over the ledger: the latest
    record naming the lead or one of its addresses or phones wins."""
    people = list(people)
    if not people:
        return {}
    lead_ids = [p.lead_id for p in people]
    emails = set().union(*(p.emails for p in people))
    phones = set().union(*(p.phones for p in people))
    who = Q(lead_id__in=lead_ids)
    if emails:
        who |= Q(email__in=emails)
    if phones:
        who |= Q(phone__in=phones)
    rows = (
        ConsentRecord.objects.filter(who, purpose=purpose)
        .order_by("recorded_at", "id")
        .values_list("lead_id", "email", "phone", "status")
    )
    by_lead: dict[int, str] = {}
    by_email: dict[str, str] = {}
    by_phone: dict[str, str] = {}
    order: dict[tuple[str, Any], int] = {}
    for position, (lead_id, email, phone, status) in enumerate(rows):
        for key, table, value in (
            ("lead", by_lead, lead_id),
            ("email", by_email, email),
            ("phone", by_phone, phone),
        ):
            if value:
                table[value] = status
                order[(key, value)] = position
    result = {}
    for person in people:
        latest, state = -1, NONE
        candidates = [("lead", by_lead, person.lead_id)]
        candidates += [("email", by_email, e) for e in person.emails]
        candidates += [("phone", by_phone, p) for p in person.phones]
        for key, table, value in candidates:
            if value in table and order[(key, value)] > latest:
                latest, state = order[(key, value)], table[value]
        result[person.lead_id] = state
    return result


def consent_states_many(lead_ids: Iterable[int], purpose: str) -> dict[int, str]:
    """``consent_state`` for many leads in two queries (their contacts, the ledger)."""
    return states_of(identities(lead_ids).values(), purpose)


def consent_state(
    *, purpose: str, lead: Lead | None = None, email: str = "", phone: str = ""
) -> str:
    """given / withdrawn / none: the latest record of the person for the purpose."""
    if lead is not None:
        return consent_states_many([lead.pk], purpose)[lead.pk]
    person = Identity(
        0,
        frozenset({email_of(email)} - {""}),
        frozenset({phone_of(phone)} - {""}),
    )
    return states_of([person], purpose)[0] if (person.emails or person.phones) else NONE


# --------------------------------------------------------------------------- blocking

# A value may come back under another kind than the one it was blocked as: a number is a
# phone and a messenger account named by it ("Viber: +40…"), a profile link is a social
# profile on one channel and a messenger on another (t.me/…). A block records each value
# under every kind it may come back as, so each check stays one lookup on (kind, value).
PROFILE_KINDS = (ContactKind.SOCIAL, ContactKind.MESSENGER)
_NUMBER = re.compile(r"^\+\d{6,15}$")


def value_forms(kind: str, value: str) -> set[tuple[str, str]]:
    """The (kind, value) pairs under which a stored contact value may reach us again."""
    if kind == ContactKind.PHONE or (kind == ContactKind.MESSENGER and _NUMBER.match(value)):
        return {(ContactKind.PHONE, value), (ContactKind.MESSENGER, value)}
    if kind in PROFILE_KINDS:
        return {(k, value) for k in PROFILE_KINDS}
    return {(kind, value)}


def _forms(values: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    return {form for kind, value in values if value for form in value_forms(kind, value)}


def _values_condition(values: Iterable[tuple[str, str]]) -> Q | None:
    """``kind = k AND value IN (…)`` for each kind: the (kind, value) index, one range a
    kind; None when there is no value."""
    by_kind: dict[str, set[str]] = {}
    for kind, value in values:
        if value:
            by_kind.setdefault(kind, set()).add(value)
    condition = None
    for kind, found in sorted(by_kind.items()):
        part = Q(kind=kind, value__in=sorted(found))
        condition = part if condition is None else condition | part
    return condition


@dataclass(frozen=True)
class Holder:
    """A record other than a lead that names the person — a client contact — found for the
    user by the app that owns it, which checked that they see it. A block asked from it
    keeps its type and id, so those who see it may lift the block there."""

    type: str  # "app_label.model", e.g. "clients.contact"
    pk: int
    owner_id: int | None = None
    values: frozenset[tuple[str, str]] = frozenset()  # its contact values, as stored


def _first_values(values: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """An e-mail and a phone among stored contact values (the first of each, sorted)."""
    ordered = sorted(values)
    email = next((v for k, v in ordered if k == ContactKind.EMAIL), "")
    phone = next((v for k, v in ordered if k == ContactKind.PHONE), "")
    return email, phone


def _restricted_points() -> Q:
    active = RestrictedValue.objects.filter(
        active=True, kind=OuterRef("kind"), value=OuterRef("value")
    )
    return Q(Exists(active))


def restricted_rows(rows):
    """The rows of a queryset of contact values (``kind``, ``value``: a lead's contact points,
    a client's contact methods) that a block in force names — one indexed lookup a row."""
    return rows.filter(_restricted_points())


def restricted_lead_ids(lead_ids: Iterable[int]) -> set[int]:
    """Which of these leads belong to a blocked person: one query (the leads' contact
    points against the active restrictions' partial index). Every new lead's routing asks
    it, so it is written once as SQL (what ``restricted_rows`` builds with the ORM, which
    cost a lone lead four times the query's own time to compile)."""
    lead_ids = [int(pk) for pk in lead_ids]
    if not lead_ids:
        return set()
    points, restrictions = ContactPoint._meta.db_table, RestrictedValue._meta.db_table
    condition, params = sql_in("point.lead_id", lead_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            # table names from the models, the ids as parameters
            f"SELECT DISTINCT point.lead_id FROM {points} point "  # noqa: S608
            f"WHERE {condition} AND EXISTS ("
            f"SELECT 1 FROM {restrictions} restriction WHERE restriction.active "
            "AND restriction.kind = point.kind AND restriction.value = point.value)",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def restricted_values(values: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (kind, value) pairs a block in force names: one query on the partial
    index (a submission's contacts before it is a lead, a client's ways to reach them)."""
    condition = _values_condition(values)
    if condition is None:
        return set()
    return set(
        RestrictedValue.objects.filter(condition, active=True)
        .values_list("kind", "value")
        .distinct()
    )


def is_restricted(lead: Lead) -> bool:
    """Is the lead's person blocked (one query)?"""
    return bool(restricted_lead_ids([lead.pk]))


def unrestricted(leads):
    """A Lead queryset without the leads of blocked people (exports, bulk work)."""
    blocked = ContactPoint.objects.filter(_restricted_points(), lead_id=OuterRef("pk"))
    return leads.filter(~Exists(blocked))


BLOCKED_MESSAGE = _lazy(
    "Processing of this person's data is blocked at their request: do not contact them "
    "until the block is lifted."
)


def contact_check(lead: Lead) -> None:
    """Refuse contacting a blocked person (calls, e-mails, tasks) with a clear message."""
    if is_restricted(lead):
        raise ValidationFailed({"lead": str(BLOCKED_MESSAGE)})


def _values_of(
    email: str,
    phone: str,
    contacts: Iterable[tuple[str, str]],
    lead: Lead | None,
    holder: Holder | None,
) -> set[tuple[str, str]]:
    values = set()
    if email:
        values.add((ContactKind.EMAIL, email_of(email)))
    if phone:
        values.add((ContactKind.PHONE, phone_of(phone)))
    region = getattr(settings, "DEFAULT_REGION", "")
    for kind, raw in contacts:
        if kind in ContactKind.values and (raw or "").strip():
            values.add((kind, normalise_contact(kind, raw, region=region).value))
    if lead is not None:
        values |= set(ContactPoint.objects.filter(lead=lead).values_list("kind", "value"))
    if holder is not None:
        values |= set(holder.values)
    return {(kind, value) for kind, value in values if value}


def _leads_with(values: Iterable[tuple[str, str]]) -> list[int]:
    """The leads carrying any of these values (one query on the (kind, value) index)."""
    condition = _values_condition(values)
    if condition is None:
        return []
    return sorted(set(ContactPoint.objects.filter(condition).values_list("lead_id", flat=True)))


def _lock_leads(lead_ids: Iterable[int]) -> None:
    """Lock the person's leads in key order: a block and a lift of the same person (or two
    lifts) take turns, so the one that comes second sees what the first did."""
    list(Lead.objects.select_for_update().filter(pk__in=list(lead_ids)).order_by("pk").values("pk"))


def _check_restrict(actor: Actor, lead: Lead | None, holder: Holder | None) -> Lead | None:
    if actor.user is None:
        return lead
    if not can_restrict(actor.user):
        raise PermissionDenied(_("Only a head of sales or an admin can block a person."))
    if lead is not None:
        return access.lead_get_for(user=actor.user, lead_id=lead.pk)
    if holder is None and not handles_personal_data(actor.user):
        raise PermissionDenied(
            _(
                "Only an admin or the data protection officer can block or unblock a person "
                "without a lead."
            )
        )
    return None


def can_lift(user, restriction: Restriction, holder: Holder | None = None) -> bool:
    """Heads of sales lift a block asked from a lead (or a client record) they see; a block
    asked by address alone is an admin's or the data protection officer's to lift."""
    if not can_restrict(user):
        return False
    if handles_personal_data(user) or restriction.lead_id is not None:
        return True
    return holder is not None and (restriction.holder_type, restriction.holder_id) == (
        holder.type,
        holder.pk,
    )


@transaction.atomic
def restrict_subject(
    *,
    actor: Actor,
    reason: str,
    email: str = "",
    phone: str = "",
    contacts: Iterable[tuple[str, str]] = (),
    lead: Lead | None = None,
    holder: Holder | None = None,
    request_reference: str = "",
) -> Restriction:
    """Block a person — the e-mail, phone and other ``contacts`` (kind, value: a social
    profile, a messenger) given, every contact value of ``lead`` or ``holder``, and every
    value of the leads that carry one of them: their records stay but are not contacted,
    nurtured, routed or exported until lifted; each of their leads gets a ``restricted``
    event."""
    lead = _check_restrict(actor, lead, holder)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say why the person's data is blocked.")})
    values = _forms(_values_of(email, phone, contacts, lead, holder))
    if not values:
        raise ValidationFailed({"email": _("Name the person: an e-mail address or a phone.")})
    # the person's other ways to reach them, on the leads that carry the ones given
    lead_ids = _leads_with(values)
    values |= _forms(ContactPoint.objects.filter(lead_id__in=lead_ids).values_list("kind", "value"))
    lead_ids = _leads_with(values)
    _lock_leads(lead_ids)
    restriction = Restriction.objects.create(
        reason=reason[:2000],
        request_reference=(request_reference or "").strip()[:100],
        requested_by=actor.user,
        lead=lead,
        holder_type=holder.type if holder is not None else "",
        holder_id=holder.pk if holder is not None else None,
    )
    RestrictedValue.objects.bulk_create(
        [RestrictedValue(restriction=restriction, kind=k, value=v) for k, v in sorted(values)]
    )
    params = {"restriction": restriction.pk, "reason": restriction.reason}
    if restriction.request_reference:
        params["request_reference"] = restriction.request_reference
    LeadEvent.objects.bulk_create(
        [_event(pk, actor, EVENT_RESTRICTED, **params) for pk in lead_ids]
    )
    return restriction


@transaction.atomic
def lift_restriction(
    *, actor: Actor, restriction: Restriction, reason: str = "", holder: Holder | None = None
) -> Restriction:
    """Unblock a person. Their leads that no other block holds are handed to
    settings.LEAD_UNBLOCKED_HOOKS in this transaction (routing routes a lead the block kept
    unrouted and restarts the first-response clock the block stopped); every lead of the
    person gets a ``restriction_lifted`` event saying what followed."""
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if actor.user is not None:
        if not can_restrict(actor.user):
            raise PermissionDenied(_("Only a head of sales or an admin can unblock a person."))
        if restriction.lead is not None:
            access.lead_get_for(user=actor.user, lead_id=restriction.lead_id)
        elif not can_lift(actor.user, restriction, holder):
            raise PermissionDenied(_("Only an admin can block or unblock a person without a lead."))
    if restriction.lifted_at is not None:
        raise ValidationFailed({"restriction": _("This block was lifted already.")})
    values = list(restriction.values.values_list("kind", "value"))
    lead_ids = _leads_with(values)
    _lock_leads(lead_ids)
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = actor.user
    restriction.lift_reason = (reason or "").strip()[:2000]
    restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    restriction.values.update(active=False)
    still = restricted_lead_ids(lead_ids)
    freed = [pk for pk in lead_ids if pk not in still]
    followed: dict[int, dict[str, Any]] = {}
    for hook in getattr(settings, "LEAD_UNBLOCKED_HOOKS", []) if freed else []:
        for pk, facts in (import_string(hook)(lead_ids=freed, actor=actor) or {}).items():
            followed.setdefault(pk, {}).update(facts)
    params = {"restriction": restriction.pk, "reason": restriction.lift_reason}
    LeadEvent.objects.bulk_create(
        [
            _event(
                pk,
                actor,
                EVENT_LIFTED,
                **params,
                **({"still_blocked": True} if pk in still else followed.get(pk, {})),
            )
            for pk in lead_ids
        ]
    )
    return restriction


def restrictions_naming(values: Iterable[tuple[str, str]], *, holder: Holder | None = None):
    """The restrictions (active and lifted) naming one of these values, or asked from
    ``holder``."""
    condition = _values_condition(values)
    ids = RestrictedValue.objects.filter(condition or Q(pk__in=[])).values("restriction_id")
    asked = Q(holder_type=holder.type, holder_id=holder.pk) if holder is not None else Q(pk__in=[])
    return Restriction.objects.filter(Q(pk__in=ids) | asked).select_related(
        "requested_by", "lifted_by"
    )


def restrictions_of(lead: Lead):
    """The restrictions (active and lifted) naming one of the lead's contact values."""
    points = ContactPoint.objects.filter(
        lead_id=lead.pk, kind=OuterRef("kind"), value=OuterRef("value")
    )
    ids = RestrictedValue.objects.filter(Exists(points)).values("restriction_id")
    return Restriction.objects.filter(Q(pk__in=ids) | Q(lead_id=lead.pk)).select_related(
        "requested_by", "lifted_by"
    )


# --------------------------------------------------------------------------- rectification


@transaction.atomic
def lead_rectify(
    *,
    actor: Actor,
    lead: Lead,
    data: Mapping[str, Any] | None = None,
    contacts: Mapping[str, str] | None = None,
    request_reference: str = "",
    note: str = "",
) -> Lead:
    """Correct a person's data on their request: fields (``lead_update``: its event keeps
    before and after) and contact values (old value -> corrected value); a ``rectified``
    event names the request and every before and after."""
    if actor.user is not None:
        lead = access.lead_get_for(user=actor.user, lead_id=lead.pk)
        role = role_of(actor.user)
        if role not in RESTRICTING_ROLES and lead.owner_id != actor.user.pk:
            raise PermissionDenied(
                _("Only the lead's owner, a head of sales or an admin can correct its data.")
            )
    data, contacts = dict(data or {}), dict(contacts or {})
    if not data and not contacts:
        raise ValidationFailed({"data": _("Give the corrected values.")})
    before = {name: getattr(lead, name, None) for name in data}
    lead = lead_update(actor=actor, lead=lead, data=data) if data else lead
    fields = {
        name: [before[name], getattr(lead, name)]
        for name in data
        if before[name] != getattr(lead, name)
    }
    changed_contacts = _contacts_rectify(actor, lead, contacts) if contacts else []
    if not fields and not changed_contacts:
        raise ValidationFailed({"data": _("Nothing differs from what is stored.")})
    _event(
        lead.pk,
        actor,
        EVENT_RECTIFIED,
        request_reference=(request_reference or "").strip()[:100],
        note=(note or "").strip()[:1000],
        fields={k: [str(a), str(b)] for k, (a, b) in fields.items()},
        contacts=changed_contacts,
    ).save()
    return lead


def _contacts_rectify(actor: Actor, lead: Lead, contacts: Mapping[str, str]) -> list[dict]:
    """Correct contact values in place (normalised as stored); the lead's search text and
    matching keys follow through the change hooks."""
    from galena.leads.services import _change_hooks, _contact_region, _refresh_search_text

    changed = []
    points = {p.value: p for p in ContactPoint.objects.select_for_update().filter(lead=lead)}
    for old, new_raw in contacts.items():
        point = points.get(old)
        if point is None:
            raise ValidationFailed({"contacts": _("This lead has no contact %(v)s.") % {"v": old}})
        normalised = normalise_contact(point.kind, new_raw, region=_contact_region(lead))
        if not new_raw.strip():
            raise ValidationFailed({"contacts": _("Give the corrected value.")})
        if normalised.value == point.value:
            continue  # written differently, the same contact: nothing to correct
        if normalised.value != point.value and normalised.value in points:
            raise ValidationFailed({"contacts": _("This lead already has this contact.")})
        changed.append({"kind": point.kind, "before": point.value, "after": normalised.value})
        point.value_raw = new_raw.strip()
        point.value = normalised.value
        point.status = normalised.status or point.status
        point.is_valid = normalised.is_valid
        point.line_type = normalised.line_type
        point.verified, point.verified_at = False, None
        point.save()
    if changed:
        _refresh_search_text(
            lead, ContactPoint.objects.filter(lead=lead).values_list("value", flat=True)
        )
        lead.save(update_fields=["search_text", "updated_at"])
        _change_hooks(lead, actor, {"contacts"})
    return changed


# how a do-not-write entry (nurture's Suppression methods) reached us, as a ledger method
WITHDRAWAL_METHODS = {
    "link": ConsentMethod.UNSUBSCRIBE,
    "one_click": ConsentMethod.UNSUBSCRIBE,
    "questionnaire": ConsentMethod.UNSUBSCRIBE,
    "api": ConsentMethod.API,
    "complaint": ConsentMethod.EMAIL,
}


def marketing_withdrawn(
    *,
    actor: Actor,
    email: str,
    method: str,
    lead: Lead | None = None,
    evidence: Mapping[str, Any] | None = None,
) -> ConsentRecord | None:
    """The person asked for no more marketing e-mail (unsubscribe link, a complaint, by
    hand): a withdrawal for the address in the ledger. A hard bounce is no withdrawal."""
    if method == "bounce":
        return None
    record = ConsentRecord(
        email=email_of(email),
        lead=lead,
        purpose=Purpose.MARKETING_EMAIL,
        status=ConsentStatus.WITHDRAWN,
        method=WITHDRAWAL_METHODS.get(method, ConsentMethod.MANUAL),
        evidence={"suppression_method": method, **dict(evidence or {})},
        actor=actor.user,
    )
    record.save()
    return record


def email_check(lead: Lead, *, address: str, purpose: str = "") -> None:
    """Before an e-mail leaves: refused for a blocked person, and without the person's
    consent to ``purpose`` (when one is named) in the ledger."""
    contact_check(lead)
    if not purpose:
        return
    person = Identity(lead.pk, frozenset({email_of(address)} - {""}))
    if states_of([person], purpose)[lead.pk] != GIVEN:
        raise ValidationFailed(
            {
                "consent": _(
                    "The person has not agreed to this e-mail (%(purpose)s), or withdrew: "
                    "it is not sent."
                )
                % {"purpose": purposes().get(purpose, purpose)}
            }
        )
