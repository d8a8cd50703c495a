"""Routing, pure: which rule takes a lead, and which member of a team gets it.

No database here. ``routing.services`` loads the rules and the members' state, calls these
functions and stores what they return. Conditions speak the fit and score rules' language
(``quality.fit``): a field, an operator, a value.

Strategies, each over the members who may take a lead now (active, accepting leads, not
absent, within their working hours, under their daily capacity):

- round robin: the member whose last assignment is oldest in the team's sequence. A member
  who joins starts at the back of nobody: their sequence is 0, so they get the next lead,
  then take their turn — fair when members come and go, and under concurrency as long as
  the sequence is read and written under the team's lock;
- weighted: smooth weighted round robin (nginx's): each pick adds every member's weight to
  their running weight, the highest wins and gives back the total — over any window a
  member gets their share of leads, never in bursts;
- least loaded: the fewest open leads plus tasks due today; round robin breaks ties;
- skills: members who sell the lead's product and speak its language first (the most
  specific match wins), then least loaded among them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from galena.leads.models import ContactType, Fit, Origin, QualityStatus, Temperature, Verification
from galena.quality.fit import (
    ATTRIBUTES,
    FIT_FIELDS,
    _folded,
    fit_rule_errors,
    rule_matches,
    value_at,
)
from galena.routing.calendar import is_open
from galena.routing.models import Strategy, TargetKind

# What a rule may read: what fit rules read, the lead's classification and score, where it
# came from.
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "temperature": tuple(Temperature.values),
    "fit": tuple(Fit.values),
    "origin": tuple(Origin.values),
    "contact_type": tuple(ContactType.values),
    "verification": tuple(Verification.values),
    "quality_status": tuple(QualityStatus.values),
}
NUMBER_FIELDS = ("score", "predicted_probability")
ROUTING_FIELDS = (*FIT_FIELDS, *CHOICE_FIELDS, *NUMBER_FIELDS, "source")
_TEXT_STAND_IN = "comment"
_NUMBER_STAND_IN = "attributes.number"


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: Any


@dataclass(frozen=True)
class RouteRule:
    """An active routing rule as the evaluation needs it."""

    id: int
    name: str
    conditions: tuple[Condition, ...]
    target_kind: str
    user_id: int | None = None
    team_id: int | None = None
    strategy: str = Strategy.ROUND_ROBIN


@dataclass(frozen=True)
class RuleMatch:
    rule: RouteRule | None
    # for each rule tried before it: (rule name, the first condition that did not hold)
    skipped: tuple[tuple[str, str], ...] = ()


def conditions_of(raw: Any) -> tuple[Condition, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        Condition(str(c.get("field") or ""), str(c.get("operator") or ""), c.get("value"))
        for c in raw
        if isinstance(c, Mapping)
    )


def condition_errors(conditions: Any) -> str:
    """What is wrong with a rule's conditions, in words; empty when they can be saved."""
    if not isinstance(conditions, list):
        return _("Conditions are a list, [] for a rule that takes every lead.")
    problems = []
    for condition in conditions:
        if not isinstance(condition, Mapping):
            return _('Each condition is {"field": …, "operator": …, "value": …}.')
        name = str(condition.get("field") or "").strip()
        operator = str(condition.get("operator") or "")
        value = condition.get("value")
        if name not in ROUTING_FIELDS and not name.startswith(ATTRIBUTES + "."):
            problems.append(
                _("“%(field)s” is not a field a rule can read: use one of %(fields)s or %(ex)s.")
                % {
                    "field": name or "—",
                    "fields": ", ".join(ROUTING_FIELDS),
                    "ex": "attributes.budget",
                }
            )
            continue
        if name in FIT_FIELDS or name.startswith(ATTRIBUTES + "."):
            stand_in = name
        elif name in NUMBER_FIELDS:
            stand_in = _NUMBER_STAND_IN
        else:
            stand_in = _TEXT_STAND_IN
        errors = fit_rule_errors(stand_in, operator, value)
        if not errors and name in CHOICE_FIELDS:
            choices = CHOICE_FIELDS[name]
            values = value if isinstance(value, list) else [value]
            if operator not in ("empty", "not_empty") and not all(v in choices for v in values):
                errors = {
                    "value": _("%(field)s is one of: %(choices)s.")
                    % {"field": name, "choices": ", ".join(choices)}
                }
        problems += [f"{name}: {message}" for message in errors.values()]
    return "; ".join(problems)


def target_errors(target_kind: str, user_id: int | None, team_id: int | None) -> dict[str, str]:
    """What is wrong with a rule's target, by model field."""
    if target_kind == TargetKind.USER and user_id is None:
        return {"user": _("Choose the person this rule gives its leads to.")}
    if target_kind == TargetKind.TEAM and team_id is None:
        return {"team": _("Choose the team whose members take this rule's leads.")}
    return {}


def _holds(condition: Condition, values: Mapping[str, Any]) -> bool:
    return rule_matches(condition.operator, value_at(values, condition.field), condition.value)


def rule_for(values: Mapping[str, Any], rules: Sequence[RouteRule]) -> RuleMatch:
    """The first rule, in order, whose conditions all hold for the lead's values (and why
    each earlier rule did not take it)."""
    skipped = []
    for rule in rules:
        failed = next((c for c in rule.conditions if not _holds(c, values)), None)
        if failed is None:
            return RuleMatch(rule=rule, skipped=tuple(skipped))
        skipped.append((rule.name, f"{failed.field} {failed.operator} {failed.value!r}"))
    return RuleMatch(rule=None, skipped=tuple(skipped))


