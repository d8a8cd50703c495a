"""Routing's writes: who takes each new lead, reassignment by hand or by the rules, and the
telemarketer → sales hand-off.

New leads are routed where they are created (``leads_route``, a ``LEADS_CREATED_HOOKS``
hook), in the transaction that writes them, so a lead is never seen without its owner and
is never assigned twice. Choosing a team member reads and writes the team's routing state
under a lock of the team's ``TeamRouting`` row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
serialises writers anyway), a batch of leads at a time: parallel intake workers take turns
per team, and the round-robin sequence stays exact.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.accounts.models import Profile, Role, Team
from galena.accounts.roles import LEAD_WORKING_ROLES
from galena.consent import services as consent
from galena.core.bulk import (
    insert_many,
    insert_soon,
    update_many,
    update_many_together,
    update_soon,
)
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.core.lookups import sql_in
from galena.core.memo import Memo, config_changed, fresh, marked
from galena.leads import access
from galena.leads.models import (
    ActorSource,
    EventType,
    Lead,
    LeadEvent,
    QualityStatus,
    Stage,
    StageKind,
    Task,
    Temperature,
)
from galena.leads.services import Actor, lead_assign
from galena.leads.sources import source_names as leads_source_names
from galena.quality.fit import ATTRIBUTES, FIT_FIELDS
from galena.routing import rules as engine
from galena.routing.calendar import Week, week, zone
from galena.routing.models import (
    Absence,
    Holiday,
    RoutingMember,
    RoutingRule,
    Strategy,
    TargetKind,
    TeamRouting,
)

# The roles that take leads from routing (heads of sales route; they are not routed to).
ROUTED_ROLES = (Role.SALES_MANAGER, Role.TELEMARKETER)
# A lead that is not for sales yet (held for review) or never (a pseudo-lead) is not routed.
NOT_ROUTED = (QualityStatus.REJECTED, QualityStatus.QUARANTINED)
RULE_ACTOR = Actor(user=None, source=ActorSource.RULE)


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Config:
    rules: tuple[engine.RouteRule, ...]


_loaded: dict[str, Any] = {}

# What routing reads about people, sources and holidays, kept in this process until it
# changes (see core.memo; RoutingConfig.ready connects ``kept.forget`` to their models).
# The counters routing writes (RoutingMember) are always read afresh, under the team's lock.
kept = Memo()


def config_forget(**_kwargs: Any) -> None:
    """Forget the loaded rules and policies (one was saved in this process; the others
    learn it from the shared generation)."""
    _loaded.clear()
    config_changed()


def _version() -> tuple:
    table = RoutingRule._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(updated_at), COUNT(*) FROM {table}")  # noqa: S608 (a table name)
        return tuple(cursor.fetchone())


def rule_spec(rule: RoutingRule) -> engine.RouteRule:
    """A saved or unsaved rule as the evaluation takes it (the admin's tester uses it)."""
    return engine.RouteRule(
        id=rule.pk or 0,
        name=rule.name,
        conditions=engine.conditions_of(rule.conditions),
        target_kind=rule.target_kind,
        user_id=rule.user_id,
        team_id=rule.team_id,
        strategy=rule.strategy,
    )


def config_load() -> Config:
    """The active rules in order, read again only when they changed: asked when the shared
    generation changed (core.memo) or ``ROUTING_CONFIG_SECONDS`` passed."""
    if "config" in _loaded and fresh(_loaded, settings.ROUTING_CONFIG_SECONDS):
        return _loaded["config"]
    mark = marked()
    version = _version()
    _loaded.update(mark)
    if "config" in _loaded and _loaded.get("version") == version:
        return _loaded["config"]
    config = Config(rules=tuple(rule_spec(r) for r in RoutingRule.objects.filter(is_active=True)))
    _loaded.update(version=version, config=config)
    return config


# --------------------------------------------------------------------------- values


def lead_values(lead: Lead, source_name: str = "") -> dict[str, Any]:
    """A lead's values as routing rules read them."""
    values: dict[str, Any] = {name: getattr(lead, name) for name in FIT_FIELDS}
    for name in engine.CHOICE_FIELDS:
        values[name] = getattr(lead, name)
    values["score"] = lead.score
    values["predicted_probability"] = lead.predicted_probability
    values[ATTRIBUTES] = lead.attributes if isinstance(lead.attributes, dict) else {}
    values["source"] = source_name
    return values


def source_names(leads: Iterable[Lead]) -> dict[int, str]:
    return leads_source_names(
        (lead.source_id for lead in leads), seconds=settings.ROUTING_CONFIG_SECONDS
    )


# --------------------------------------------------------------------------- members


def _team_of(team_id: int) -> Team:
    return kept.get(
        ("team", team_id),
        lambda: Team.objects.get(pk=team_id),
        seconds=settings.ROUTING_CONFIG_SECONDS,
    )


def _team_routing_locked(
    team_id: int, user_ids: Sequence[int]
) -> tuple[TeamRouting, dict[int, RoutingMember]]:
    """The team's routing row (with its team), created on first use, locked until the
    transaction ends, and the stored counters of those of ``user_ids`` that have them —
    read in the statement that takes the lock (every routed lead paid two round trips)."""
    found = _locked_read(team_id, user_ids)
    if found is None:
        try:
            with transaction.atomic():
                TeamRouting.objects.create(team_id=team_id)
        except IntegrityError:
            pass  # created by a parallel transaction in the meantime
        found = _locked_read(team_id, user_ids)
    sequence, stored = found
    routing = TeamRouting(team=_team_of(team_id), sequence=sequence)
    routing._state.adding = False
    return routing, stored


def _locked_read(team_id: int, user_ids: Sequence[int]):
    """(the team's sequence, {user id: RoutingMember}) under the lock of the team's row
    (``FOR UPDATE OF``; SQLite serialises writers anyway), or None without that row."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"m.{quote(field.column)}" for field in RoutingMember._meta.concrete_fields)
    joined, user_params = sql_in("m.user_id", user_ids)
    lock = " FOR UPDATE OF t" if connection.features.has_select_for_update_of else ""
    rows = list(
        RoutingMember.objects.raw(
            # table and column names from the models, every value a parameter
            f"SELECT t.sequence AS team_sequence, {columns} "  # noqa: S608
            f"FROM {TeamRouting._meta.db_table} t LEFT JOIN {RoutingMember._meta.db_table} m "
            f"ON {joined} WHERE t.team_id = %s{lock}",
            [*user_params, team_id],
        )
    )
    if not rows:
        return None
    # a row without a member is the LEFT JOIN's empty side (no member has counters yet)
    stored = {row.user_id: row for row in rows if row.user_id is not None}
    return rows[0].team_sequence, stored


def _loads_counted(user_ids: Sequence[int], now: dt.datetime) -> dict[int, int]:
    """Open leads plus tasks due by the end of today, per member: two grouped queries that
    read only the (owner, stage) and (assignee, done, due) indexes."""
    open_stages = list(Stage.objects.filter(kind=StageKind.OPEN).values_list("pk", flat=True))
    open_leads = dict(
        Lead.objects.filter(owner_id__in=user_ids, stage_id__in=open_stages)
        .values_list("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    day_end = now.replace(hour=23, minute=59, second=59)
    due = dict(
        Task.objects.filter(assignee_id__in=user_ids, done_at__isnull=True, due_at__lte=day_end)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return {uid: open_leads.get(uid, 0) + due.get(uid, 0) for uid in user_ids}


def _loads(
    user_ids: Sequence[int], stored: dict[int, RoutingMember], now: dt.datetime
) -> tuple[dict[int, int], bool]:
    """The members' loads and whether they were counted now. The counts read thousands of
    index entries, which a lone submission cannot pay each time: ``loads_recount`` makes them
    every ROUTING_LOAD_SECONDS in the background and keeps them on the members' counter rows,
    read here with the team's lock. Between counts the assignments routing makes are added as
    it makes them (under that lock), so least-loaded stays fair; leads closed by hand show at
    the next count. Counted here only when the background count is overdue (twice its
    interval: no worker, or a member without a count yet)."""
    since = now - dt.timedelta(seconds=2 * settings.ROUTING_LOAD_SECONDS)
    if settings.ROUTING_LOAD_SECONDS > 0 and all(
        stored[uid].load_counted_at is not None and stored[uid].load_counted_at > since
        for uid in user_ids
    ):
        return {uid: stored[uid].load for uid in user_ids}, False
    return _loads_counted(user_ids, now), True


def _holidays(team_ids: Iterable[int | None], today: dt.date) -> dict[int | None, frozenset]:
    """Holidays around today (yesterday to tomorrow cover every time zone), per team."""
    team_ids = frozenset(team_ids)

    def load() -> dict[int | None, frozenset]:
        found: dict[int | None, set] = defaultdict(set)
        rows = Holiday.objects.filter(
            Q(team_id__in=[t for t in team_ids if t]) | Q(team__isnull=True),
            date__range=(today - dt.timedelta(days=1), today + dt.timedelta(days=1)),
        ).values_list("team_id", "date")
        for team_id, date in rows:
            found[team_id].add(date)
        return {team_id: frozenset(found[team_id] | found[None]) for team_id in team_ids}

    return kept.get(("holidays", team_ids, today), load, seconds=settings.ROUTING_CONFIG_SECONDS)


@dataclass
class TeamState:
    """A team's members as routing sees them, loaded under the team's lock."""

    team: Team
    routing: TeamRouting
    members: list[engine.Member]
    stored: dict[int, RoutingMember]
    loads_read: bool = False
    loads_counted: bool = False  # counted now: every member's row gets its count


@dataclass(frozen=True)
class Person:
    """A user as routing reads them: name, profile and absences from now to tomorrow."""

    user_id: int
    name: str
    username: str
    is_active: bool
    working_hours: Week | None  # parsed (routing.calendar.week)
    capacity: int
    products: tuple[str, ...]
    languages: tuple[str, ...]
    absences: tuple[tuple[dt.datetime, dt.datetime], ...]


def _people_load(user_ids: list[int]) -> dict[int, Person]:
    now = timezone.now()
    absences: dict[int, list] = defaultdict(list)
    for user_id, start, end in Absence.objects.filter(
        user_id__in=user_ids, ends_at__gt=now, starts_at__lte=now + dt.timedelta(days=1)
    ).values_list("user_id", "starts_at", "ends_at"):
        absences[user_id].append((start, end))
    found = {}
    for user in (
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .select_related("profile")
        .only("id", "username", "first_name", "last_name", "is_active", "profile")
    ):
        profile = getattr(user, "profile", None)
        found[user.pk] = Person(
            user_id=user.pk,
            name=user.get_full_name() or user.get_username(),
            username=user.get_username(),
            is_active=user.is_active,
            # parsed once per kept person, not at every lead routed
            working_hours=_week_or_none(profile.working_hours if profile is not None else None),
            capacity=profile.capacity_per_day if profile is not None else 0,
            products=tuple(profile.products or ()) if profile is not None else (),
            languages=tuple(profile.languages or ()) if profile is not None else (),
            absences=tuple(absences.get(user.pk, ())),
        )
    return found


def _week_or_none(hours: Any) -> Week | None:
    return None if hours is None else week(hours)


def people_of(user_ids: Iterable[int]) -> dict[int, Person]:
    """The users routing reads (those that exist), kept for ROUTING_CONFIG_SECONDS."""
    found = kept.get_many(
        (("person", pk) for pk in user_ids),
        lambda keys: {("person", pk): p for pk, p in _people_load([k[1] for k in keys]).items()},
        seconds=settings.ROUTING_CONFIG_SECONDS,
    )
    return {key[1]: person for key, person in found.items() if person is not None}


def _roster(team_id: int) -> list[int]:
    """The team's members that routing gives leads to."""
    return kept.get(
        ("roster", team_id),
        lambda: list(
            Profile.objects.filter(team_id=team_id, role__in=ROUTED_ROLES)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        ),
        seconds=settings.ROUTING_CONFIG_SECONDS,
    )


def _members(
    user_ids: Sequence[int],
    team_of: dict[int, Team],
    now: dt.datetime,
    *,
    with_load: bool,
    stored: dict[int, RoutingMember] | None = None,
):
    """engine.Member for each user (of the given teams), with why each cannot take leads,
    their counters and whether their loads were counted now; ``stored``: their counters,
    already read (else read here)."""
    users = people_of(user_ids)
    if stored is None:
        stored = {m.user_id: m for m in RoutingMember.objects.filter(user_id__in=user_ids)}
    missing = [RoutingMember(user_id=uid) for uid in user_ids if uid not in stored]
    if missing:
        RoutingMember.objects.bulk_create(missing, ignore_conflicts=True)
        stored.update({m.user_id: m for m in RoutingMember.objects.filter(user_id__in=user_ids)})
    holidays = _holidays({team.pk for team in team_of.values()}, now.date())
    teams = {team.pk for team in team_of.values()}
    loads, counted = _loads(user_ids, stored, now) if with_load and len(teams) == 1 else ({}, False)
    members = []
    for user_id in user_ids:
        person, state, team = users.get(user_id), stored[user_id], team_of[user_id]
        if person is None:
            continue
        tz = zone(team.time_zone)
        today = now.astimezone(tz).date()
        availability = engine.Availability(
            is_active=person.is_active,
            accepts_leads=state.accepts_leads,
            working_hours=person.working_hours,
            time_zone=tz,
            holidays=holidays.get(team.pk, frozenset()),
            absences=person.absences,
        )
        members.append(
            engine.Member(
                user_id=user_id,
                name=person.name,
                weight=state.weight,
                last_sequence=state.last_sequence,
                current_weight=state.current_weight,
                assigned_today=state.assigned_on_day if state.day == today else 0,
                capacity=person.capacity,
                load=loads.get(user_id, 0),
                products=person.products,
                languages=person.languages,
                unavailable=engine.unavailable_because(availability, now),
            )
        )
    return members, stored, counted


def _team_load(team_id: int, now: dt.datetime, strategy: str) -> TeamState:
    user_ids = _roster(team_id)
    routing, stored = _team_routing_locked(team_id, user_ids)
    team = routing.team
    with_load = strategy in (Strategy.LEAST_LOADED, Strategy.SKILLS)
    members, stored, counted = _members(
        user_ids, dict.fromkeys(user_ids, team), now, with_load=with_load, stored=stored
    )
    return TeamState(
        team=team,
        routing=routing,
        members=members,
        stored=stored,
        loads_read=with_load,
        loads_counted=counted,
    )


def loads_recount(*, now: dt.datetime | None = None) -> int:
    """Count the loads of every routed team's members again and keep them on their counter
    rows (periodic, every ROUTING_LOAD_SECONDS), each team under its lock for the moment of
    its count; returns how many members were counted."""
    now = now or timezone.now()
    counted = 0
    for team_id in TeamRouting.objects.values_list("team_id", flat=True):
        user_ids = _roster(team_id)
        if not user_ids:
            continue
        with transaction.atomic():
            found = _locked_read(team_id, user_ids)
            if found is None:
                continue
            _sequence, stored = found
            loads = _loads_counted(list(stored), now)
            for user_id, row in stored.items():
                row.load, row.load_counted_at = loads[user_id], now
            update_many(RoutingMember, list(stored.values()), ["load", "load_counted_at"])
        counted += len(stored)
    return counted


def _store_members(states: Iterable[TeamState], touched: set[int], now: dt.datetime) -> None:
    rows, teams = [], []
    for state in states:
        teams.append(state.routing)
        today = now.astimezone(zone(state.team.time_zone)).date()
        for member in state.members:
            row = state.stored[member.user_id]
            if state.loads_read:  # as counted, plus routing's assignments since
                row.load = member.load
                if state.loads_counted:
                    row.load_counted_at = now
            if member.user_id in touched:
                row.last_sequence = member.last_sequence
                row.current_weight = member.current_weight
                row.day = today
                row.assigned_on_day = member.assigned_today
                row.last_assigned_at = now
            elif not state.loads_counted:
                continue
            rows.append(row)
    update_many_together(
        (
            RoutingMember,
            rows,
            [
                "last_sequence",
                "current_weight",
                "day",
                "assigned_on_day",
                "last_assigned_at",
                "load",
                "load_counted_at",
            ],
        ),
        (TeamRouting, teams, ["sequence"]),
    )


# --------------------------------------------------------------------------- routing


def heads_of(team_id: int | None) -> list[int]:
    """Who is told when a lead waits in a queue: the team's head, else its heads of sales,
    else the admins."""
    if team_id is not None:
        head = Team.objects.filter(pk=team_id).values_list("head_id", flat=True).first()
        if head:
            return [head]
        heads = list(
            Profile.objects.filter(
                team_id=team_id, role=Role.HEAD_OF_SALES, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        if heads:
            return heads
    return list(
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(profile__role=Role.ADMIN), is_active=True)
        .values_list("pk", flat=True)
    )


def _user_target(rule: engine.RouteRule, now: dt.datetime) -> engine.RouteResult:
    team = kept.get(
        ("team of", rule.user_id),
        lambda: Team.objects.filter(members__user_id=rule.user_id).first(),
        seconds=settings.ROUTING_CONFIG_SECONDS,
    )
    members, _stored, _counted = _members(
        [rule.user_id], {rule.user_id: team or Team(time_zone="UTC")}, now, with_load=False
    )
    result = engine.RouteResult(rule_id=rule.id or None, rule_name=rule.name)
    result.team_id = team.pk if team else None
    member = members[0] if members else None
    if member is not None and not member.unavailable:
        result.owner_id, result.reason = member.user_id, _("the rule names this person")
        return result
    why = member.unavailable if member is not None else _("no such user")
    result.queued, result.alert = True, True
    result.reason = _("%(name)s cannot take it (%(why)s): the team's queue") % {
        "name": member.name if member else "—",
        "why": why,
    }
    return result


def route_many(
    leads: Sequence[Lead],
    *,
    now: dt.datetime | None = None,
    exclude: dict[int, set[int]] | None = None,
) -> list[engine.RouteResult]:
    """Where each lead goes by the rules (in order; the leads are not changed). Team members
    are chosen under the team's lock and their counters written: call it in the
    transaction that assigns. ``exclude``: lead id → users who must not get it."""
    now = now or timezone.now()
    config = config_load()
    names = source_names(leads)
    results: list[engine.RouteResult] = []
    states: dict[int, TeamState] = {}
    people: dict[int, engine.RouteResult] = {}
    touched: set[int] = set()
    for lead in leads:
        match = engine.rule_for(lead_values(lead, names.get(lead.source_id, "")), config.rules)
        rule = match.rule
        if rule is None:
            results.append(
                engine.RouteResult(team_id=lead.team_id, queued=True, reason=_("no rule takes it"))
            )
            continue
        if rule.target_kind == TargetKind.USER and rule.user_id is not None:
            if rule.id not in people:  # the person's availability, read once per call
                people[rule.id] = _user_target(rule, now)
            result = replace(people[rule.id], details={})
            if lead.pk and result.owner_id in (exclude or {}).get(lead.pk, set()):
                result = replace(result, owner_id=None, queued=True, alert=True)
                result.reason = _("the rule's person is the owner it is taken from")
            results.append(result)
            continue
        if rule.target_kind == TargetKind.QUEUE or rule.team_id is None:
            results.append(
                engine.RouteResult(
                    team_id=rule.team_id or lead.team_id,
                    rule_id=rule.id or None,
                    rule_name=rule.name,
                    queued=True,
                    reason=_("the rule puts it in the queue"),
                )
            )
            continue
        state = states.get(rule.team_id)
        if state is None:
            state = states[rule.team_id] = _team_load(rule.team_id, now, rule.strategy)
        left_out = (exclude or {}).get(lead.pk, set()) if lead.pk else set()
        candidates = [m for m in state.members if m.user_id not in left_out]
        pick = engine.pick_member(
            rule.strategy, candidates, interest=lead.interest, language=lead.language
        )
        result = engine.RouteResult(
            team_id=rule.team_id, rule_id=rule.id or None, rule_name=rule.name, reason=pick.reason
        )
        if pick.member is None:
            result.queued, result.alert = True, True
        else:
            state.routing.sequence += 1
            updated = engine.after_pick(
                candidates, pick.member, sequence=state.routing.sequence, strategy=rule.strategy
            )
            by_id = {m.user_id: m for m in updated}
            state.members = [by_id.get(m.user_id, m) for m in state.members]
            touched.add(pick.member.user_id)
            result.owner_id = pick.member.user_id
            result.details = {"strategy": rule.strategy}
        results.append(result)
    if states:
        _store_members(states.values(), touched, now)
    return results


def _routable(lead: Lead) -> bool:
    return (
        lead.owner_id is None
        and lead.merged_into_id is None
        and lead.quality_status not in NOT_ROUTED
    )


def _event_params(result: engine.RouteResult, previous: int | None, names: dict[int, str]):
    params: dict[str, Any] = {"from": previous, "reason": result.reason}
    if result.rule_id:
        params.update(rule=result.rule_id, rule_name=result.rule_name)
    if result.details.get("strategy"):
        params["strategy"] = result.details["strategy"]
    if result.owner_id:
        params.update(to=result.owner_id, to_name=names.get(result.owner_id, ""))
    else:
        params.update(team=result.team_id)
    return params


def _apply(
    leads: Sequence[Lead], results: Sequence[engine.RouteResult], now: dt.datetime, actor: Actor
) -> None:
    """Write what routing decided: the leads' owner and team, the events, the notices."""
    from galena.notifications.models import NotificationKind
    from galena.notifications.services import NotificationRequest, notify_many

    owner_ids = {r.owner_id for r in results if r.owner_id}
    names = {pk: person.username for pk, person in people_of(owner_ids).items()}
    changed, events, notices = [], [], []
    heads: dict[int | None, list[int]] = {}
    for lead, result in zip(leads, results, strict=True):
        previous = lead.owner_id
        if result.owner_id:
            lead.owner_id, lead.assigned_at = result.owner_id, now
            lead.team_id = result.team_id or lead.team_id
            kind = EventType.ASSIGNED
            notices.append(
                NotificationRequest(
                    kind=NotificationKind.LEAD_ASSIGNED,
                    user_id=result.owner_id,
                    lead_id=lead.pk,
                    params={"rule": result.rule_name, "reason": result.reason},
                )
            )
            if lead.temperature == Temperature.HOT:
                notices.append(
                    NotificationRequest(
                        kind=NotificationKind.HOT_LEAD, user_id=result.owner_id, lead_id=lead.pk
                    )
                )
        else:
            if previous is None and not result.alert and result.team_id in (None, lead.team_id):
                continue  # left where it was (the general queue): nothing happened to it
            lead.owner_id = None
            lead.team_id = result.team_id or lead.team_id
            kind = EventType.QUEUED
            if result.alert:
                if lead.team_id not in heads:
                    heads[lead.team_id] = heads_of(lead.team_id)
                notices += [
                    NotificationRequest(
                        kind=NotificationKind.QUEUE_ALERT,
                        user_id=head,
                        lead_id=lead.pk,
                        params={"rule": result.rule_name, "reason": result.reason},
                    )
                    for head in heads[lead.team_id]
                ]
        changed.append(lead)
        events.append(
            LeadEvent(
                lead=lead,
                type=kind,
                occurred_at=now,
                actor=actor.user,
                actor_source=actor.source,
                params=_event_params(result, previous, names),
            )
        )
    update_soon(Lead, changed, ["owner", "team", "assigned_at"])
    insert_soon(LeadEvent, events)  # nothing reads them back; their keys are not needed
    if notices:
        notify_many(notices)


def leads_route(*, leads: list[Lead], reason: str = "") -> None:
    """Give new leads their owner by the rules (a LEADS_CREATED_HOOKS hook): leads already
    owned, held for review or rejected as pseudo-leads are left alone. ``reason`` heads the
    events' reasons when they are routed later than created (a block lifted)."""
    routable = [lead for lead in leads if _routable(lead)]
    if not routable:
        return
    routable = _not_blocked(routable)
    if not routable:
        return
    now = timezone.now()
    results = route_many(routable, now=now)
    for result in results if reason else []:
        result.reason = f"{reason}: {result.reason}" if result.reason else reason
    _apply(routable, results, now, RULE_ACTOR)


def _not_blocked(leads: list[Lead]) -> list[Lead]:
    """The leads whose person is not blocked (one indexed query); a blocked person's lead
    goes to no one, and its ``not_routed`` event says why."""
    blocked = consent.restricted_lead_ids([lead.pk for lead in leads])
    if not blocked:
        return leads
    for lead in leads:
        # the later creation hooks get the same objects: the SLA starts no clock for these
        lead.processing_restricted = lead.pk in blocked
    insert_many(
        LeadEvent,
        [
            LeadEvent(
                lead=lead,
                type=consent.EVENT_NOT_ROUTED,
                actor_source=RULE_ACTOR.source,
                params={"reason": "restricted"},
            )
            for lead in leads
            if lead.pk in blocked
        ],
    )
    return [lead for lead in leads if lead.pk not in blocked]


@transaction.atomic
def lead_reroute(
    *, lead: Lead, actor: Actor, exclude_user_ids: Iterable[int] = (), reason: str = ""
) -> Lead:
    """Route a lead again by the rules, never to ``exclude_user_ids`` (e.g. an owner who let
    its first-response deadline pass, or one who left)."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.merged_into_id is not None or not _not_blocked([lead]):
        return lead
    now = timezone.now()
    (result,) = route_many([lead], now=now, exclude={lead.pk: set(exclude_user_ids)})
    if reason:
        result.reason = f"{reason}: {result.reason}" if result.reason else reason
    if result.owner_id == lead.owner_id:
        return lead
    _apply([lead], [result], now, actor)
    return lead


def route_test(lead: Lead) -> engine.RuleMatch:
    """Which rule would take this lead now (nothing is written): the admin's tester."""
    names = source_names([lead])
    return engine.rule_for(lead_values(lead, names.get(lead.source_id, "")), config_load().rules)


# --------------------------------------------------------------------------- by hand


BULK_LIMIT = 500


def leads_reassign(*, actor: Actor, lead_ids: Iterable[int], owner, reason: str = "") -> int:
    """Give many leads to one person (a head of sales' bulk action); each is an assignment
    event with the reason. Returns how many changed owner."""
    ids = list(dict.fromkeys(int(i) for i in lead_ids))
    if not ids:
        raise ValidationFailed({"lead_ids": _("Choose at least one lead.")})
    if len(ids) > BULK_LIMIT:
        raise ValidationFailed(
            {"lead_ids": _("Reassign at most %(n)s leads at once.") % {"n": BULK_LIMIT}}
        )
    if actor.user is not None and not access.can_assign(actor.user):
        raise PermissionDenied(_("Only a head of sales or an admin can reassign leads."))
    changed = 0
    with transaction.atomic():
        visible = access.leads_visible_to(actor.user) if actor.user is not None else Lead.objects
        leads = list(visible.filter(pk__in=ids).order_by("pk"))
        if len(leads) != len(ids):
            raise NotFound(_("Some of these leads do not exist or are not yours to assign."))
        for lead in leads:
            before = lead.owner_id
            lead = lead_assign(actor=actor, lead=lead, owner=owner, reason=reason)
            changed += lead.owner_id != before
    return changed


@transaction.atomic
def lead_hand_off(*, actor: Actor, lead: Lead, to, note: str = "") -> Lead:
    """Pass a qualified lead from its telemarketer to a sales manager: the sales manager
    owns it from now, the telemarketer stays recorded as its original owner."""
    if actor.user is None:
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
    else:
        lead = access.lead_get_for(user=actor.user, lead_id=lead.pk, for_update=True)
        mine = lead.owner_id == actor.user.pk
        if not (mine or access.can_assign(actor.user)):
            raise PermissionDenied(_("Only the lead's owner or a head of sales can hand it off."))
    if to is None or not to.is_active:
        raise ValidationFailed({"to": _("Choose an active sales manager.")})
    profile = getattr(to, "profile", None)
    if (
        profile is None
        or profile.role not in LEAD_WORKING_ROLES
        or profile.role == Role.TELEMARKETER
    ):
        raise ValidationFailed({"to": _("Hand a lead off to a sales manager or a head of sales.")})
    if lead.qualified_at is None:
        raise ValidationFailed(
            {"stage": _("Qualify the lead first: only qualified leads are handed to sales.")}
        )
    if lead.owner_id == to.pk:
        raise ValidationFailed({"to": _("The lead is already theirs.")})
    previous = lead.owner_id
    lead.original_owner_id = lead.original_owner_id or previous
    lead.handed_off_at = timezone.now()
    lead.save(update_fields=["original_owner", "handed_off_at", "updated_at"])
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.HANDED_OFF,
        actor=actor.user,
        actor_source=actor.source,
        params={
            "from": previous,
            "to": to.pk,
            "to_name": to.get_username(),
            "note": note.strip()[:500],
        },
    )
    # the hand-off is the actor's own decision: no "only heads assign" check for the owner
    system = Actor(user=None, source=actor.source)
    return lead_assign(actor=system, lead=lead, owner=to, reason=_("handed off to sales"))


def lead_owner_check(*, lead_id: int, reason: str) -> bool:
    """A lead came back (a repeat inquiry): it stays with its owner while that owner is
    active; a lead whose owner left, or that has none, is routed by the rules. True when
    it was routed again."""
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("owner", "stage")
            .filter(pk=lead_id, merged_into__isnull=True)
            .first()
        )
        if lead is None or lead.stage.kind in (StageKind.WON, StageKind.LOST):
            return False
        if lead.owner is not None and lead.owner.is_active:
            return False
        exclude = {lead.owner_id} if lead.owner_id else set()
        before = lead.owner_id
        lead = lead_reroute(lead=lead, actor=RULE_ACTOR, exclude_user_ids=exclude, reason=reason)
        if lead.owner_id is not None and lead.owner_id != before:
            # the open tasks nobody has, or the owner who left had (the repeat inquiry's
            # own call among them), go to the new owner: their day shows them
            Task.objects.filter(lead_id=lead.pk, done_at__isnull=True).filter(
                Q(assignee__isnull=True) | Q(assignee_id=before)
            ).update(assignee_id=lead.owner_id, updated_at=timezone.now())
        return lead.owner_id != before
