"""The consent app's personal data, declared to the privacy registry so access reports show
a person's consents and blocks and erasure reaches them: the ledger keeps a keyed hash of
the address and number (the record of a consent given or withdrawn stays, without the
values), the evidence loses its strings (address, user agent, consent text), a block's
reason is scrubbed of the person's values and its e-mails and phones are hashed."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from galena.privacy.registry import Erase, register
from galena.privacy.subjects import Subject


def _blocked_values(subject: Subject) -> list[str]:
    # e-mails, phones, and the social and messenger links among the person's values
    return sorted(subject.emails | subject.phones | subject.values)


def _values_of(subject: Subject) -> Q | None:
    values = _blocked_values(subject)
    return Q(value__in=values) if values else None


def _restrictions_of(subject: Subject) -> Q | None:
    parts = []
    values = _blocked_values(subject)
    if values:
        parts.append(Q(values__value__in=values))
    if subject.lead_ids:
        parts.append(Q(lead_id__in=sorted(subject.lead_ids)))
    if subject.contact_ids:
        parts.append(Q(holder_type="clients.contact", holder_id__in=sorted(subject.contact_ids)))
    if not parts:
        return None
    found = parts[0]
    for part in parts[1:]:
        found |= part
    return found


register(
    "consent.ConsentRecord",
    category=_("Consent records"),
    fields={"email": Erase.HASH, "phone": Erase.HASH, "evidence": Erase.JSON},
    lead="lead",
    email="email",
    phone="phone",
    json_keep=frozenset({"suppression_method", "method"}),
    report_fields=(
        "id",
        "purpose",
        "status",
        "recorded_at",
        "method",
        "form",
        "text_version",
        "basis",
        "lead_id",
    ),
)
# the blocks before their values: they are found through the values erasure hashes
register(
    "consent.Restriction",
    category=_("Blocks (restriction of processing)"),
    fields={"reason": Erase.SCRUB, "lift_reason": Erase.SCRUB},
    find=_restrictions_of,
    report_fields=("id", "request_reference", "requested_at", "lifted_at", "lead_id"),
)
register(
    "consent.RestrictedValue",
    category=_("Blocks (restriction of processing)"),
    fields={"value": Erase.HASH},
    find=_values_of,
    report_fields=("restriction_id", "kind", "active"),
)
