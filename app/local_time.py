"""Local wall-clock times -> instants: the one time-zone rule that reminders and the calendar use.

A reminder is set as a local time ("07:30") in the user's IANA zone (zoneinfo). For each local
date it fires at one instant, chosen as RFC 5545 section 3.3.5 chooses for a DATE-TIME with a
TZID:

- A local time that does not exist (the gap when clocks go forward) is read with the UTC offset
  in force *before* the transition, so it fires at the shifted instant: 02:30 on a night when
  New York jumps from 02:00 to 03:00 fires at 03:30 EDT (07:30 UTC). On Lord Howe Island, whose
  clocks jump only 30 minutes (02:00 -> 02:30), 02:15 fires at 02:45.
- A local time that occurs twice (the overlap when clocks go back) fires once, at its first
  occurrence (PEP 495 fold=0): 01:30 on the night New York falls back fires at 01:30 EDT
  (05:30 UTC), not again an hour later.
- Every other local time maps to exactly one instant; zones without DST (Asia/Kolkata) never
  shift.

That rule is exactly what zoneinfo does for a datetime with fold=0, so `due_instant` is short;
it is kept in one place, named, and tested for the zones whose transitions are unusual.
The reported `local_time` of a reminder is the wall-clock time at the instant it fires (03:30 in
the New York gap example), so `local_time`, `due_at` and `timezone` always agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def due_instant(on: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which local time `at` on local date `on` fires in `zone`."""
    return datetime.combine(on, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """The local date and time that `instant` shows on a clock in `zone`."""
    return instant.astimezone(zone)


def exists(on: date, at: time, zone: ZoneInfo) -> bool:
    """False for a local time skipped by a forward transition (it fires shifted)."""
    local = datetime.combine(on, at, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def in_quiet_hours(at: time, start: time, end: time) -> bool:
    """Quiet hours are [start, end) in local time and may wrap midnight (22:00 -> 07:00)."""
    if start < end:
        return start <= at < end
    return at >= start or at < end
