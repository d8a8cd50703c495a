"""Survivorship: which value the surviving lead keeps of each field when leads are merged.

Pure: plain values in, plain values out, no database. The merge service feeds it the leads'
field values and contact points and stores what it returns. Every choice has a default and
can be overridden by naming the lead to take it from (``choices={"city": 34}``):

- a plain field: the survivor's value unless empty, else the most recently updated non-empty
  value of the others;
- the address — country, region, city and any address-like custom attribute — together from
  the lead with the most complete address, so a city and a region never come from different
  people;
- verification (status, method, time) together: a verified record wins, the survivor's first,
  else the most recently verified;
- temperature: the hottest; quality: the best status (accepted before not checked before
  quarantined before rejected) with its reasons;
- created_at: the earliest, the first contact; the attribution (source, campaign, channel,
  UTM, referrer, landing page) together from that first contact (first touch);
- the owner with their team and assignment time together: the survivor's, else the most
  recently updated owned lead's; the pipeline stage with its stamps: the survivor's;
- first response: the earliest; score and predicted probability: the highest;
- contact points: all are kept. A value the survivor already has stays with its merged lead
  (its verification carried over); the primary of each kind is the most recently verified
  value, else the survivor's primary.

Derived fields (display name, search text, transliterated name) are not chosen here: the
service recomputes them from the chosen values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from galena.leads.models import TRACKING_FIELDS

ADDRESS_FIELDS = ("country", "region", "city")
VERIFICATION_FIELDS = ("verification", "verification_method", "verified_at")
ASSIGNMENT_FIELDS = ("owner_id", "team_id", "assigned_at")
ATTRIBUTION_FIELDS = (
    "source_id",
    "campaign_id",
    "channel",
    "offline_event_id",
    *TRACKING_FIELDS,
)
QUALITY_FIELDS = ("quality_status", "quality_reasons")
PIPELINE_FIELDS = ("stage_id", "qualified_at", "converted_at", "rejected_at")
FILL_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "company_name",
    "position",
    "language",
    "interest",
    "comment",
    "preferred_contact_time",
    "fit",
    "origin",
    "contact_type",
    "recontact_at",
)
ATTRIBUTE_PREFIX = "attributes."

# Choice values that mean "nothing known", like an empty string.
UNKNOWN = "unknown"
_UNKNOWN_MEANS_EMPTY = {"fit", "origin", "contact_type", "temperature"}
TEMPERATURE_RANK = {"hot": 3, "warm": 2, "cold": 1, UNKNOWN: 0}
QUALITY_RANK = {"accepted": 0, UNKNOWN: 1, "quarantined": 2, "rejected": 3}
VERIFIED = "verified"

# Words that make a custom attribute part of the address (in the seeds' languages).
ADDRESS_WORDS = frozenset(
    [
        "address",
        "addr",
        "street",
        "str",
        "road",
        "avenue",
        "house",
        "building",
        "bldg",
        "apartment",
        "apt",
        "flat",
        "floor",
        "postcode",
        "postal",
        "zip",
        "zipcode",
        "district",
        "county",
        "province",
        "state",
        "suburb",
        "locality",
        "adresa",
        "strada",
        "str",
        "bloc",
        "scara",
        "apartament",
        "sector",
        "judet",
        "oras",
        "localitate",
        "cod_postal",
        "адрес",
        "улица",
        "дом",
        "квартира",
        "индекс",
        "район",
        "область",
        "город",
        "direccion",
        "dirección",
        "calle",
        "numero",
        "número",
        "piso",
        "codigo_postal",
        "provincia",
        "ciudad",
        "osoite",
        "katu",
        "talo",
        "asunto",
        "postinumero",
        "kunta",
        "kaupunki",
    ]
)
_KEY_WORDS = re.compile(r"[^\w]+|_")


def is_address_key(key: str) -> bool:
    """Whether a custom attribute's name says it is part of an address (street, postcode…)."""
    lowered = str(key).casefold()
    words = {word for word in _KEY_WORDS.split(lowered) if word}
    return lowered in ADDRESS_WORDS or bool(words & ADDRESS_WORDS)


