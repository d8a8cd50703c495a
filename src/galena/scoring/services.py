"""Scoring's writes: a lead's score components stored, refreshed and rebuilt, and the
temperature they give recorded when it changes.

The arithmetic is in ``rules`` (pure); this module loads what it needs in bulk, calls it
and stores what it returns. A temperature change is a ``classified`` event with the change
and its reason, written in the same transaction (routing acts on it: a hot lead goes to
sales at once).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from array import array
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.module_loading import import_string

from galena.core.bulk import copy_rows, insert_many, new_instance, update_many, update_rows
from galena.core.memo import config_changed, fresh, marked
from galena.leads.models import ActorSource, EventType, Lead, LeadEvent, Source, Temperature
from galena.leads.services import ROWS_MOVED, Actor
from galena.leads.sources import source_names
from galena.notifications.models import NotificationKind
from galena.notifications.services import NotificationRequest, notify_many
from galena.quality.fit import ATTRIBUTES, FIT_FIELDS
from galena.scoring import rules as engine
from galena.scoring.models import (
    LeadScore,
    RuleKind,
    ScoreComponent,
    ScoreGroup,
    ScoreRule,
    ScoreSettings,
    TrackedEvent,
)
from galena.scoring.rules import Award, EventFacts, RuleSpec, Scales, Verdict

logger = logging.getLogger(__name__)
SYSTEM = Actor(user=None, source=ActorSource.RULE)
CHUNK_SIZE = 2000
_DAY = 86400.0


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Config:
    scales: Scales
    rules: tuple[RuleSpec, ...]

    @cached_property
    def profile_rules(self) -> tuple[RuleSpec, ...]:
        return tuple(r for r in self.rules if r.kind == RuleKind.PROFILE)

    @cached_property
    def behaviour_rules(self) -> tuple[RuleSpec, ...]:
        return tuple(r for r in self.rules if r.kind == RuleKind.BEHAVIOUR)

    @property
    def is_empty(self) -> bool:
        return not self.rules


_loaded: dict[str, Any] = {}


def config_forget(**_kwargs: Any) -> None:
    """Forget the loaded rules and settings (a rule or the settings were saved here; the
    other processes learn it from the shared generation)."""
    _loaded.clear()
    config_changed()


def _version() -> tuple:
    """Changes whenever a rule or the settings change: one small query."""
    rules, settings_table = ScoreRule._meta.db_table, ScoreSettings._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(updated_at) FROM {rules}), (SELECT COUNT(*) FROM {rules}), "  # noqa: S608 (table names, not input)
            f"(SELECT MAX(updated_at) FROM {settings_table})"
        )
        return tuple(cursor.fetchone())


def settings_get() -> ScoreSettings:
    """The settings row (the defaults, unsaved, when there is none)."""
    row = ScoreSettings.objects.order_by("pk").first()
    return row if row is not None else ScoreSettings()


def scales_of(row: ScoreSettings) -> Scales:
    return Scales(
        half_life_s=max(row.half_life_days, 0.001) * _DAY,
        warm=row.warm_threshold,
        hot=row.hot_threshold,
        fit_cap=row.fit_cap,
        engagement_cap=row.engagement_cap,
        hot_signal_s=max(row.hot_signal_days, 0) * _DAY,
    )


def rule_spec(rule: ScoreRule) -> RuleSpec:
    """A saved or unsaved rule as the evaluation takes it (the admin's preview uses it)."""
    return RuleSpec(
        id=rule.pk or 0,
        name=rule.name,
        kind=rule.kind,
        group=engine.group_of(rule.kind),
        points=rule.points,
        conditions=engine.conditions_of(rule.conditions),
        event_kind=rule.event_kind,
        frequency=rule.frequency,
        cap=rule.cap,
        hot_signal=rule.hot_signal,
    )


def config_load() -> Config:
    """The active rules and the settings, read again only when they changed. Whether they
    changed is asked when the shared generation changed (core.memo: an edit anywhere) or
    ``SCORING_CONFIG_SECONDS`` passed."""
    if "config" in _loaded and fresh(_loaded, settings.SCORING_CONFIG_SECONDS):
        return _loaded["config"]
    mark = marked()
    version = _version()
    _loaded.update(mark)
    if "config" in _loaded and _loaded.get("version") == version:
        return _loaded["config"]
    config = Config(
        scales=scales_of(settings_get()),
        rules=tuple(rule_spec(r) for r in ScoreRule.objects.filter(is_active=True)),
    )
    _loaded.update(version=version, config=config)
    return config


# --------------------------------------------------------------------------- values

PROFILE_LEAD_FIELDS = (*FIT_FIELDS, "fit", "origin", "contact_type", "verification")


def profile_values(lead: Lead, source_name: str = "") -> dict[str, Any]:
    """A lead's values as profile rules read them."""
    values = {name: getattr(lead, name) for name in PROFILE_LEAD_FIELDS}
    values[ATTRIBUTES] = lead.attributes if isinstance(lead.attributes, dict) else {}
    values["source"] = source_name
    return values


def event_facts(event: TrackedEvent) -> EventFacts:
    return EventFacts(
        kind=event.kind,
        occurred_at=event.occurred_at,
        category=event.category,
        url=event.url,
        title=event.title,
        origin=event.origin,
        properties=event.properties if isinstance(event.properties, dict) else {},
        id=event.pk,
    )


def _award_of(component: ScoreComponent, hot_rules: set[int]) -> Award:
    return Award(
        rule_id=component.rule_id or 0,
        rule_name=component.rule_name,
        group=component.group,
        points=component.points,
        occurred_at=component.occurred_at,
        event_id=component.event_id,
        hot_signal=(component.rule_id in hot_rules),
    )


def _component_of(lead_id: int, award: Award) -> ScoreComponent:
    return ScoreComponent(
        lead_id=lead_id,
        rule_id=award.rule_id or None,
        rule_name=award.rule_name,
        group=award.group,
        event_id=award.event_id,
        points=award.points,
        occurred_at=award.occurred_at,
    )


# --------------------------------------------------------------------------- verdicts


def verdict_for(
    profile: engine.ProfileResult,
    engagement: engine.Engagement,
    config: Config,
    now: dt.datetime,
) -> Verdict:
    total = engine.total_score(
        profile.points, engagement.at(now.timestamp(), config.scales.half_life_s), config.scales
    )
    return engine.temperature_for(
        total,
        config.scales,
        hot_reasons=profile.hot_reasons,
        hot_until=engagement.hot_until,
        hot_reason=engagement.hot_reason,
        now=now,
    )


def _temperature_event(
    lead_id: int, before: str, verdict: Verdict, now: dt.datetime, actor: Actor
) -> LeadEvent:
    return LeadEvent(
        lead_id=lead_id,
        type=EventType.CLASSIFIED,
        occurred_at=now,
        actor=actor.user,
        actor_source=actor.source,
        params=_temperature_params(before, verdict),
    )


def _temperature_params(before: str, verdict: Verdict) -> dict[str, Any]:
    return {
        "changes": {"temperature": [before, verdict.temperature]},
        "score": verdict.score,
        "reason": verdict.reason,
    }


@dataclass
class _Outcome:
    """What one lead's new verdict changes: the fields to write and the event to record."""

    lead: Lead
    fields: list[str]
    event: LeadEvent | None


def _apply_verdict(
    lead: Lead, verdict: Verdict, *, by_hand: bool, now: dt.datetime, actor: Actor
) -> _Outcome:
    fields: list[str] = []
    event = None
    if lead.score != verdict.score:
        lead.score = verdict.score
        fields.append("score")
    if not by_hand and lead.temperature != verdict.temperature:
        event = _temperature_event(lead.pk, lead.temperature, verdict, now, actor)
        lead.temperature = verdict.temperature
        fields.append("temperature")
    return _Outcome(lead, fields, event)


# the temperatures in rising order: a lead "turns warmer" when it moves up this list
WARMTH = (Temperature.UNKNOWN, Temperature.COLD, Temperature.WARM, Temperature.HOT)


def _warmer(before: str, after: str) -> bool:
    rank = {temperature.value: i for i, temperature in enumerate(WARMTH)}
    return rank.get(after, 0) > rank.get(before, 0)


def _warmer_hooks(lead_ids: list[int]) -> None:
    """Tell later apps which leads turned warmer (settings.LEAD_TEMPERATURE_HOOKS: a first
    response due under a stricter policy), in the caller's transaction."""
    if lead_ids:
        for hook in settings.LEAD_TEMPERATURE_HOOKS:
            import_string(hook)(lead_ids=lead_ids)


def _hot_notice(lead_id: int, owner_id: int | None, verdict: Verdict) -> NotificationRequest | None:
    """The owner of a lead that just turned hot is told (at arrival routing tells them)."""
    if owner_id is None or verdict.temperature != Temperature.HOT:
        return None
    params = {"signal": verdict.signal} if verdict.signal else {"score": verdict.score}
    return NotificationRequest(
        kind=NotificationKind.HOT_LEAD, user_id=owner_id, lead_id=lead_id, params=params
    )


def _engagement_of(state: LeadScore | None) -> engine.Engagement:
    if state is None:
        return engine.Engagement()
    return engine.Engagement(
        points=state.engagement_points,
        epoch=state.engagement_epoch,
        hot_until=state.hot_until,
        hot_reason=state.hot_reason,
    )


def _state_set(state: LeadScore, profile: engine.ProfileResult, engagement, now) -> None:
    state.fit_points = profile.points
    state.fit_breakdown = profile.breakdown
    state.engagement_points = engagement.points
    state.engagement_epoch = engagement.epoch
    state.hot_until = engagement.hot_until
    state.hot_reason = engagement.hot_reason[:200]
    state.computed_at = now


# --------------------------------------------------------------------------- one lead


@transaction.atomic
def lead_score_refresh(
    *,
    lead: Lead,
    actor: Actor = SYSTEM,
    awards: Sequence[Award] = (),
    now: dt.datetime | None = None,
) -> LeadScore:
    """Score a lead again from its stored components (and new behaviour ``awards``): the
    profile rules are evaluated afresh, engagement decays to now, and the lead's score and
    temperature change where the verdict does (a temperature change is recorded)."""
    now = now or timezone.now()
    config = config_load()
    state = LeadScore.objects.select_for_update().filter(lead_id=lead.pk).first()
    created = state is None
    if created:
        state = LeadScore(lead_id=lead.pk)
    engagement = _engagement_of(None if created else state)
    for award in sorted(awards, key=lambda a: a.occurred_at):
        engagement = engine.engagement_add(engagement, award, config.scales)
    source_name = lead.source.name if lead.source_id else ""
    profile = engine.profile_score(profile_values(lead, source_name), config.profile_rules)
    _state_set(state, profile, engagement, now)
    state.save(force_insert=created)
    if config.is_empty:
        return state
    verdict = verdict_for(profile, engagement, config, now)
    before = lead.temperature
    outcome = _apply_verdict(lead, verdict, by_hand=state.temperature_by_hand, now=now, actor=actor)
    if outcome.fields:
        Lead.objects.filter(pk=lead.pk).update(
            **{name: getattr(lead, name) for name in outcome.fields}, updated_at=now
        )
    if outcome.event is not None:
        outcome.event.save()
        if _warmer(before, lead.temperature):
            _warmer_hooks([lead.pk])
        notice = _hot_notice(lead.pk, lead.owner_id, verdict)
        if notice is not None:
            notify_many([notice])
    return state


@transaction.atomic
def lead_events_score(
    *, lead: Lead, events: Sequence[TrackedEvent], actor: Actor = SYSTEM
) -> list[ScoreComponent]:
    """Give a lead the behaviour points its new tracked events earn (each rule's "once" and
    cap counted against what it gave before), store them as components, and rescore."""
    config = config_load()
    if not events or not config.behaviour_rules:
        if events:
            lead_score_refresh(lead=lead, actor=actor)
        return []
    LeadScore.objects.get_or_create(lead_id=lead.pk)
    LeadScore.objects.select_for_update().filter(lead_id=lead.pk).first()  # one writer per lead
    hot_rules = {r.id for r in config.behaviour_rules if r.hot_signal}
    history = [_award_of(c, hot_rules) for c in ScoreComponent.objects.filter(lead_id=lead.pk)]
    awards = engine.behaviour_awards(
        [event_facts(e) for e in events], config.behaviour_rules, history, config.scales.half_life_s
    )
    components = ScoreComponent.objects.bulk_create([_component_of(lead.pk, a) for a in awards])
    lead_score_refresh(lead=lead, actor=actor, awards=awards)
    return components


def lead_score_release(*, lead: Lead, actor: Actor) -> LeadScore:
    """Let scoring set a lead's temperature again after a person had set it by hand."""
    with transaction.atomic():
        LeadScore.objects.update_or_create(lead_id=lead.pk, defaults={"temperature_by_hand": False})
        return lead_score_refresh(lead=lead, actor=actor)


# --------------------------------------------------------------------------- hooks


def leads_scores_write(*, leads: list[Lead]) -> None:
    """Store new leads' score components (a LEADS_CREATED_HOOKS hook). The intake stage has
    already set the same score and temperature; leads created another way get them here. A
    temperature given at creation that the rules would not give counts as set by hand."""
    config = config_load()
    now = timezone.now()
    names = source_names(
        (lead.source_id for lead in leads), seconds=settings.SCORING_CONFIG_SECONDS
    )
    matcher = engine.profile_matcher()
    states, changed = [], []
    new_state = new_instance(LeadScore)
    for lead in leads:
        profile = engine.profile_score(
            profile_values(lead, names.get(lead.source_id, "")), config.profile_rules, matcher
        )
        state = new_state(lead_id=lead.pk)
        _state_set(state, profile, engine.Engagement(), now)
        if not config.is_empty:
            verdict = verdict_for(profile, engine.Engagement(), config, now)
            given = lead.temperature
            state.temperature_by_hand = given not in (Temperature.UNKNOWN, verdict.temperature)
            if lead.score != verdict.score or (
                not state.temperature_by_hand and given != verdict.temperature
            ):
                lead.score = verdict.score
                if not state.temperature_by_hand:
                    lead.temperature = verdict.temperature
                changed.append(lead)
        states.append(state)
    insert_many(LeadScore, states)
    if changed:
        update_many(Lead, changed, ["score", "temperature"])
    _predict_new(leads)


def _predict_new(leads: list[Lead]) -> None:
    """New leads get the active model's probability at once; a failure here costs the
    prediction (the nightly run gives it), never the lead."""
    try:
        from galena.scoring.training import active_model, leads_predict

        if active_model() is None:
            return  # no model (the usual case until one is trained): no savepoint either
        with transaction.atomic():
            leads_predict(lead_ids=[lead.pk for lead in leads])
    except Exception:
        logger.exception(
            "scoring: could not predict new leads %s", [lead.pk for lead in leads][:20]
        )


def lead_score_on_change(*, lead: Lead, actor: Actor, changed: set[str]) -> Lead:
    """A LEAD_CHANGE_HOOKS hook: a temperature a person sets stays theirs; a change to what
    the profile rules read rescores the lead."""
    if "temperature" in changed and actor.user is not None:
        LeadScore.objects.update_or_create(lead_id=lead.pk, defaults={"temperature_by_hand": True})
    if ROWS_MOVED in changed:  # a merge brought (or took back) events and components
        leads_scores_recompute(lead_ids=[lead.pk], actor=actor)
        lead.refresh_from_db(fields=["score", "temperature"])
        return lead
    read = set(PROFILE_LEAD_FIELDS) | {ATTRIBUTES, "source_id", "source"}
    if changed & read:
        lead_score_refresh(lead=lead, actor=actor)
        lead.refresh_from_db(fields=["score", "temperature"])
    return lead


# --------------------------------------------------------------------------- many leads


def _events_by_lead(lead_ids: Sequence[int]) -> dict[int, list[EventFacts]]:
    found: dict[int, list[EventFacts]] = defaultdict(list)
    rows = (
        TrackedEvent.objects.filter(lead_id__in_array=lead_ids)
        .order_by("lead_id", "occurred_at", "id")
        .annotate(properties_text=Cast("properties", TextField()))
        .values_list(
            "id",
            "lead_id",
            "kind",
            "occurred_at",
            "category",
            "url",
            "title",
            "origin",
            "properties_text",
        )
    )
    for pk, lead_id, kind, occurred_at, category, url, title, origin, properties in rows:
        found[lead_id].append(
            EventFacts(
                kind=kind,
                occurred_at=occurred_at,
                category=category,
                url=url,
                title=title,
                origin=origin,
                properties=_properties_of(properties),
                id=pk,
            )
        )
    return found


@lru_cache(maxsize=4096)
def _json_of(text: str | None) -> Any:
    """A JSON column read as text, decoded once per distinct text: a million leads share a
    few hundred profile breakdowns (the rules each matched), and most tracked events have
    no properties or the same few. What it returns is shared: read it, never change it (the
    recompute only compares breakdowns; the rules copy the properties they read)."""
    return None if text is None else json.loads(text)


def _properties_of(text: str | None) -> Mapping[str, Any]:
    decoded = _json_of(text)
    return decoded if isinstance(decoded, dict) else {}


# What a recompute reads of each lead, as plain rows (no model instances: a million of them
# would cost more than the scoring itself).
_ROW_KEYS = ("id", "score", "temperature", "source_id")
_STATE_FIELDS = (
    "lead_id",
    "fit_points",
    "fit_breakdown",
    "engagement_points",
    "engagement_epoch",
    "hot_until",
    "hot_reason",
    "temperature_by_hand",
    "computed_at",
)
_COMPONENT_FIELDS = (
    "lead_id",
    "rule_id",
    "rule_name",
    "group",
    "event_id",
    "points",
    "occurred_at",
)
WORKERS = 2
# below this many leads one process does it (forking costs more than it saves)
PARALLEL_FROM = 50_000
# A recompute takes every STRIDE-th lead in one pass over the table, then the next ones
# (see recompute_spans)
STRIDE = 8


@dataclass
class _Row:
    """One lead as the recompute reads it."""

    id: int
    score: int
    temperature: str
    source_id: int | None
    values: dict[str, Any]


def _row_fields(rules: Sequence[RuleSpec]) -> tuple[str, ...]:
    """What a recompute reads of each lead: its keys and the fields the profile rules read,
    its answers only when a rule reads one (the seeded rules read none: a million answers
    decoded for nothing). A field no rule reads is missing from the row, as a field the
    lead does not have is."""
    read = set()
    for rule in rules:
        if rule.kind == RuleKind.PROFILE:
            for condition in rule.conditions:
                name = condition.field.split(".", 1)[0]
                read.add(name)
    return (*_ROW_KEYS, *(f for f in (ATTRIBUTES, *PROFILE_LEAD_FIELDS) if f in read))


def _rows(queryset, fields: tuple[str, ...]) -> list[_Row]:
    rows = []
    answers = ATTRIBUTES in fields
    for values in queryset.values_list(*fields):
        data = dict(zip(fields, values, strict=True))
        if answers and not isinstance(data[ATTRIBUTES], dict):
            data[ATTRIBUTES] = {}
        rows.append(_Row(data["id"], data["score"], data["temperature"], data["source_id"], data))
    return rows


@dataclass
class _Scored:
    row: _Row
    state: tuple  # _STATE_FIELDS
    awards: list[Award]
    verdict: Verdict | None
    by_hand: bool


def _score_rows(
    rows: Sequence[_Row], config: Config, names, matchers, now, by_hand
) -> list[_Scored]:
    """Score leads from scratch, in memory: the profile from their fields, engagement
    replayed from their tracked events. Writes nothing."""
    profile_matcher, event_matcher = matchers
    behaviour = config.behaviour_rules
    events = _events_by_lead([row.id for row in rows]) if behaviour else {}
    scored = []
    for row in rows:
        row.values["source"] = names.get(row.source_id, "")
        profile = engine.profile_score(row.values, config.profile_rules, profile_matcher)
        awards = (
            engine.behaviour_awards(
                events[row.id], behaviour, (), config.scales.half_life_s, event_matcher
            )
            if row.id in events
            else []
        )
        engagement = engine.engagement_from(awards, config.scales)
        hand = row.id in by_hand
        state = (
            row.id,
            profile.points,
            profile.breakdown,
            engagement.points,
            engagement.epoch,
            engagement.hot_until,
            engagement.hot_reason[:200],
            hand,
            now,
        )
        verdict = None if config.is_empty else verdict_for(profile, engagement, config, now)
        scored.append(_Scored(row, state, awards, verdict, hand))
    return scored


def _by_hand(ids: Sequence[int]) -> set[int]:
    return set(
        LeadScore.objects.filter(lead_id__in_array=ids, temperature_by_hand=True).values_list(
            "lead_id", flat=True
        )
    )


def _recompute_queryset(lead_ids: Sequence[int] | None):
    queryset = Lead.objects.filter(merged_into__isnull=True).order_by("pk")
    if lead_ids is not None:
        queryset = queryset.filter(pk__in=list(lead_ids))
    return queryset


def leads_scores_recompute(
    *,
    lead_ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
    actor: Actor = SYSTEM,
    workers: int | None = 1,
    record: bool = True,
) -> int:
    """Rebuild leads' scores from the rules and their tracked events (after the rules
    changed, or to repair): components replaced, engagement replayed, score and temperature
    written where they change, each temperature change recorded as an event (unless
    ``record`` is off: the demo's generated history). Works in chunks, each in its own
    transaction; returns how many leads' score or temperature changed. Owners are not
    notified of leads it makes hot: a rule edit is not news about a lead, and would tell
    them of thousands at once.

    ``workers=None`` forks worker processes on PostgreSQL for large bases: only from a
    process of its own (the command), never from a threaded web server or a task worker,
    where a fork may copy a lock another thread holds."""
    now = now or timezone.now()
    spans = recompute_plan(lead_ids)
    if workers is None:
        large = sum(map(len, spans)) >= PARALLEL_FROM
        workers = WORKERS if connection.vendor == "postgresql" and large else 1
    job = _RecomputeJob(now, actor, record)
    changed_total = 0
    if workers <= 1 or len(spans) < 2:
        for span in spans:
            changed, count = job(span)
            changed_total += changed
            if progress is not None:
                progress(count)
        return changed_total
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from django.db import connections

    connections.close_all()  # each worker opens its own connection
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        for changed, count in pool.map(job, spans, chunksize=4):
            changed_total += changed
            if progress is not None:
                progress(count)
    return changed_total


def recompute_plan(lead_ids: Sequence[int] | None = None) -> list[list[int]]:
    """The chunks of lead ids a recompute of these leads (None: every lead) works in, each
    written in a transaction of its own (``leads_scores_recompute_chunk``)."""
    ids = list(_recompute_queryset(lead_ids).values_list("pk", flat=True))
    return recompute_spans(ids, STRIDE if _mostly_scored(lead_ids, len(ids)) else 1)


def leads_scores_recompute_chunk(
    lead_ids: Sequence[int], *, now: dt.datetime, actor: Actor = SYSTEM, record: bool = True
) -> int:
    """One chunk of ``recompute_plan`` rescored and written, as ``leads_scores_recompute``
    does it; returns how many leads' score or temperature changed. Run again, it finds the
    stored scores right and writes nothing: a task redelivered is harmless."""
    changed, _count = _RecomputeJob(now, actor, record)(list(lead_ids))
    return changed


def _mostly_scored(lead_ids: Sequence[int] | None, count: int) -> bool:
    """Whether most of the leads to recompute have a stored score already. Those that
    have not (the day scoring is switched on, an imported base) all get their first
    temperature, a column several indexes hold, so no update of them can leave the indexes
    alone and strided passes would only spread the same writes over more pages (100,000
    such leads: 34 s strided against 26 s in neighbouring chunks). Leads that fill one
    chunk are one chunk either way: not counted."""
    if count <= CHUNK_SIZE:
        return False
    scores = LeadScore.objects.all()
    if lead_ids is not None:
        scores = scores.filter(lead_id__in_array=array("q", lead_ids))
    return scores.count() * 2 > count


def recompute_spans(ids: Sequence[int], stride: int) -> list[list[int]]:
    """The chunks a recompute works in (``ids`` in ascending order): in ``stride`` passes
    over the table, the first taking every stride-th lead from the first, the next from the
    second, and so on; each chunk is written in its own transaction.

    Why not neighbours together: a lead whose score changes gets a new row version, and when
    its page has room for it (the table leaves 15 % of each page free) the update touches
    none of the table's many indexes (a heap-only update). Neighbouring leads share pages;
    a chunk that moves most rows of a page fills that room at the third of them, and the rest
    need an entry in every index. A pass that moves one or two rows a page leaves room, and
    by the next pass the old versions are dead to everyone and PostgreSQL prunes them as it
    reads the page, freeing the room again."""
    stride = max(1, min(stride, -(-len(ids) // CHUNK_SIZE)))
    spans = []
    for first in range(stride):
        strand = ids[first::stride]
        spans.extend(strand[i : i + CHUNK_SIZE] for i in range(0, len(strand), CHUNK_SIZE))
    return spans


class _RecomputeJob:
    """One chunk of lead ids rescored and written (picklable, for the workers)."""

    def __init__(self, now: dt.datetime, actor: Actor, record: bool) -> None:
        self.now, self.actor, self.record = now, actor, record
        self._state: tuple | None = None

    def _prepared(self):
        if self._state is None:
            config = config_load()
            names = dict(Source.objects.values_list("pk", "name"))
            matchers = (engine.profile_matcher(), engine.event_matcher())
            self._state = (config, names, matchers, _row_fields(config.profile_rules))
        return self._state

    def __call__(self, span: list[int]) -> tuple[int, int]:
        config, names, matchers, fields = self._prepared()
        queryset = Lead.objects.filter(merged_into__isnull=True, pk__in_array=span)
        rows = _rows(queryset.order_by("pk"), fields)
        changed = _recompute_rows(rows, config, names, matchers, self.now, self.actor, self.record)
        return changed, len(rows)


def _component_order(component: tuple) -> tuple:
    _lead, rule_id, _name, _group, event_id, points, occurred_at = component
    return (occurred_at, rule_id or 0, event_id or 0, points)


@transaction.atomic
def _recompute_rows(rows: list[_Row], config, names, matchers, now, actor, record) -> int:
    ids = array("q", (row.id for row in rows))  # one array parameter, not thousands
    states = {
        stored[0]: (*stored[:2], _json_of(stored[2]), *stored[3:])
        for stored in LeadScore.objects.filter(lead_id__in_array=ids)
        .annotate(breakdown_text=Cast("fit_breakdown", TextField()))
        .values_list(*_STATE_FIELDS[:2], "breakdown_text", *_STATE_FIELDS[3:-1])
    }
    components: dict[int, list[tuple]] = defaultdict(list)
    for stored in ScoreComponent.objects.filter(lead_id__in_array=ids).values_list(
        *_COMPONENT_FIELDS
    ):
        components[stored[0]].append(stored)
    by_hand = {lead_id for lead_id, stored in states.items() if stored[7]}
    scored = _score_rows(rows, config, names, matchers, now, by_hand)
    changed, temperature_events, rewritten, warmer = [], [], [], []
    created: list[tuple] = []
    updated: list[tuple] = []
    for item in scored:
        new_components = [
            (
                item.row.id,
                a.rule_id or None,
                a.rule_name,
                a.group,
                a.event_id,
                a.points,
                a.occurred_at,
            )
            for a in item.awards
        ]
        # what is already stored as it should be is not written again
        stored = states.get(item.row.id)
        if stored is None:
            created.append(item.state)
        elif stored != item.state[:-1]:
            updated.append(item.state)
        if sorted(components.get(item.row.id, ()), key=_component_order) != sorted(
            new_components, key=_component_order
        ):
            rewritten.append((item.row.id, new_components))
        if item.verdict is None:
            continue
        row, verdict = item.row, item.verdict
        new_temperature = row.temperature if item.by_hand else verdict.temperature
        if row.score != verdict.score or new_temperature != row.temperature:
            changed.append((row.id, verdict.score, new_temperature))
        if new_temperature != row.temperature and _warmer(row.temperature, new_temperature):
            warmer.append(row.id)
        if record and new_temperature != row.temperature:
            temperature_events.append(
                (
                    row.id,
                    EventType.CLASSIFIED,
                    now,
                    actor.user.pk if actor.user else None,
                    actor.source,
                    _temperature_params(row.temperature, verdict),
                )
            )
    copy_rows(LeadScore, _STATE_FIELDS, created)
    update_rows(LeadScore, _STATE_FIELDS[1:], updated)  # in place: (lead_id, *the rest)
    if rewritten:
        again = array("q", (lead_id for lead_id, _components in rewritten))
        ScoreComponent.objects.filter(lead_id__in_array=again).delete()
        copy_rows(
            ScoreComponent,
            _COMPONENT_FIELDS,
            [component for _lead, made in rewritten for component in made],
        )
    update_rows(Lead, ["score", "temperature"], changed)
    copy_rows(
        LeadEvent,
        ("lead_id", "type", "occurred_at", "actor_id", "actor_source", "params"),
        temperature_events,
    )
    _warmer_hooks(warmer)
    return len(changed)


@dataclass
class Preview:
    """What a set of rules would do to the most recent leads, against their stored scores."""

    leads: int = 0
    before: dict[str, int] = field(default_factory=dict)  # temperature -> leads
    after: dict[str, int] = field(default_factory=dict)
    mean_before: float = 0.0
    mean_after: float = 0.0
    by_rule: dict[int, dict[str, float]] = field(default_factory=dict)  # leads, points
    changes: list[dict[str, Any]] = field(default_factory=list)  # first leads that change
    changed: int = 0


PREVIEW_LEADS = 20_000


def scores_preview(
    rules: Sequence[RuleSpec],
    *,
    scales: Scales | None = None,
    limit: int = PREVIEW_LEADS,
    examples: int = 25,
) -> Preview:
    """The effect of ``rules`` (instead of the active ones) on the ``limit`` most recent
    leads: temperatures before and after, each rule's reach, the leads whose temperature
    would change. Writes nothing."""
    now = timezone.now()
    config = Config(scales=scales or config_load().scales, rules=tuple(rules))
    names = dict(Source.objects.values_list("pk", "name"))
    matchers = (engine.profile_matcher(), engine.event_matcher())
    rows = _rows(
        Lead.objects.filter(merged_into__isnull=True)
        .exclude(quality_status="rejected")
        .order_by("-id")[:limit],
        _row_fields(config.profile_rules),
    )
    preview = Preview(leads=len(rows))
    total_before = total_after = 0.0
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        by_hand = _by_hand([row.id for row in chunk])
        for item in _score_rows(chunk, config, names, matchers, now, by_hand):
            row = item.row
            before = row.temperature
            after = before if item.verdict is None or item.by_hand else item.verdict.temperature
            score = row.score if item.verdict is None else item.verdict.score
            preview.before[before] = preview.before.get(before, 0) + 1
            preview.after[after] = preview.after.get(after, 0) + 1
            total_before += row.score
            total_after += score
            for line in item.state[2]:
                reach = preview.by_rule.setdefault(line["rule"], {"leads": 0, "points": 0.0})
                reach["leads"] += 1
                reach["points"] += line["points"]
            seen = set()
            for award in item.awards:
                reach = preview.by_rule.setdefault(award.rule_id, {"leads": 0, "points": 0.0})
                reach["leads"] += award.rule_id not in seen
                reach["points"] += award.points
                seen.add(award.rule_id)
            if before != after:
                preview.changed += 1
                if len(preview.changes) < examples:
                    preview.changes.append(
                        {
                            "lead": row.id,
                            "score_before": row.score,
                            "score_after": score,
                            "before": before,
                            "after": after,
                        }
                    )
    leads = Lead.objects.in_bulk([change["lead"] for change in preview.changes])
    for change in preview.changes:
        change["lead"] = leads[change["lead"]]
    if rows:
        preview.mean_before = total_before / len(rows)
        preview.mean_after = total_after / len(rows)
    return preview


# Engagement worth less than this can no longer move a rounded score: it is set to nothing,
# and the lead leaves the sweep (else every lead that ever did anything stays in it forever).
SETTLED = 0.01


def scores_decay_sweep(*, now: dt.datetime | None = None, actor: Actor = SYSTEM) -> int:
    """Bring stored scores up to date with time: engagement decays and hot signals expire,
    so a lead's score or temperature may change with no new event. Reads only the leads
    that have engagement or a hot signal; returns how many changed."""
    now = now or timezone.now()
    config = config_load()
    if config.is_empty:
        return 0
    changed_total = 0
    last_id = 0
    states = (
        LeadScore.objects.exclude(engagement_points=0, hot_until__isnull=True)
        .filter(lead__merged_into__isnull=True)
        .select_related("lead")
        .only(
            "lead_id",
            "fit_points",
            "engagement_points",
            "engagement_epoch",
            "hot_until",
            "hot_reason",
            "temperature_by_hand",
            "fit_breakdown",
            "lead__id",
            "lead__score",
            "lead__temperature",
            "lead__owner_id",
        )
        .order_by("lead_id")
    )
    while True:
        chunk = list(states.filter(lead_id__gt=last_id)[:CHUNK_SIZE])
        if not chunk:
            break
        last_id = chunk[-1].lead_id
        changed, events, settled, notices, warmer = [], [], [], [], []
        for state in chunk:
            profile = engine.ProfileResult(
                points=state.fit_points,
                breakdown=state.fit_breakdown or [],
                hot_reasons=_profile_hot_reasons(state.fit_breakdown, config),
            )
            engagement = _engagement_of(state)
            verdict = verdict_for(profile, engagement, config, now)
            before = state.lead.temperature
            outcome = _apply_verdict(
                state.lead, verdict, by_hand=state.temperature_by_hand, now=now, actor=actor
            )
            if outcome.fields:
                changed.append(state.lead)
            if outcome.event is not None:
                events.append(outcome.event)
                if _warmer(before, state.lead.temperature):
                    warmer.append(state.lead_id)
                notices.append(_hot_notice(state.lead_id, state.lead.owner_id, verdict))
            hot_over = state.hot_until is None or state.hot_until <= now
            if (
                hot_over
                and abs(engagement.at(now.timestamp(), config.scales.half_life_s)) < SETTLED
            ):
                settled.append(state.lead_id)
        with transaction.atomic():
            if changed:
                update_many(Lead, changed, ["score", "temperature"])
            insert_many(LeadEvent, events)
            notify_many(notice for notice in notices if notice is not None)
            _warmer_hooks(warmer)
            # decayed to nothing and no hot signal left: out of the sweep until the next event
            LeadScore.objects.filter(lead_id__in_array=array("q", settled)).update(
                engagement_points=0, engagement_epoch=now.timestamp(), hot_until=None, hot_reason=""
            )
        changed_total += len(changed)
    return changed_total


def _profile_hot_reasons(breakdown: Any, config: Config) -> list[str]:
    hot = {r.id for r in config.profile_rules if r.hot_signal}
    if not hot or not isinstance(breakdown, list):
        return []
    return [
        line["name"] for line in breakdown if isinstance(line, Mapping) and line.get("rule") in hot
    ]


# --------------------------------------------------------------------------- breakdown


@dataclass(frozen=True)
class BreakdownLine:
    name: str
    group: str
    points: float  # as given
    now: float  # what they are worth now
    at: dt.datetime | None


@dataclass(frozen=True)
class Breakdown:
    fit: float
    engagement: float
    total: float
    verdict: Verdict | None
    lines: tuple[BreakdownLine, ...]
    by_hand: bool
    computed_at: dt.datetime | None

    @property
    def by_rule(self) -> list[dict[str, Any]]:
        """The lines added up per rule, fit first, then engagement by what it is worth now:
        how many times a rule gave points, how many, what they are worth now, the last time."""
        rules: dict[tuple[str, str], dict[str, Any]] = {}
        for line in self.lines:
            entry = rules.setdefault(
                (line.group, line.name),
                {
                    "name": line.name,
                    "group": line.group,
                    "times": 0,
                    "points": 0.0,
                    "now": 0.0,
                    "last": None,
                },
            )
            entry["times"] += 1
            entry["points"] += line.points
            entry["now"] += line.now
            if (
                line.group == ScoreGroup.ENGAGEMENT
                and line.at
                and (entry["last"] is None or line.at > entry["last"])
            ):
                entry["last"] = line.at
        return sorted(rules.values(), key=lambda e: (e["group"] != ScoreGroup.FIT, -abs(e["now"])))


def lead_breakdown(lead: Lead, *, now: dt.datetime | None = None) -> Breakdown:
    """Which rules gave a lead how many points, when, and what they are worth now."""
    now = now or timezone.now()
    config = config_load()
    state = LeadScore.objects.filter(lead_id=lead.pk).first()
    engagement = _engagement_of(state)
    half_life = config.scales.half_life_s
    lines = [
        BreakdownLine(
            name=line.get("name", ""),
            group=line.get("group", ScoreGroup.FIT),
            points=line.get("points", 0),
            now=line.get("points", 0),
            at=state.computed_at if state else None,
        )
        for line in (state.fit_breakdown if state else [])
        if isinstance(line, Mapping)
    ]
    # every component, not the latest few: the per-rule sums must add up to the engagement
    components = ScoreComponent.objects.filter(lead_id=lead.pk).values_list(
        "rule_name", "group", "points", "occurred_at"
    )
    for name, group, points, occurred_at in components:
        lines.append(
            BreakdownLine(
                name=name,
                group=group,
                points=points,
                now=engine.decayed(points, occurred_at.timestamp(), now.timestamp(), half_life),
                at=occurred_at,
            )
        )
    fit = state.fit_points if state else 0.0
    engagement_now = engagement.at(now.timestamp(), half_life)
    profile = engine.ProfileResult(
        points=fit, hot_reasons=_profile_hot_reasons(state.fit_breakdown if state else [], config)
    )
    verdict = None if config.is_empty else verdict_for(profile, engagement, config, now)
    return Breakdown(
        fit=engine.capped(fit, config.scales.fit_cap),
        engagement=engine.capped(engagement_now, config.scales.engagement_cap),
        total=engine.total_score(fit, engagement_now, config.scales),
        verdict=verdict,
        lines=tuple(lines),
        by_hand=bool(state and state.temperature_by_hand),
        computed_at=state.computed_at if state else None,
    )
