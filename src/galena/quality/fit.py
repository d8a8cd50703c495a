"""Target or non-target, and the kind of contact a lead is.

Fit rules are data (``quality.models.FitRule``): "the lead is non-target when <field>
<operator> <value>" — outside the served regions, asking for a product not sold, under a
budget, age or income. The evaluation is pure (``evaluate_fit``); the quality stage runs it
at intake, ``lead_fit_refresh`` runs it again when a person changes the data a rule reads
(called by ``leads.services.lead_update`` through ``settings.LEAD_CHANGE_HOOKS``), and
``leads_fit_refresh`` re-evaluates every lead after the rules change (``galena quality
refit``). Non-target leads are kept, marked and reportable: some become target later.

The contact type (quick / registration / promo / interested) is derived from the channel and
the fields a submission carries (``contact_type_for``); a person may override it by hand.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.core.bulk import insert_many, update_many
from galena.intake.contract import ParsedSubmission, Reason
from galena.leads.models import (
    TRACKING_FIELDS,
    ActorSource,
    Channel,
    ContactType,
    EventType,
    Fit,
    Lead,
    LeadEvent,
)
from galena.leads.services import Actor
from galena.quality.models import FitOperator, FitRule

STAGE = "quality"
NON_TARGET = "non_target"

# The lead fields a fit rule may read, besides "attributes.<answer>". Names and contact
# values are left out on purpose: who someone is called is no criterion of fit.
FIT_FIELDS = (
    "country",
    "region",
    "city",
    "language",
    "company_name",
    "position",
    "interest",
    "comment",
    "preferred_contact_time",
    "channel",
    *TRACKING_FIELDS,
)
ATTRIBUTES = "attributes"
# attributes.<answer>[.<answer>…]; an ad form's answers are named by their question, spaces
# and all ("attributes.When do you plan to buy?")
_ATTRIBUTE_PATH = re.compile(r"^attributes(\.[^.\s](?:[^.]*[^.\s])?)+$")

LIST_OPERATORS = frozenset({FitOperator.IN, FitOperator.NOT_IN})
NUMBER_OPERATORS = frozenset({FitOperator.LT, FitOperator.LTE, FitOperator.GT, FitOperator.GTE})
PRESENCE_OPERATORS = frozenset({FitOperator.EMPTY, FitOperator.NOT_EMPTY})
# Operators that say "the lead's value is not X": on a lead without the value they do not
# match either, since missing data is no reason to call someone non-target.
NEGATED = {FitOperator.NE: FitOperator.EQ, FitOperator.NOT_IN: FitOperator.IN}

# Evidence keeps a long answer (a comment) short.
_EVIDENCE_CHARS = 200
CHUNK_SIZE = 1000


@dataclass(frozen=True)
class FitRuleSpec:
    """An active fit rule as the evaluation needs it: plain data, no database."""

    id: int
    name: str
    field: str
    operator: str
    value: Any
    message: str


# --------------------------------------------------------------------------- values


_MISSING = object()


# the same few values (a rule's words, a lead's country or interest) are folded for every
# lead of a batch and every rule: remembered, bounded
@lru_cache(maxsize=8192)
def _folded(text: str) -> str:
    """Text for comparison: case, accents and runs of spaces do not count
    ("București" = "bucuresti", "Ёлка" = "елка")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


# One number, possibly with a currency or a unit around it: "45", "50 000", "3,5",
# "1.234.567,89", "€ 1,500", "EUR 300", "45 years", "10%". Two numbers ("30-40") are not one.
_NUMBER = re.compile(
    r"""^\s*
    (?:[A-Za-z]{3}\s*|[^\w\s+\-−.,]{1,3}\s*)?     # EUR, $, €, ~, ≈
    (?P<sign>[-+−]?)\s*
    (?P<digits>\d[\d\s\u00a0\u202f'’.,]*)
    (?:\s*[^\d\s][^\d]*)?                        # lei, years, %, руб.
    $""",
    re.VERBOSE,
)


