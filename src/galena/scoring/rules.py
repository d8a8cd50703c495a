"""Rule scoring, pure: points for what a lead is (profile rules) and did (behaviour rules),
their decay, the groups' caps, and the temperature they give.

No database here: services load rules and events, call these functions and store what they
return. The conditions speak the fit rules' language (``quality.fit``): a field, an
operator, a value — so "position contains director" means the same in both places.

Decay: a behaviour point given at moment t₀ is worth 2^(−(t − t₀)/half-life) at t. A sum of
such points is therefore one number at one moment, decayed the same way (see
docs/decisions/0003-scoring-decay.md), which is how a lead's engagement is stored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from galena.leads.models import ContactType, Fit, Origin, Temperature, Verification
from galena.quality.fit import (
    ATTRIBUTES,
    FIT_FIELDS,
    MISSING,
    fit_rule_errors,
    rule_matches,
    value_at,
)
from galena.scoring.models import Frequency, RuleKind, ScoreGroup, TrackedKind, TrackedOrigin

# Profile rules read what fit rules read, and the lead's classification besides.
CLASSIFICATION_FIELDS: dict[str, tuple[str, ...]] = {
    "fit": tuple(Fit.values),
    "origin": tuple(Origin.values),
    "contact_type": tuple(ContactType.values),
    "verification": tuple(Verification.values),
}
PROFILE_FIELDS = (*FIT_FIELDS, *CLASSIFICATION_FIELDS, "source")
# Behaviour rules read the event; "properties.<name>" reads what the sender attached.
EVENT_FIELDS = ("category", "url", "title", "origin")
PROPERTIES = "properties"
_PROPERTY_PATH = re.compile(r"^properties(\.[^.\s](?:[^.]*[^.\s])?)+$")
# a field that is not a fit field is checked as if it were this one (plain text)
_TEXT_STAND_IN = "comment"
_DAY = 86400.0
# an award smaller than this is no award
MIN_POINTS = 0.01


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: Any


@dataclass(frozen=True)
class RuleSpec:
    """An active score rule as the evaluation needs it: plain data."""

    id: int
    name: str
    kind: str
    group: str
    points: int
    conditions: tuple[Condition, ...] = ()
    event_kind: str = ""
    frequency: str = Frequency.ONCE
    cap: int | None = None
    hot_signal: bool = False


@dataclass(frozen=True)
class Scales:
    """The business's score settings, in seconds where time is involved."""

    half_life_s: float = 30 * _DAY
    warm: int = 30
    hot: int = 60
    fit_cap: int | None = None
    engagement_cap: int | None = None
    hot_signal_s: float = 7 * _DAY


@dataclass(frozen=True)
class EventFacts:
    """A tracked event as behaviour rules read it."""

    kind: str
    occurred_at: dt.datetime
    category: str = ""
    url: str = ""
    title: str = ""
    origin: str = TrackedOrigin.BROWSER
    properties: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class Award:
    """Points one behaviour rule gave for one event (as given, before decay)."""

    rule_id: int
    rule_name: str
    group: str
    points: float
    occurred_at: dt.datetime
    event_id: int | None = None
    hot_signal: bool = False


@dataclass
class ProfileResult:
    points: float = 0.0
    # [{"rule": id, "name": …, "group": …, "points": …}] in rule order
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    hot_reasons: list[str] = field(default_factory=list)

    def group_points(self, group: str) -> float:
        return sum(line["points"] for line in self.breakdown if line["group"] == group)


# --------------------------------------------------------------------------- validation


def _condition_errors(kind: str, condition: Any) -> dict[str, str]:
    if not isinstance(condition, Mapping):
        return {"conditions": _('Each condition is {"field": …, "operator": …, "value": …}.')}
    name = str(condition.get("field") or "").strip()
    operator = str(condition.get("operator") or "")
    value = condition.get("value")
    if kind == RuleKind.PROFILE:
        allowed, fields = PROFILE_FIELDS, ", ".join(PROFILE_FIELDS)
        path_ok = name.startswith(ATTRIBUTES + ".")
        example = "attributes.budget"
    else:
        allowed, fields = EVENT_FIELDS, ", ".join(EVENT_FIELDS)
        path_ok = bool(_PROPERTY_PATH.match(name))
        example = "properties.seconds"
    if name not in allowed and not path_ok:
        return {
            "conditions": _(
                "“%(field)s” is not a field this rule can read: use one of %(fields)s or "
                "%(example)s."
            )
            % {"field": name or "—", "fields": fields, "example": example}
        }
    stand_in = name if name in FIT_FIELDS or (path_ok and kind == RuleKind.PROFILE) else None
    errors = fit_rule_errors(stand_in or _TEXT_STAND_IN, operator, value)
    if not errors and name in CLASSIFICATION_FIELDS:
        choices = CLASSIFICATION_FIELDS[name]
        values = value if isinstance(value, list) else [value]
        if operator not in ("empty", "not_empty") and not all(v in choices for v in values):
            errors = {"value": _("%(field)s is one of: %(choices)s.")}
            errors["value"] = errors["value"] % {"field": name, "choices": ", ".join(choices)}
    if not errors:
        return {}
    return {"conditions": "; ".join(f"{name}: {message}" for message in errors.values())}


