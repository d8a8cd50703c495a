"""Background work of nurture. Thin tasks: they take ids, call a service, are idempotent."""

from __future__ import annotations

from celery import shared_task

from galena.leads.models import Lead
from galena.leads.services import Actor
from galena.nurture import services


@shared_task(acks_late=True)
def nurture_sweep() -> dict:
    """Send the nurture e-mails that are due (each step at most once)."""
    result = services.nurture_sweep()
    return {"sent": result.sent, "failed": result.failed, "stopped": result.stopped}


@shared_task(acks_late=True)
def cold_leads_enroll() -> int:
    """Enrol cold leads in the cold-lead sequences."""
    return services.cold_leads_enroll()


@shared_task(acks_late=True)
def reactivation_sweep() -> int:
    """Rejected and deferred leads that warmed up return to the pipeline."""
    return services.reactivation_sweep()


@shared_task(acks_late=True)
def farewell_send_automatic(*, lead_id: int) -> bool:
    """The farewell e-mail a rejection sends when its reason's rule says so; once."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return False
    return services.farewell_send(actor=Actor.system(), lead=lead, automatic=True) is not None
