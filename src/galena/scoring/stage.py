"""The scoring stage of the intake pipeline: the new lead's score and temperature, from the
profile rules, before it is written — so the routing that follows sees a hot lead as hot.

Behaviour is scored after the write, by follow-ups: a repeat inquiry is a "form submitted"
event for the known lead; a new lead from a browser the tracking script knew has that
visitor's earlier, anonymous events stitched to it. Both rescore the lead and record a
temperature change (``scoring.tasks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from galena.intake.contract import Action, Decision, FollowUp
from galena.leads.sources import source_names
from galena.quality.fit import fit_values_for_submission
from galena.scoring import rules as engine
from galena.scoring.services import Config, config_load

name = "scoring"
SUBMISSION_TASK = "galena.scoring.tasks.submission_tracked"
VISITOR_TASK = "galena.scoring.tasks.visitor_identified"
# What earlier stages decided about the lead that profile rules may read.
_CLASSIFICATION = ("fit", "origin", "contact_type", "verification")


@dataclass(frozen=True)
class ScoringBatch:
    config: Config
    sources: dict[int, str]
    matcher: Any


def prepare(decisions: list[Decision]) -> ScoringBatch:
    ids = {d.parsed.attribution.source_id for d in decisions} - {None}
    sources = source_names(ids, seconds=settings.SCORING_CONFIG_SECONDS)
    return ScoringBatch(config=config_load(), sources=sources, matcher=engine.profile_matcher())


def _attaches(decision: Decision) -> bool:
    return decision.action == Action.ATTACH or (
        decision.parsed.existing_lead_id is not None and decision.action == Action.CREATE
    )


def scoring(decision: Decision, context: ScoringBatch) -> Decision:
    parsed = decision.parsed
    if decision.action in (Action.INTEREST, Action.REJECT):
        return decision
    if _attaches(decision):
        follow_up = FollowUp(task=SUBMISSION_TASK, params={"channel": parsed.channel})
        return decision.but(follow_ups=[*decision.follow_ups, follow_up])
    follow_ups = list(decision.follow_ups)
    if parsed.signals.visitor_id:
        follow_ups.append(
            FollowUp(task=VISITOR_TASK, params={"visitor_key": parsed.signals.visitor_id[:64]})
        )
    config = context.config
    if config.is_empty:
        return decision.but(follow_ups=follow_ups)
    values = fit_values_for_submission(parsed)
    for field in _CLASSIFICATION:
        values[field] = decision.lead_fields.get(field, "")
    values["source"] = context.sources.get(parsed.attribution.source_id, "")
    profile = engine.profile_score(values, config.profile_rules, context.matcher)
    verdict = engine.temperature_for(
        engine.total_score(profile.points, 0.0, config.scales),
        config.scales,
        hot_reasons=profile.hot_reasons,
        now=timezone.now(),
    )
    lead_fields = {**decision.lead_fields, "score": verdict.score}
    lead_fields["temperature"] = verdict.temperature
    return decision.but(lead_fields=lead_fields, follow_ups=follow_ups)


scoring.prepare = prepare
scoring.name = name
