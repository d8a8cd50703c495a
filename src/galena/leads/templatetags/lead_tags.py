"""Small presentation helpers for lead pages: role flags for the navigation, contact links,
and the readable form of a lead's custom attributes."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from galena.accounts.roles import can_see_marketing, can_work_leads
from galena.leads import access
from galena.leads.models import ContactKind
from galena.leads.selectors import response_status

register = template.Library()


@register.filter
def works_leads(user) -> bool:
    return can_work_leads(user)


@register.filter
def sees_marketing(user) -> bool:
    return can_see_marketing(user)


@register.filter
def assigns_leads(user) -> bool:
    return access.can_assign(user)


@register.filter
def contact_href(point) -> str:
    """A link that dials, writes or opens the contact; empty when there is none to make."""
    if point.kind == ContactKind.PHONE:
        return "tel:" + "".join(c for c in point.value if c.isdigit() or c == "+")
    if point.kind == ContactKind.EMAIL:
        return "mailto:" + point.value
    if point.kind == ContactKind.SOCIAL and point.value.startswith(("https://", "http://")):
        return point.value
    return ""


@register.filter
def attribute_value(value: Any) -> str:
    """A custom attribute as text: lists joined, yes/no for booleans, objects as key: value."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list | tuple):
        return ", ".join(attribute_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {attribute_value(v)}" for k, v in value.items())
    if value is None or value == "":
        return "—"
    return str(value)


@register.filter
def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.simple_tag
def response_deadline(due_at, responded_at=None, depth: int = 2) -> dict[str, Any]:
    """A first-response deadline in words: its state (due, met, breached; "" without one)
    and the time left, overdue or to spare ("in 4 minutes", "12 minutes overdue")."""
    now = timezone.now()
    state = response_status(due_at, responded_at, now=now)
    if not state:
        return {"state": "", "text": "", "due_at": None}
    moment = responded_at or now
    early, late = (due_at, moment) if moment > due_at else (moment, due_at)
    words = timesince(early, late, depth=depth)
    if (late - early).total_seconds() < 60:
        words = ""
    if responded_at is None and state == "due":
        text = _("in %(time)s") % {"time": words} if words else _("in less than a minute")
    elif responded_at is None:
        text = _("%(time)s overdue") % {"time": words} if words else _("just overdue")
    elif state == "met":
        text = (
            _("answered %(time)s before the deadline") % {"time": words}
            if words
            else _("answered just in time")
        )
    else:
        text = _("answered %(time)s late") % {"time": words} if words else _("answered just late")
    return {"state": state, "text": text, "due_at": due_at}
