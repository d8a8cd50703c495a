"""The demo's routing and first-response SLAs: the rules the heads of sales set (one per
market, a key-account rule for a named manager, the seeded general queue last), each team's
business hours and national holidays, a manager on leave this week, a member who takes a
double share; every lead that went to sales with the clock its history gives it (the policy
by the temperature it arrived with, the deadline in its team's calendar, met by the owner's
first call or e-mail, breached when that came late or never); the notifications of the last
two days, so the badge is not empty when someone logs in.

The loader asks ``DemoRouting`` while it plans each lead (who is away, the lead's clock) and
tells it each lead it wrote; everything is written in bulk, no query per lead.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from galena.accounts.models import Role, Team
from galena.core.bulk import insert_many, instance_factory, update_rows
from galena.demo import catalogue as cat
from galena.leads.models import EventType, Lead, StageKind, TaskKind, Temperature
from galena.leads.selectors import SENT_TO_SALES
from galena.notifications.models import Notification, NotificationKind
from galena.routing import sla_rules
from galena.routing.calendar import zone
from galena.routing.models import (
    Absence,
    Holiday,
    ResponseKind,
    RoutingMember,
    RoutingRule,
    SlaClock,
    SlaPolicy,
    TargetKind,
    TeamRouting,
)
from galena.routing.services import lead_values

# holidays are written for the demo's history and the weeks after it is loaded
HOLIDAYS_BEFORE = dt.timedelta(days=200)
HOLIDAYS_AFTER = dt.timedelta(days=60)
# an unanswered lead younger than this is left to the running sweep: its steps are taken live
LIVE_WINDOW = dt.timedelta(hours=1)
# notifications of this long ago are written; those of the last day are mostly unread, those
# of the last hour all
NOTICE_WINDOW = dt.timedelta(days=2)
UNREAD_WINDOW = dt.timedelta(days=1)
UNREAD_SHARE = 0.8
# what a person's first done task counts as
RESPONSE_BY_TASK = {TaskKind.CALL: ResponseKind.CALL, TaskKind.EMAIL: ResponseKind.EMAIL}


def holiday_dates(spec: cat.TeamSpec, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """The team's national holidays from ``first`` to ``last``, by their real dates."""
    found = []
    for year in range(first.year, last.year + 1):
        for month, day, name in spec.holidays:
            if isinstance(day, tuple):  # the first given weekday on or after a day
                earliest, weekday = day
                date = dt.date(year, month, earliest)
                date += dt.timedelta(days=(weekday - date.isoweekday()) % 7)
            else:
                date = dt.date(year, month, day)
            if first <= date <= last:
                found.append((date, name))
    return sorted(found)