def rule_errors(*, kind: str, event_kind: str, conditions: Any, frequency: str) -> dict[str, str]:
    """What is wrong with a rule, by model field; empty when it can be saved."""
    errors: dict[str, str] = {}
    if kind == RuleKind.BEHAVIOUR and event_kind not in TrackedKind.values:
        errors["event_kind"] = _("A behaviour rule names the kind of event it scores.")
    if kind == RuleKind.PROFILE and event_kind:
        errors["event_kind"] = _("A profile rule scores what the lead is: leave the event empty.")
    if kind == RuleKind.PROFILE and frequency == Frequency.EACH:
        errors["frequency"] = _("A profile rule counts once; “each time” is for behaviour.")
    if not isinstance(conditions, list):
        errors["conditions"] = _("Conditions are a list, [] for none.")
        return errors
    if kind == RuleKind.PROFILE and not conditions:
        errors["conditions"] = _("A profile rule needs at least one condition.")
    for condition in conditions:
        if found := _condition_errors(kind, condition):
            errors.update(found)
            break
    return errors


def conditions_of(raw: Any) -> tuple[Condition, ...]:
    """Stored conditions as data; malformed entries (never saved through the admin) are
    conditions nothing matches."""
    if not isinstance(raw, list):
        return (Condition("", "eq", None),)
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            out.append(
                Condition(
                    str(item.get("field") or ""), str(item.get("operator") or ""), item.get("value")
                )
            )
        else:
            out.append(Condition("", "eq", None))
    return tuple(out)


# --------------------------------------------------------------------------- profile


