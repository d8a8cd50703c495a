"""Reads of the possible-duplicate review queue: the open pairs a reviewer may decide on,
the lead card's list of a lead's possible duplicates, and the pair's evidence in words.

A pair is shown only when the user may see *both* leads (``leads.access``), so the queue
never reveals a lead out of the user's sight; a lead merged into another is in no list, so
its pairs leave the queue with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext

from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import ContactPoint, Lead
from galena.matching.comparisons import BY_CODE
from galena.matching.model import NAME_FREQUENCY
from galena.matching.models import DuplicateCandidate, DuplicateFoundBy, DuplicateStatus

# the lead's related rows a pair shows beside its own fields
PAIR_LEAD_RELATED = ("owner", "stage", "source")
CARD_LIMIT = 10  # the most possible duplicates the card lists


@dataclass
class DuplicateFilters:
    found_by: str = ""  # intake, batch or card; "" for any
    min_probability: float | None = None  # a share, 0..1
    lead: int | None = None  # pairs this lead is in, either side


def is_reviewer(user) -> bool:
    """Heads of sales and admins decide on possible duplicates."""
    return access.can_assign(user)


def require_reviewer(user) -> None:
    """Refuse users who may not decide on possible duplicates."""
    if not is_reviewer(user):
        raise PermissionDenied("Only a head of sales or an admin reviews possible duplicates.")


def _check(filters: DuplicateFilters) -> None:
    if filters.found_by and filters.found_by not in DuplicateFoundBy.values:
        raise ValidationFailed({"found_by": f"Use one of: {', '.join(DuplicateFoundBy.values)}."})
    if filters.min_probability is not None and not 0 <= filters.min_probability <= 1:
        raise ValidationFailed({"min_probability": "A share between 0 and 1."})


def _both_visible(user, pairs: QuerySet[DuplicateCandidate], *, include_merged: bool = False):
    visible = access.leads_visible_to(user, include_merged=include_merged).values("pk")
    return pairs.filter(lead__in=visible, other__in=visible)


def _with_leads(pairs: QuerySet[DuplicateCandidate]) -> QuerySet[DuplicateCandidate]:
    """Both leads with what a pair shows of them: two joins, one query per side for the
    contact points, whatever the number of pairs."""
    contacts = ContactPoint.objects.order_by("-is_primary", "kind", "id")
    return pairs.select_related(
        *(f"{side}__{name}" for side in ("lead", "other") for name in PAIR_LEAD_RELATED)
    ).prefetch_related(
        Prefetch("lead__contact_points", queryset=contacts, to_attr="pair_contacts"),
        Prefetch("other__contact_points", queryset=contacts, to_attr="pair_contacts"),
    )


def duplicates_open(
    *, user, filters: DuplicateFilters | None = None
) -> QuerySet[DuplicateCandidate]:
    """The open pairs whose both leads the reviewer may see (merged leads left out), most
    probable first, with both leads, their owner, stage, source and contacts loaded."""
    require_reviewer(user)
    filters = filters or DuplicateFilters()
    _check(filters)
    pairs = _both_visible(user, DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN))
    if filters.found_by:
        pairs = pairs.filter(found_by=filters.found_by)
    if filters.min_probability is not None:
        pairs = pairs.filter(probability__gte=filters.min_probability)
    if filters.lead is not None:
        pairs = pairs.filter(Q(lead_id=filters.lead) | Q(other_id=filters.lead))
    return _with_leads(pairs).order_by("-probability", "-id")


def duplicate_for(*, user, candidate_id: int) -> DuplicateCandidate:
    """A pair the reviewer may decide on, whatever its status (so a second decision is told
    it was already made); NotFound when either lead is out of the user's sight."""
    require_reviewer(user)
    pair = (
        _both_visible(user, DuplicateCandidate.objects.all(), include_merged=True)
        .select_related("lead", "other", "decided_by")
        .filter(pk=candidate_id)
        .first()
    )
    if pair is None:
        raise NotFound("No possible duplicate with this id, or not both leads are yours to see.")
    return pair


