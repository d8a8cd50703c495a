from django import template

from galena.privacy.access import can_handle_subjects

register = template.Library()


@register.filter
def handles_subjects(user) -> bool:
    """Whether the user may find, export and erase a person's data (administrators)."""
    return can_handle_subjects(user)
