"""Routing's background work: thin Celery tasks that take ids and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="galena.routing.tasks.repeat_inquiry_route")
def repeat_inquiry_route(*, lead_id: int, submission_id: int | None = None, **_params) -> bool:
    """A known lead wrote again: keep its owner if active, else route it by the rules."""
    from galena.routing.services import lead_owner_check

    return lead_owner_check(lead_id=lead_id, reason="repeat inquiry")


@shared_task(name="galena.routing.tasks.loads_recount")
def loads_recount() -> int:
    """Periodic (every ROUTING_LOAD_SECONDS): count the routed teams' members' open leads
    and tasks due again, for least-loaded and skills routing."""
    from galena.routing.services import loads_recount as recount

    return recount()


@shared_task(name="galena.routing.tasks.sla_sweep")
def sla_sweep() -> int:
    """Periodic (every minute): warn of first-response deadlines coming, mark the ones passed
    and escalate them; idempotent, and safe to run twice at once."""
    from galena.routing.sla import sla_sweep as sweep

    return sweep()
