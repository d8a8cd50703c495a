"""A client contact's personal data: the blocks and consents of the person (galena.consent)
on their page, and the actions the lead card has — record a consent, block, unblock — for the
roles consent allows, on the contacts the user sees.

A client contact is, to consent, a ``Holder``: its ways to reach the person, its owner, and
a type and id under which the blocks asked from it are kept (so a head of sales who sees it
may lift them there). A blocked contact is written to and called by no one: its page and its
account's show its e-mails and phones without links to write or dial.
"""

from __future__ import annotations

from collections.abc import Iterable

from galena.clients import access as client_access
from galena.clients.models import Contact, ContactMethod
from galena.consent import services as consent
from galena.consent.models import ConsentRecord, Restriction
from galena.core.errors import NotFound
from galena.leads.services import Actor

HOLDER_TYPE = "clients.contact"


def contact_holder(contact: Contact) -> consent.Holder:
    """The contact as consent knows it (its methods: prefetched, or one query)."""
    return consent.Holder(
        type=HOLDER_TYPE,
        pk=contact.pk,
        owner_id=contact.owner_id,
        values=frozenset((m.kind, m.value) for m in contact.methods.all() if m.value),
    )


def blocked_contact_ids(contact_ids: Iterable[int]) -> set[int]:
    """Which of these contacts a block in force names (one query on the blocks' index)."""
    contact_ids = list(contact_ids)
    if not contact_ids:
        return set()
    rows = consent.restricted_rows(ContactMethod.objects.filter(contact_id__in=contact_ids))
    return set(rows.order_by().values_list("contact_id", flat=True).distinct())


def _holder_for(user, contact_id: int) -> consent.Holder:
    contact = client_access.contact_get_for(user=user, contact_id=contact_id)
    return contact_holder(contact)


def contact_restrict(
    *, actor: Actor, contact: Contact, reason: str, request_reference: str = ""
) -> Restriction:
    """Block the contact's person (heads of sales and admins, on a contact they see): every
    way to reach them, and the leads that carry one, until lifted."""
    holder = _holder_for(actor.user, contact.pk) if actor.user else contact_holder(contact)
    return consent.restrict_subject(
        actor=actor, holder=holder, reason=reason, request_reference=request_reference
    )


def contact_restriction_lift(
    *, actor: Actor, contact: Contact, restriction: Restriction, reason: str = ""
) -> Restriction:
    """Lift a block naming the contact (heads of sales for blocks asked from it or from a
    lead they see, admins for any)."""
    holder = _holder_for(actor.user, contact.pk) if actor.user else contact_holder(contact)
    if (
        not consent.restrictions_naming(holder.values, holder=holder)
        .filter(pk=restriction.pk)
        .exists()
    ):
        raise NotFound("No such block on this contact.")
    return consent.lift_restriction(
        actor=actor, restriction=restriction, reason=reason, holder=holder
    )


def contact_consent_record(
    *, actor: Actor, contact: Contact, purpose: str, status: str, method: str, note: str = ""
) -> ConsentRecord:
    """Record a consent given or withdrawn by the contact's person (its owner, a head of
    sales or an admin; a withdrawal anyone who sees the contact)."""
    holder = _holder_for(actor.user, contact.pk) if actor.user else contact_holder(contact)
    return consent.consent_record(
        actor=actor,
        holder=holder,
        purpose=purpose,
        status=status,
        method=method,
        evidence={"note": note, "client_contact": contact.pk}
        if note
        else {"client_contact": contact.pk},
    )