def _grouped(digits: str, separator: str) -> bool:
    """Whether ``separator`` splits ``digits`` into thousands: 1,234,567."""
    head, *groups = digits.split(separator)
    return 1 <= len(head) <= 3 and bool(groups) and all(len(g) == 3 for g in groups)


def _plain_digits(digits: str) -> str | None:
    """Digits with separators as Python reads a number, or None when they are ambiguous
    beyond reason (a date such as 12.05.2020)."""
    commas, points = digits.count(","), digits.count(".")
    if commas and points:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, _mark, fraction = digits.rpartition(decimal_mark)
        if decimal_mark in whole or not _grouped(whole, thousands):
            return None
        return whole.replace(thousands, "") + "." + fraction
    if commas > 1 or points > 1:
        separator = "," if commas else "."
        return digits.replace(separator, "") if _grouped(digits, separator) else None
    if commas == 1:
        whole = digits.split(",")[0]
        # "1,500" is fifteen hundred; "3,5" and "1234,567" are decimals
        if _grouped(digits, ",") and whole.strip("0"):
            return digits.replace(",", "")
        return digits.replace(",", ".")
    return digits


def parse_number(value: Any) -> Decimal | None:
    """The number a value stands for, or None: numbers as they are; text as people write
    numbers, with spaces, apostrophes or grouping marks between thousands and a decimal
    comma or point. A single comma followed by exactly three digits ("1,500") separates
    thousands; one point is always a decimal point."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else value
        return number if number.is_finite() else None
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _NUMBER.match(value)
    if match is None:
        return None
    digits = re.sub(r"[\s\u00a0\u202f'’]", "", match["digits"]).rstrip(".,")
    plain = _plain_digits(digits) if digits else None
    if plain is None:
        return None
    try:
        number = Decimal(plain)
    except InvalidOperation:
        return None
    return -number if match["sign"] in ("-", "−") else number


def _is_empty(value: Any, depth: int = 0) -> bool:
    """No value, blank text, or a list or dict of nothing but those."""
    if value is _MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | set):
        if depth > 8:
            return False
        items = value.values() if isinstance(value, dict) else value
        return all(_is_empty(item, depth + 1) for item in items)
    return False


def _scalars(value: Any, depth: int = 0) -> list[Any]:
    """The comparable values in a lead's value: itself, or a multi-choice answer's choices."""
    if _is_empty(value):
        return []
    if isinstance(value, list | tuple | set):
        if depth > 2:
            return []
        return [s for item in value for s in _scalars(item, depth + 1)]
    if isinstance(value, str | int | float | bool | Decimal):
        return [value]
    return []  # a dict or anything else: present, but nothing to compare with


def _text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal):
        number = parse_number(value)
        return format(number.normalize(), "f") if number is not None else str(value)
    return str(value)


def _equal(actual: Any, expected: Any) -> bool:
    left, right = parse_number(actual), parse_number(expected)
    if left is not None and right is not None:
        return left == right
    if isinstance(expected, list | tuple | dict):
        return False
    return _folded(_text_of(actual)) == _folded(_text_of(expected))


def _as_list(expected: Any) -> list[Any]:
    if isinstance(expected, list | tuple):
        return [item for item in expected if not _is_empty(item)]
    return [] if _is_empty(expected) else [expected]


def _compare(operator: str, actual: Any, expected: Any) -> bool:
    """One scalar of the lead's value against the rule's value (positive operators)."""
    if operator == FitOperator.EQ:
        return _equal(actual, expected)
    if operator == FitOperator.IN:
        return any(_equal(actual, item) for item in _as_list(expected))
    if operator == FitOperator.CONTAINS:
        text = _folded(_text_of(actual))
        return any(
            (needle := _folded(_text_of(item))) and needle in text
            for item in _as_list(expected)
            if not isinstance(item, dict | list)
        )
    if operator in NUMBER_OPERATORS:
        left, right = parse_number(actual), parse_number(expected)
        if left is None or right is None:
            return False  # words are not less or more than a number
        return {
            FitOperator.LT: left < right,
            FitOperator.LTE: left <= right,
            FitOperator.GT: left > right,
            FitOperator.GTE: left >= right,
        }[operator]
    return False


def rule_matches(operator: str, actual: Any, expected: Any) -> bool:
    """Whether a lead whose value is ``actual`` (``MISSING`` when it has none) matches
    "<operator> <expected>". Never raises."""
    if operator == FitOperator.EMPTY:
        return _is_empty(actual)
    if operator == FitOperator.NOT_EMPTY:
        return not _is_empty(actual)
    if _is_empty(actual):
        return False  # missing data is no reason to call someone non-target
    scalars = _scalars(actual)
    if not scalars:
        return False
    if operator in NEGATED:
        return not any(_compare(NEGATED[operator], s, expected) for s in scalars)
    return any(_compare(operator, s, expected) for s in scalars)


MISSING = _MISSING


def _key_in(mapping: Mapping[str, Any], key: str) -> Any:
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for name, value in mapping.items():
        if isinstance(name, str) and name.casefold() == folded:
            return value
    return _MISSING


def value_at(values: Mapping[str, Any], path: str) -> Any:
    """The value a rule's field names: a lead field, or ``attributes.<answer>`` (nested
    answers with more dots, e.g. ``attributes.quiz.bill``). A quiz's answers are found by
    their own name too (``attributes.bill``) when no top-level attribute has that name.
    ``MISSING`` when the lead has no such value."""
    if not isinstance(path, str) or not path:
        return _MISSING
    if not path.startswith(ATTRIBUTES + "."):
        return values.get(path, _MISSING) if isinstance(values, Mapping) else _MISSING
    current: Any = values.get(ATTRIBUTES) if isinstance(values, Mapping) else None
    keys = path.split(".")[1:]
    if isinstance(current, Mapping) and len(keys) == 1:
        found = _key_in(current, keys[0])
        quiz = current.get("quiz")
        if found is _MISSING and isinstance(quiz, Mapping):
            found = _key_in(quiz, keys[0])
        return found
    for key in keys:
        if not isinstance(current, Mapping):
            return _MISSING
        current = _key_in(current, key)
        if current is _MISSING:
            return _MISSING
    return current


def _evidence_value(value: Any) -> Any:
    if value is _MISSING:
        return None
    if isinstance(value, Decimal):
        return _text_of(value)
    if isinstance(value, str):
        return value[:_EVIDENCE_CHARS]
    if isinstance(value, int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_evidence_value(v) for v in list(value)[:20]]
    if isinstance(value, dict):
        return {str(k)[:60]: _evidence_value(v) for k, v in list(value.items())[:20]}
    return str(value)[:_EVIDENCE_CHARS]


def evaluate_fit(
    values: Mapping[str, Any], rules: Sequence[FitRuleSpec]
) -> tuple[str, list[Reason]]:
    """The lead's fit from its values: "unknown" with no rules, "non_target" with one
    reason per matching rule, else "target". Pure; never raises on odd data."""
    if not rules:
        return Fit.UNKNOWN, []
    reasons = []
    for rule in rules:
        actual = value_at(values, rule.field)
        if rule_matches(rule.operator, actual, rule.value):
            reasons.append(
                Reason(
                    stage=STAGE,
                    code=NON_TARGET,
                    message=rule.message or rule.name,
                    evidence={
                        "rule": rule.id,
                        "field": rule.field,
                        "operator": rule.operator,
                        "expected": _evidence_value(rule.value),
                        "actual": _evidence_value(actual),
                    },
                )
            )
    return (Fit.NON_TARGET if reasons else Fit.TARGET), reasons


def fields_read(rules: Iterable[FitRuleSpec]) -> set[str]:
    """The lead fields the rules read ("attributes" for any answer): a change elsewhere
    cannot change the fit."""
    return {
        rule.field.split(".", 1)[0] for rule in rules if isinstance(rule.field, str) and rule.field
    }


def fit_values_for_lead(lead: Lead) -> dict[str, Any]:
    """A lead's values as the fit rules read them."""
    values = {name: getattr(lead, name) for name in FIT_FIELDS}
    values[ATTRIBUTES] = lead.attributes if isinstance(lead.attributes, dict) else {}
    return values


