"""What the "Personal data" panel (on the lead card and a client contact's page) and the API
read about a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from galena.accounts.roles import role_of
from galena.leads.models import ContactKind, Lead

from .models import ConsentRecord, Restriction
from .services import (
    GIVEN,
    NONE,
    RESTRICTING_ROLES,
    Holder,
    Identity,
    can_lift,
    can_record_consent,
    can_restrict,
    identities,
    purposes,
    restrictions_naming,
    restrictions_of,
)

HISTORY_SHOWN = 50


def records_of(
    lead: Lead | None, *, limit: int | None = HISTORY_SHOWN, person: Identity | None = None
) -> list[ConsentRecord]:
    """The ledger's records of the lead's person (the lead, its e-mails and phones; or a
    person without a lead, by theirs), the latest first: two queries (one when ``person``
    is given)."""
    person = person or identities([lead.pk])[lead.pk]
    who = Q(lead_id=lead.pk) if lead is not None else Q(pk__in=[])
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


def _current(records: list[ConsentRecord]) -> list[tuple[str, str, str]]:
    """Each purpose's state now: the latest record wins."""
    labels = purposes()
    latest: dict[str, str] = {}
    for record in reversed(records):  # oldest first: the latest wins
        latest[record.purpose] = record.status
    current = [(code, labels.get(code, code), latest.get(code, NONE)) for code in labels]
    current += [(code, code, state) for code, state in latest.items() if code not in labels]
    return current


def panel(lead: Lead, user, contacts=None) -> Panel:
    """The consents (history and each purpose's state now), the blocks and what the user
    may do: three queries, two when the lead's ``contacts`` are given."""
    person = (
        identity_from(lead, contacts) if contacts is not None else identities([lead.pk])[lead.pk]
    )
    records = records_of(lead, person=person)
    restrictions = active_and_lifted(lead)
    for restriction in restrictions:
        # a block asked without a lead (by address alone) is an admin's to lift
        restriction.can_lift = can_lift(user, restriction)
    return Panel(
        person=person,
        records=records,
        restrictions=restrictions,
        current=_current(records),
        can_record=can_record_consent(user, lead, GIVEN),
        can_withdraw=role_of(user) is not None,
        can_block=can_restrict(user),
        can_rectify=role_of(user) in RESTRICTING_ROLES or lead.owner_id == user.pk,
    )


def holder_panel(holder: Holder, user) -> Panel:
    """The same panel for a person's record other than a lead (a client contact, found for
    the user by its app): the ledger's records of its e-mails and phones, the blocks naming
    its values or asked from it, and what the user may do there — two queries. Its data is
    corrected where it is edited (no rectification form here)."""
    emails = {v for k, v in holder.values if k == ContactKind.EMAIL}
    phones = {v for k, v in holder.values if k == ContactKind.PHONE}
    person = Identity(0, frozenset(emails), frozenset(phones))
    records = records_of(None, person=person) if (emails or phones) else []
    restrictions = list(restrictions_naming(holder.values, holder=holder))
    for restriction in restrictions:
        restriction.can_lift = can_lift(user, restriction, holder)
    return Panel(
        person=person,
        records=records,
        restrictions=restrictions,
        current=_current(records),
        can_record=can_record_consent(user, holder, GIVEN),
        can_withdraw=role_of(user) is not None and bool(emails or phones),
        can_block=can_restrict(user),
        can_rectify=False,
    )
