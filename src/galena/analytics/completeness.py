"""Card completeness: which of a lead's key fields count, and whether each is filled in.

The key fields of a card are ``CARD_FIELDS`` and whatever the lead's current stage requires
(``Stage.required_fields``); a choice still "unknown" is empty. The team report counts them
from the leads (``analytics.team``) or from the team facts (``analytics.facts``).
"""

from __future__ import annotations

from functools import reduce
from operator import add

from django.db.models import Case, IntegerField, Q, Value, When

from galena.leads.models import UNKNOWN, Lead, Stage

# the fields every card should have filled in, whatever its stage
CARD_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "position",
    "region",
    "interest",
    "temperature",
    "fit",
)


def filled(name: str) -> Q:
    """The condition that a lead's field counts as filled in (``leads.models.is_blank``)."""
    model_field = Lead._meta.get_field(name)
    condition = Q(**{f"{model_field.attname}__isnull": False})
    if model_field.get_internal_type() in ("CharField", "TextField"):
        condition &= ~Q(**{model_field.attname: ""})
    if model_field.choices:
        condition &= ~Q(**{model_field.attname: UNKNOWN})
    return condition


def stage_key_fields() -> dict[int, tuple[str, ...]]:
    """Per stage, the key fields a card in it should have: ``CARD_FIELDS`` and the stage's
    own required fields."""
    fields = {}
    for stage in Stage.objects.all():
        required = [name for name in stage.required_fields or () if name not in CARD_FIELDS]
        fields[stage.pk] = (*CARD_FIELDS, *required)
    return fields


def filled_count() -> Case:
    """Per lead, how many of its stage's key fields it has filled in (an expression; the
    stages' key fields as they are now)."""

    def count(names: tuple[str, ...]):
        flags = [
            Case(When(filled(name), then=Value(1)), default=Value(0), output_field=IntegerField())
            for name in names
        ]
        return reduce(add, flags)

    return Case(
        *[When(stage_id=pk, then=count(names)) for pk, names in stage_key_fields().items()],
        default=count(CARD_FIELDS),
        output_field=IntegerField(),
    )