@dataclass(frozen=True)
class LeadValues:
    """One lead's field values by attribute name (``owner_id``, not ``owner``); must hold
    ``created_at`` and ``updated_at``."""

    id: int
    values: Mapping[str, Any]

    def get(self, name: str) -> Any:
        if name.startswith(ATTRIBUTE_PREFIX):
            return (self.values.get("attributes") or {}).get(name.removeprefix(ATTRIBUTE_PREFIX))
        return self.values.get(name)


@dataclass(frozen=True)
class Choice:
    """One row of the side-by-side view: a field, or fields that go together, taken whole
    from one lead."""

    name: str
    fields: tuple[str, ...]
    rule: str  # how the default is chosen, for people: see RULES


RULES = {
    "fill": "the survivor's value unless empty, else the most recently updated one",
    "address": "the most complete address",
    "verification": "verified wins",
    "assignment": "the survivor's owner, else the most recently updated owned lead's",
    "first_contact": "the first contact",
    "quality": "the best quality status",
    "survivor": "the survivor's",
    "hottest": "the hottest",
    "earliest": "the earliest",
    "highest": "the highest",
}


class UnknownChoice(ValueError):
    """A choice names no field that can be chosen, or a lead that is not being merged."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass
class Survivorship:
    """What the survivor keeps: ``values`` by attribute name (``attributes`` as a whole
    dict), ``sources`` — the lead each value came from (attribute keys as
    ``attributes.<key>``) — and ``picks``: the lead taken for every choice, defaults
    included, with ``defaults`` for comparison."""

    values: dict[str, Any]
    sources: dict[str, int]
    picks: dict[str, int]
    defaults: dict[str, int]
    choices: list[Choice]


def is_empty(name: str, value: Any) -> bool:
    if value is None or value == "" or value == {} or value == []:
        return True
    return value == UNKNOWN and name in _UNKNOWN_MEANS_EMPTY


def _address_keys(lead: LeadValues) -> list[str]:
    return [key for key in (lead.values.get("attributes") or {}) if is_address_key(key)]


def _attribute_keys(leads: Sequence[LeadValues]) -> list[str]:
    """Every non-address attribute name any lead has, the survivor's first, in order."""
    keys: dict[str, None] = {}
    for lead in leads:
        for key in lead.values.get("attributes") or {}:
            if not is_address_key(key):
                keys.setdefault(str(key), None)
    return list(keys)


def merge_choices(leads: Sequence[LeadValues]) -> list[Choice]:
    """The choices a merge of these leads offers, in the order the merge page lists them."""
    choices = [Choice(name, (name,), "fill") for name in FILL_FIELDS[:5]]
    choices += [
        Choice("address", ADDRESS_FIELDS, "address"),
        *(Choice(name, (name,), "fill") for name in FILL_FIELDS[5:]),
        Choice("temperature", ("temperature",), "hottest"),
        Choice("verification", VERIFICATION_FIELDS, "verification"),
        Choice("quality", QUALITY_FIELDS, "quality"),
        Choice("score", ("score",), "highest"),
        Choice("predicted_probability", ("predicted_probability",), "highest"),
        Choice("assignment", ASSIGNMENT_FIELDS, "assignment"),
        Choice("pipeline", PIPELINE_FIELDS, "survivor"),
        Choice("created_at", ("created_at",), "earliest"),
        Choice("attribution", ATTRIBUTION_FIELDS, "first_contact"),
        Choice("first_response_at", ("first_response_at",), "earliest"),
    ]
    choices += [
        Choice(ATTRIBUTE_PREFIX + key, (ATTRIBUTE_PREFIX + key,), "fill")
        for key in _attribute_keys(leads)
    ]
    return choices


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def choice_differs(choice: Choice, leads: Sequence[LeadValues]) -> bool:
    """Whether the leads hold different values for this choice (the page emphasises it)."""

    def of(lead: LeadValues) -> str:
        values = [lead.get(name) for name in choice.fields]
        if choice.name == "address":
            attributes = lead.values.get("attributes") or {}
            values.append({key: attributes[key] for key in _address_keys(lead)})
        return _fingerprint(values)

    return len({of(lead) for lead in leads}) > 1


