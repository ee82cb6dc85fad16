"""Reminders for push schedulers: settings, the materialised schedule, the due feed and leases.

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

Leases
    `claim` hands out rows with `now - STALE_AFTER <= due_at <= now + CLAIM_AHEAD` that are
    pending, or leased with an expired lease, until `until` (at most MAX_LEASE ahead).
    On PostgreSQL one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) takes them,
    so concurrent claimers never get the same row and never block on each other. SQLite has no
    row locks: it serialises writers (one write transaction at a time, the others waiting on
    the busy timeout), which gives the same exclusivity without the concurrency; as a request
    has already read by the time it claims, a claim racing another write there can fail with
    "database is locked", so run one scheduler against SQLite (the development database).
    `ack` completes a row for the worker that holds (or last held) its lease; an unacked lease
    expires and the row is handed out again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Result, and_, delete, or_, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.errors import Conflict, NotFound, Unprocessable
from app.local_time import due_instant, in_quiet_hours, parse_hhmm, wall_time
from app.models.accounts import ServiceClient, User
from app.models.profiles import Profile
from app.models.reminders import (
    AckOut,
    ClaimedReminder,
    ClaimOut,
    QuietHours,
    Reminder,
    ReminderOut,
    ReminderPage,
    ReminderSettings,
    ReminderSettingsIn,
    ReminderSettingsPublic,
    ReminderStatus,
)
from app.pagination import decode_cursor, encode_cursor
from app.scheduling.inputs import Slot
from app.scheduling.plan import DayPlan, NightType, Step
from app.services import routines

logger = logging.getLogger("regimen.reminders")

# Local days materialised ahead: today and the next two.
HORIZON_DAYS = 3
# A user is topped up once less than this is materialised ahead of now.
TOPUP_AHEAD = timedelta(hours=36)
# A claim also hands out rows due this soon, so a worker polling every minute sends on time.
CLAIM_AHEAD = timedelta(minutes=2)
# A reminder not handed out within this long after its time is missed, not sent late.
STALE_AFTER = timedelta(hours=1)
MAX_LEASE = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=24)
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


# --- settings ---------------------------------------------------------------------------------


def _settings_public(settings: ReminderSettings | None, profile: Profile) -> ReminderSettingsPublic:
    quiet = None
    if settings is not None and settings.quiet_start and settings.quiet_end:
        quiet = QuietHours(start=settings.quiet_start, end=settings.quiet_end)
    am = settings.am_time if settings else None
    pm = settings.pm_time if settings else None
    return ReminderSettingsPublic(
        enabled=settings.enabled if settings else False,
        am_time=am or profile.am_time,
        pm_time=pm or profile.pm_time,
        am_time_from_profile=am is None,
        pm_time_from_profile=pm is None,
        quiet_hours=quiet,
        timezone=profile.timezone,
    )


async def get_settings(session: AsyncSession, *, user: User) -> ReminderSettingsPublic:
    """Reminders are opt-in: without a stored choice they are off."""
    profile = await routines.load_profile(session, user.id)
    return _settings_public(await session.get(ReminderSettings, user.id), profile)


async def put_settings(
    session: AsyncSession, *, user: User, data: ReminderSettingsIn
) -> ReminderSettingsPublic:
    profile = await routines.load_profile(session, user.id)
    settings = await session.get(ReminderSettings, user.id)
    if settings is None:
        settings = ReminderSettings(user_id=user.id)
        session.add(settings)
    settings.enabled = data.enabled
    settings.am_time = data.am_time
    settings.pm_time = data.pm_time
    settings.quiet_start = data.quiet_hours.start if data.quiet_hours else None
    settings.quiet_end = data.quiet_hours.end if data.quiet_hours else None
    settings.updated_at = clock.now_utc()
    await session.flush()
    await _refresh(session, settings=settings, now=clock.now_utc())
    return _settings_public(settings, profile)


# --- the schedule ---------------------------------------------------------------------------


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
    if step.wait_after_seconds >= 60:
        line += f" (wait {round(step.wait_after_seconds / 60)} min)"
    return line


def slot_times(settings: ReminderSettings | None, profile: Profile) -> dict[Slot, time]:
    am = settings.am_time if settings and settings.am_time else profile.am_time
    pm = settings.pm_time if settings and settings.pm_time else profile.pm_time
    return {Slot.am: parse_hhmm(am), Slot.pm: parse_hhmm(pm)}


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
    quiet = (
        (parse_hhmm(settings.quiet_start), parse_hhmm(settings.quiet_end))
        if settings.quiet_start and settings.quiet_end
        else None
    )
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
        await _refresh(session, settings=settings, now=clock.now_utc())


async def _refresh(session: AsyncSession, *, settings: ReminderSettings, now: datetime) -> None:
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
                await _refresh(session, settings=settings, now=now)
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


# --- the due feed ---------------------------------------------------------------------------


# Feed and claim read plain columns, not entities: a full page costs a fraction of a millisecond
# in Python, so their latency stays that of the index range scan.
_OUT_COLUMNS = tuple(col(getattr(Reminder, name)) for name in ReminderOut.model_fields)


def _records(result: Result[Any]) -> list[dict[str, Any]]:
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def _as_utc(instant: datetime, name: str) -> datetime:
    """The instant in UTC; 422, not a crash, for one at the very edge of the calendar."""
    try:
        return instant.astimezone(UTC)
    except OverflowError as exc:
        raise Unprocessable(
            f"'{name}' is outside the supported range", code="invalid_instant"
        ) from exc


def check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Unprocessable("'to' must be after 'from'", code="invalid_window")
    if end - start > MAX_WINDOW:
        raise Unprocessable(
            "A window covers at most 24 hours", code="window_too_long", max_hours=24
        )


def _after_cursor(cursor: str) -> ColumnElement[bool]:
    due_text, id_text = decode_cursor(cursor, arity=2)
    try:
        due_at = datetime.fromisoformat(str(due_text))
        after_id = uuid.UUID(str(id_text))
        if due_at.tzinfo is None:
            raise ValueError("naive instant")
        due_at = due_at.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise Unprocessable("cursor is not one this service issued", code="invalid_cursor") from exc
    return tuple_(col(Reminder.due_at), col(Reminder.id)) > tuple_(due_at, after_id)


async def due_page(
    session: AsyncSession, *, start: datetime, end: datetime, limit: int, cursor: str | None
) -> ReminderPage:
    """Reminders with from <= due_at < to, in (due_at, id) order, whatever their status."""
    start, end = _as_utc(start, "from"), _as_utc(end, "to")
    check_window(start, end)
    query = (
        select(*_OUT_COLUMNS)
        .where(col(Reminder.due_at) >= start, col(Reminder.due_at) < end)
        .order_by(col(Reminder.due_at), col(Reminder.id))
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(_after_cursor(cursor))
    rows = _records(await session.execute(query))
    items = [ReminderOut.model_validate(row) for row in rows[:limit]]
    last = items[-1] if len(rows) > limit else None
    next_cursor = encode_cursor([last.due_at.isoformat(), str(last.id)]) if last else None
    return ReminderPage(items=items, next_cursor=next_cursor)


# --- leases ---------------------------------------------------------------------------------


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        col(Reminder.due_at) >= now - STALE_AFTER,
        col(Reminder.due_at) <= now + CLAIM_AHEAD,
        col(Reminder.status) != ReminderStatus.sent,  # matches the partial index
        or_(
            col(Reminder.status) == ReminderStatus.pending,
            col(Reminder.lease_until) <= now,
        ),
    )


async def claim(
    session: AsyncSession,
    *,
    client: ServiceClient,
    worker_id: str,
    until: datetime,
    max_items: int,
) -> ClaimOut:
    now = clock.now_utc()
    until = _as_utc(until, "until")
    if until <= now:
        raise Unprocessable("'until' must be in the future", code="invalid_lease")
    if until - now > MAX_LEASE:
        raise Unprocessable(
            "A lease lasts at most 15 minutes", code="lease_too_long", max_seconds=900
        )
    candidates = (
        select(col(Reminder.id))
        .where(_claimable(now))
        .order_by(col(Reminder.due_at), col(Reminder.id))
        .limit(max_items)
        .with_for_update(skip_locked=True)
    )
    leased = await session.execute(
        update(Reminder)
        .where(col(Reminder.id).in_(candidates.scalar_subquery()))
        .values(
            status=ReminderStatus.leased,
            lease_owner=worker_id,
            lease_client_id=client.id,
            lease_until=until,
            attempts=col(Reminder.attempts) + 1,
        )
        .returning(*_OUT_COLUMNS, col(Reminder.attempts))
        .execution_options(synchronize_session=False)
    )
    items = [
        ClaimedReminder.model_validate({**row, "lease_until": until, "attempt": row["attempts"]})
        for row in _records(leased)
    ]
    items.sort(key=lambda item: (item.due_at, str(item.id)))
    return ClaimOut(items=items, lease_until=until)


async def ack(
    session: AsyncSession, *, client: ServiceClient, reminder_id: uuid.UUID, worker_id: str
) -> AckOut:
    """Complete a reminder. Only the worker holding (or last holding) its lease may; a repeat
    ack by that worker is a no-op. After a lease expired and another worker claimed the row,
    the first worker's ack is refused: the row is the other worker's now."""
    row = await session.get(Reminder, reminder_id, with_for_update=True)
    if row is None:
        raise NotFound("No such reminder", code="reminder_not_found")
    if (
        row.status == ReminderStatus.pending
        or row.lease_owner != worker_id
        or row.lease_client_id != client.id
    ):
        raise Conflict(
            "This worker does not hold the lease on this reminder; claim it first",
            code="lease_not_held",
        )
    if row.status != ReminderStatus.sent or row.sent_at is None:
        row.status = ReminderStatus.sent
        row.sent_at = clock.now_utc()
        await session.flush()
    assert row.sent_at is not None
    return AckOut(id=row.id, status=ReminderStatus.sent, sent_at=row.sent_at)