class _Matcher:
    """rule_matches with a memory: many leads share a country, a position or an answer,
    so recomputing a million leads asks each distinct question once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, int, Any], bool] = {}
        self.profiles: dict[tuple, ProfileResult] = {}
        self._fields: tuple[Sequence[RuleSpec], tuple[str, ...]] | None = None

    def fields_read(self, rules: Sequence[RuleSpec]) -> tuple[str, ...]:
        """The fields the rules read (one matcher serves one rule set)."""
        if self._fields is None or self._fields[0] is not rules:
            names = dict.fromkeys(
                c.field for rule in rules if rule.kind == RuleKind.PROFILE for c in rule.conditions
            )
            self._fields = (rules, tuple(names))  # held, so "is" cannot meet a new object
            self.profiles.clear()
        return self._fields[1]

    def __call__(
        self, rule_index: int, condition_index: int, condition: Condition, actual: Any
    ) -> bool:
        try:
            key = (rule_index, condition_index, actual)
            hash(key)
        except TypeError:
            return rule_matches(condition.operator, actual, condition.value)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) > 200_000:
                self._seen.clear()
            found = self._seen[key] = rule_matches(condition.operator, actual, condition.value)
        return found


def _profile_value(values: Mapping[str, Any], name: str) -> Any:
    if "." not in name:  # a plain field: no path to follow
        return values.get(name, MISSING) if name else MISSING
    return value_at(values, name)


def profile_score(
    values: Mapping[str, Any], rules: Sequence[RuleSpec], matcher: _Matcher | None = None
) -> ProfileResult:
    """Points from the profile rules whose conditions all hold for a lead's values. With a
    shared ``matcher``, leads whose values the rules read are the same share one result
    (treat it as read-only)."""
    matcher = matcher or _Matcher()
    fields = matcher.fields_read(rules)
    signature = tuple(_profile_value(values, name) for name in fields)
    try:
        found = matcher.profiles.get(signature)
    except TypeError:  # an answer that is a list or a dict: no shortcut
        signature, found = None, None
    if found is not None:
        return found
    result = _profile_score(values, rules, matcher)
    if signature is not None:
        if len(matcher.profiles) > 100_000:
            matcher.profiles.clear()
        matcher.profiles[signature] = result
    return result


def _profile_score(
    values: Mapping[str, Any], rules: Sequence[RuleSpec], matcher: _Matcher
) -> ProfileResult:
    result = ProfileResult()
    for index, rule in enumerate(rules):
        if rule.kind != RuleKind.PROFILE or not rule.conditions:
            continue
        if all(
            matcher(index, c_index, condition, _profile_value(values, condition.field))
            for c_index, condition in enumerate(rule.conditions)
        ):
            result.breakdown.append(
                {"rule": rule.id, "name": rule.name, "group": rule.group, "points": rule.points}
            )
            result.points += rule.points
            if rule.hot_signal:
                result.hot_reasons.append(rule.name)
    return result


def profile_matcher() -> _Matcher:
    """A shared memory for scoring many leads with the same rules."""
    return _Matcher()


# --------------------------------------------------------------------------- behaviour


def epoch(moment: dt.datetime) -> float:
    return moment.timestamp()


def decayed(points: float, since: float, now: float, half_life_s: float) -> float:
    """What ``points`` given at ``since`` are worth at ``now`` (both epoch seconds)."""
    if points == 0:
        return 0.0
    age = max(0.0, now - since)
    return points * math.pow(0.5, age / half_life_s)


def _event_values(event: EventFacts) -> dict[str, Any]:
    return {
        "category": event.category,
        "url": event.url,
        "title": event.title,
        "origin": event.origin,
        ATTRIBUTES: dict(event.properties) if isinstance(event.properties, Mapping) else {},
    }


def event_matches(
    rule: RuleSpec,
    event: EventFacts,
    matcher: _Matcher | None = None,
    values: Mapping[str, Any] | None = None,
) -> bool:
    """Whether a behaviour rule scores an event (``values``: the event's, when known)."""
    if rule.kind != RuleKind.BEHAVIOUR or rule.event_kind != event.kind:
        return False
    if not rule.conditions:
        return True
    if values is None:
        values = _event_values(event)
    for index, condition in enumerate(rule.conditions):
        name = condition.field
        if name.startswith(PROPERTIES + "."):
            name = ATTRIBUTES + name[len(PROPERTIES) :]
        actual = _profile_value(values, name)
        if matcher is None:
            if not rule_matches(condition.operator, actual, condition.value):
                return False
        elif not matcher(rule.id, index, condition, actual):
            return False
    return True


def event_matcher() -> _Matcher:
    """A shared memory for scoring many events with the same rules (keyed by rule id)."""
    return _Matcher()


def behaviour_awards(
    events: Iterable[EventFacts],
    rules: Sequence[RuleSpec],
    history: Iterable[Award],
    half_life_s: float,
    matcher: _Matcher | None = None,
) -> list[Award]:
    """The points new events earn, given what the lead earned before (``history``): a
    "once" rule gives once ever; a capped rule gives at most up to its cap, counting what
    it gave before at its decayed value. Events are taken in time order."""
    behaviour = [rule for rule in rules if rule.kind == RuleKind.BEHAVIOUR]
    if not behaviour:
        return []
    given_once: set[int] = set()
    # per rule: its points' value at the moment of its last award, and that moment
    value_at_moment: dict[int, tuple[float, float]] = {}
    for award in sorted(history, key=lambda a: a.occurred_at):
        given_once.add(award.rule_id)
        value, moment = value_at_moment.get(award.rule_id, (0.0, epoch(award.occurred_at)))
        now = epoch(award.occurred_at)
        value_at_moment[award.rule_id] = (
            decayed(value, moment, now, half_life_s) + award.points,
            now,
        )
    by_kind: dict[str, list[RuleSpec]] = {}
    for rule in behaviour:
        by_kind.setdefault(rule.event_kind, []).append(rule)
    awards: list[Award] = []
    for event in sorted(events, key=lambda e: e.occurred_at):
        candidates = by_kind.get(event.kind)
        if not candidates:
            continue
        now = epoch(event.occurred_at)
        values = _event_values(event)
        for rule in candidates:
            if not event_matches(rule, event, matcher, values):
                continue
            if rule.frequency == Frequency.ONCE and rule.id in given_once:
                continue
            value, moment = value_at_moment.get(rule.id, (0.0, now))
            current = decayed(value, moment, now, half_life_s)
            points = float(rule.points)
            if rule.cap is not None and points > 0:
                points = max(0.0, min(points, rule.cap - current))
            if abs(points) < MIN_POINTS and not rule.hot_signal:
                continue  # the cap is reached (up to the seconds between the events)
            given_once.add(rule.id)
            value_at_moment[rule.id] = (current + points, now)
            awards.append(
                Award(
                    rule_id=rule.id,
                    rule_name=rule.name,
                    group=rule.group,
                    points=round(points, 4),
                    occurred_at=event.occurred_at,
                    event_id=event.id,
                    hot_signal=rule.hot_signal,
                )
            )
    return awards


@dataclass
class Engagement:
    """A lead's behaviour points as stored: their value at one moment."""

    points: float = 0.0
    epoch: float = 0.0
    hot_until: dt.datetime | None = None
    hot_reason: str = ""

    def at(self, now: float, half_life_s: float) -> float:
        return decayed(self.points, self.epoch, now, half_life_s)


def engagement_from(awards: Iterable[Award], scales: Scales) -> Engagement:
    """Fold awards (old and new) into the stored form."""
    engagement = Engagement()
    for award in sorted(awards, key=lambda a: a.occurred_at):
        engagement = engagement_add(engagement, award, scales)
    return engagement


def engagement_add(engagement: Engagement, award: Award, scales: Scales) -> Engagement:
    """The stored engagement after one more award (awards come in time order)."""
    moment = epoch(award.occurred_at)
    if moment >= engagement.epoch:
        points = engagement.at(moment, scales.half_life_s) + award.points
        at = moment
    else:  # an award older than the stored moment (an event that arrived late)
        points = engagement.points + decayed(
            award.points, moment, engagement.epoch, scales.half_life_s
        )
        at = engagement.epoch
    hot_until, hot_reason = engagement.hot_until, engagement.hot_reason
    if award.hot_signal:
        until = award.occurred_at + dt.timedelta(seconds=scales.hot_signal_s)
        if hot_until is None or until > hot_until:
            hot_until, hot_reason = until, award.rule_name
    return Engagement(points=points, epoch=at, hot_until=hot_until, hot_reason=hot_reason)


# --------------------------------------------------------------------------- total


def capped(points: float, cap: int | None) -> float:
    return points if cap is None else min(points, float(cap))


def total_score(fit_points: float, engagement_now: float, scales: Scales) -> float:
    """Fit and engagement, each within its group's cap."""
    return capped(fit_points, scales.fit_cap) + capped(engagement_now, scales.engagement_cap)


@dataclass(frozen=True)
class Verdict:
    score: int
    temperature: str
    # why: a hot signal's name, or the threshold the score reached or missed
    signal: str = ""
    threshold: int = 0

    @property
    def reason(self) -> str:
        """Why this temperature, in words (in the active language)."""
        if self.signal:
            return _("Hot signal: %(name)s") % {"name": self.signal}
        template = (
            _("%(score)s points < %(threshold)s")
            if self.temperature == Temperature.COLD
            else _("%(score)s points ≥ %(threshold)s")
        )
        return template % {"score": self.score, "threshold": self.threshold}


def temperature_for(
    total: float,
    scales: Scales,
    *,
    hot_reasons: Sequence[str] = (),
    hot_until: dt.datetime | None = None,
    hot_reason: str = "",
    now: dt.datetime,
) -> Verdict:
    """Cold, warm or hot: an explicit hot signal (from the profile, or a behaviour signal
    still fresh) overrides the points; otherwise the thresholds decide."""
    score = round(total)
    if hot_reasons:
        return Verdict(score, Temperature.HOT, signal=hot_reasons[0])
    if hot_until is not None and hot_until > now:
        return Verdict(score, Temperature.HOT, signal=hot_reason or "?")
    if score >= scales.hot:
        return Verdict(score, Temperature.HOT, threshold=scales.hot)
    if score >= scales.warm:
        return Verdict(score, Temperature.WARM, threshold=scales.warm)
    return Verdict(score, Temperature.COLD, threshold=scales.warm)


def group_of(kind: str) -> str:
    """Profile rules count to fit, behaviour rules to engagement."""
    return ScoreGroup.FIT if kind == RuleKind.PROFILE else ScoreGroup.ENGAGEMENT
