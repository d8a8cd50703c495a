"""First-response SLAs, the writes: each new lead's clock, the response that stops it, and the
periodic sweep that warns, marks breaches and escalates.

- **Starting** (``leads_sla_start``, a ``LEADS_CREATED_HOOKS`` hook after routing): a new lead
  going to sales gets the first active policy whose conditions it meets; its deadline counts
  from the lead's arrival in its team's business hours (``sla_rules.deadline_for``), stored as
  an ``SlaClock`` row and copied to ``Lead.response_due_at`` for the lists. A lead released
  from quarantine gets its clock then (``lead_sla_on_change``).
- **Responding** (``lead_sla_respond``, a ``LEAD_ACTIVITY_HOOKS`` hook): a person's call,
  e-mail, task done or note, if the policy counts that kind, meets the clock; the first such
  response is the lead's ``first_response_at`` — set here and nowhere else.
- **Escalating** (``sla_sweep``, every minute): the clocks whose ``next_check_at`` has come,
  a chunk at a time, each lead locked and skipped if another sweep holds it; every step an
  event, each taken once (``sla_rules.escalate``).

See docs/decisions/0004-sla-clocks.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.accounts.models import Team
from galena.consent import services as consent
from galena.core.bulk import (
    insert_soon,
    instance_factory,
    update_many,
    update_rows,
    update_soon,
)
from galena.core.memo import config_changed, fresh, marked
from galena.leads.models import EventType, Lead, LeadEvent, QualityStatus, StageKind
from galena.leads.services import Actor
from galena.notifications.models import NotificationKind
from galena.notifications.services import notify
from galena.routing import sla_rules
from galena.routing.calendar import week, zone
from galena.routing.models import (
    Holiday,
    SlaClock,
    SlaPolicy,
    TeamRouting,
    default_business_hours,
)
from galena.routing.services import RULE_ACTOR, heads_of, lead_reroute, lead_values, source_names
from galena.routing.sla_rules import Calendar, PolicySpec, Step

logger = logging.getLogger(__name__)

# a lead held for review or rejected as a pseudo-lead is not sales' to answer
NOT_FOR_SALES = (QualityStatus.REJECTED, QualityStatus.QUARANTINED)
# clocks the sweep reads and locks at a time
SWEEP_CHUNK = 200
# a clock whose escalation failed is tried again this much later
RETRY_AFTER = dt.timedelta(minutes=5)


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class SlaConfig:
    """The active policies in order, every policy by id (a clock keeps a policy switched
    off later), and each team's calendar."""

    policies: tuple[PolicySpec, ...]
    by_id: dict[int, PolicySpec]
    calendars: dict[int, Calendar]
    default: Calendar
    reads_source: bool

    def calendar(self, team_id: int | None) -> Calendar:
        """The team's calendar; leads without a team use ``SLA_DEFAULT_BUSINESS_HOURS``."""
        return self.calendars.get(team_id, self.default) if team_id else self.default


_loaded: dict[str, Any] = {}


