"""May we send this lead marketing e-mail? One question, asked by every nurture sender.

The answer reads the consent ledger (galena.consent): the latest record for marketing
e-mail naming the lead or its address must be "given" (a withdrawal — the unsubscribe link,
a call, the API — is a record too), the person must not be blocked, and the address must
be valid and not suppressed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from galena.consent import services as ledger
from galena.consent.models import Purpose
from galena.leads.models import ContactKind, ContactPoint, ContactStatus
from galena.nurture.models import Suppression


class Refusal:
    """Why a marketing e-mail may not be sent (stable codes, for events and the API)."""

    NO_EMAIL = "no_email"
    INVALID_EMAIL = "invalid_email"
    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    SUPPRESSED = "suppressed"
    RESTRICTED = "restricted"


@dataclass(frozen=True)
class MarketingPermission:
    allowed: bool
    reason: str  # "" when allowed, else a Refusal code
    email: str = ""  # the address to write to, when there is one


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
    """``marketing_email_allowed`` for many leads in four queries (addresses, suppressions,
    the ledger, the blocks), whatever their number."""
    lead_ids = list(dict.fromkeys(lead_ids))
    if not lead_ids:
        return {}
    result = _address_checked(lead_ids)
    people = [
        ledger.Identity(lead_id, frozenset({p.email} - {""}))
        for lead_id, p in result.items()
        if p.allowed
    ]
    states = ledger.states_of(people, Purpose.MARKETING_EMAIL)
    blocked = ledger.restricted_lead_ids(states)
    for lead_id, state in states.items():
        email = result[lead_id].email
        if lead_id in blocked:
            result[lead_id] = MarketingPermission(False, Refusal.RESTRICTED, email)
        elif state == ledger.WITHDRAWN:
            result[lead_id] = MarketingPermission(False, Refusal.WITHDRAWN, email)
        elif state != ledger.GIVEN:
            result[lead_id] = MarketingPermission(False, Refusal.NO_CONSENT, email)
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
