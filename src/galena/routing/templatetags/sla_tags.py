"""Presentation helpers of first-response SLAs: the lead card's SLA panel and durations in
human units for the speed-to-lead report."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy, pgettext

from galena.leads.models import Lead
from galena.routing.models import ResponseKind, SlaClock, SlaStatus

register = template.Library()

STOPPED = gettext_lazy("Stopped: the lead left the pipeline unanswered")

ESCALATION_STEPS = {
    0: gettext_lazy("Not escalated"),
    1: gettext_lazy("Owner reminded"),
    2: gettext_lazy("Reassigned to someone else"),
    3: gettext_lazy("Head of sales alerted"),
}


def sla_clock_of(lead) -> SlaClock | None:
    """The lead's clock and policy: read with the lead when its query took them, else one
    query; none for a lead without a deadline (a clock's deadline is copied onto its lead)."""
    if Lead.sla_clock.related.is_cached(lead):  # select_related("sla_clock__policy")
        return getattr(lead, "sla_clock", None)
    if lead.response_due_at is None:
        return None
    return SlaClock.objects.select_related("policy").filter(lead_id=lead.pk).first()


@register.simple_tag
def sla_panel(lead) -> dict[str, Any]:
    """What the card's SLA panel shows: the clock, its state and the escalation in words,
    and whether the panel still changes (then it asks the server again every 30 s)."""
    clock = sla_clock_of(lead)
    if clock is None:
        return {"clock": None, "live": False}
    status = clock.status
    # left the pipeline (rejected, deferred, converted) before anyone answered: the clock
    # stopped there and the lead has no deadline (routing.sla.lead_sla_on_stage)
    stopped = clock.met_at is None and lead.response_due_at is None
    return {
        "clock": clock,
        "status": "stopped" if stopped else status,
        "status_label": STOPPED if stopped else SlaStatus(status).label,
        "met_late": clock.met_at is not None and status == SlaStatus.BREACHED,
        "met_by": ResponseKind(clock.met_by).label if clock.met_by in ResponseKind.values else "",
        "escalation": ESCALATION_STEPS.get(clock.escalation_step, str(clock.escalation_step)),
        "live": clock.met_at is None and not stopped,
    }


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds in human units: "45 s", "4 min", "1 h 12 min", "2 d 3 h"; a dash for none."""
    if seconds is None:
        return "—"
    seconds = max(0.0, float(seconds))
    if seconds < 59.5:
        return pgettext("duration", "%(count)d s") % {"count": round(seconds)}
    minutes = round(seconds / 60)
    if minutes < 60:
        return pgettext("duration", "%(count)d min") % {"count": minutes}
    if minutes < 24 * 60:
        hours, minutes = divmod(minutes, 60)
        parts = [pgettext("duration", "%(count)d h") % {"count": hours}]
        if minutes:
            parts.append(pgettext("duration", "%(count)d min") % {"count": minutes})
        return " ".join(parts)
    days, hours = divmod(round(seconds / 3600), 24)
    parts = [pgettext("duration", "%(count)d d") % {"count": days}]
    if hours:
        parts.append(pgettext("duration", "%(count)d h") % {"count": hours})
    return " ".join(parts)
