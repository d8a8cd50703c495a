"""What the lead card's "Personal data" panel and the API read about a lead's person."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from galena.accounts.models import Role
from galena.accounts.roles import role_of
from galena.leads.models import ContactKind, Lead

from .models import ConsentRecord, Restriction
from .services import (
    GIVEN,
    NONE,
    RESTRICTING_ROLES,
    Identity,
    can_record_consent,
    can_restrict,
    identities,
    purposes,
    restrictions_of,
)

HISTORY_SHOWN = 50


def records_of(
    lead: Lead, *, limit: int | None = HISTORY_SHOWN, person: Identity | None = None
) -> list[ConsentRecord]:
    """The ledger's records of the lead's person (the lead, its e-mails and phones), the
    latest first: two queries (one when ``person`` is given)."""
    person = person or identities([lead.pk])[lead.pk]
    who = Q(lead_id=lead.pk)
    if person.emails:
        who |= Q(email__in=person.emails)
    if person.phones:
        who |= Q(phone__in=person.phones)
    records = (
        ConsentRecord.objects.filter(who).select_related("actor").order_by("-recorded_at", "-id")
    )
    return list(records[:limit] if limit else records)


def active_and_lifted(lead: Lead) -> list[Restriction]:
    """The blocks naming the lead's person, read once per card (the banner and the panel
    share them: one query)."""
    kept = getattr(lead, "_consent_restrictions", None)
    if kept is None:
        kept = lead._consent_restrictions = list(restrictions_of(lead))
    return kept


@dataclass
class Panel:
    person: Identity
    records: list[ConsentRecord]
    restrictions: list[Restriction]
    current: list[tuple[str, str, str]] = field(default_factory=list)  # code, label, state
    can_record: bool = False
    can_withdraw: bool = False
    can_block: bool = False
    can_rectify: bool = False

    @property
    def active_restrictions(self) -> list[Restriction]:
        return [r for r in self.restrictions if r.lifted_at is None]


def identity_from(lead: Lead, contacts) -> Identity:
    """The lead's identity from contact points already read (the card has them)."""
    emails = {p.value for p in contacts if p.kind == ContactKind.EMAIL}
    phones = {p.value for p in contacts if p.kind == ContactKind.PHONE}
    return Identity(lead.pk, frozenset(emails), frozenset(phones))


def panel(lead: Lead, user, contacts=None) -> Panel:
    """The consents (history and each purpose's state now), the blocks and what the user
    may do: three queries, two when the lead's ``contacts`` are given."""
    person = (
        identity_from(lead, contacts) if contacts is not None else identities([lead.pk])[lead.pk]
    )
    records = records_of(lead, person=person)
    restrictions = active_and_lifted(lead)
    labels = purposes()
    latest: dict[str, str] = {}
    for record in reversed(records):  # oldest first: the latest wins
        latest[record.purpose] = record.status
    current = [(code, labels.get(code, code), latest.get(code, NONE)) for code in labels]
    current += [(code, code, state) for code, state in latest.items() if code not in labels]
    role = role_of(user)
    for restriction in restrictions:
        # a block asked without a lead (by address alone) is an admin's to lift
        restriction.can_lift = can_restrict(user) and (
            role == Role.ADMIN or restriction.lead_id is not None
        )
    return Panel(
        person=person,
        records=records,
        restrictions=restrictions,
        current=current,
        can_record=can_record_consent(user, lead, GIVEN),
        can_withdraw=role is not None,
        can_block=can_restrict(user),
        can_rectify=role in RESTRICTING_ROLES or lead.owner_id == user.pk,
    )
