"""The materialised schedule: which reminders exist, and keeping them current.

The schedule
    `reminders` holds one row per (user, local date, slot) that should notify: its instant in
    UTC (`due_at`), the local date and time it was computed for, and a title and body taken from
    the same engine output the app shows (routines.load_inputs + plan_days). Disabled users,
    empty routines and times inside quiet hours have no row, so every read is a range scan on
    `due_at` (ix_reminders_due_at_id for the feed, the partial ix_reminders_open_due_at for the
    claim), whatever the number of users.

    A row's id is uuid5(user, local date, slot): a scheduler can use it as its idempotency key.

Freshness
    `refresh_user` recomputes one user's upcoming rows (local today and the next
    HORIZON_DAYS - 1 days) and is called whenever an input changes: reminder settings, profile
    (zone, times, anything the engine reads), shelf and routine logs. It applies the
    time-zone-change rule:

    - a row that is already due (`due_at <= now`) or already handed out (leased or sent) keeps
      its identity, instant and text: it is never issued twice;
    - a pending row that is not yet due is recomputed (deleted and re-inserted under the same
      id), in the zone and at the times now in force; if its new instant has already passed,
      it is dropped rather than fired late;
    - a (local date, slot) that already has a row is never given a second one, so a local date
      that repeats after a move west of the date line notifies once.

    So a user who changes zone mid-day gets no duplicate and no gap: every slot still ahead of
    them in the new zone fires exactly once, at its new local time.

    The horizon moves forward without visiting every user: each user's `scheduled_until` (the
    end of their materialised local days, in UTC, indexed) is topped up, oldest first and in
    bounded batches, by `materialise` - run by cron as `python -m app.cli
    materialise-reminders` (every 15 minutes is plenty: a user is topped up once their horizon
    is less than TOPUP_AHEAD away, so the feed always covers at least the next day).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.local_time import due_instant, in_quiet_hours, parse_hhmm, wall_time
from app.models.profiles import Profile
from app.models.reminders import Reminder, ReminderSettings, ReminderStatus
from app.scheduling.inputs import Slot
from app.scheduling.plan import DayPlan, NightType, Step, StepKind
from app.services import routines
from app.services.reminders import procedure_reminders

logger = logging.getLogger("regimen.reminders")

# Local days materialised ahead: today and the next two.
HORIZON_DAYS = 3
# A user is topped up once less than this is materialised ahead of now.
TOPUP_AHEAD = timedelta(hours=36)
# Delivered and missed rows are pruned this long after their time.
RETENTION = timedelta(days=7)
# After a user's refresh fails in a batch, it is retried this much later.
RETRY_AFTER = timedelta(hours=1)

_ID_NAMESPACE = uuid.UUID("6f0f3c52-5d1a-4f57-9a57-1f1c6c3d2b10")

_NIGHT_TITLES = {
    NightType.retinoid: "Retinoid night",
    NightType.exfoliant: "Exfoliant night",
    NightType.exosome: "Exosome night",
    NightType.recovery: "Recovery night",
    NightType.basic: "Evening routine",
}


def reminder_id(user_id: uuid.UUID, on: date, slot: Slot) -> uuid.UUID:
    """Stable for (user, local date, slot): the scheduler's idempotency key."""
    return uuid.uuid5(_ID_NAMESPACE, f"{user_id}/{on.isoformat()}/{slot.value}")


def reminder_text(plan: DayPlan, slot: Slot) -> tuple[str, str]:
    """Title and body for one slot of one day's plan (the engine output the app shows)."""
    steps = plan.steps(slot)
    count = f"{len(steps)} step{'s' if len(steps) != 1 else ''}"
    if slot is Slot.am:
        title = f"Morning routine: {count}"
    else:
        title = f"{_NIGHT_TITLES.get(plan.night_type, 'Evening routine')}: {count}"
    body = "; ".join(_step_line(step) for step in steps)
    return title[:200], body if len(body) <= 1000 else body[:999] + "…"


def _step_line(step: Step) -> str:
    line = f"{step.order}. {step.product.name}"
    if step.kind is StepKind.patch_test:
        line += " (patch test on your arm)"  # S2: not on the face
    if step.wait_after_seconds >= 60:
        line += f" (wait {round(step.wait_after_seconds / 60)} min)"
    return line


def slot_times(settings: ReminderSettings | None, profile: Profile) -> dict[Slot, time]:
    am = settings.am_time if settings and settings.am_time else profile.am_time
    pm = settings.pm_time if settings and settings.pm_time else profile.pm_time
    return {Slot.am: parse_hhmm(am), Slot.pm: parse_hhmm(pm)}


def _quiet(settings: ReminderSettings) -> tuple[time, time] | None:
    if settings.quiet_start and settings.quiet_end:
        return parse_hhmm(settings.quiet_start), parse_hhmm(settings.quiet_end)
    return None


