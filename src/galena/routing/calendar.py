"""Business hours and holidays, pure: whether a moment is working time, for a member (their
working hours) or a team (its business hours), and time counted in such hours (first-response
deadlines). No database here.

Hours are {ISO weekday ("1" = Monday): [start, end]} or {weekday: [[start, end], …]} with
"HH:MM" local times in the given time zone ("24:00" ends a day at midnight); a day missing
from the mapping is a day off, and so is a holiday.

Open time is what ``is_open`` says it is: the instants whose local wall-clock time falls in
the day's hours. So a day on which the clocks go forward loses the skipped hour, and one on
which they go back counts the repeated hour twice if both passes are within the hours —
the arithmetic below is done on instants (UTC), never on wall-clock differences, and agrees
with ``is_open`` to the microsecond.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection, Iterator, Mapping
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

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
    hours: Mapping[str, Any] | Week | None,
    *,
    tz: dt.tzinfo,
    holidays: Collection[dt.date] = (),
) -> bool:
    """Whether ``moment`` (aware) falls in the working hours, on no holiday."""
    local = moment.astimezone(tz)
    if local.date() in holidays:
        return False
    since_midnight = dt.timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    # "24:00" ends the day at the next midnight: the day's last microsecond is open
    return any(begin <= since_midnight < end for begin, end in week(hours)[local.isoweekday()])


# --------------------------------------------------------------------------- business time

Span = tuple[dt.datetime, dt.datetime]

_DAY = dt.timedelta(days=1)
# No time zone is more than 14 hours from UTC: a local day lies within these margins of the
# same calendar day in UTC.
_MARGIN = dt.timedelta(hours=15)
# This many days in a row without open time (holidays for years) count as no open time.
_CLOSED_DAYS_LIMIT = 3660
# The rest of time, open, when a calendar has none: time is then plain wall-clock time.
_FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC) - dt.timedelta(days=2)


Pieces = tuple[tuple[dt.timedelta, dt.timedelta], ...]


def _day_pieces(hours: Mapping[str, Any] | None, weekday: int) -> Pieces:
    """A weekday's intervals as offsets from local midnight, overlaps merged; "24:00" is
    the next midnight."""
    merged: list[list[dt.timedelta]] = []
    for start, end in intervals(hours, weekday):
        begin = dt.timedelta(hours=start.hour, minutes=start.minute, seconds=start.second)
        begin += dt.timedelta(microseconds=start.microsecond)
        if end == dt.time.max:
            finish = _DAY
        else:
            finish = dt.timedelta(hours=end.hour, minutes=end.minute, seconds=end.second)
            finish += dt.timedelta(microseconds=end.microsecond)
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], finish)
        else:
            merged.append([begin, finish])
    return tuple((begin, finish) for begin, finish in merged)


class Week(tuple):
    """Business hours parsed once: for each ISO weekday (index 1 = Monday … 7) its open
    intervals as offsets from local midnight. Every function here takes it where it takes
    hours; a deadline counted many times a second in the same calendar parses nothing."""

    __slots__ = ()


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


@functools.lru_cache(maxsize=256)
def _week_of(frozen: tuple) -> Week:
    hours = dict(frozen)
    return Week(((), *(_day_pieces(hours, weekday) for weekday in range(1, 8))))


def week(hours: Mapping[str, Any] | Week | None) -> Week:
    """The hours parsed (see ``Week``); malformed entries are left out, as ``intervals``
    does."""
    if isinstance(hours, Week):
        return hours
    if not isinstance(hours, Mapping):
        return Week(((),) * 8)
    try:
        return _week_of(_frozen(hours))
    except TypeError:  # something unhashable in odd hours: parse them as they are
        return Week(((), *(_day_pieces(hours, weekday) for weekday in range(1, 8))))


def has_open_time(hours: Mapping[str, Any] | Week | None) -> bool:
    """Whether the hours open on any weekday at all."""
    return any(week(hours))


def _offset(moment: dt.datetime, tz: dt.tzinfo) -> dt.timedelta:
    return moment.astimezone(tz).utcoffset() or dt.timedelta(0)


def _offset_segments(
    low: dt.datetime, high: dt.datetime, tz: dt.tzinfo
) -> list[tuple[dt.datetime, dt.datetime, dt.timedelta]]:
    """[low, high) cut where the zone's offset from UTC changes, each piece with its offset.
    A zone changes its offset at most once in the few days this is asked about; the change
    is found to the second (zones change on whole seconds)."""
    before, after = _offset(low, tz), _offset(high, tz)
    if before == after:
        return [(low, high, before)]
    inside, outside = 0, int((high - low).total_seconds())
    while outside - inside > 1:
        middle = (inside + outside) // 2
        if _offset(low + dt.timedelta(seconds=middle), tz) == before:
            inside = middle
        else:
            outside = middle
    change = low + dt.timedelta(seconds=outside)
    return [(low, change, before), (change, high, after)]


@functools.lru_cache(maxsize=4096)
def _day_spans(day: dt.date, pieces: Pieces, tz: dt.tzinfo) -> tuple[Span, ...]:
    """The open instants (UTC) whose local date is ``day`` and local time in ``pieces``
    (remembered: the leads arriving today all count across the same few days)."""
    midnight = dt.datetime.combine(day, dt.time())
    spans: list[Span] = []
    low = (midnight - _MARGIN).replace(tzinfo=dt.UTC)
    high = (midnight + _DAY + _MARGIN).replace(tzinfo=dt.UTC)
    for segment_start, segment_end, offset in _offset_segments(low, high, tz):
        # in this segment local wall-clock time is UTC + offset: intersect in wall time
        wall_start = segment_start.replace(tzinfo=None) + offset
        wall_end = segment_end.replace(tzinfo=None) + offset
        for begin, finish in pieces:
            start, end = max(midnight + begin, wall_start), min(midnight + finish, wall_end)
            if start < end:
                spans.append(
                    ((start - offset).replace(tzinfo=dt.UTC), (end - offset).replace(tzinfo=dt.UTC))
                )
    return tuple(spans)


def _open_spans(
    start: dt.datetime,
    hours: Mapping[str, Any] | Week | None,
    tz: dt.tzinfo,
    holidays: Collection[dt.date],
) -> Iterator[Span]:
    """The open time from ``start`` on, as consecutive [from, to) spans in UTC, the first
    cut at ``start``. Without open time (or none for ``_CLOSED_DAYS_LIMIT`` days) the rest
    of time is one open span: time is then plain wall-clock time."""
    start = start.astimezone(dt.UTC)
    by_weekday = week(hours)
    if not any(by_weekday):
        yield start, _FOREVER
        return
    closed = frozenset(holidays)
    # the day before: in a zone whose clocks go back over midnight, its last instants may
    # come after ``start``
    day = start.astimezone(tz).date() - _DAY
    last = start
    closed_days = 0
    while closed_days < _CLOSED_DAYS_LIMIT:
        pieces = () if day in closed else by_weekday[day.isoweekday()]
        found = False
        for span_start, span_end in _day_spans(day, pieces, tz) if pieces else ():
            if span_end <= last:
                continue
            found = True
            yield max(span_start, last), span_end
            last = span_end
        closed_days = 0 if found else closed_days + 1
        day += _DAY
    yield last, _FOREVER


def next_open(
    moment: dt.datetime,
    hours: Mapping[str, Any] | Week | None,
    *,
    tz: dt.tzinfo,
    holidays: Collection[dt.date] = (),
) -> dt.datetime:
    """``moment`` when it is open, else the next opening (in UTC). A calendar with no open
    time at all returns ``moment``: time is plain wall-clock time."""
    if is_open(moment, hours, tz=tz, holidays=holidays):
        return moment
    return next(_open_spans(moment, hours, tz, holidays))[0]


def add_business_time(
    start: dt.datetime,
    seconds: float,
    hours: Mapping[str, Any] | Week | None,
    *,
    tz: dt.tzinfo,
    holidays: Collection[dt.date] = (),
) -> dt.datetime:
    """The moment ``seconds`` of open time after ``start`` (aware; the result in UTC).
    Counting starts at the next opening when ``start`` is closed; 0 seconds give that
    opening. The result is open, or the close of an open span when the time runs out
    exactly there (1 hour from 17:00 with hours 09:00–18:00 is 18:00, not 09:00 the next
    day). A calendar with no open time at all — no weekday with hours — counts plain
    wall-clock time: ``start + seconds``."""
    if seconds < 0:
        raise ValueError("Give a duration of zero or more seconds.")
    remaining = dt.timedelta(seconds=seconds)
    for span_start, span_end in _open_spans(start, hours, tz, holidays):
        length = span_end - span_start
        if remaining <= length:
            return span_start + remaining
        remaining -= length
    raise AssertionError("open spans never end")  # pragma: no cover


def business_seconds_between(
    start: dt.datetime,
    end: dt.datetime,
    hours: Mapping[str, Any] | Week | None,
    *,
    tz: dt.tzinfo,
    holidays: Collection[dt.date] = (),
) -> float:
    """Seconds of open time from ``start`` to ``end``; negative when ``end`` comes first (time
    left to an overdue deadline). With no open time at all: the wall-clock seconds."""
    if end < start:
        return -business_seconds_between(end, start, hours, tz=tz, holidays=holidays)
    total = dt.timedelta(0)
    for span_start, span_end in _open_spans(start, hours, tz, holidays):
        if span_start >= end:
            break
        total += min(span_end, end) - span_start
    return total.total_seconds()


def _instant(day: dt.date, wall: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) a wall-clock time on a local day names: the first of two when the
    clocks go back; for a time the clocks skip going forward, the moment they skip."""
    naive = dt.datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz).astimezone(dt.UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    later = naive.replace(tzinfo=tz, fold=1).astimezone(dt.UTC)
    segments = _offset_segments(min(first, later), max(first, later), tz)
    return segments[-1][0] if len(segments) > 1 else first


def add_business_days(
    start: dt.datetime,
    days: int,
    hours: Mapping[str, Any] | Week | None,
    *,
    tz: dt.tzinfo,
    holidays: Collection[dt.date] = (),
) -> dt.datetime:
    """The same local time ``days`` open days later (the result in UTC): 1 business day
    from Friday 17:00 is Monday 17:00 (Tuesday when Monday is a holiday). A closed
    ``start`` counts from the next opening (Saturday → Monday 09:00 → Tuesday 09:00). When
    that time is not open on the day reached (shorter hours, a lunch break), it is clamped
    into the day: to the close of the last interval before it, else the day's opening —
    never later than the same wall-clock time. Never decreasing in ``start``: a moment in
    the second pass of an hour the clocks repeat counts as the end of that hour. A calendar
    with no open time at all counts days of 24 hours."""
    if days < 0:
        raise ValueError("Give a number of days of zero or more.")
    if not has_open_time(hours):
        return start.astimezone(dt.UTC) + days * _DAY
    begin = next_open(start, hours, tz=tz, holidays=holidays).astimezone(dt.UTC)
    if days == 0:
        return begin
    local = begin.astimezone(tz)
    wall = local.time().replace(tzinfo=None, fold=0)
    if local.fold:  # the repeated hour's second pass: count it as the hour's end
        segments = _offset_segments(begin - _DAY, begin, tz)
        if len(segments) > 1:
            change, offset_before = segments[-1][0], segments[0][2]
            wall = (change.replace(tzinfo=None) + offset_before).time()
    closed = frozenset(holidays)
    parsed = week(hours)
    day, counted, looked = local.date(), 0, 0
    spans: tuple[Span, ...] = ()
    while counted < days:
        day += _DAY
        looked += 1
        pieces = () if day in closed else parsed[day.isoweekday()]
        # a day whose only hours the clocks skip has no open time either
        spans = _day_spans(day, pieces, tz) if pieces else ()
        if spans:
            counted += 1
        elif looked > _CLOSED_DAYS_LIMIT + days:  # holidays for years: wall-clock days
            return begin + days * _DAY
    target = _instant(day, wall, tz)
    if any(span_start <= target < span_end for span_start, span_end in spans):
        return target
    earlier = [span_end for _start, span_end in spans if span_end <= target]
    return max(earlier) if earlier else spans[0][0]


_CLOCK_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


def _clock_time(text: Any) -> dt.timedelta | None:
    if text == "24:00":
        return _DAY
    if not isinstance(text, str) or not _CLOCK_TIME.match(text):
        return None
    return dt.timedelta(hours=int(text[:2]), minutes=int(text[3:]))


def business_hours_errors(hours: Any) -> str:
    """What is wrong with business hours as typed, in words; empty when they can be saved.
    {"1": [["09:00", "13:00"], ["14:00", "18:00"]], …}: ISO weekdays 1 (Monday) to 7,
    "HH:MM" times from 00:00 to 24:00, each start before its end, no overlaps."""
    if not isinstance(hours, Mapping):
        return _('Give the hours per ISO weekday, e.g. {"1": [["09:00", "18:00"]]}.')
    problems = []
    for day, value in hours.items():
        if day not in {str(weekday) for weekday in range(1, 8)}:
            problems.append(
                _("“%(day)s” is not a weekday: use 1 (Monday) to 7 (Sunday).") % {"day": day}
            )
            continue
        pairs = value
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            pairs = [value]  # one interval, written flat: ["09:00", "18:00"]
        if not isinstance(pairs, list):
            problems.append(_("Day %(day)s: give a list of [start, end] pairs.") % {"day": day})
            continue
        spans = []
        for pair in pairs:
            start, end = (
                (_clock_time(pair[0]), _clock_time(pair[1]))
                if isinstance(pair, list | tuple) and len(pair) == 2
                else (None, None)
            )
            if start is None or end is None:
                problems.append(
                    _("Day %(day)s: %(pair)s is not a pair of HH:MM times (00:00 to 24:00).")
                    % {"day": day, "pair": pair}
                )
            elif start >= end:
                problems.append(
                    _("Day %(day)s: %(start)s is not before %(end)s.")
                    % {"day": day, "start": pair[0], "end": pair[1]}
                )
            else:
                spans.append((start, end))
        spans.sort()
        if any(later[0] < earlier[1] for earlier, later in pairwise(spans)):
            problems.append(_("Day %(day)s: the intervals overlap.") % {"day": day})
    return " ".join(problems)