def lead_duplicates(*, user, lead: Lead) -> list[DuplicateCandidate]:
    """The open possible duplicates of this lead that the user may see, most probable
    first, each with ``other_lead``: the lead on the other side (one query)."""
    if access.visible_leads_filter(user) is None or lead.merged_into_id is not None:
        return []
    pairs = _both_visible(
        user,
        DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN).filter(
            Q(lead=lead) | Q(other=lead)
        ),
    )
    found = list(pairs.select_related("lead", "other").order_by("-probability", "-id")[:CARD_LIMIT])
    for pair in found:
        pair.other_lead = pair.other if pair.lead_id == lead.pk else pair.lead
    return found


# --- the evidence, in words --------------------------------------------------------------


def signed(bits: float) -> str:
    """A weight in bits with its sign, localised, one decimal: "+3.6", "−2.1"."""
    rounded = round(bits, 1)  # number_format cuts the digits, it does not round
    return f"{'−' if rounded < 0 else '+'}{formats.number_format(abs(rounded), 1)}"


@dataclass
class ExplainedField:
    comparison: str
    level: str
    label: str
    level_label: str
    weight: float

    @property
    def signed_weight(self) -> str:
        """The weight in bits with its sign, localised: "+3.6", "−2.1"."""
        return signed(self.weight)

    @property
    def direction(self) -> str:
        return "for" if self.weight > 0 else "against" if self.weight < 0 else "neutral"


@dataclass
class Explanation:
    fields: list[ExplainedField] = field(default_factory=list)
    prior_weight: float | None = None
    match_weight: float | None = None
    household: bool = False
    swapped_names: bool = False

    @property
    def prior_signed(self) -> str:
        return "" if self.prior_weight is None else signed(self.prior_weight)

    @property
    def total_signed(self) -> str:
        """The match weight; when not stored, the prior plus the fields' weights."""
        if self.match_weight is not None:
            return signed(self.match_weight)
        return signed((self.prior_weight or 0.0) + sum(item.weight for item in self.fields))


def _label(code: str) -> tuple[str, dict[str, str]]:
    if code == NAME_FREQUENCY:
        return gettext("How common the name is"), {
            "common": gettext("a common name: its agreement counts less"),
            "rare": gettext("a rare name: its agreement counts more"),
        }
    comparison = BY_CODE.get(code)
    if comparison is None:
        return code.replace("_", " ").capitalize(), {}
    return str(comparison.label), {level.code: str(level.label) for level in comparison.levels}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def explanation_of(explanation: Any) -> Explanation:
    """A pair's stored explanation with each comparison's and level's words, in the
    reader's language (an unknown code is shown as it is)."""
    if not isinstance(explanation, dict):
        return Explanation()
    explained = Explanation(
        prior_weight=_number(explanation.get("prior_weight")),
        match_weight=_number(explanation.get("match_weight")),
        household=bool(explanation.get("household")),
        swapped_names=bool(explanation.get("swapped_names")),
    )
    for item in explanation.get("fields") or []:
        if not isinstance(item, dict):
            continue
        code, level = str(item.get("comparison") or ""), str(item.get("level") or "")
        label, levels = _label(code)
        explained.fields.append(
            ExplainedField(
                comparison=code,
                level=level,
                label=label,
                level_label=levels.get(level) or level.replace("_", " "),
                weight=_number(item.get("weight")) or 0.0,
            )
        )
    return explained


# --- the two leads side by side ----------------------------------------------------------

SAME, CLOSE, DIFFERENT, ONE_SIDE = "same", "close", "different", "one-side"
# the comparisons behind a row: the row agrees, nearly agrees or differs as they did
ROW_COMPARISONS = {
    "name": ("first_name", "middle_name", "last_name"),
    "company": ("company",),
    "city": ("city", "region"),
    "contacts": ("email_local", "phone", "profile"),
}