def fit_values_for_submission(parsed: ParsedSubmission) -> dict[str, Any]:
    """A parsed submission's values as the fit rules read them, named as on the lead."""
    person, attribution = parsed.person, parsed.attribution
    values: dict[str, Any] = {
        "country": person.country,
        "region": person.region,
        "city": person.city,
        "language": person.language,
        "company_name": person.company_name,
        "position": person.position,
        "interest": parsed.interest,
        "comment": parsed.comment,
        "preferred_contact_time": parsed.preferred_contact_time,
        "channel": attribution.channel if attribution else parsed.channel,
    }
    for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"):
        values[name] = getattr(attribution, name, "")
    values["referrer"] = getattr(attribution, "referrer", "")
    values["landing_page"] = getattr(attribution, "landing_page", "")
    values[ATTRIBUTES] = parsed.attributes if isinstance(parsed.attributes, dict) else {}
    return values


# --------------------------------------------------------------------------- rules


def fit_rules_load() -> list[FitRuleSpec]:
    """The active fit rules in order, as plain data (one query)."""
    return [
        FitRuleSpec(
            id=row["id"],
            name=row["name"],
            field=row["field"],
            operator=row["operator"],
            value=row["value"],
            message=row["message"],
        )
        for row in FitRule.objects.filter(is_active=True)
        .order_by("order", "id")
        .values("id", "name", "field", "operator", "value", "message")
    ]


