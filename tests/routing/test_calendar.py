"""Time counted in business hours: the properties hold for any hours, holidays and moment,
in time zones whose clocks change (Bucharest, New York) as in UTC."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galena.routing.calendar import (
    add_business_days,
    add_business_time,
    business_seconds_between,
    has_open_time,
    is_open,
    next_open,
)

BUCHAREST = ZoneInfo("Europe/Bucharest")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = {str(day): [["09:00", "18:00"]] for day in range(1, 6)}
ALL_DAY = {str(day): [["00:00", "24:00"]] for day in range(1, 8)}
# the changes of 2026: Bucharest 29 March 03:00 → 04:00 and 25 October 04:00 → 03:00;
# New York 8 March 02:00 → 03:00 and 1 November 02:00 → 01:00
CHANGES = [
    dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 8, 7, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC),
]
MICROSECOND = dt.timedelta(microseconds=1)


def _as_text(minutes: int) -> str:
    return "24:00" if minutes == 1440 else f"{minutes // 60:02}:{minutes % 60:02}"


def _interval(draw) -> list[str]:
    start = draw(st.integers(0, 47)) * 30
    length = draw(st.integers(1, 48 - start // 30)) * 30
    end = start + length
    return [_as_text(start), _as_text(end)]


@st.composite
def business_hours(draw):
    """Real-looking hours (offices, lunch breaks, night shifts, around the clock) and odd
    ones: overlapping intervals, half hours, days with nothing."""
    kind = draw(st.sampled_from(["office", "lunch", "all_day", "nights", "random"]))
    if kind == "office":
        return OFFICE
    if kind == "lunch":
        return {str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(1, 6)}
    if kind == "all_day":
        return ALL_DAY
    if kind == "nights":
        return {str(d): [["00:00", "06:00"], ["22:00", "24:00"]] for d in range(1, 8)}
    days = draw(st.sets(st.integers(1, 7), min_size=1))
    return {str(d): [_interval(draw) for _ in range(draw(st.integers(1, 3)))] for d in days}


zones = st.sampled_from([dt.UTC, BUCHAREST, NEW_YORK])


@st.composite
def moments(draw):
    """Aware moments, often within days of a clock change."""
    if draw(st.booleans()):
        base = draw(st.sampled_from(CHANGES))
        return base + dt.timedelta(seconds=draw(st.integers(-4 * 86400, 4 * 86400)))
    naive = draw(st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2030, 12, 31)))
    return naive.replace(tzinfo=dt.UTC)


@st.composite
def holiday_sets(draw, around):
    offsets = draw(st.sets(st.integers(-3, 20), max_size=6))
    day = around.date()
    return frozenset(day + dt.timedelta(days=o) for o in offsets)


durations = st.integers(0, 21 * 86400)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), hours=business_hours(), tz=zones, start=moments(), seconds=durations)
def test_the_time_added_is_the_time_counted(data, hours, tz, start, seconds):
    holidays = data.draw(holiday_sets(start))
    end = add_business_time(start, seconds, hours, tz=tz, holidays=holidays)
    assert business_seconds_between(start, end, hours, tz=tz, holidays=holidays) == seconds


@settings(max_examples=300, deadline=None)
@given(data=st.data(), hours=business_hours(), tz=zones, start=moments(), seconds=durations)
def test_a_deadline_never_falls_in_closed_time(data, hours, tz, start, seconds):
    """Open, or the close of open time when the time runs out exactly there."""
    holidays = data.draw(holiday_sets(start))
    end = add_business_time(start, seconds, hours, tz=tz, holidays=holidays)
    assert is_open(end, hours, tz=tz, holidays=holidays) or (
        seconds > 0 and is_open(end - MICROSECOND, hours, tz=tz, holidays=holidays)
    )


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    hours=business_hours(),
    tz=zones,
    start=moments(),
    later=st.integers(0, 5 * 86400),
    seconds=durations,
    more=durations,
)
def test_adding_is_monotonic_in_the_start_and_the_time(
    data, hours, tz, start, later, seconds, more
):
    holidays = data.draw(holiday_sets(start))

    def add(moment, seconds):
        return add_business_time(moment, seconds, hours, tz=tz, holidays=holidays)

    assert add(start, seconds) <= add(start + dt.timedelta(seconds=later), seconds)
    assert add(start, seconds) <= add(start, seconds + more)
    if more:  # (adding nothing at a close moves to the next opening)
        assert add(add(start, seconds), more) == add(start, seconds + more)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), hours=business_hours(), tz=zones, a=moments(), b=moments())
def test_counting_adds_up_and_turns_round(data, hours, tz, a, b):
    holidays = data.draw(holiday_sets(a))

    def between(x, y):
        return business_seconds_between(x, y, hours, tz=tz, holidays=holidays)

    middle = min(a, b) + (max(a, b) - min(a, b)) / 3
    assert between(a, b) == -between(b, a)
    assert between(min(a, b), middle) + between(middle, max(a, b)) == pytest.approx(
        between(min(a, b), max(a, b)), abs=1e-6
    )
    assert 0 <= between(min(a, b), max(a, b)) <= (max(a, b) - min(a, b)).total_seconds()


@settings(max_examples=200, deadline=None)
@given(data=st.data(), hours=business_hours(), tz=zones, start=moments())
def test_the_next_opening_is_open_and_nothing_before_it_is(data, hours, tz, start):
    holidays = data.draw(holiday_sets(start))
    opening = next_open(start, hours, tz=tz, holidays=holidays)
    assert opening >= start
    assert is_open(opening, hours, tz=tz, holidays=holidays)
    assert business_seconds_between(start, opening, hours, tz=tz, holidays=holidays) == 0
    assert opening == start or not is_open(opening - MICROSECOND, hours, tz=tz, holidays=holidays)


@settings(max_examples=40, deadline=None)
@given(
    hours=business_hours(),
    tz=st.sampled_from([BUCHAREST, NEW_YORK]),
    change=st.sampled_from(CHANGES),
    shift=st.integers(-36, 12),
    span=st.integers(1, 36),
)
def test_counted_time_is_what_is_open_minute_by_minute(hours, tz, change, shift, span):
    """Across a clock change, the seconds counted are the minutes ``is_open`` says are open
    (the hours are on half hours, so a whole minute is open or closed throughout)."""
    start = change + dt.timedelta(hours=shift)
    end = start + dt.timedelta(hours=span)
    minutes = int((end - start).total_seconds() // 60)
    open_minutes = sum(
        is_open(start + dt.timedelta(minutes=m), hours, tz=tz) for m in range(minutes)
    )
    assert business_seconds_between(start, end, hours, tz=tz) == open_minutes * 60


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    hours=business_hours(),
    tz=zones,
    start=moments(),
    later=st.integers(0, 3 * 86400),
    days=st.integers(0, 10),
)
def test_business_days_are_monotonic_and_land_in_open_time(data, hours, tz, start, later, days):
    holidays = data.draw(holiday_sets(start))

    def add(moment):
        return add_business_days(moment, days, hours, tz=tz, holidays=holidays)

    end = add(start)
    assert end >= start
    assert end <= add(start + dt.timedelta(seconds=later))
    assert is_open(end, hours, tz=tz, holidays=holidays) or is_open(
        end - MICROSECOND, hours, tz=tz, holidays=holidays
    )


@settings(max_examples=100, deadline=None)
@given(tz=zones, start=moments(), seconds=durations, days=st.integers(0, 10))
def test_a_calendar_without_open_time_counts_wall_clock_time(tz, start, seconds, days):
    for hours in ({}, None, {"1": []}, {"8": [["09:00", "18:00"]]}, {"2": [["18:00", "09:00"]]}):
        assert not has_open_time(hours)
        assert add_business_time(start, seconds, hours, tz=tz) == start + dt.timedelta(
            seconds=seconds
        )
        assert (
            business_seconds_between(start, start + dt.timedelta(seconds=seconds), hours, tz=tz)
            == seconds
        )
        assert add_business_days(start, days, hours, tz=tz) == start + dt.timedelta(days=days)
        assert next_open(start, hours, tz=tz) == start


def local(tz, *args):
    return dt.datetime(*args, tzinfo=tz)


def test_one_business_day_from_friday_evening_is_monday_evening():
    friday = local(BUCHAREST, 2026, 3, 27, 17, 0)
    assert add_business_days(friday, 1, OFFICE, tz=BUCHAREST) == local(BUCHAREST, 2026, 3, 30, 17)


def test_a_holiday_is_skipped():
    friday = local(BUCHAREST, 2026, 3, 27, 17, 0)
    monday = dt.date(2026, 3, 30)
    assert add_business_days(friday, 1, OFFICE, tz=BUCHAREST, holidays={monday}) == local(
        BUCHAREST, 2026, 3, 31, 17
    )
    assert add_business_time(friday, 2 * 3600, OFFICE, tz=BUCHAREST, holidays={monday}) == local(
        BUCHAREST, 2026, 3, 31, 10
    )


def test_a_weekend_start_counts_from_the_next_opening():
    saturday = local(NEW_YORK, 2026, 3, 7, 11, 0)
    assert next_open(saturday, OFFICE, tz=NEW_YORK) == local(NEW_YORK, 2026, 3, 9, 9)
    assert add_business_days(saturday, 1, OFFICE, tz=NEW_YORK) == local(NEW_YORK, 2026, 3, 10, 9)
    assert add_business_time(saturday, 3600, OFFICE, tz=NEW_YORK) == local(NEW_YORK, 2026, 3, 9, 10)


def test_time_running_out_at_the_close_ends_at_the_close():
    friday = local(BUCHAREST, 2026, 3, 27, 17, 0)
    assert add_business_time(friday, 3600, OFFICE, tz=BUCHAREST) == local(
        BUCHAREST, 2026, 3, 27, 18
    )


def test_a_shorter_day_clamps_the_same_time_to_its_close():
    hours = {"5": [["09:00", "18:00"]], "1": [["09:00", "13:00"], ["14:00", "16:00"]]}
    friday = local(dt.UTC, 2026, 3, 27, 17, 0)
    assert add_business_days(friday, 1, hours, tz=dt.UTC) == local(dt.UTC, 2026, 3, 30, 16)
    at_lunch = local(dt.UTC, 2026, 3, 27, 13, 30)
    assert add_business_days(at_lunch, 1, hours, tz=dt.UTC) == local(dt.UTC, 2026, 3, 30, 13)
    early = local(dt.UTC, 2026, 3, 27, 9, 0)
    hours["1"] = [["10:00", "16:00"]]
    assert add_business_days(early, 1, hours, tz=dt.UTC) == local(dt.UTC, 2026, 3, 30, 10)


def test_around_the_clock_the_spring_day_has_23_hours_and_the_autumn_day_25():
    assert (
        business_seconds_between(
            local(BUCHAREST, 2026, 3, 29), local(BUCHAREST, 2026, 3, 30), ALL_DAY, tz=BUCHAREST
        )
        == 23 * 3600
    )
    assert (
        business_seconds_between(
            local(NEW_YORK, 2026, 11, 1), local(NEW_YORK, 2026, 11, 2), ALL_DAY, tz=NEW_YORK
        )
        == 25 * 3600
    )


def test_an_office_day_is_nine_hours_whatever_the_clocks_do():
    for tz, day in ((BUCHAREST, 29), (BUCHAREST, 30), (NEW_YORK, 9)):
        month = 3
        start = local(tz, 2026, month, day, 0)
        assert business_seconds_between(start, start + dt.timedelta(days=1), OFFICE, tz=tz) == (
            9 * 3600 if start.isoweekday() <= 5 else 0
        )


def test_a_time_the_clocks_skip_maps_to_the_moment_they_skip():
    # 1 business day from Saturday 02:30 (around the clock) is Sunday 02:30, which New York
    # skips: the clocks go from 02:00 to 03:00
    saturday = local(NEW_YORK, 2026, 3, 7, 2, 30)
    assert add_business_days(saturday, 1, ALL_DAY, tz=NEW_YORK) == local(NEW_YORK, 2026, 3, 8, 3)


def test_twenty_four_hundred_ends_the_day_inclusive():
    hours = {"1": [["20:00", "24:00"]]}
    last = local(dt.UTC, 2026, 3, 30, 23, 59, 59, 999999)
    assert is_open(last, hours, tz=dt.UTC)
    assert not is_open(last + MICROSECOND, hours, tz=dt.UTC)