def _newest_first(others: Iterable[LeadValues]) -> list[LeadValues]:
    return sorted(others, key=lambda lead: (lead.values["updated_at"], lead.id), reverse=True)


def _first_filled(order: Sequence[LeadValues], name: str) -> LeadValues | None:
    return next((lead for lead in order if not is_empty(name, lead.get(name))), None)


def _best(order: Sequence[LeadValues], key: Callable[[LeadValues], Any]) -> LeadValues:
    """The lead with the highest key; on a tie the earlier in the order (survivor first)."""
    best = order[0]
    for lead in order[1:]:
        if key(lead) > key(best):
            best = lead
    return best


def _time_key(value: dt.datetime | None) -> tuple[bool, Any]:
    return (value is not None, value or 0)


def _default(choice: Choice, order: Sequence[LeadValues]) -> LeadValues:
    survivor = order[0]
    rule, name = choice.rule, choice.fields[0]
    if rule == "fill":
        return _first_filled(order, name) or survivor
    if rule == "address":
        return _best(
            order,
            lambda lead: (
                sum(not is_empty(f, lead.get(f)) for f in ADDRESS_FIELDS)
                + sum(
                    not is_empty("", (lead.values.get("attributes") or {}).get(key))
                    for key in _address_keys(lead)
                )
            ),
        )
    if rule == "verification":
        verified = [lead for lead in order if lead.get("verification") == VERIFIED]
        if not verified or verified[0] is survivor:
            return survivor
        return _best(verified, lambda lead: _time_key(lead.get("verified_at")))
    if rule == "assignment":
        return _first_filled(order, "owner_id") or _first_filled(order, "team_id") or survivor
    if rule == "quality":
        return _best(order, lambda lead: -QUALITY_RANK.get(lead.get("quality_status"), 1))
    if rule == "hottest":
        return _best(order, lambda lead: TEMPERATURE_RANK.get(lead.get("temperature"), 0))
    if rule == "highest":
        return _best(order, lambda lead: (lead.get(name) is not None, lead.get(name) or 0))
    if rule in ("earliest", "first_contact"):
        moment = "created_at" if rule == "first_contact" else name
        dated = [lead for lead in order if lead.get(moment) is not None]
        return _best(dated, lambda lead: _negated(lead.get(moment))) if dated else survivor
    return survivor


def _negated(moment: dt.datetime) -> float:
    return -moment.timestamp()


