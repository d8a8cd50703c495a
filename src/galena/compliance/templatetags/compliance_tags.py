"""Template filters: what the signed-in user may see of compliance (the navigation)."""

from __future__ import annotations

from django import template

from galena.compliance import access

register = template.Library()


@register.filter
def handles_data_requests(user) -> bool:
    return access.can_handle_requests(user)


@register.filter
def reads_processing_register(user) -> bool:
    return access.can_read_register(user)