def fit_rule_spec(rule: FitRule) -> FitRuleSpec:
    """An unsaved or saved rule as the evaluation takes it (for a preview)."""
    return FitRuleSpec(
        id=rule.pk or 0,
        name=rule.name,
        field=rule.field,
        operator=rule.operator,
        value=rule.value,
        message=rule.message,
    )


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def fit_rule_errors(field: str, operator: str, value: Any) -> dict[str, str]:
    """What is wrong with a rule, by form field ("field", "operator", "value"); empty
    when the rule can be saved."""
    errors: dict[str, str] = {}
    field = (field or "").strip()
    if not field:
        errors["field"] = _("Name the field the rule reads.")
    elif field not in FIT_FIELDS and not _ATTRIBUTE_PATH.match(field):
        errors["field"] = _(
            "Use one of the lead's fields (%(fields)s) or attributes.<answer>, e.g. attributes.age."
        ) % {"fields": ", ".join(FIT_FIELDS)}
    if operator not in FitOperator.values:
        errors["operator"] = _("Choose an operator.")
        return errors
    if operator in PRESENCE_OPERATORS:
        if not _is_empty(value):
            errors["value"] = _("Leave the value empty: this operator looks only at presence.")
        return errors
    if operator in LIST_OPERATORS:
        if not isinstance(value, list) or not value:
            errors["value"] = _('Give a list of values, e.g. ["RO", "MD"].')
        elif not all(_is_scalar(item) and not _is_empty(item) for item in value):
            errors["value"] = _("Each value in the list must be a non-empty text or a number.")
        elif field == "country" and not all(_is_country(item) for item in value):
            errors["value"] = _("Countries are two-letter codes, e.g. RO, MD, FI.")
        elif field == "channel" and not all(item in Channel.values for item in value):
            errors["value"] = _("Channels are: %(channels)s.") % {
                "channels": ", ".join(Channel.values)
            }
        return errors
    if operator in NUMBER_OPERATORS:
        if parse_number(value) is None:
            errors["value"] = _("Give a number, e.g. 18 or 50000.")
        return errors
    if operator == FitOperator.CONTAINS:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(i, str) and i.strip() for i in items):
            errors["value"] = _("Give the text to look for, or a list of texts.")
        return errors
    # eq, ne
    if not _is_scalar(value) or _is_empty(value):
        errors["value"] = _('Give one value, e.g. "RO" or 18; for several use "is one of".')
    elif field == "country" and not _is_country(value):
        errors["value"] = _("Countries are two-letter codes, e.g. RO, MD, FI.")
    elif field == "channel" and value not in Channel.values:
        errors["value"] = _("Channels are: %(channels)s.") % {"channels": ", ".join(Channel.values)}
    return errors


