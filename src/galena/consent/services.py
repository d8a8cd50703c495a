"""The consent ledger's writes and the checks every sender, router and export asks.

- ``consent_record`` writes one record (given or withdrawn) for a person and a purpose;
  ``consent_state`` / ``consent_states_many`` answer "given, withdrawn or none?" (the latest
  record of the person — the lead itself, or any of its e-mails and phones — wins).
- ``restrict_subject`` / ``lift_restriction`` block and unblock a person;
  ``restricted_lead_ids`` (one indexed query for many leads) and ``contact_check`` are what
  routing, nurture, e-mail, calls and exports ask.
- ``lead_rectify`` corrects a lead's data on the person's request, with before and after.

Who may do what (decided conservatively): everyone who sees a lead sees its consents; the
lead's owner, a head of sales who sees it and an admin may record a consent given or
withdrawn on it (e.g. by phone); anyone who sees it may record a withdrawal; only heads of
sales (for leads they see) and admins block and unblock; a person named only by e-mail or
phone (no lead) is handled by admins or by the system (the requests register).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.accounts.models import Role
from galena.accounts.roles import role_of
from galena.core.bulk import insert_many
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import ContactKind, ContactPoint, Lead, LeadEvent
from galena.leads.normalise import normalise_contact
from galena.leads.services import Actor, lead_update

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

# who blocks and unblocks a person
RESTRICTING_ROLES = (Role.ADMIN, Role.HEAD_OF_SALES)


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


def primary_contacts(lead_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Each lead's primary e-mail and phone (one query)."""
    found: dict[int, list[str]] = {}
    rows = (
        ContactPoint.objects.filter(
            lead_id__in=list(lead_ids), kind__in=(ContactKind.EMAIL, ContactKind.PHONE)
        )
        .order_by("lead_id", "-is_primary", "id")
        .values_list("lead_id", "kind", "value")
    )
    for lead_id, kind, value in rows:
        pair = found.setdefault(lead_id, ["", ""])
        index = 0 if kind == ContactKind.EMAIL else 1
        pair[index] = pair[index] or value
    return {lead_id: (pair[0], pair[1]) for lead_id, pair in found.items()}


# --------------------------------------------------------------------------- roles


def can_record_consent(user, lead: Lead, status: str) -> bool:
    """The lead's owner, a head of sales or an admin records a consent; a withdrawal may be
    recorded by anyone who sees the lead (it only stops processing)."""
    role = role_of(user)
    if status == ConsentStatus.WITHDRAWN and role is not None:
        return True
    return role in RESTRICTING_ROLES or (lead.owner_id is not None and lead.owner_id == user.pk)


def can_restrict(user) -> bool:
    """Heads of sales (for leads they see) and admins block and unblock."""
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
    email: str = "",
    phone: str = "",
    recorded_at: dt.datetime | None = None,
    form: str = "",
    text_version: str = "",
    basis: str = "",
    evidence: Mapping[str, Any] | None = None,
) -> ConsentRecord:
    """Record a consent given or withdrawn by a person for a purpose (the lead's primary
    e-mail and phone name the person when none are given); a lead gets a timeline event."""
    if lead is not None and actor.user is not None:
        lead = access.lead_get_for(user=actor.user, lead_id=lead.pk)
        if not can_record_consent(actor.user, lead, status):
            raise PermissionDenied(
                _("Only the lead's owner, a head of sales or an admin can record a consent.")
            )
    elif lead is None and actor.user is not None and role_of(actor.user) != Role.ADMIN:
        raise PermissionDenied(_("Only an admin can record a consent without a lead."))
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


def _restricted_points() -> Q:
    active = RestrictedValue.objects.filter(
        active=True, kind=OuterRef("kind"), value=OuterRef("value")
    )
    return Q(Exists(active))


def restricted_lead_ids(lead_ids: Iterable[int]) -> set[int]:
    """Which of these leads belong to a blocked person: one query (the leads' contact
    points against the active restrictions' partial index)."""
    lead_ids = list(lead_ids)
    if not lead_ids:
        return set()
    return set(
        ContactPoint.objects.filter(_restricted_points(), lead_id__in=lead_ids)
        .order_by()
        .values_list("lead_id", flat=True)
        .distinct()
    )


def is_restricted(lead: Lead) -> bool:
    """Is the lead's person blocked (one query)?"""
    return bool(restricted_lead_ids([lead.pk]))


