"""The time-zone rule (app/local_time.py), across both transitions in unusual zones."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.local_time import due_instant, exists, in_quiet_hours, parse_hhmm, wall_time


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (zone, local date, local time) -> (instant, wall-clock time it fires at)
GAPS = [
    # 02:00 -> 03:00: read with the old offset (EST), so 02:30 fires at 03:30 EDT
    ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30), time(3, 30)),
    ("America/New_York", date(2026, 3, 8), time(2, 0), utc(2026, 3, 8, 7, 0), time(3, 0)),
    # 01:00 -> 02:00 (GMT -> BST)
    ("Europe/London", date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1, 30), time(2, 30)),
    # a 30-minute jump, 02:00 -> 02:30 (+10:30 -> +11)
    ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 45), time(2, 45)),
    # 02:45 -> 03:45 (+12:45 -> +13:45)
    ("Pacific/Chatham", date(2026, 9, 27), time(3, 0), utc(2026, 9, 26, 14, 15), time(4, 0)),
]

# the overlap: the first occurrence (the pre-transition, summer offset)
OVERLAPS = [
    ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
    ("Europe/London", date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30)),
    # 02:00 -> 01:30 (+11 -> +10:30): 01:45 happens twice, fires at +11
    ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), utc(2026, 4, 4, 14, 45)),
    # 03:45 -> 02:45 (+13:45 -> +12:45)
    ("Pacific/Chatham", date(2026, 4, 5), time(3, 0), utc(2026, 4, 4, 13, 15)),
]


@pytest.mark.parametrize(("zone", "on", "at", "instant", "shown"), GAPS)
def test_a_time_in_the_spring_gap_fires_at_the_shifted_instant(zone, on, at, instant, shown):
    tz = ZoneInfo(zone)
    assert not exists(on, at, tz)
    assert due_instant(on, at, tz) == instant
    local = wall_time(instant, tz)
    assert (local.date(), local.time()) == (on, shown)


@pytest.mark.parametrize(("zone", "on", "at", "instant"), OVERLAPS)
def test_a_repeated_time_fires_once_at_its_first_occurrence(zone, on, at, instant):
    tz = ZoneInfo(zone)
    assert exists(on, at, tz)
    assert due_instant(on, at, tz) == instant
    # the second occurrence is a different instant that shows the same wall-clock time
    second = datetime.combine(on, at, tzinfo=tz).replace(fold=1).astimezone(UTC)
    assert second > instant
    assert wall_time(second, tz).time() == wall_time(instant, tz).time() == at


@pytest.mark.parametrize(
    ("zone", "first", "second"),
    [
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
        ("Australia/Lord_Howe", date(2026, 10, 4), date(2026, 4, 5)),
        ("Pacific/Chatham", date(2026, 9, 27), date(2026, 4, 5)),
    ],
)
def test_ordinary_times_on_transition_days_are_unaffected(zone, first, second):
    tz = ZoneInfo(zone)
    for on in (first, second):
        for at in (time(7, 30), time(21, 30)):
            instant = due_instant(on, at, tz)
            assert (wall_time(instant, tz).date(), wall_time(instant, tz).time()) == (on, at)


def test_a_zone_without_dst_never_shifts():
    tz = ZoneInfo("Asia/Kolkata")
    for on in (date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)):
        assert exists(on, time(2, 30), tz)
        assert due_instant(on, time(2, 30), tz) == datetime.combine(
            on, time(21, 0), tzinfo=UTC
        ) - timedelta(days=1)


@given(
    st.sampled_from(
        ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]
    ),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_every_local_time_maps_to_one_instant_on_its_own_date(zone, on, at):
    tz = ZoneInfo(zone)
    instant = due_instant(on, at, tz)
    local = wall_time(instant, tz)
    if exists(on, at, tz):
        assert local.replace(tzinfo=None) == datetime.combine(on, at)
    else:  # shifted forward by the size of the gap, never back
        assert local.replace(tzinfo=None) > datetime.combine(on, at)
        assert local.replace(tzinfo=None) - datetime.combine(on, at) <= timedelta(hours=1)
    # the wall-clock time of the chosen instant maps back to the same instant (idempotent)
    assert due_instant(local.date(), local.time(), tz) == instant


@pytest.mark.parametrize(
    ("at", "start", "end", "quiet"),
    [
        ("23:00", "22:00", "07:00", True),
        ("06:59", "22:00", "07:00", True),
        ("07:00", "22:00", "07:00", False),
        ("21:59", "22:00", "07:00", False),
        ("22:00", "22:00", "07:00", True),
        ("13:00", "12:00", "14:00", True),
        ("14:00", "12:00", "14:00", False),
        ("11:59", "12:00", "14:00", False),
    ],
)
def test_quiet_hours_are_half_open_and_may_wrap_midnight(at, start, end, quiet):
    assert in_quiet_hours(parse_hhmm(at), parse_hhmm(start), parse_hhmm(end)) is quiet