def _is_country(value: Any) -> bool:
    return isinstance(value, str) and len(value.strip()) == 2 and value.strip().isalpha()


# --------------------------------------------------------------------------- leads


def _reason_dicts(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [asdict(reason) for reason in reasons]


def _is_fit_reason(reason: Any) -> bool:
    return isinstance(reason, dict) and reason.get("code") == NON_TARGET


def _other_reasons(quality_reasons: Any) -> list[Any]:
    """The lead's quality reasons that are not about fit (pseudo-lead checks, …)."""
    if not isinstance(quality_reasons, list):
        return []
    return [r for r in quality_reasons if not _is_fit_reason(r)]


def _fit_reasons(quality_reasons: Any) -> list[Any]:
    if not isinstance(quality_reasons, list):
        return []
    return [r for r in quality_reasons if _is_fit_reason(r)]


def manual_fits(lead_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The leads whose current fit a person set by hand (their last change of fit is an
    edit, not a rule): lead id -> {"event", "actor", "at", "fit"}. One query."""
    ids = list(lead_ids)
    if not ids:
        return {}
    latest: dict[int, LeadEvent] = {}
    events = (
        LeadEvent.objects.filter(
            lead_id__in=ids,
            type__in=(EventType.UPDATED, EventType.CLASSIFIED),
            params__changes__has_key="fit",
        )
        .only("id", "lead_id", "type", "occurred_at", "actor_id", "params")
        .order_by("lead_id", "occurred_at", "id")
    )
    for event in events:
        latest[event.lead_id] = event
    return {
        lead_id: {
            "event": event.pk,
            "actor": event.actor_id,
            "at": event.occurred_at.isoformat(),
            "fit": event.params["changes"]["fit"][1],
        }
        for lead_id, event in latest.items()
        if event.type == EventType.UPDATED
    }


def _classified(
    lead: Lead,
    *,
    fit: str,
    reasons: list[Reason],
    actor: Actor,
    params: dict[str, Any],
    now,
) -> LeadEvent | None:
    """Set the new fit and reasons on ``lead`` (not saved); the event to record, or None
    when nothing stored changes."""
    new_reasons = _reason_dicts(reasons)
    if fit == lead.fit and new_reasons == _fit_reasons(lead.quality_reasons):
        return None
    changes = {"fit": [lead.fit, fit]} if fit != lead.fit else {}
    lead.fit = fit
    lead.quality_reasons = _other_reasons(lead.quality_reasons) + new_reasons
    lead.updated_at = now
    return LeadEvent(
        lead=lead,
        type=EventType.CLASSIFIED,
        occurred_at=now,
        actor=actor.user,
        actor_source=actor.source,
        params={"changes": changes, "reasons": new_reasons, **params},
    )


def lead_fit_refresh(
    *,
    lead: Lead,
    actor: Actor,
    changed: set[str],
    rules: Sequence[FitRuleSpec] | None = None,
) -> Lead:
    """Re-evaluate a lead's fit after its data changed (a LEAD_CHANGE_HOOKS hook, called by
    lead_update inside its transaction on the saved lead). Only when a field a rule reads
    changed; a fit set by hand in the same change is kept; a fit set by hand earlier gives
    way to the rules now that the data changed, and the event says so."""
    changed = set(changed)
    if "fit" in changed:
        return lead  # the person just chose the fit: theirs wins until the data changes again
    if not changed & (set(FIT_FIELDS) | {ATTRIBUTES}):
        return lead  # nothing a rule can read: no query
    rules = fit_rules_load() if rules is None else list(rules)
    read = changed & fields_read(rules)
    if not read:
        return lead
    fit, reasons = evaluate_fit(fit_values_for_lead(lead), rules)
    params: dict[str, Any] = {"trigger": "data_changed", "fields": sorted(read)}
    if fit != lead.fit and (manual := manual_fits([lead.pk]).get(lead.pk)):
        params["replaced_manual"] = manual
    rule_actor = Actor(user=actor.user, source=ActorSource.RULE)
    event = _classified(
        lead, fit=fit, reasons=reasons, actor=rule_actor, params=params, now=timezone.now()
    )
    if event is None:
        return lead
    with transaction.atomic(savepoint=False):
        lead.save(update_fields=["fit", "quality_reasons", "updated_at"])
        event.save()
    return lead


_LOAD_FIELDS = ("id", "fit", "quality_reasons", "updated_at", ATTRIBUTES, *FIT_FIELDS)


def leads_fit_refresh(
    *,
    rules: Sequence[FitRuleSpec] | None = None,
    include_manual: bool = False,
    actor: Actor | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-evaluate every lead's fit against the rules (the active ones by default), a chunk
    per transaction; returns how many leads changed. A fit a person set by hand is kept
    unless ``include_manual``. Each change is a CLASSIFIED event."""
    rules = fit_rules_load() if rules is None else list(rules)
    actor = actor or Actor(user=None, source=ActorSource.RULE)
    rule_ids = [rule.id for rule in rules]
    changed_count = 0
    last = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Lead.objects.select_for_update(of=("self",))
                .filter(pk__gt=last)
                .order_by("pk")
                .only(*_LOAD_FIELDS)[:chunk_size]
            )
            if not chunk:
                break
            last = chunk[-1].pk
            outcomes = {lead.pk: evaluate_fit(fit_values_for_lead(lead), rules) for lead in chunk}
            moving = [lead.pk for lead in chunk if outcomes[lead.pk][0] != lead.fit]
            manual = manual_fits(moving)
            now = timezone.now()
            updated, events = [], []
            for lead in chunk:
                if lead.pk in manual and not include_manual:
                    continue
                fit, reasons = outcomes[lead.pk]
                params: dict[str, Any] = {"trigger": "rules_changed", "rules": rule_ids}
                if lead.pk in manual:
                    params["replaced_manual"] = manual[lead.pk]
                event = _classified(
                    lead, fit=fit, reasons=reasons, actor=actor, params=params, now=now
                )
                if event is not None:
                    updated.append(lead)
                    events.append(event)
            update_many(Lead, updated, ["fit", "quality_reasons", "updated_at"])
            insert_many(LeadEvent, events)
            changed_count += len(updated)
        if progress is not None:
            progress(len(chunk))
    return changed_count