@dataclass
class SideBySide:
    """One row of a pair: the older lead's value and the newer's, and whether they agree
    (``same``), nearly agree (``close``: a nickname, a transliteration, a typo), disagree
    (``different``) or only one has it (``one-side``); no state for when each came in."""

    name: str
    label: str
    older: Any
    newer: Any
    state: str = ""


def _compared_state(levels: list[str]) -> str:
    """A row's state from its comparisons' levels, as matching saw them."""
    if not levels:
        return ""
    if any(level.startswith("different") for level in levels):
        return DIFFERENT
    return SAME if all(level.startswith("exact") for level in levels) else CLOSE


def _text_state(older: str, newer: str) -> str:
    if not older or not newer:
        return ONE_SIDE if (older or newer) else ""
    return SAME if older.casefold().strip() == newer.casefold().strip() else DIFFERENT


def _contacts_state(older: list[ContactPoint], newer: list[ContactPoint], compared: str) -> str:
    """Marks each contact point shared with the other lead (``is_shared``); the row agrees
    when they share one, else is what matching found (a phone one digit apart is close),
    else differs when both have contacts of a kind."""
    shared = {(p.kind, p.value) for p in older} & {(p.kind, p.value) for p in newer}
    for point in [*older, *newer]:
        point.is_shared = (point.kind, point.value) in shared
    if shared:
        return SAME
    if compared:
        return compared
    if {p.kind for p in older} & {p.kind for p in newer}:
        return DIFFERENT
    return ONE_SIDE if (older or newer) else ""


def _contacts(lead: Lead) -> list[ContactPoint]:
    if hasattr(lead, "pair_contacts"):  # loaded with the page
        return lead.pair_contacts
    return list(lead.contact_points.order_by("-is_primary", "kind", "id"))


def _place(lead: Lead) -> str:
    if lead.region and lead.region.casefold() != lead.city.casefold():
        return ", ".join(part for part in (lead.city, lead.region) if part)
    return lead.city or lead.region


_TEXTS = {
    "name": lambda lead: lead.full_name or lead.display_name,
    "company": lambda lead: lead.company_name,
    "city": _place,
    "source": lambda lead: str(lead.source or ""),
    "owner": lambda lead: (
        (lead.owner.get_full_name() or lead.owner.get_username()) if lead.owner else ""
    ),
    "stage": lambda lead: str(lead.stage or ""),
    "quality": lambda lead: lead.get_quality_status_display(),
}


def side_by_side(
    pair: DuplicateCandidate, explained: Explanation | None = None
) -> list[SideBySide]:
    """What the queue shows of the two leads, older first: name, company, city, contacts,
    source, owner, stage, quality status, and when each came in. Where matching compared a
    row's fields, the row agrees or differs as matching found (Мария and Maria agree)."""
    older, newer = pair.other, pair.lead
    levels = {item.comparison: item.level for item in (explained or Explanation()).fields}

    def compared(name: str) -> str:
        return _compared_state([levels[c] for c in ROW_COMPARISONS[name] if c in levels])

    labels = {
        "name": gettext("Name"),
        "company": gettext("Company"),
        "city": gettext("City"),
        "source": gettext("Source"),
        "owner": gettext("Owner"),
        "stage": gettext("Stage"),
        "quality": gettext("Quality"),
    }
    rows = []
    for name, label in labels.items():
        older_text, newer_text = _TEXTS[name](older) or "", _TEXTS[name](newer) or ""
        state = _text_state(older_text, newer_text)
        if name in ROW_COMPARISONS and state != ONE_SIDE:
            state = compared(name) or state
        rows.append(SideBySide(name, label, older_text, newer_text, state))
        if name == "city":
            older_contacts, newer_contacts = _contacts(older), _contacts(newer)
            state = _contacts_state(older_contacts, newer_contacts, compared("contacts"))
            rows.append(
                SideBySide("contacts", gettext("Contacts"), older_contacts, newer_contacts, state)
            )
    rows.append(SideBySide("created", gettext("Came in"), older.created_at, newer.created_at))
    return rows