def unrestricted(leads):
    """A Lead queryset without the leads of blocked people (exports, bulk work)."""
    blocked = ContactPoint.objects.filter(_restricted_points(), lead_id=OuterRef("pk"))
    return leads.filter(~Exists(blocked))


def contact_check(lead: Lead) -> None:
    """Refuse contacting a blocked person (calls, e-mails, tasks) with a clear message."""
    if is_restricted(lead):
        raise ValidationFailed(
            {
                "lead": _(
                    "Processing of this person's data is blocked at their request: do not "
                    "contact them until the block is lifted."
                )
            }
        )


def _values_of(email: str, phone: str, lead: Lead | None) -> set[tuple[str, str]]:
    values = set()
    if email:
        values.add((ContactKind.EMAIL, email_of(email)))
    if phone:
        values.add((ContactKind.PHONE, phone_of(phone)))
    if lead is not None:
        values |= set(
            ContactPoint.objects.filter(
                lead=lead, kind__in=(ContactKind.EMAIL, ContactKind.PHONE)
            ).values_list("kind", "value")
        )
    return {(kind, value) for kind, value in values if value}


def _leads_with(values: Iterable[tuple[str, str]]) -> list[int]:
    condition = Q(pk__in=[])
    for kind, value in values:
        condition |= Q(kind=kind, value=value)
    return sorted(set(ContactPoint.objects.filter(condition).values_list("lead_id", flat=True)))


def _check_restrict(actor: Actor, lead: Lead | None, *, lifting: bool) -> Lead | None:
    if actor.user is None:
        return lead
    if not can_restrict(actor.user):
        raise PermissionDenied(
            _("Only a head of sales or an admin can unblock a person.")
            if lifting
            else _("Only a head of sales or an admin can block a person.")
        )
    if lead is not None:
        return access.lead_get_for(user=actor.user, lead_id=lead.pk)
    if role_of(actor.user) != Role.ADMIN:
        raise PermissionDenied(_("Only an admin can block or unblock a person without a lead."))
    return None


@transaction.atomic
def restrict_subject(
    *,
    actor: Actor,
    reason: str,
    email: str = "",
    phone: str = "",
    lead: Lead | None = None,
    request_reference: str = "",
) -> Restriction:
    """Block a person (the e-mail and phone given, and every e-mail and phone of ``lead``):
    their leads stay but are not contacted, nurtured, routed or exported until lifted; each
    of their leads gets a ``restricted`` event."""
    lead = _check_restrict(actor, lead, lifting=False)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say why the person's data is blocked.")})
    values = _values_of(email, phone, lead)
    if not values:
        raise ValidationFailed({"email": _("Name the person: an e-mail address or a phone.")})
    # the person's other e-mails and phones, on the leads that carry the ones given
    values |= set(
        ContactPoint.objects.filter(
            lead_id__in=_leads_with(values), kind__in=(ContactKind.EMAIL, ContactKind.PHONE)
        ).values_list("kind", "value")
    )
    restriction = Restriction.objects.create(
        reason=reason[:2000],
        request_reference=(request_reference or "").strip()[:100],
        requested_by=actor.user,
        lead=lead,
    )
    RestrictedValue.objects.bulk_create(
        [RestrictedValue(restriction=restriction, kind=k, value=v) for k, v in sorted(values)]
    )
    params = {"restriction": restriction.pk, "reason": restriction.reason}
    if restriction.request_reference:
        params["request_reference"] = restriction.request_reference
    LeadEvent.objects.bulk_create(
        [_event(pk, actor, EVENT_RESTRICTED, **params) for pk in _leads_with(values)]
    )
    return restriction


@transaction.atomic
def lift_restriction(*, actor: Actor, restriction: Restriction, reason: str = "") -> Restriction:
    """Unblock a person; their leads that no other restriction holds get a
    ``restriction_lifted`` event."""
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    _check_restrict(actor, restriction.lead, lifting=True)
    if restriction.lifted_at is not None:
        raise ValidationFailed({"restriction": _("This block was lifted already.")})
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = actor.user
    restriction.lift_reason = (reason or "").strip()[:2000]
    restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    values = list(restriction.values.values_list("kind", "value"))
    restriction.values.update(active=False)
    params = {"restriction": restriction.pk, "reason": restriction.lift_reason}
    LeadEvent.objects.bulk_create(
        [_event(pk, actor, EVENT_LIFTED, **params) for pk in _leads_with(values)]
    )
    return restriction


def restrictions_of(lead: Lead):
    """The restrictions (active and lifted) naming one of the lead's e-mails or phones."""
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