def _wanted(
    *,
    user_id: uuid.UUID,
    plans: Sequence[DayPlan],
    settings: ReminderSettings,
    profile: Profile,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    zone = ZoneInfo(profile.timezone)
    times = slot_times(settings, profile)
    quiet = _quiet(settings)
    for plan in plans:
        for slot in Slot:
            if not plan.steps(slot):
                continue
            due_at = due_instant(plan.on, times[slot], zone)
            local = wall_time(due_at, zone)
            if due_at <= now or (quiet and in_quiet_hours(local.time(), *quiet)):
                continue
            title, body = reminder_text(plan, slot)
            yield {
                "id": reminder_id(user_id, plan.on, slot),
                "user_id": user_id,
                "local_date": plan.on,
                "slot": slot.value,
                "due_at": due_at,
                "timezone": profile.timezone,
                "local_time": local.strftime("%H:%M"),
                "title": title,
                "body": body,
                "status": ReminderStatus.pending.value,
                "attempts": 0,
                "created_at": now,
            }


async def refresh_user(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Recompute the user's upcoming reminders after one of their inputs changed.

    Costs one primary-key read for users who never turned reminders on."""
    settings = await session.get(ReminderSettings, user_id)
    if settings is not None:
        await refresh(session, settings=settings, now=clock.now_utc())


async def refresh(session: AsyncSession, *, settings: ReminderSettings, now: datetime) -> None:
    """Recompute the upcoming rows of a user whose settings row the caller holds."""
    user_id = settings.user_id
    # Not yet due and not handed out: recomputed below. Everything else keeps its identity; the
    # status check is re-evaluated under the row lock, so a row leased meanwhile is kept.
    await session.execute(
        delete(Reminder)
        .where(
            col(Reminder.user_id) == user_id,
            col(Reminder.status) == ReminderStatus.pending,
            col(Reminder.due_at) > now,
        )
        .execution_options(synchronize_session=False)
    )
    profile = await session.get(Profile, user_id)
    if not settings.enabled or profile is None:
        settings.scheduled_until = None
        await session.flush()
        return
    zone = ZoneInfo(profile.timezone)
    start = now.astimezone(zone).date()
    end = start + timedelta(days=HORIZON_DAYS - 1)
    inputs = await routines.load_inputs(session, user_id=user_id, end=end, profile=profile)
    plans = routines.plan_days(inputs, start, end)
    rows = list(_wanted(user_id=user_id, plans=plans, settings=settings, profile=profile, now=now))
    # procedure reminders (procedure_prep, procedure) beside the routine ones
    records = await procedure_reminders.load(session, user_id=user_id)
    if records:
        rows.extend(
            procedure_reminders.rows(
                user_id=user_id,
                records=records,
                profile=inputs.profile,
                plans={plan.on: plan for plan in plans},
                times=slot_times(settings, profile),
                quiet=_quiet(settings),
                timezone=profile.timezone,
                start=start,
                end=end,
                now=now,
            )
        )
    if rows:
        await session.execute(_insert_missing(session, rows))
    settings.scheduled_until = due_instant(end + timedelta(days=1), time(0, 0), zone)
    await session.flush()


def _insert_missing(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: a (user, date, slot) that still has a row keeps it."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(Reminder).values(rows).on_conflict_do_nothing(index_elements=["id"])


async def materialise(session: AsyncSession, *, batch: int, now: datetime | None = None) -> int:
    """Top up the users whose materialised horizon runs out soonest; returns how many.

    One bounded index range scan on scheduled_until picks them (SKIP LOCKED, so two runs
    overlap harmlessly). One user's failure is logged and retried later, never blocking the rest.
    """
    now = now or clock.now_utc()
    due = await session.scalars(
        select(ReminderSettings)
        .where(col(ReminderSettings.scheduled_until) < now + TOPUP_AHEAD)
        .order_by(col(ReminderSettings.scheduled_until))
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    picked = list(due)
    for settings in picked:
        user_id = settings.user_id
        try:
            async with session.begin_nested():
                await refresh(session, settings=settings, now=now)
        except Exception:  # one user's bad data must not stop everyone else's reminders
            logger.exception("could not materialise reminders for user %s", user_id)
            await session.execute(
                update(ReminderSettings)
                .where(col(ReminderSettings.user_id) == user_id)
                .values(scheduled_until=now + TOPUP_AHEAD + RETRY_AFTER)
                .execution_options(synchronize_session=False)
            )
    return len(picked)


async def prune(session: AsyncSession, *, batch: int, now: datetime | None = None) -> int:
    """Delete up to `batch` rows whose time is more than RETENTION ago."""
    now = now or clock.now_utc()
    old = (
        select(col(Reminder.id))
        .where(col(Reminder.due_at) < now - RETENTION)
        .order_by(col(Reminder.due_at))
        .limit(batch)
    )
    result = await session.execute(
        delete(Reminder)
        .where(col(Reminder.id).in_(old.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