def fit_preview(
    rules: Sequence[FitRuleSpec], *, chunk_size: int = CHUNK_SIZE, examples: int = 10
) -> dict[str, Any]:
    """What these rules would do to the existing leads, without writing anything: how many
    would be non-target, how many would change fit, how many each rule catches, a few
    examples. Reads the leads in chunks."""
    rules = list(rules)
    result: dict[str, Any] = {
        "leads": 0,
        "target": 0,
        "non_target": 0,
        "unknown": 0,
        "would_change": 0,
        "to_non_target": 0,
        "to_target": 0,
        "manual_kept": 0,
        "by_rule": {rule.id: 0 for rule in rules},
        "examples": [],
    }
    last = 0
    while True:
        rows = list(
            Lead.objects.filter(pk__gt=last)
            .order_by("pk")
            .values("id", "fit", "display_name", ATTRIBUTES, *FIT_FIELDS)[:chunk_size]
        )
        if not rows:
            break
        last = rows[-1]["id"]
        moving: dict[int, tuple[dict[str, Any], str, list[Reason]]] = {}
        for row in rows:
            fit, reasons = evaluate_fit(row, rules)
            result["leads"] += 1
            result[fit] += 1
            for reason in reasons:
                rule_id = reason.evidence["rule"]
                result["by_rule"][rule_id] = result["by_rule"].get(rule_id, 0) + 1
            if fit != row["fit"]:
                moving[row["id"]] = (row, fit, reasons)
        manual = manual_fits(moving)
        for lead_id, (row, after, reasons) in moving.items():
            if lead_id in manual:
                result["manual_kept"] += 1
                continue
            result["would_change"] += 1
            if after == Fit.TARGET:
                result["to_target"] += 1
            elif after == Fit.NON_TARGET:
                result["to_non_target"] += 1
                if len(result["examples"]) < examples:
                    result["examples"].append(
                        {
                            "id": lead_id,
                            "name": row["display_name"],
                            "reasons": [r.message for r in reasons],
                        }
                    )
    return result


