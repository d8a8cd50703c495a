"""What routing does when a person's block is lifted (``settings.LEAD_UNBLOCKED_HOOKS``,
called by ``consent.services.lift_restriction`` in its transaction, the person's leads
locked, with those no other block holds).

A block keeps a new lead unrouted (``leads_route`` writes a ``not_routed`` event and starts no
clock), and the SLA sweep stops the running clock of a blocked person's lead when it next
looks at it (``next_check_at`` emptied, nothing else written). Once lifted:

- a lead the block kept unrouted — its last routing event is ``not_routed``, it still has no
  owner, it is open and for sales — is routed by the rules now (its ``assigned`` or
  ``queued`` event says the block was lifted) and its first-response clock starts from now;
- a lead with an owner keeps it; its clock restarts from now only if the block stopped it:
  unanswered and unmet, its chain of steps not over, yet not looked at any more.

A clock the sweep has not reached during the block runs on as it was.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from galena.consent.services import EVENT_NOT_ROUTED
from galena.leads.models import EventType, Lead, LeadEvent, StageKind
from galena.leads.services import Actor
from galena.routing import sla_rules
from galena.routing.models import SlaClock
from galena.routing.services import _routable, leads_route
from galena.routing.sla import _stopped, clock_facts, lead_sla_start, sla_config_load

# the events that say where routing left a lead, the latest counts
ROUTING_EVENTS = (EVENT_NOT_ROUTED, EventType.ASSIGNED, EventType.QUEUED)


def _kept_unrouted(lead_ids: list[int]) -> set[int]:
    """The leads whose latest routing event is the block's ``not_routed`` (one query)."""
    latest: dict[int, str] = {}
    for lead_id, type_ in (
        LeadEvent.objects.filter(lead_id__in=lead_ids, type__in=ROUTING_EVENTS)
        .order_by("lead_id", "occurred_at", "id")
        .values_list("lead_id", "type")
    ):
        latest[lead_id] = type_
    return {lead_id for lead_id, type_ in latest.items() if type_ == EVENT_NOT_ROUTED}


def _stopped_by_block(clock: SlaClock | None, lead: Lead, policies: dict) -> bool:
    """The sweep left the clock while its chain had steps to come, and nothing but the block
    (lifted now) stops the lead: not answered, closed, merged or held."""
    if clock is None or clock.met_at is not None or clock.next_check_at is not None:
        return False
    if _stopped(lead):
        return False
    return sla_rules._next_check(clock_facts(clock), policies.get(clock.policy_id)) is not None


def leads_unblocked(*, lead_ids: list[int], actor: Actor) -> dict[int, dict[str, Any]]:
    """A LEAD_UNBLOCKED_HOOKS hook: route the leads the block kept unrouted and start their
    clocks, restart the clocks the block stopped; returns, per lead, what followed (for the
    ``restriction_lifted`` event). A few queries whatever the number of leads."""
    leads = list(
        Lead.objects.select_related("stage")
        .filter(pk__in=lead_ids, merged_into__isnull=True)
        .order_by("pk")
    )
    if not leads:
        return {}
    kept = _kept_unrouted([lead.pk for lead in leads])
    to_route = [
        lead
        for lead in leads
        if lead.pk in kept and _routable(lead) and lead.stage.kind == StageKind.OPEN
    ]
    followed: dict[int, dict[str, Any]] = {}
    if to_route:
        leads_route(leads=to_route, reason=_("block lifted"))
        for lead in to_route:
            followed[lead.pk] = {"routed": True, "owner": lead.owner_id, "team": lead.team_id}
    routed = {lead.pk for lead in to_route}
    clocks = SlaClock.objects.in_bulk([lead.pk for lead in leads if lead.pk not in routed])
    policies = sla_config_load().by_id
    now = timezone.now()
    for lead in leads:
        if lead.pk in routed or _stopped_by_block(clocks.get(lead.pk), lead, policies):
            clock = lead_sla_start(lead=lead, start=now)
            if clock is not None:
                facts = followed.setdefault(lead.pk, {})
                facts["clock"] = "started" if lead.pk in routed else "restarted"
                facts["response_due_at"] = clock.due_at.isoformat()
    return followed
