"""A record's fields changed with their before and after: what an event keeps of an edit
(a lead's ``updated`` event, a client's ``updated`` event), the evidence of a correction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


def json_value(value: Any) -> Any:
    """A field's value as an event's JSON parameters keep it (dates as ISO text)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def fields_diff(before: Mapping[str, Any], instance: Any) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields of ``before`` whose value on the instance
    is another now."""
    return {
        name: [json_value(value), json_value(getattr(instance, name))]
        for name, value in before.items()
        if value != getattr(instance, name)
    }


def fields_change(instance: Any, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set each value on the instance (unsaved); ``{field: [before, after]}`` for those that
    differ from what it held."""
    before = {name: getattr(instance, name) for name in values}
    for name, value in values.items():
        setattr(instance, name, value)
    return fields_diff(before, instance)