# --------------------------------------------------------------------------- contact type

# Channels where a person asks for a fast answer with the minimum: a call, a callback, a
# chat, a text message.
QUICK_CHANNELS = frozenset(
    {Channel.CALLBACK, Channel.PHONE_CALL, Channel.COLD_CALL, Channel.CHAT, Channel.SMS}
)
# Offline promotional occasions: the data is whatever was written down on the stand.
PROMO_CHANNELS = frozenset(
    {Channel.EXHIBITION, Channel.CONFERENCE, Channel.RAFFLE, Channel.FLYER, Channel.MAILING_LIST}
)
REGISTRATION_CHANNELS = frozenset({Channel.APP})

# Words in an answer's name (or the landing page's path) that say what the person came
# for, in the languages of the seeds, accents folded. A word ending in "*" is a stem.
_REGISTRATION_WORDS = frozenset(
    {
        "password",
        "username",
        "login",
        "account",
        "signup",
        "register",
        "registration",
        "webinar*",
        "ticket*",
        "inscriere",
        "inregistrare",
        "parola",
        "регистрац*",
        "пароль",
        "логин",
        "вебинар*",
        "registro",
        "inscripcion",
        "contrasena",
        "rekisteroidy",
        "rekisteroityminen",
        "salasana",
        "ilmoittaudu*",
    }
)
# A subscription (a newsletter, a mailing) is a registration unless the person also asked
# about something: a ticked "subscribe me" on a contact form does not make a question less.
_SUBSCRIPTION_WORDS = frozenset(
    {
        "newsletter",
        "subscribe",
        "subscription",
        "abonare",
        "uutiskirje",
        "подписк*",
        "рассылк*",
        "boletin",
        "suscripcion",
        "suscribir*",
    }
)
_PROMO_WORDS = frozenset(
    {
        "promo",
        "promocode",
        "promotion",
        "coupon*",
        "voucher*",
        "discount*",
        "giveaway",
        "raffle",
        "lottery",
        "prize",
        "sweepstake*",
        "reducere",
        "cupon*",
        "tombola",
        "premiu",
        "купон*",
        "скидк*",
        "розыгрыш*",
        "промокод*",
        "descuento",
        "sorteo",
        "alennus*",
        "arvonta",
        "kuponki",
        "kampanjakoodi",
        "tarjouskoodi",
    }
)
# Answers that say nothing about the person's need: tracking, the form's own machinery.
_TECHNICAL_KEYS = frozenset(
    {
        "ad",
        "quiz",
        "gclid",
        "fbclid",
        "yclid",
        "msclkid",
        "submit",
        "form",
        "form_id",
        "form_name",
        "page",
        "page_url",
        "page_title",
        "url",
        "captcha",
        "g-recaptcha-response",
        "csrfmiddlewaretoken",
        "timezone",
        "tz",
        "screen",
    }
)
# A detailed request: this many answered questions, or a comment of this many words.
DETAIL_ANSWERS = 2
COMMENT_WORDS = 3


def _has_word(text: str, words: frozenset[str]) -> bool:
    """Whether a name such as "promo_code" or a path such as "/webinar/sign-up" holds one
    of the words (the parts between separators, or the whole name: "promocode"); a word
    ending in "*" is a prefix ("regist*")."""
    folded = _folded(text)
    parts = [p for p in re.split(r"[\W_]+", folded) if p]
    prefixes = _prefixes(words)
    return any(
        part in words or (prefixes and part.startswith(prefixes))
        for part in [*parts, "".join(parts)]
    )


