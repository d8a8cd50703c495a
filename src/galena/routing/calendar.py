"""Business hours and holidays, pure: whether a moment is working time, for a member (their
working hours) or a team (its business hours). No database here.

Hours are {ISO weekday ("1" = Monday): [start, end]} or {weekday: [[start, end], …]} with
"HH:MM" local times in the given time zone; a day missing from the mapping is a day off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[dt.time, dt.time]


def zone(name: str | None) -> dt.tzinfo:
    """The time zone by name; UTC when the name is empty or unknown."""
    try:
        return ZoneInfo(name) if name else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _time(text: Any) -> dt.time | None:
    if not isinstance(text, str):
        return None
    if text in ("24:00", "24:00:00"):
        return dt.time.max
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        return None


def intervals(hours: Mapping[str, Any] | None, weekday: int) -> list[Interval]:
    """The working intervals of an ISO weekday, sorted; malformed entries are skipped."""
    if not isinstance(hours, Mapping):
        return []
    value = hours.get(str(weekday))
    if not isinstance(value, list | tuple) or not value:
        return []
    pairs = [value] if all(isinstance(v, str) for v in value) else value
    found: list[Interval] = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        start, end = _time(pair[0]), _time(pair[1])
        if start is not None and end is not None and start < end:
            found.append((start, end))
    return sorted(found)


def is_open(
    moment: dt.datetime,
    hours: Mapping[str, Any] | None,
    *,
    tz: dt.tzinfo,
    holidays: Collection[dt.date] = (),
) -> bool:
    """Whether ``moment`` (aware) falls in the working hours, on no holiday."""
    local = moment.astimezone(tz)
    if local.date() in holidays:
        return False
    now = local.time().replace(tzinfo=None)
    return any(start <= now < end for start, end in intervals(hours, local.isoweekday()))
