"""The routing stage of the intake pipeline, the last one.

A new lead's owner is chosen where the lead is written (``routing.services.leads_route``,
a creation hook): choosing a team member reads and advances the team's round-robin state
under a lock, which is database work, and the contract keeps that at the edges, in the
transaction that writes the lead — so a lead is never seen unowned and never assigned twice.

What the stage itself decides is the road of a repeat inquiry: the known lead keeps its
owner when that owner is active; otherwise it is routed again by the rules, after the
write (a follow-up).
"""

from __future__ import annotations

from galena.intake.contract import Action, Decision, FollowUp

name = "routing"
REPEAT_TASK = "galena.routing.tasks.repeat_inquiry_route"


def _attaches(decision: Decision) -> bool:
    return decision.action == Action.ATTACH or (
        decision.parsed.existing_lead_id is not None and decision.action == Action.CREATE
    )


def routing(decision: Decision, context: None) -> Decision:
    if not _attaches(decision):
        return decision
    return decision.but(follow_ups=[*decision.follow_ups, FollowUp(task=REPEAT_TASK)])


routing.name = name