def survivorship(
    *,
    survivor: LeadValues,
    others: Sequence[LeadValues],
    choices: Mapping[str, int] | None = None,
) -> Survivorship:
    """The survivor's values after the merge, each from the lead its choice names (the
    default unless ``choices`` names another). Raises UnknownChoice for a choice that does
    not exist for these leads or names a lead not in the merge."""
    order = [survivor, *_newest_first(others)]
    by_id = {lead.id: lead for lead in order}
    available = merge_choices(order)
    known = {choice.name: choice for choice in available}
    for name, lead_id in (choices or {}).items():
        if name not in known:
            raise UnknownChoice(name, f"“{name}” is not a field that can be chosen here.")
        if lead_id not in by_id:
            raise UnknownChoice(name, f"Lead #{lead_id} is not one of the leads being merged.")

    values: dict[str, Any] = {}
    sources: dict[str, int] = {}
    picks: dict[str, int] = {}
    defaults: dict[str, int] = {}
    attributes: dict[str, Any] = {}
    for choice in available:
        default = _default(choice, order)
        defaults[choice.name] = default.id
        chosen = by_id[(choices or {}).get(choice.name, default.id)]
        picks[choice.name] = chosen.id
        for name in choice.fields:
            if name.startswith(ATTRIBUTE_PREFIX):
                key = name.removeprefix(ATTRIBUTE_PREFIX)
                value = chosen.get(name)
                if not is_empty(name, value):
                    attributes[key] = value
                sources[name] = chosen.id
            else:
                values[name] = chosen.get(name)
                sources[name] = chosen.id
        if choice.name == "address":
            chosen_attributes = chosen.values.get("attributes") or {}
            for key in _address_keys(chosen):
                attributes[key] = chosen_attributes[key]
                sources[ATTRIBUTE_PREFIX + key] = chosen.id
    # in the order the leads list them, the survivor's first
    order_of_keys = {key: None for lead in order for key in lead.values.get("attributes") or {}}
    values["attributes"] = {key: attributes[key] for key in order_of_keys if key in attributes}
    return Survivorship(
        values=values, sources=sources, picks=picks, defaults=defaults, choices=available
    )


# --- contact points -------------------------------------------------------------------


@dataclass(frozen=True)
class ContactValues:
    id: int
    lead_id: int
    kind: str
    value: str
    is_primary: bool = False
    verified: bool = False
    verified_at: dt.datetime | None = None


@dataclass
class ContactPlan:
    """What happens to the contact points: ``stay`` — points left on their merged lead
    because the survivor gets the same value another way; ``verified`` — points of the
    survivor that take the verification (time) of a verified twin that stays; ``primary``
    — the survivor's primary point of each kind afterwards."""

    stay: frozenset[int]
    verified: dict[int, dt.datetime | None] = field(default_factory=dict)
    primary: dict[str, int] = field(default_factory=dict)


def plan_contacts(
    *, survivor_id: int, lead_order: Sequence[int], points: Iterable[ContactValues]
) -> ContactPlan:
    """Keep every contact point: one per (kind, value) ends on the survivor — the survivor's
    own, else a verified one, else the first in ``lead_order`` — and the rest stay with
    their leads. The primary of each kind is the most recently verified value, else the
    survivor's primary, else the first other lead's primary."""
    rank = {lead_id: index for index, lead_id in enumerate([survivor_id, *lead_order])}
    points = sorted(points, key=lambda p: (rank.get(p.lead_id, len(rank)), p.id))
    groups: dict[tuple[str, str], list[ContactValues]] = {}
    for point in points:
        groups.setdefault((point.kind, point.value), []).append(point)

    stay: set[int] = set()
    verified: dict[int, dt.datetime | None] = {}
    kept: list[ContactValues] = []
    for group in groups.values():
        own = [p for p in group if p.lead_id == survivor_id]
        checked = [p for p in group if p.verified]
        if own:
            representative = own[0]
        elif checked:
            representative = _best(checked, lambda p: _time_key(p.verified_at))
        else:
            representative = group[0]
        stay.update(p.id for p in group if p.id != representative.id)
        if checked and not representative.verified:
            verified[representative.id] = max(
                (p.verified_at for p in checked if p.verified_at is not None), default=None
            )
        kept.append(representative)

    primary: dict[str, int] = {}
    for kind in dict.fromkeys(p.kind for p in kept):
        of_kind = [p for p in kept if p.kind == kind]
        checked = [p for p in of_kind if p.verified or p.id in verified]
        if checked:
            best = _best(checked, lambda p: _time_key(verified.get(p.id, p.verified_at)))
        else:
            best = next(
                (p for p in of_kind if p.is_primary and p.lead_id == survivor_id),
                next((p for p in of_kind if p.is_primary), of_kind[0]),
            )
        primary[kind] = best.id
    return ContactPlan(stay=frozenset(stay), verified=verified, primary=primary)
