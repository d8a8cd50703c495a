"""May we send this lead marketing e-mail? One question, asked by every nurture sender.

There is no consent ledger yet: consent given at intake travels in the lead's ``created`` and
``submission_received`` events (params ``consent``: purposes, text version, when), and a
withdrawal is an ``unsubscribed`` event or a Suppression of the address. When a ledger
exists, only ``marketing_email_allowed_many`` changes; its callers stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from galena.leads.models import ContactKind, ContactPoint, ContactStatus, EventType, LeadEvent
from galena.nurture.models import Suppression


class Refusal:
    """Why a marketing e-mail may not be sent (stable codes, for events and the API)."""

    NO_EMAIL = "no_email"
    INVALID_EMAIL = "invalid_email"
    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class MarketingPermission:
    allowed: bool
    reason: str  # "" when allowed, else a Refusal code
    email: str = ""  # the address to write to, when there is one


CONSENT_EVENTS = (EventType.CREATED, EventType.SUBMISSION_RECEIVED)


def marketing_purposes() -> frozenset[str]:
    """The consent purposes that cover e-mail marketing (settings.NURTURE_CONSENT_PURPOSES)."""
    return frozenset(p.casefold() for p in settings.NURTURE_CONSENT_PURPOSES)


def _covers(consent: object, purposes: frozenset[str]) -> bool | None:
    """True/False when this consent record speaks of marketing, None when it is no record."""
    if consent is True:  # a bare "consent: true" names no purpose: not marketing
        return False
    if not isinstance(consent, dict):
        return None
    given = {str(p).casefold() for p in consent.get("purposes") or []}
    return bool(given & purposes)


def primary_emails(lead_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Each lead's primary e-mail address and its status, one query."""
    found: dict[int, tuple[str, str]] = {}
    rows = (
        ContactPoint.objects.filter(lead_id__in=list(lead_ids), kind=ContactKind.EMAIL)
        .order_by("lead_id", "-is_primary", "id")
        .values_list("lead_id", "value", "status")
    )
    for lead_id, value, status in rows:
        found.setdefault(lead_id, (value, status))
    return found


def _address_checked(lead_ids: list[int]) -> dict[int, MarketingPermission]:
    """Each lead's primary address, refused when missing, invalid or suppressed; two queries."""
    emails = primary_emails(lead_ids)
    suppressed = set(
        Suppression.objects.filter(
            email__in={value for value, _status in emails.values()}
        ).values_list("email", flat=True)
    )
    result = {}
    for lead_id in lead_ids:
        email, status = emails.get(lead_id, ("", ""))
        if not email:
            result[lead_id] = MarketingPermission(False, Refusal.NO_EMAIL)
        elif status == ContactStatus.INVALID:
            result[lead_id] = MarketingPermission(False, Refusal.INVALID_EMAIL, email)
        elif email in suppressed:
            result[lead_id] = MarketingPermission(False, Refusal.SUPPRESSED, email)
        else:
            result[lead_id] = MarketingPermission(True, "", email)
    return result


def marketing_email_allowed_many(lead_ids: Iterable[int]) -> dict[int, MarketingPermission]:
    """``marketing_email_allowed`` for many leads in three queries."""
    lead_ids = list(dict.fromkeys(lead_ids))
    if not lead_ids:
        return {}
    result = _address_checked(lead_ids)
    purposes = marketing_purposes()
    consented: dict[int, bool] = {}
    withdrawn: set[int] = set()
    events = (
        LeadEvent.objects.filter(
            lead_id__in=lead_ids, type__in=(*CONSENT_EVENTS, EventType.UNSUBSCRIBED)
        )
        .order_by("lead_id", "occurred_at", "id")
        .values_list("lead_id", "type", "params")
    )
    for lead_id, type_, params in events:
        if type_ == EventType.UNSUBSCRIBED:
            withdrawn.add(lead_id)
            continue
        covers = _covers((params or {}).get("consent"), purposes)
        if covers is not None:
            consented[lead_id] = covers  # the latest consent given is the one that counts
    for lead_id, permission in result.items():
        if not permission.allowed:
            continue
        if lead_id in withdrawn:
            result[lead_id] = MarketingPermission(False, Refusal.WITHDRAWN, permission.email)
        elif not consented.get(lead_id):
            result[lead_id] = MarketingPermission(False, Refusal.NO_CONSENT, permission.email)
    return result


def marketing_email_allowed(lead) -> tuple[bool, str]:
    """(allowed, reason): consent for e-mail marketing given and not withdrawn, the address
    not unsubscribed or suppressed, and valid. ``reason`` is a Refusal code, "" if allowed."""
    permission = marketing_email_allowed_many([lead.pk])[lead.pk]
    return permission.allowed, permission.reason


def service_email_allowed_many(lead_ids: Iterable[int]) -> dict[int, MarketingPermission]:
    """The farewell e-mail's rule: a valid address that is not suppressed (no marketing
    consent needed: it answers the person's own inquiry once, with an unsubscribe link)."""
    lead_ids = list(dict.fromkeys(lead_ids))
    return _address_checked(lead_ids) if lead_ids else {}
