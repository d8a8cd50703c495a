"""Normalisation of contact values for storage and matching. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers

from galena.leads.models import ContactKind


@dataclass(frozen=True)
class NormalisedContact:
    value: str
    is_valid: bool


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


def normalise_profile_link(raw: str) -> NormalisedContact:
    text = raw.strip()
    if not text:
        return NormalisedContact("", False)
    if "://" not in text and "/" in text:
        text = "https://" + text
    if "://" in text:
        parts = urlsplit(text)
        host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
        path = parts.path.rstrip("/")
        return NormalisedContact(f"{host}{path}".lower(), bool(host))
    # a bare handle such as "@ivan_petrov"
    return NormalisedContact(_SPACES.sub("", text).lower(), True)


def normalise_contact(kind: str, raw: str, *, region: str) -> NormalisedContact:
    """The normalised value of a contact as given, and whether it looks usable."""
    if kind == ContactKind.PHONE:
        return normalise_phone(raw, region)
    if kind == ContactKind.EMAIL:
        return normalise_email(raw)
    return normalise_profile_link(raw)
