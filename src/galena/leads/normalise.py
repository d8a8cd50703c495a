"""Normalisation of contact values for storage and matching. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from galena.leads import contact_values
from galena.leads.contact_values import EmailResult, PhoneResult, ProfileResult
from galena.leads.models import ContactKind, ContactStatus


@dataclass(frozen=True)
class NormalisedContact:
    value: str
    is_valid: bool
    status: str = ""  # ContactStatus; "" from the quick checks below
    line_type: str = ""


_SPACES = re.compile(r"\s+")


def normalise_phone(raw: str, region: str) -> NormalisedContact:
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", text)
        return NormalisedContact(("+" + digits) if text.startswith("+") else digits, False)
    value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return NormalisedContact(value, phonenumbers.is_valid_number(number))


def normalise_email(raw: str) -> NormalisedContact:
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or " " in text:
        return NormalisedContact(text.lower(), False)
    # Mailbox local parts are case-insensitive in practice at every large provider.
    return NormalisedContact(f"{local.lower()}@{domain.lower().rstrip('.')}", True)


def phone_value(raw: str, result: PhoneResult) -> NormalisedContact:
    """What a contact point stores for a phone: E.164 when the number can exist, else its
    digits (kept for matching a number typed the same way again)."""
    text = raw.strip()
    digits = "".join(char for char in text if char.isdigit())
    fallback = ("+" + digits if text.startswith("+") else digits) or text.lower()
    return NormalisedContact(
        value=result.e164 or fallback,
        is_valid=result.status != ContactStatus.INVALID,
        status=result.status,
        line_type=result.line_type if result.e164 else "",
    )


def email_value(raw: str, result: EmailResult) -> NormalisedContact:
    """What a contact point stores for an e-mail: the normalised address in lower case."""
    valid = result.valid
    return NormalisedContact(
        value=(result.value if valid else raw.strip()).lower(),
        is_valid=valid,
        status=ContactStatus.VALID if valid else ContactStatus.INVALID,
    )


def profile_value(raw: str, result: ProfileResult, region: str) -> NormalisedContact:
    """What a contact point stores for a social profile or messenger: the canonical link."""
    if result.valid:
        return NormalisedContact(result.url, True, ContactStatus.VALID)
    if result.url:
        # a link on a network we do not know: kept as given, maybe reachable
        return NormalisedContact(result.url, True, ContactStatus.POSSIBLE)
    phone = contact_values.normalise_phone(raw, region)
    if phone.e164:
        # "Viber: +40 721 …": a messenger account named by its phone number
        return NormalisedContact(phone.e164, True, phone.status)
    return NormalisedContact(raw.strip().lower(), False, ContactStatus.INVALID)


def normalise_contact(kind: str, raw: str, *, region: str) -> NormalisedContact:
    """The normalised value of a contact as given, its status and line type: the one
    mapping every path that stores a contact point uses (intake's quality stage computes
    the details once and calls the *_value functions itself)."""
    if kind == ContactKind.PHONE:
        return phone_value(raw, contact_values.normalise_phone(raw, region))
    if kind == ContactKind.EMAIL:
        return email_value(raw, contact_values.normalise_email(raw))
    return profile_value(raw, contact_values.normalise_profile(raw, kind_hint=""), region)