def sla_config_forget(*, sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """Forget the loaded policies and calendars (one was saved in this process). A team's
    routing row created with the default hours changes no calendar: routing creates one
    the first time it routes to a team."""
    unchanged = sender is TeamRouting and kwargs.get("created")
    if not (unchanged and instance.business_hours == default_business_hours()):
        _loaded.clear()
        config_changed()


def _max_age() -> dt.timedelta:
    return dt.timedelta(hours=settings.SLA_START_MAX_AGE_HOURS)


def sla_config_load() -> SlaConfig:
    """The policies and calendars, read again when the shared generation changed (core.memo)
    or ``ROUTING_CONFIG_SECONDS`` passed: three small queries."""
    if "config" in _loaded and fresh(_loaded, settings.ROUTING_CONFIG_SECONDS):
        return _loaded["config"]
    mark = marked()
    stored = list(SlaPolicy.objects.order_by("order", "id"))
    specs = [sla_rules.policy_spec(policy) for policy in stored]
    active = {policy.pk for policy in stored if policy.is_active}
    # deadlines count from arrivals at most _max_age() ago, in any time zone
    since = timezone.now().date() - dt.timedelta(
        days=math.ceil(_max_age() / dt.timedelta(days=1)) + 2
    )
    by_team: dict[int | None, set[dt.date]] = defaultdict(set)
    for team_id, date in Holiday.objects.filter(date__gte=since).values_list("team_id", "date"):
        by_team[team_id].add(date)
    # a team without its routing row yet has the hours the row would have
    team_default = week(default_business_hours())
    calendars = {
        team_id: Calendar(
            hours=week(hours) if hours is not None else team_default,
            tz=zone(time_zone),
            holidays=sla_rules.holidays_of(team_id, by_team),
        )
        for team_id, time_zone, hours in Team.objects.values_list(
            "pk", "time_zone", "routing__business_hours"
        )
    }
    policies = tuple(spec for spec in specs if spec.id in active)
    config = SlaConfig(
        policies=policies,
        by_id={spec.id: spec for spec in specs},
        calendars=calendars,
        default=Calendar(
            hours=week(settings.SLA_DEFAULT_BUSINESS_HOURS),
            tz=zone(settings.TIME_ZONE),
            holidays=sla_rules.holidays_of(None, by_team),
        ),
        reads_source=any(c.field == "source" for p in policies for c in p.conditions),
    )
    _loaded.update(mark, config=config)
    return config


# --------------------------------------------------------------------------- starting


def _for_sales(lead: Lead) -> bool:
    return (
        lead.quality_status not in NOT_FOR_SALES
        and lead.merged_into_id is None
        and lead.first_response_at is None
        # a blocked person's lead is answered by no one (routing found it so, just before)
        and not getattr(lead, "processing_restricted", False)
    )


def _deadlines(
    leads: Iterable[Lead], config: SlaConfig, start_of
) -> list[tuple[Lead, PolicySpec, dt.datetime, sla_rules.Deadline]]:
    """Each lead's policy and deadline (leads no policy takes are left out). A deadline is
    worked out once per policy, start and team: the leads of one import share their arrival."""
    leads = list(leads)
    names = source_names(leads) if config.reads_source else {}
    found = []
    known: dict[tuple[int, dt.datetime, int | None], sla_rules.Deadline] = {}
    for lead in leads:
        policy = sla_rules.policy_for(
            lead_values(lead, names.get(lead.source_id, "")), config.policies
        )
        if policy is not None:
            start = start_of(lead)
            key = (id(policy), start, lead.team_id)
            deadline = known.get(key)
            if deadline is None:
                calendar = config.calendar(lead.team_id)
                deadline = known[key] = sla_rules.deadline_for(policy, start, calendar)
            found.append((lead, policy, start, deadline))
    return found


def leads_sla_start(*, leads: list[Lead]) -> None:
    """Start the first-response clocks of new leads (a LEADS_CREATED_HOOKS hook, after
    routing, whose team it reads): leads held for review, rejected, merged or already
    answered get none, nor leads written with an arrival more than
    ``SLA_START_MAX_AGE_HOURS`` ago (an import of past leads). A fixed number of queries
    per batch."""
    config = sla_config_load()
    if not config.policies:
        return
    oldest = timezone.now() - _max_age()
    new_clock = instance_factory(SlaClock)
    clocks, timed = [], []
    arrivals = (lead for lead in leads if _for_sales(lead) and lead.created_at >= oldest)
    for lead, policy, start, deadline in _deadlines(arrivals, config, lambda lead: lead.created_at):
        clocks.append(
            new_clock(
                lead_id=lead.pk,
                policy_id=policy.id or None,
                started_at=start,
                due_at=deadline.due_at,
                warn_at=deadline.warn_at,
                next_check_at=sla_rules.first_check(deadline),
            )
        )
        lead.response_due_at = deadline.due_at
        timed.append(lead)
    insert_soon(SlaClock, clocks)  # with the leads' deadlines, at the end of the hooks
    # with routing's owner, in one write of each lead (``leads.services._created_hooks``)
    update_soon(Lead, timed, ["response_due_at"])


@transaction.atomic
def lead_sla_start(*, lead: Lead, start: dt.datetime | None = None) -> SlaClock | None:
    """(Re)start one lead's clock from ``start`` (now by default), e.g. when it is released
    from quarantine to sales; None when it gets none (not for sales, answered, no policy)."""
    if not _for_sales(lead):
        return None
    start = start or timezone.now()
    found = _deadlines([lead], sla_config_load(), lambda _lead: start)
    if not found:
        return None
    ((_lead, policy, _start, deadline),) = found
    clock, _created = SlaClock.objects.update_or_create(
        lead_id=lead.pk,
        defaults={
            "policy_id": policy.id or None,
            "started_at": start,
            "due_at": deadline.due_at,
            "warn_at": deadline.warn_at,
            "warned_at": None,
            "met_at": None,
            "met_by": "",
            "breached_at": None,
            "escalation_step": sla_rules.Escalated.NOTHING,
            "next_check_at": sla_rules.first_check(deadline),
        },
    )
    Lead.objects.filter(pk=lead.pk).update(response_due_at=deadline.due_at)
    lead.response_due_at = deadline.due_at
    return clock


def lead_sla_on_change(*, lead: Lead, actor: Actor, changed: set[str]) -> Lead:
    """A LEAD_CHANGE_HOOKS hook: a lead released from quarantine to sales gets its clock,
    counted from the release; a temperature set by hand may tighten a running clock."""
    if "quality_status" in changed and lead.quality_status == QualityStatus.ACCEPTED:
        lead_sla_start(lead=lead)
    elif "temperature" in changed:
        leads_sla_tighten(lead_ids=[lead.pk])
        lead.refresh_from_db(fields=["response_due_at"])
    return lead


def lead_sla_on_stage(*, lead: Lead, actor: Actor, previous) -> Lead:
    """A LEAD_STAGE_HOOKS hook: a lead that leaves the open stages unanswered (rejected,
    deferred, converted) stops its clock — no reminder, no escalation, no deadline in the
    lists; one that comes back to them unanswered (reactivated) gets a clock from now."""
    leaves = previous.kind == StageKind.OPEN and lead.stage.kind != StageKind.OPEN
    returns = previous.kind != StageKind.OPEN and lead.stage.kind == StageKind.OPEN
    if leaves and lead.response_due_at is not None:
        SlaClock.objects.filter(lead_id=lead.pk, met_at__isnull=True).update(next_check_at=None)
        Lead.objects.filter(pk=lead.pk).update(response_due_at=None)
        lead.response_due_at = None
    elif returns and lead.first_response_at is None:
        lead_sla_start(lead=lead)
    return lead


def leads_sla_tighten(*, lead_ids: list[int]) -> int:
    """A LEAD_TEMPERATURE_HOOKS hook (scoring, in its transaction, for leads that turned
    warmer): an unanswered lead whose clock runs and that a stricter policy now takes (a
    cold lead turned hot) gets that policy's deadline counted from now — when it is sooner
    than the one it has; a deadline never moves later. Returns how many clocks changed; one
    query when none runs."""
    config = sla_config_load()
    if not lead_ids or not config.policies:
        return 0
    clocks = list(
        SlaClock.objects.filter(
            lead_id__in=lead_ids, met_at__isnull=True, breached_at__isnull=True
        ).select_related("lead", "lead__stage")
    )
    if not clocks:
        return 0
    now = timezone.now()
    names = source_names([clock.lead for clock in clocks]) if config.reads_source else {}
    tightened, rows = [], []
    for clock in clocks:
        lead = clock.lead
        if not _for_sales(lead) or lead.stage.kind != StageKind.OPEN:
            continue
        policy = sla_rules.policy_for(
            lead_values(lead, names.get(lead.source_id, "")), config.policies
        )
        if policy is None or policy.id == clock.policy_id:
            continue
        deadline = sla_rules.deadline_for(policy, now, config.calendar(lead.team_id))
        if deadline.due_at >= clock.due_at:
            continue
        clock.policy_id = policy.id or None  # started_at stays the arrival: speed counts from it
        clock.due_at, clock.warn_at = deadline.due_at, deadline.warn_at
        clock.warned_at = None
        clock.next_check_at = sla_rules.first_check(deadline)
        tightened.append(clock)
        rows.append((lead.pk, deadline.due_at))
    update_many(
        SlaClock,
        tightened,
        ["policy", "due_at", "warn_at", "warned_at", "next_check_at"],
    )
    update_rows(Lead, ["response_due_at"], rows)
    return len(tightened)


# --------------------------------------------------------------------------- responding


def lead_sla_respond(*, lead: Lead, kind: str, at: dt.datetime, actor: Actor) -> bool:
    """A LEAD_ACTIVITY_HOOKS hook, in the activity's transaction (the lead locked): a
    person's activity of a kind the lead's policy counts (on a lead without a clock: call,
    e-mail, task) meets the clock and, the first time, is the lead's ``first_response_at``.
    A call counts whatever its outcome: an attempt is a response. True when it counted."""
    if actor.user is None:
        return False
    clock = SlaClock.objects.filter(lead_id=lead.pk).only("policy_id", "met_at").first()
    policy = sla_config_load().by_id.get(clock.policy_id) if clock and clock.policy_id else None
    if not sla_rules.counts_as_response(kind, policy):
        return False
    if clock is not None and clock.met_at is None:
        SlaClock.objects.filter(lead_id=lead.pk, met_at__isnull=True).update(
            met_at=at, met_by=kind, next_check_at=None
        )
    if lead.first_response_at is None:
        Lead.objects.filter(pk=lead.pk, first_response_at__isnull=True).update(
            first_response_at=at, updated_at=timezone.now()
        )
        lead.first_response_at = at
    return True


# --------------------------------------------------------------------------- escalating


def _stopped(lead: Lead) -> bool:
    """A lead whose chain is over: answered, closed or deferred, merged, not sales', or its
    person blocked."""
    return (
        lead.first_response_at is not None
        or lead.stage.kind != StageKind.OPEN
        or lead.merged_into_id is not None
        or lead.quality_status in NOT_FOR_SALES
        # a blocked person's lead: nobody may answer it (the sweep asked consent)
        or getattr(lead, "processing_restricted", False)
    )


def clock_facts(clock: SlaClock) -> sla_rules.ClockFacts:
    """What the escalation rules read of a stored clock."""
    return sla_rules.ClockFacts(
        due_at=clock.due_at,
        warn_at=clock.warn_at,
        warned_at=clock.warned_at,
        breached_at=clock.breached_at,
        escalation_step=clock.escalation_step,
    )


def _notify(kind: str, user_ids: Iterable[int], lead: Lead, params: dict[str, Any]) -> None:
    notify(kind=kind, user_ids=[u for u in user_ids if u], lead_id=lead.pk, params=params)


class _Sweep:
    """One clock's due steps, taken on the locked lead: events, notices, the reassignment."""

    def __init__(self, clock: SlaClock, lead: Lead, policy: PolicySpec | None, now: dt.datetime):
        self.clock, self.lead, self.policy, self.now = clock, lead, policy, now
        self.facts = {"policy": policy.name if policy else "", "due_at": clock.due_at.isoformat()}

    def _event(self, type: str, **params: Any) -> None:
        LeadEvent.objects.create(
            lead=self.lead,
            type=type,
            occurred_at=self.now,
            actor=RULE_ACTOR.user,
            actor_source=RULE_ACTOR.source,
            params={**self.facts, **params},
        )

    def _notice(self) -> dict[str, Any]:
        return {"rule": self.facts["policy"], "due_at": self.facts["due_at"]}

    def warn(self) -> None:
        self._event(EventType.SLA_WARNING, owner=self.lead.owner_id)

        _notify(NotificationKind.SLA_WARNING, [self.lead.owner_id], self.lead, self._notice())

    def breach(self) -> None:
        self._event(
            EventType.SLA_BREACHED, owner=self.lead.owner_id, step=sla_rules.Escalated.REMINDED
        )
        # the owner is reminded; a lead nobody owns waits in a queue: its watchers are told
        told = [self.lead.owner_id] if self.lead.owner_id else heads_of(self.lead.team_id)
        _notify(NotificationKind.SLA_BREACH, told, self.lead, self._notice())

    def reassign(self) -> None:
        before = self.lead.owner_id
        self.lead = lead_reroute(
            lead=self.lead,
            actor=RULE_ACTOR,
            exclude_user_ids={before} if before else set(),
            reason=_("first response overdue"),
        )
        self._event(
            EventType.SLA_ESCALATED,
            step=sla_rules.Escalated.REASSIGNED,
            **{"from": before, "to": self.lead.owner_id},
        )

    def alert(self) -> None:
        heads = heads_of(self.lead.team_id)
        self._event(
            EventType.SLA_ESCALATED,
            step=sla_rules.Escalated.ALERTED,
            owner=self.lead.owner_id,
            alerted=heads,
        )
        _notify(NotificationKind.SLA_ESCALATED, heads, self.lead, self._notice())

    def run(self) -> int:
        clock = self.clock
        if clock.met_at is not None or _stopped(self.lead):
            clock.next_check_at = None
            clock.save(update_fields=["next_check_at"])
            return 0
        escalation = sla_rules.escalate(clock_facts(clock), self.policy, self.now)
        take = {
            Step.WARN: self.warn,
            Step.BREACH: self.breach,
            Step.REASSIGN: self.reassign,
            Step.ALERT: self.alert,
        }
        for step in escalation.steps:
            take[step]()
        after = escalation.clock
        clock.warned_at, clock.breached_at = after.warned_at, after.breached_at
        clock.escalation_step, clock.next_check_at = after.escalation_step, escalation.next_check_at
        clock.save(update_fields=["warned_at", "breached_at", "escalation_step", "next_check_at"])
        return len(escalation.steps)


def sla_sweep(*, now: dt.datetime | None = None) -> int:
    """Take the escalation steps that are due (Celery beat, every minute): the clocks whose
    ``next_check_at`` has come, ``SWEEP_CHUNK`` leads at a time, each lead locked (``SKIP
    LOCKED``: a lead another sweep or a person holds waits for the next run). Running it
    again, or twice at once, writes nothing twice. Returns the number of steps taken."""
    now = now or timezone.now()
    config = sla_config_load()
    taken = 0
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            ids = list(
                Lead.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(sla_clock__next_check_at__lte=now)
                .order_by("sla_clock__next_check_at", "pk")
                .values_list("pk", flat=True)[:SWEEP_CHUNK]
            )
            if not ids or seen.issuperset(ids):
                return taken
            seen.update(ids)
            leads = Lead.objects.select_related("stage").in_bulk(ids)
            for lead_id in consent.restricted_lead_ids(ids):  # one query a chunk
                leads[lead_id].processing_restricted = True
            # read after the locks: a clock another sweep has just moved on is left alone
            for clock in SlaClock.objects.select_for_update().filter(lead_id__in=ids):
                if clock.next_check_at is None or clock.next_check_at > now:
                    continue
                taken += _clock_sweep(clock, leads[clock.lead_id], config, now)


def _clock_sweep(clock: SlaClock, lead: Lead, config: SlaConfig, now: dt.datetime) -> int:
    try:
        with transaction.atomic():
            return _Sweep(clock, lead, config.by_id.get(clock.policy_id), now).run()
    except Exception:
        logger.exception("sla: could not escalate the clock of lead %s", clock.lead_id)
        SlaClock.objects.filter(lead_id=clock.lead_id).update(next_check_at=now + RETRY_AFTER)
        return 0
