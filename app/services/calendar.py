"""A personal RFC 5545 feed of the coming routine, for calendar apps that cannot send a header.

The feed is read with a revocable token in its URL. Only the token's SHA-256 is stored (the
token is 256 random bits, so a fast hash is enough and makes it a unique-index lookup); rotating
it replaces the hash, revoking deletes it, and an unknown token is a plain 404.

Events are the next FEED_DAYS local days of AM/PM routines from the same engine output the app
shows, at the reminder times (reminder settings, else the profile), with a TZID and the zone's
VTIMEZONE. Their start is the instant chosen by app/local_time.py, shown as the wall-clock time
at that instant. Each event's UID is the reminder id for (user, local date, slot), so it is
stable across fetches and matches the push reminder. Procedure sessions are all-day events
(UID: the procedure's id).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.errors import NotFound
from app.local_time import due_instant, wall_time
from app.models.accounts import User
from app.models.reminders import CalendarFeed, ReminderSettings
from app.scheduling import window
from app.scheduling.inputs import Slot
from app.scheduling.plan import Step
from app.services import routines
from app.services.reminders import schedule

FEED_DAYS = 14
_TOKEN_BYTES = 32


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(session: AsyncSession, *, user: User) -> tuple[str, CalendarFeed]:
    """Create the user's feed token, or rotate it (the old URL stops working at once)."""
    await routines.load_profile(session, user.id)
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    feed = await session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=_hash(token))
        session.add(feed)
    feed.token_hash = _hash(token)
    feed.created_at = clock.now_utc()
    await session.flush()
    return token, feed


async def revoke_token(session: AsyncSession, *, user: User) -> None:
    feed = await session.get(CalendarFeed, user.id)
    if feed is not None:
        await session.delete(feed)
        await session.flush()


def _not_found() -> NotFound:
    return NotFound("No calendar feed for this link", code="calendar_feed_not_found")


def _description(steps: tuple[Step, ...]) -> str:
    """One line per step, as the app words it (the instructions already name any wait)."""
    return "\n".join(
        f"{step.order}. {step.product.name} ({step.amount})"
        + (f": {step.instructions}" if step.instructions else "")
        for step in steps
    )


def _duration(steps: tuple[Step, ...]) -> timedelta:
    seconds = sum(60 + step.wait_after_seconds for step in steps)
    return timedelta(minutes=max(5, -(-seconds // 60)))


async def feed(session: AsyncSession, *, token: str | None) -> bytes:
    if not token or len(token) > 128:
        raise _not_found()
    user_id = await session.scalar(
        select(col(CalendarFeed.user_id)).where(col(CalendarFeed.token_hash) == _hash(token))
    )
    if user_id is None:
        raise _not_found()
    profile = await routines.load_profile(session, user_id)
    settings = await session.get(ReminderSettings, user_id)
    zone = ZoneInfo(profile.timezone)
    now = clock.now_utc()
    start = now.astimezone(zone).date()
    end = start + timedelta(days=FEED_DAYS - 1)
    inputs = await routines.load_inputs(session, user_id=user_id, end=end, profile=profile)
    times = schedule.slot_times(settings, profile)

    cal = Calendar()
    cal.add("prodid", "-//Regimen//Skincare routine//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Skincare routine")
    cal.add("x-wr-timezone", profile.timezone)
    for plan in routines.plan_days(inputs, start, end):
        for slot in Slot:
            steps = plan.steps(slot)
            if not steps:
                continue
            title, _ = schedule.reminder_text(plan, slot)
            event = Event()
            event.add("uid", f"{schedule.reminder_id(user_id, plan.on, slot)}@regimen")
            event.add("dtstamp", now)
            event.add("dtstart", wall_time(due_instant(plan.on, times[slot], zone), zone))
            event.add("duration", _duration(steps))
            event.add("summary", title)
            event.add("description", _description(steps))
            event.add("categories", ["Skincare", slot.value.upper()])
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
    # sessions (PP1-PP6) as all-day events, with the reason for their pause
    for procedure in inputs.procedures:
        if start <= procedure.on <= end:
            event = Event()
            event.add("uid", f"{procedure.id}@regimen")
            event.add("dtstamp", now)
            event.add("dtstart", procedure.on)
            event.add("summary", procedure.title)
            event.add("description", window(procedure, inputs.profile).describe())
            event.add("categories", ["Skincare", "Procedure"])
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
    cal.add_missing_timezones(
        first_date=start - timedelta(days=366), last_date=end + timedelta(days=366)
    )
    body: bytes = cal.to_ical()
    return body
