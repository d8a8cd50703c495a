"""Background work of matching. Thin tasks: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from galena.consent.services import is_restricted
from galena.leads.models import ActorSource, Lead
from galena.leads.services import Actor
from galena.matching.duplicates import duplicates_record
from galena.matching.models import DuplicateFoundBy
from galena.matching.services import INQUIRY_REPEAT, lead_inquiry_hooks


@shared_task(acks_late=True)
def duplicates_found(*, lead_id: int, pairs: list[list], submission_id: int | None = None) -> int:
    """Queue the possible duplicates the intake stage found for a new lead for review;
    idempotent (a pair already queued or decided is left as it is)."""
    return duplicates_record(
        pairs=[(lead_id, int(other), float(p), explanation) for other, p, explanation in pairs],
        found_by=DuplicateFoundBy.INTAKE,
    )


@shared_task(acks_late=True)
def repeat_inquiry_heard(
    *, lead_id: int, submission_id: int | None = None, channel: str = ""
) -> bool:
    """Tell LEAD_INQUIRY_HOOKS that the lead the intake attached a repeat inquiry to came
    back (after the inquiry's commit); idempotent: a lead already back is left as it is. A
    blocked person's lead is left as it is: nothing is reactivated, nobody is told."""
    lead = Lead.objects.filter(pk=lead_id).first()
    while lead is not None and lead.merged_into_id is not None:
        lead = Lead.objects.filter(pk=lead.merged_into_id).first()
    if lead is None or is_restricted(lead):
        # a blocked person's inquiry is stored, but no one is told (intake's event says why)
        return False
    lead_inquiry_hooks(
        lead=lead, actor=Actor(user=None, source=ActorSource.SYSTEM), kind=INQUIRY_REPEAT
    )
    return True
