"""The contacts in a submission that made no lead (an interest), indexed for the person's
requests: ``SubmissionContact`` rows, one per normalised e-mail address or phone number.

Intake calls ``submission_contacts_record`` (``settings.INTAKE_UNLINKED_HOOKS``) when it
processes a submission into no lead; a data migration indexed the ones received before.
The values are those the channel parsed as contacts, and any e-mail address in the body
or phone number standing alone in a field of the payload."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from galena.leads.models import ContactKind

# an address in free text: no spaces, brackets, quotes or separators around it
EMAIL_IN_TEXT = re.compile(r"[^\s@<>\"'(),;:\[\]{}]+@[^\s@<>\"'(),;:\[\]{}]+\.[A-Za-z]{2,}")
# a field holding a phone number and nothing else
PHONE_FIELD = re.compile(r"\+?[\d\s().\-/]{7,24}")
PHONE_KINDS = (ContactKind.PHONE, ContactKind.MESSENGER)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def contact_values(*, payload: Any, raw_body: str = "", contacts: Iterable = ()) -> set[str]:
    """The normalised e-mail addresses and phone numbers of a submission: the parsed
    contacts (``ContactInput``), e-mail addresses anywhere in the payload and body, and
    fields of the payload that are a phone number alone."""
    from galena.privacy.subjects import normalised_email, normalised_phone

    values: set[str] = set()
    for contact in contacts:
        if contact.kind == ContactKind.EMAIL:
            values.add(contact.normalised or normalised_email(contact.value))
        elif contact.kind in PHONE_KINDS:
            values.add(contact.normalised or normalised_phone(contact.value))
    texts = list(_strings(payload))
    for text in [*texts, raw_body or ""]:
        if "@" in text:
            values |= {normalised_email(found) for found in EMAIL_IN_TEXT.findall(text)}
    for text in texts:
        if PHONE_FIELD.fullmatch(text.strip()):
            number = normalised_phone(text)
            if number.startswith("+"):
                values.add(number)
    return {value[:320] for value in values if value}


def submission_contacts_record(*, submission, contacts: Iterable = ()) -> int:
    """Index the contacts of a submission that made no lead; returns how many values."""
    from galena.privacy.models import SubmissionContact

    values = contact_values(
        payload=submission.payload, raw_body=submission.raw_body, contacts=contacts
    )
    SubmissionContact.objects.bulk_create(
        [SubmissionContact(submission_id=submission.pk, value=value) for value in sorted(values)],
        ignore_conflicts=True,
    )
    return len(values)