@dataclass
class DemoRouting:
    """The demo's routing as the loader needs it while it plans leads: plain data."""

    now: dt.datetime
    rng: random.Random
    calendars: dict[int, sla_rules.Calendar]  # by team id
    policies: tuple[sla_rules.PolicySpec, ...]
    heads: dict[int, int]  # team id -> its head's user id
    routed: frozenset[int]  # sales managers' and telemarketers' user ids
    absent_id: int | None = None
    absent_from: dt.datetime | None = None
    notices: list[Notification] = field(default_factory=list)
    # (team id, assigned at, owner id) of every assignment, for the members' counters
    assignments: list[tuple[int, dt.datetime, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.new_clock = instance_factory(SlaClock)
        self.new_notice = instance_factory(Notification, in_app=True, email_wanted=False)

    def is_away(self, user_id: int, at: dt.datetime) -> bool:
        """Whether the person is on leave at ``at`` (the leave runs past the demo's now)."""
        return user_id == self.absent_id and self.absent_from is not None and at >= self.absent_from

    # --- first-response clocks --------------------------------------------------------

    def clock_for(
        self, lead: Lead, *, source_name: str, started_at: dt.datetime, response_kind: str
    ) -> SlaClock | None:
        """The clock a lead's history gives it (``lead.response_due_at`` set too): the
        policy by the values it arrived with, the deadline in its team's calendar, met by
        its first response. An unanswered clock is where the sweep, running every minute,
        would have left it; one younger than ``LIVE_WINDOW`` is left for the running sweep."""
        if lead.quality_status not in SENT_TO_SALES or lead.merged_into_id is not None:
            return None
        policy = sla_rules.policy_for(lead_values(lead, source_name), self.policies)
        calendar = self.calendars.get(lead.team_id)
        if policy is None or calendar is None:
            return None
        deadline = sla_rules.deadline_for(policy, started_at, calendar)
        due_at, warn_at = deadline.due_at, deadline.warn_at
        clock = self.new_clock(
            lead_id=lead.pk,
            policy_id=policy.id,
            started_at=started_at,
            due_at=due_at,
            warn_at=warn_at,
        )
        lead.response_due_at = due_at
        met_at = lead.first_response_at
        if met_at is not None:
            clock.met_at, clock.met_by = met_at, response_kind
            clock.warned_at = warn_at if warn_at is not None and warn_at < met_at else None
            # the demo's owners keep their leads: a late answer came with the reminder
            if met_at > due_at:
                clock.breached_at = due_at
                clock.escalation_step = sla_rules.Escalated.REMINDED
            return clock
        if started_at >= self.now - LIVE_WINDOW:
            clock.next_check_at = sla_rules.first_check(deadline)
            return clock
        warned = warn_at if warn_at is not None and warn_at <= min(due_at, self.now) else None
        facts = sla_rules.ClockFacts(due_at=due_at, warn_at=warn_at, warned_at=warned)
        escalation = sla_rules.escalate(facts, policy, self.now)
        state = escalation.clock
        clock.warned_at, clock.breached_at = state.warned_at, state.breached_at
        clock.escalation_step = state.escalation_step
        stopped = lead.stage.kind != StageKind.OPEN
        clock.next_check_at = None if stopped else escalation.next_check_at
        if stopped:  # left the pipeline unanswered: no deadline (routing.sla.lead_sla_on_stage)
            lead.response_due_at = None
        return clock

    def _policy(self, policy_id: int | None) -> sla_rules.PolicySpec | None:
        return next((p for p in self.policies if p.id == policy_id), None)

    # --- what the people were told -----------------------------------------------------

    def lead_written(self, lead: Lead, events: Iterable[tuple], clock: SlaClock | None) -> None:
        """Note a written lead's assignments and the notifications of the last days."""
        since = self.now - NOTICE_WINDOW
        for when, type_, _actor, _source, params, _task in events:
            if type_ != EventType.ASSIGNED:
                continue
            owner = params.get("to")
            if lead.team_id is not None and owner is not None:
                self.assignments.append((lead.team_id, when, owner))
            if when < since or owner not in self.routed:
                continue
            facts = {"reason": params.get("reason", "")}
            self._notice(NotificationKind.LEAD_ASSIGNED, owner, lead, when, facts)
            if lead.temperature == Temperature.HOT:
                self._notice(NotificationKind.HOT_LEAD, owner, lead, when, {})
        head = self.heads.get(lead.team_id)
        waits = lead.owner_id is None and lead.quality_status in SENT_TO_SALES
        if waits and head and lead.created_at >= since:
            # what routing says when it finds nobody at work to take a lead
            reason = "no member can take it: outside working hours"
            self._notice(
                NotificationKind.QUEUE_ALERT, head, lead, lead.created_at, {"reason": reason}
            )
        if clock is not None:
            self._clock_notices(lead, clock, head, since)

    def _clock_notices(
        self, lead: Lead, clock: SlaClock, head: int | None, since: dt.datetime
    ) -> None:
        policy = self._policy(clock.policy_id)
        facts = {"rule": policy.name if policy else "", "due_at": clock.due_at.isoformat()}
        told = lead.owner_id or head
        if clock.warned_at is not None and clock.warned_at >= since and lead.owner_id:
            self._notice(NotificationKind.SLA_WARNING, lead.owner_id, lead, clock.warned_at, facts)
        if clock.breached_at is not None and clock.breached_at >= since and told:
            self._notice(NotificationKind.SLA_BREACH, told, lead, clock.breached_at, facts)
        if (
            clock.escalation_step >= sla_rules.Escalated.ALERTED
            and policy is not None
            and policy.alert_after_minutes is not None
            and head
        ):
            alerted = clock.breached_at + dt.timedelta(minutes=policy.alert_after_minutes)
            if since <= alerted <= self.now:
                self._notice(NotificationKind.SLA_ESCALATED, head, lead, alerted, facts)

    def _notice(
        self, kind: str, user_id: int, lead: Lead, when: dt.datetime, params: dict[str, Any]
    ) -> None:
        read_at = None
        if when < self.now - LIVE_WINDOW and (
            when < self.now - UNREAD_WINDOW or self.rng.random() >= UNREAD_SHARE
        ):
            read_at = min(when + dt.timedelta(minutes=self.rng.uniform(2, 180)), self.now)
        self.notices.append(
            self.new_notice(
                user_id=user_id,
                kind=kind,
                lead_id=lead.pk,
                params=params,
                created_at=when,
                read_at=read_at,
            )
        )


def response_kind(tasks: Sequence[Any]) -> str:
    """What the first done task of a lead counts as (call, e-mail, or a task)."""
    done = [task for task in tasks if task.done_at is not None]
    if not done:
        return ""
    first = min(done, key=lambda task: task.done_at)
    return RESPONSE_BY_TASK.get(first.kind, ResponseKind.TASK)


# --- writing --------------------------------------------------------------------------


def demo_routing_create(
    *, seed: int, now: dt.datetime, teams: dict[str, Team], users: dict[str, int]
) -> DemoRouting:
    """The rules, business hours, holidays, members, the absence; returns what the loader
    asks while it plans the leads."""
    rules = []
    for order, spec in enumerate(cat.ROUTING_RULES, start=1):
        rules.append(
            RoutingRule(
                name=spec.name,
                order=order * 10,
                conditions=[dict(condition) for condition in spec.conditions],
                target_kind=TargetKind.USER if spec.user else TargetKind.TEAM,
                user_id=users[spec.user] if spec.user else None,
                team=teams[spec.team] if spec.team else None,
                strategy=spec.strategy,
            )
        )
    RoutingRule.objects.bulk_create(rules)

    first = (now - HOLIDAYS_BEFORE).date()
    last = (now + HOLIDAYS_AFTER).date()
    holidays: dict[int, frozenset[dt.date]] = {}
    rows = []
    for spec in cat.TEAMS:
        team = teams[spec.name]
        dates = holiday_dates(spec, first, last)
        rows += [Holiday(team=team, date=date, name=name) for date, name in dates]
        holidays[team.pk] = frozenset(date for date, _name in dates)
    Holiday.objects.bulk_create(rows)
    TeamRouting.objects.bulk_create(
        [
            TeamRouting(team=teams[spec.name], business_hours=spec.business_hours)
            for spec in cat.TEAMS
        ]
    )

    routed = [u for u in cat.USERS if u.role in (Role.SALES_MANAGER, Role.TELEMARKETER)]
    RoutingMember.objects.bulk_create(
        [
            RoutingMember(user_id=users[u.username], weight=cat.ROUTING_WEIGHTS.get(u.username, 1))
            for u in routed
        ]
    )
    absent, note = cat.ABSENCE
    absent_spec = next(u for u in cat.USERS if u.username == absent)
    tz = zone(next(t.time_zone for t in cat.TEAMS if t.name == absent_spec.team))
    local_today = now.astimezone(tz).date()
    starts_at = dt.datetime.combine(local_today, dt.time(), tzinfo=tz)
    ends_at = dt.datetime.combine(
        local_today + dt.timedelta(days=cat.ABSENCE_DAYS), dt.time(), tzinfo=tz
    )
    Absence.objects.create(user_id=users[absent], starts_at=starts_at, ends_at=ends_at, note=note)

    policies = tuple(
        sla_rules.policy_spec(policy)
        for policy in SlaPolicy.objects.filter(is_active=True).order_by("order", "id")
    )
    return DemoRouting(
        now=now,
        rng=random.Random(seed * 7 + 3),  # noqa: S311 - repeatable demo data, not secrets
        calendars={
            teams[spec.name].pk: sla_rules.Calendar(
                hours=spec.business_hours,
                tz=zone(spec.time_zone),
                holidays=holidays[teams[spec.name].pk],
            )
            for spec in cat.TEAMS
        },
        policies=policies,
        heads={team.pk: team.head_id for team in teams.values() if team.head_id},
        routed=frozenset(users[u.username] for u in routed),
        absent_id=users[absent],
        absent_from=starts_at,
    )


def demo_routing_finish(*, routing: DemoRouting) -> None:
    """After the loader: the clocks of the leads it did not write itself (the duplicates'
    second leads), the members' counters and the notifications."""
    leads = list(
        Lead.objects.filter(
            quality_status__in=SENT_TO_SALES,
            merged_into__isnull=True,
            sla_clock__isnull=True,
            team__isnull=False,
        )
        .select_related("stage", "source")
        .order_by("pk")
    )
    clocks = []
    for lead in leads:
        clock = routing.clock_for(
            lead,
            source_name=lead.source.name if lead.source else "",
            started_at=lead.created_at,
            response_kind="",
        )
        if clock is not None:
            clocks.append(clock)
            routing.lead_written(lead, (), clock)
    insert_many(SlaClock, clocks)
    update_rows(Lead, ["response_due_at"], [(c.lead_id, c.due_at) for c in clocks])
    _members_count(routing)
    insert_many(Notification, routing.notices)


def _members_count(routing: DemoRouting) -> None:
    """Each team's sequence and each member's place in it, as the strategies keep them."""
    by_team: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for team_id, when, owner in routing.assignments:
        by_team[team_id].append((when, owner))
    members = {m.user_id: m for m in RoutingMember.objects.all()}
    teams = []
    for team_id, moments in by_team.items():
        moments.sort()
        teams.append(TeamRouting(team_id=team_id, sequence=len(moments)))
        tz = routing.calendars[team_id].tz
        today = routing.now.astimezone(tz).date()
        for sequence, (when, owner) in enumerate(moments, start=1):
            member = members.get(owner)
            if member is None:
                continue
            member.last_sequence, member.last_assigned_at = sequence, when
            if when.astimezone(tz).date() == today:
                member.assigned_on_day = (member.assigned_on_day if member.day == today else 0) + 1
                member.day = today
    fields = ["last_sequence", "last_assigned_at", "assigned_on_day", "day"]
    RoutingMember.objects.bulk_update(members.values(), fields)
    TeamRouting.objects.bulk_update(teams, ["sequence"])


def demo_routing_wipe() -> None:
    """The demo's rules, holidays, members and absences (the leads' clocks and the
    notifications go with the leads and users)."""
    team_names = [t.name for t in cat.TEAMS]
    RoutingRule.objects.filter(name__in=[r.name for r in cat.ROUTING_RULES]).delete()
    Holiday.objects.filter(team__name__in=team_names).delete()
    TeamRouting.objects.filter(team__name__in=team_names).delete()
    Absence.objects.filter(user__username__in=cat.DEMO_USERNAMES).delete()
    RoutingMember.objects.filter(user__username__in=cat.DEMO_USERNAMES).delete()