# --------------------------------------------------------------------------- members


@dataclass(frozen=True)
class Member:
    """A team member as the strategies see them."""

    user_id: int
    name: str
    weight: int = 1
    last_sequence: int = 0
    current_weight: int = 0
    assigned_today: int = 0
    capacity: int = 0  # new leads per day; 0: no limit
    load: int = 0  # open leads + tasks due today
    products: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    # why the member cannot take a lead now ("" when they can)
    unavailable: str = ""


@dataclass(frozen=True)
class Availability:
    """What decides whether a member takes leads at a moment."""

    is_active: bool
    accepts_leads: bool
    working_hours: Mapping[str, Any] | None
    time_zone: dt.tzinfo
    holidays: frozenset[dt.date] = frozenset()
    absences: tuple[tuple[dt.datetime, dt.datetime], ...] = ()


def unavailable_because(availability: Availability, now: dt.datetime) -> str:
    """Why a member cannot take a lead at ``now``; empty when they can."""
    if not availability.is_active:
        return _("inactive")
    if not availability.accepts_leads:
        return _("not taking leads")
    if any(start <= now < end for start, end in availability.absences):
        return _("absent")
    if availability.working_hours is not None and not is_open(
        now, availability.working_hours, tz=availability.time_zone, holidays=availability.holidays
    ):
        return _("outside working hours")
    return ""


def _eligible(member: Member) -> bool:
    return not member.unavailable and (
        member.capacity <= 0 or member.assigned_today < member.capacity
    )


def _round_robin_key(member: Member) -> tuple[int, int]:
    return (member.last_sequence, member.user_id)


def _words(values: Iterable[str]) -> set[str]:
    return {_folded(v) for v in values if isinstance(v, str) and v.strip()}


def skill_match(member: Member, interest: str, language: str) -> int:
    """How well a member's skills fit the lead: 2 points for the product, 1 for the
    language (a member who lists no products or languages handles any)."""
    score = 0
    products = _words(member.products)
    wanted = _folded(interest or "")
    if wanted and products and any(p in wanted or wanted in p for p in products):
        score += 2
    languages = {code.split("-")[0] for code in _words(member.languages)}
    if language and languages and _folded(language).split("-")[0] in languages:
        score += 1
    return score


@dataclass(frozen=True)
class Pick:
    member: Member | None
    reason: str


def pick_member(
    strategy: str, members: Sequence[Member], *, interest: str = "", language: str = ""
) -> Pick:
    """Choose the member who takes the next lead, by the strategy; ``member`` is None when
    nobody may take it now (the reason says why)."""
    eligible = [m for m in members if _eligible(m)]
    if not eligible:
        if not members:
            return Pick(None, _("the team has no members"))
        reasons = sorted({m.unavailable or _("daily capacity reached") for m in members})
        return Pick(None, _("no member can take it: %(why)s") % {"why": ", ".join(reasons)})
    if strategy == Strategy.WEIGHTED:
        total = sum(max(m.weight, 0) for m in eligible)
        best = max(eligible, key=lambda m: (m.current_weight + m.weight, -m.last_sequence))
        return Pick(
            best, _("weighted round robin (weight %(w)s of %(t)s)") % {"w": best.weight, "t": total}
        )
    if strategy == Strategy.LEAST_LOADED:
        best = min(eligible, key=lambda m: (m.load, *_round_robin_key(m)))
        return Pick(
            best, _("least loaded (%(load)s open leads and tasks due)") % {"load": best.load}
        )
    if strategy == Strategy.SKILLS:
        scored = [(skill_match(m, interest, language), m) for m in eligible]
        top = max(score for score, _m in scored)
        pool = [m for score, m in scored if score == top]
        best = min(pool, key=lambda m: (m.load, *_round_robin_key(m)))
        if top == 0:
            why = _("nobody listed for this product or language; least loaded")
        else:
            parts = [_("sells it")] if top >= 2 else []
            parts += [_("speaks the language")] if top % 2 else []
            why = _("skills: %(parts)s; least loaded among them") % {"parts": ", ".join(parts)}
        return Pick(best, why)
    best = min(eligible, key=_round_robin_key)
    return Pick(best, _("round robin"))


def after_pick(
    members: Sequence[Member], picked: Member, *, sequence: int, strategy: str
) -> list[Member]:
    """The members' state after ``picked`` took a lead as number ``sequence`` of the team."""
    result = []
    eligible_weight = sum(max(m.weight, 0) for m in members if _eligible(m))
    for member in members:
        current = member.current_weight
        if strategy == Strategy.WEIGHTED and _eligible(member):
            current += member.weight
        if member.user_id == picked.user_id:
            if strategy == Strategy.WEIGHTED:
                current -= eligible_weight
            member = replace(
                member,
                last_sequence=sequence,
                assigned_today=member.assigned_today + 1,
                load=member.load + 1,
            )
        result.append(replace(member, current_weight=current))
    return result


@dataclass
class RouteResult:
    """Where one lead goes: an owner, a team, or a queue; and why, for the event."""

    owner_id: int | None = None
    team_id: int | None = None
    rule_id: int | None = None
    rule_name: str = ""
    queued: bool = False
    reason: str = ""
    alert: bool = False  # nobody could take it: the team's head is told
    details: dict[str, Any] = field(default_factory=dict)
