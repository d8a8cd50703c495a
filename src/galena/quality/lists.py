"""How values on the blocked, competitor and allowed lists are written: one normal form,
so a lookup is an equality test."""

from __future__ import annotations

import ipaddress

from galena.leads.contact_values import normalise_email, normalise_phone


def normalise_listed_value(kind: str, value: str) -> str:
    """The stored form of a listed value; ValueError says what is wrong with it."""
    text = (value or "").strip()
    if not text:
        raise ValueError("Enter a value.")
    if kind == "email_domain":
        domain = text.lower().lstrip("@").rstrip(".")
        if "." not in domain or " " in domain or "@" in domain:
            raise ValueError("Enter a domain such as example.com.")
        return domain
    if kind == "email":
        result = normalise_email(text)
        if not result.valid:
            raise ValueError(f"Not an e-mail address: {result.error}")
        return result.value.lower()
    if kind == "phone":
        result = normalise_phone(text)
        if not result.e164:
            raise ValueError("Write the number with its country code, e.g. +40 721 234 567.")
        return result.e164
    if kind == "network":
        try:
            return str(ipaddress.ip_network(text, strict=False))
        except ValueError as error:
            raise ValueError("Enter an IP address or a network such as 203.0.113.0/24.") from error
    raise ValueError(f"Unknown list kind {kind!r}.")
