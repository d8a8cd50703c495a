"""Small presentation helpers for lead pages: role flags for the navigation, contact links,
and the readable form of a lead's custom attributes."""

from __future__ import annotations

from typing import Any

from django import template

from galena.accounts.roles import can_see_marketing, can_work_leads
from galena.leads import access
from galena.leads.models import ContactKind

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