@functools.cache
def _prefixes(words: frozenset[str]) -> tuple[str, ...]:
    """The prefix words of a set, without their "*" (str.startswith takes them at once)."""
    return tuple(word[:-1] for word in words if word.endswith("*"))


_NO = frozenset({"false", "no", "0", "off", "nu", "нет", "ei"})


def _given(value: Any) -> bool:
    """An answer that is there and is not a "no" (an unticked box)."""
    if value is False or _is_empty(value):
        return False
    return not (isinstance(value, str) and _folded(value) in _NO)


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _answers(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The person's answers: quiz answers and questionnaire fields, without tracking and
    without subscription ticks."""
    answers: dict[str, Any] = {}
    quiz = attributes.get("quiz")
    if isinstance(quiz, Mapping):
        answers.update({f"quiz.{k}": v for k, v in quiz.items() if _given(v)})
    for key, value in attributes.items():
        name = str(key)
        if name in _TECHNICAL_KEYS or name.startswith(("_", "utm_", "consent")):
            continue
        if not _given(value) or isinstance(value, dict):
            continue
        if _has_word(name, _SUBSCRIPTION_WORDS):
            continue
        answers[name] = value
    return answers


def contact_type_for(parsed: ParsedSubmission, form_kind: str) -> str:
    """The contact type of a new lead (MISSION "Kinds of lead"; the Finnish seed's four
    kinds of contact), from its channel and the fields it carries, first rule that holds:

    1. **registration** — the person signed up for something: an app, an account, a
       webinar or an event ticket (the channel is an app, or a given answer or the landing
       page's path is named so: password, login, signup, webinar, регистрация, …). Account
       data, maybe no phone.
    2. **promo** — came through an incentive or an offline promotion: an exhibition,
       conference, raffle, flyer or mailing list, a form for quick entry at a stand, or an
       answer that is a promo code, coupon, discount, giveaway or prize. The data is
       whatever was written down, heterogeneous.
    3. **quick** — a fast request with the minimum: a callback widget, a call, a chat, an
       SMS. Usually a name and a mobile number.
    4. **interested** — asked about a product with details: a comment of a few words, a
       best time to call, or at least two answered questions (a quiz answered through its
       questions counts: its discount is the hook, the answers are the need).
    5. **registration** — a subscription (newsletter, mailing) without such details.
    6. **promo** — a quiz left without its questions answered: it came for the discount.
    7. **quick** — anything else: a name and a way to reach them, nothing more.
    """
    attribution = parsed.attribution
    channel = (attribution.channel if attribution else "") or parsed.channel
    attributes = parsed.attributes if isinstance(parsed.attributes, dict) else {}
    quiz = attributes.get("quiz") if isinstance(attributes.get("quiz"), dict) else {}
    names = [str(k) for k, v in [*attributes.items(), *quiz.items()] if _given(v)]
    landing_path = _path_of(str((attribution.landing_page if attribution else "") or ""))

    if (
        channel in REGISTRATION_CHANNELS
        or any(_has_word(name, _REGISTRATION_WORDS) for name in names)
        or _has_word(landing_path, _REGISTRATION_WORDS)
    ):
        return ContactType.REGISTRATION
    if (
        channel in PROMO_CHANNELS
        or form_kind == "quick_entry"
        or (attribution is not None and attribution.offline_event_id is not None)
        or any(_has_word(name, _PROMO_WORDS) for name in names)
    ):
        return ContactType.PROMO
    if channel in QUICK_CHANNELS or form_kind == "callback":
        return ContactType.QUICK
    if (
        len(str(parsed.comment or "").split()) >= COMMENT_WORDS
        or str(parsed.preferred_contact_time or "").strip()
        or len(_answers(attributes)) >= DETAIL_ANSWERS
    ):
        return ContactType.INTERESTED
    if any(_has_word(name, _SUBSCRIPTION_WORDS) for name in names) or _has_word(
        landing_path, _SUBSCRIPTION_WORDS
    ):
        return ContactType.REGISTRATION
    if form_kind == "quiz" or channel == Channel.QUIZ:
        return ContactType.PROMO
    return ContactType.QUICK
