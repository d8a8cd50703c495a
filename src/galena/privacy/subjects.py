"""The data subject: one person, found by e-mail, phone or a lead across every record."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from galena.leads.contact_values import normalise_email, normalise_phone, transliterate
from galena.leads.models import ContactKind, ContactPoint, Lead
from galena.leads.normalise import email_value, phone_value


@dataclass(frozen=True)
class Subject:
    """Who a request is about: the identifiers asked for, and the records found with them.

    ``lead_ids`` and ``contact_ids`` are the person's leads (merged ones included) and client
    contacts; ``emails`` and ``phones`` the normalised addresses and numbers (those asked
    for and those on the records found); ``values`` every value of the person as stored
    anywhere — names, raw contact values, transliterations — which erasure replaces where it
    finds them in free text and JSON."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    lead_ids: frozenset[int] = frozenset()
    contact_ids: frozenset[int] = frozenset()
    values: frozenset[str] = frozenset()
    asked: dict = field(default_factory=dict, compare=False)

    @property
    def is_empty(self) -> bool:
        return not (self.lead_ids or self.contact_ids or self.emails or self.phones)

    def describe(self) -> str:
        """The identifiers asked for, for a title or a log line."""
        return ", ".join(str(v) for v in self.asked.values() if v) or "—"


def normalised_email(raw: str) -> str:
    raw = (raw or "").strip()
    return email_value(raw, normalise_email(raw)).value if raw else ""


def normalised_phone(raw: str, region: str = "") -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    return phone_value(raw, normalise_phone(raw, region or settings.DEFAULT_REGION)).value


# values shorter than this are never searched for inside other text (a one-letter initial
# would empty every string that contains it)
MIN_VALUE_LENGTH = 3


def _person_values(*parts: str) -> set[str]:
    values = set()
    for part in parts:
        part = (part or "").strip()
        if len(part) >= MIN_VALUE_LENGTH:
            values.add(part)
            values.add(part.casefold())
            translit = transliterate(part)
            if len(translit) >= MIN_VALUE_LENGTH:
                values.add(translit)
    return values


def find_subject(
    *, email: str | None = None, phone: str | None = None, lead_id: int | None = None
) -> Subject:
    """Everything that is this person's: their leads (by contact value or id, with the leads
    merged into them), their client contacts, and all their identifiers — a few indexed
    queries whatever the size of the base."""
    from galena.clients.models import ClientLead, ContactMethod, Conversion

    emails = {normalised_email(email)} - {""} if email else set()
    phones = {normalised_phone(phone)} - {""} if phone else set()

    contact_filter = Q(pk__in=[])
    if emails:
        contact_filter |= Q(kind=ContactKind.EMAIL, value__in=emails)
    if phones:
        # a messenger account named by its number ("Viber: +40…") is the number too
        contact_filter |= Q(kind__in=[ContactKind.PHONE, ContactKind.MESSENGER], value__in=phones)

    lead_ids = set(ContactPoint.objects.filter(contact_filter).values_list("lead_id", flat=True))
    contact_ids = set(
        ContactMethod.objects.filter(contact_filter).values_list("contact_id", flat=True)
    )
    if lead_id is not None and Lead.objects.filter(pk=lead_id).exists():
        lead_ids.add(lead_id)
    # the client records of those leads, and the leads of those client records
    contact_ids |= set(
        ClientLead.objects.filter(lead_id__in=lead_ids).values_list("contact_id", flat=True)
    )
    contact_ids |= set(
        Conversion.objects.filter(lead_id__in=lead_ids).values_list("contact_id", flat=True)
    )
    lead_ids |= set(
        ClientLead.objects.filter(contact_id__in=contact_ids).values_list("lead_id", flat=True)
    )
    # a merge said these leads are one person: the merged leads and their survivor
    if lead_ids:
        for pk, survivor in Lead.objects.filter(
            Q(pk__in=lead_ids) | Q(merged_into_id__in=lead_ids)
        ).values_list("pk", "merged_into_id"):
            lead_ids.add(pk)
            if survivor is not None:
                lead_ids.add(survivor)

    values = _values_of(lead_ids, contact_ids, emails, phones)

    return Subject(
        emails=frozenset(emails),
        phones=frozenset(phones),
        lead_ids=frozenset(lead_ids),
        contact_ids=frozenset(contact_ids),
        values=frozenset(values),
        asked={"email": email or "", "phone": phone or "", "lead_id": lead_id},
    )


def subject_for_leads(lead_ids) -> Subject:
    """The subject made of these leads alone (and the leads merged into them), for the
    retention sweep: their client records, and other records that share an address, are
    not theirs to erase, so the subject carries no identifiers to look rows up by — only
    the values to remove from the leads' own rows."""
    lead_ids = set(lead_ids)
    if lead_ids:
        lead_ids |= set(
            Lead.objects.filter(merged_into_id__in=lead_ids).values_list("pk", flat=True)
        )
    emails: set[str] = set()
    phones: set[str] = set()
    values = _values_of(lead_ids, set(), emails, phones)
    return Subject(
        lead_ids=frozenset(lead_ids),
        values=frozenset(values),
        asked={"lead_ids": len(lead_ids)},
    )


def _values_of(lead_ids: set[int], contact_ids: set[int], emails: set[str], phones: set[str]):
    """Every value of the person on these records (the e-mails and phones found are added to
    ``emails`` and ``phones``)."""
    from galena.clients.models import Contact, ContactMethod

    values: set[str] = set()
    for kind, value, raw in ContactPoint.objects.filter(lead_id__in=lead_ids).values_list(
        "kind", "value", "value_raw"
    ):
        _collect_contact(kind, value, raw, emails, phones, values)
    if contact_ids:
        for kind, value, raw in ContactMethod.objects.filter(
            contact_id__in=contact_ids
        ).values_list("kind", "value", "value_raw"):
            _collect_contact(kind, value, raw, emails, phones, values)
    name_fields = ("first_name", "middle_name", "last_name", "display_name", "name_translit")
    rows = list(Lead.objects.filter(pk__in=lead_ids).values_list(*name_fields))
    if contact_ids:
        rows += list(Contact.objects.filter(pk__in=contact_ids).values_list(*name_fields))
    for row in rows:
        values |= _person_values(*row)
        values |= _person_values(" ".join(p for p in row[:3] if p))
    values |= _person_values(*emails, *phones)
    for number in phones:
        # without the plus, as it is often typed
        values |= _person_values(number.lstrip("+"))
    return values


def _collect_contact(
    kind: str, value: str, raw: str, emails: set[str], phones: set[str], values: set[str]
) -> None:
    if kind == ContactKind.EMAIL:
        emails.add(value)
    elif kind == ContactKind.PHONE:
        phones.add(value)
    values |= _person_values(value, raw)
