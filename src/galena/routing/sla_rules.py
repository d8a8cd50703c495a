"""First-response SLAs, pure: which policy a lead falls under, its deadline in the team's
calendar, what counts as a response, and where an overdue lead's escalation stands.

No database here: ``routing.sla`` loads the policies and calendars, calls these functions and
stores what they return. Policy conditions speak the routing rules' language
(``routing.rules``: the fit rules' fields and operators, plus temperature, score, source…).

The escalation chain of a clock, each step once, in order:
  warn (``warn_before_minutes`` before the deadline) → breach (the deadline passes: the owner is
  reminded, step 1) → reassign (``reassign_after_minutes`` after the breach, step 2) → alert
  the head of sales (``alert_after_minutes`` after the breach, step 3). A step whose minutes
  are empty is skipped; a late sweep takes every step that is due at once, except a warning
  about a deadline already passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from typing import Any

from django.utils.translation import gettext as _

from galena.routing import rules as engine
from galena.routing.calendar import (
    Week,
    add_business_days,
    add_business_time,
    business_seconds_between,
)
from galena.routing.models import ResponseKind, SlaPolicy, default_response_kinds

# What counts as a response on a lead without a clock (no policy took it): what a new
# policy counts unless told otherwise.
DEFAULT_RESPONSE_KINDS = frozenset(default_response_kinds())


@dataclass(frozen=True)
class Calendar:
    """A team's business hours in its time zone (parsed once, ``calendar.week``), and its
    holidays (and everyone's)."""

    hours: Mapping[str, Any] | Week
    tz: dt.tzinfo
    holidays: frozenset[dt.date] = frozenset()


@dataclass(frozen=True)
class PolicySpec:
    """An active SLA policy as the evaluation needs it: plain data."""

    id: int
    name: str
    conditions: tuple[engine.Condition, ...] = ()
    response_minutes: int = 0
    response_business_days: int = 0
    business_hours: bool = True
    response_kinds: frozenset[str] = DEFAULT_RESPONSE_KINDS
    warn_before_minutes: int = 0
    reassign_after_minutes: int | None = None
    alert_after_minutes: int | None = None


def policy_spec(policy: SlaPolicy) -> PolicySpec:
    """A saved or unsaved policy as the evaluation takes it."""
    kinds = policy.response_kinds if isinstance(policy.response_kinds, list) else []
    return PolicySpec(
        id=policy.pk or 0,
        name=policy.name,
        conditions=engine.conditions_of(policy.conditions),
        response_minutes=policy.response_minutes or 0,
        response_business_days=policy.response_business_days or 0,
        business_hours=policy.business_hours,
        response_kinds=frozenset(str(kind) for kind in kinds),
        warn_before_minutes=policy.warn_before_minutes or 0,
        reassign_after_minutes=policy.reassign_after_minutes,
        alert_after_minutes=policy.alert_after_minutes,
    )


def policy_for(values: Mapping[str, Any], policies: Sequence[PolicySpec]) -> PolicySpec | None:
    """The first policy, in order, whose conditions all hold for the lead's values (routing's
    values, ``routing.services.lead_values``); None when none does: the lead has no clock."""
    return engine.rule_for(values, policies).rule  # type: ignore[arg-type]


def counts_as_response(kind: str, policy: PolicySpec | None) -> bool:
    """Whether an activity of this kind (call, email, task, note) answers the lead."""
    return kind in (policy.response_kinds if policy is not None else DEFAULT_RESPONSE_KINDS)


# --------------------------------------------------------------------------- validation


def policy_errors(
    *,
    conditions: Any,
    response_minutes: int | None,
    response_business_days: int | None,
    response_kinds: Any,
    reassign_after_minutes: int | None,
    alert_after_minutes: int | None,
) -> dict[str, str]:
    """What is wrong with a policy, by model field; empty when it can be saved."""
    errors: dict[str, str] = {}
    if problem := engine.condition_errors(conditions):
        errors["conditions"] = problem
    if not (response_minutes or 0) and not (response_business_days or 0):
        errors["response_minutes"] = _(
            "Give the time allowed for the first response: minutes, business days or both."
        )
    kinds = response_kinds if isinstance(response_kinds, list) else None
    if not kinds or not all(kind in ResponseKind.values for kind in kinds):
        errors["response_kinds"] = _(
            'List what counts as a response, e.g. ["call", "email"]; choose from %(kinds)s.'
        ) % {"kinds": ", ".join(ResponseKind.values)}
    if (
        reassign_after_minutes is not None
        and alert_after_minutes is not None
        and alert_after_minutes < reassign_after_minutes
    ):
        errors["alert_after_minutes"] = _(
            "The head of sales is alerted after the lead is reassigned: give at least "
            "%(minutes)s minutes, or leave the reassignment empty."
        ) % {"minutes": reassign_after_minutes}
    return errors


# --------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    warn_at: dt.datetime | None


def deadline_for(policy: PolicySpec, start: dt.datetime, calendar: Calendar) -> Deadline:
    """When the first response is due for a lead that arrived at ``start``. In business
    hours: the business days first (the same time so many open days later), then the
    minutes of open time; otherwise days of 24 hours and plain minutes. The warning comes
    ``warn_before_minutes`` of the same time before the deadline; none when that is not
    after the start (the whole allowance is "soon")."""
    minutes = dt.timedelta(minutes=policy.response_minutes)
    warn = dt.timedelta(minutes=policy.warn_before_minutes)
    if not policy.business_hours:
        due = start + dt.timedelta(days=policy.response_business_days) + minutes
        warn_at = due - warn if warn and due - warn > start else None
        return Deadline(due_at=due, warn_at=warn_at)
    hours, tz, holidays = calendar.hours, calendar.tz, calendar.holidays
    due = start
    if policy.response_business_days:
        due = add_business_days(due, policy.response_business_days, hours, tz=tz, holidays=holidays)
    if minutes or not policy.response_business_days:
        due = add_business_time(due, minutes.total_seconds(), hours, tz=tz, holidays=holidays)
    warn_at = None
    if warn:
        allowed = business_seconds_between(start, due, hours, tz=tz, holidays=holidays)
        if allowed > warn.total_seconds():
            warn_at = add_business_time(
                start, allowed - warn.total_seconds(), hours, tz=tz, holidays=holidays
            )
    return Deadline(due_at=due, warn_at=warn_at)


# --------------------------------------------------------------------------- escalation


class Step(StrEnum):
    WARN = "warn"
    BREACH = "breach"
    REASSIGN = "reassign"
    ALERT = "alert"


class Escalated(IntEnum):
    """``SlaClock.escalation_step``: how far the chain has gone."""

    NOTHING = 0
    REMINDED = 1
    REASSIGNED = 2
    ALERTED = 3


@dataclass(frozen=True)
class ClockFacts:
    """A clock as the escalation reads and writes it."""

    due_at: dt.datetime
    warn_at: dt.datetime | None = None
    warned_at: dt.datetime | None = None
    breached_at: dt.datetime | None = None
    escalation_step: int = Escalated.NOTHING


@dataclass(frozen=True)
class Escalation:
    """The steps due now, in order, the clock once they are taken, and when to look next
    (None: the chain is over)."""

    steps: tuple[Step, ...]
    clock: ClockFacts
    next_check_at: dt.datetime | None


def _after(breached_at: dt.datetime, minutes: int | None) -> dt.datetime | None:
    return None if minutes is None else breached_at + dt.timedelta(minutes=minutes)


def escalate(clock: ClockFacts, policy: PolicySpec | None, now: dt.datetime) -> Escalation:
    """The steps of an unanswered clock that are due at ``now`` (a clock whose policy was
    deleted warns and breaches, then stops). Taking them again changes nothing: each step
    is due only while the clock says it has not been taken."""
    steps: list[Step] = []
    if clock.breached_at is None:
        if now >= clock.due_at:
            steps.append(Step.BREACH)
            # the deadline is when it was breached, whenever the sweep noticed
            clock = replace(clock, breached_at=clock.due_at, escalation_step=Escalated.REMINDED)
        elif clock.warn_at is not None and clock.warned_at is None and now >= clock.warn_at:
            steps.append(Step.WARN)
            clock = replace(clock, warned_at=now)
    reassign_at = alert_at = None
    if clock.breached_at is not None and policy is not None:
        reassign_at = _after(clock.breached_at, policy.reassign_after_minutes)
        alert_at = _after(clock.breached_at, policy.alert_after_minutes)
        if clock.escalation_step < Escalated.REASSIGNED and reassign_at and now >= reassign_at:
            steps.append(Step.REASSIGN)
            clock = replace(clock, escalation_step=Escalated.REASSIGNED)
        if clock.escalation_step < Escalated.ALERTED and alert_at and now >= alert_at:
            steps.append(Step.ALERT)
            clock = replace(clock, escalation_step=Escalated.ALERTED)
    return Escalation(steps=tuple(steps), clock=clock, next_check_at=_next_check(clock, policy))


def _next_check(clock: ClockFacts, policy: PolicySpec | None) -> dt.datetime | None:
    due: list[dt.datetime] = []
    if clock.breached_at is None:
        if clock.warn_at is not None and clock.warned_at is None:
            due.append(clock.warn_at)
        due.append(clock.due_at)
    elif policy is not None:
        if clock.escalation_step < Escalated.REASSIGNED:
            due.append(_after(clock.breached_at, policy.reassign_after_minutes))
        if clock.escalation_step < Escalated.ALERTED:
            due.append(_after(clock.breached_at, policy.alert_after_minutes))
    found = [moment for moment in due if moment is not None]
    return min(found) if found else None


def first_check(deadline: Deadline) -> dt.datetime:
    """When the sweep first looks at a new clock."""
    return deadline.warn_at or deadline.due_at


def holidays_of(
    team_id: int | None, by_team: Mapping[int | None, Collection[dt.date]]
) -> frozenset[dt.date]:
    """A team's holidays and everyone's (team None)."""
    return frozenset(by_team.get(None, ())) | frozenset(by_team.get(team_id, ()) if team_id else ())
