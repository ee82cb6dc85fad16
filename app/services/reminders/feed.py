"""The due feed and leases, for push schedulers (service clients with scope reminders:read).

The due feed
    `due_page` lists the rows with from <= due_at < to (a window of at most MAX_WINDOW), in
    (due_at, id) order and whatever their status, one index range scan per page.

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

Where to send
    Every item of a page or a claim carries its user's devices (`devices`: device id, platform,
    push token, locale), read for all of the page's users in one more query
    (app/services/devices.py, `push_targets`), so a scheduler needs no second lookup.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Result, and_, or_, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.errors import Conflict, NotFound, Unprocessable
from app.models.accounts import ServiceClient
from app.models.reminders import (
    AckOut,
    ClaimedReminder,
    ClaimOut,
    Reminder,
    ReminderFields,
    ReminderKind,
    ReminderOut,
    ReminderPage,
    ReminderStatus,
)
from app.pagination import decode_cursor, encode_cursor
from app.services import devices

# A claim also hands out rows due this soon, so a worker polling every minute sends on time.
CLAIM_AHEAD = timedelta(minutes=2)
# A reminder not handed out within this long after its time is missed, not sent late.
STALE_AFTER = timedelta(hours=1)
MAX_LEASE = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=24)


# Feed and claim read plain columns, not entities: a full page costs a fraction of a millisecond
# in Python, so their latency stays that of the index range scan.
_OUT_COLUMNS = tuple(col(getattr(Reminder, name)) for name in ReminderFields.model_fields)


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
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    limit: int,
    cursor: str | None,
    kinds: Sequence[ReminderKind] | None = None,
) -> ReminderPage:
    """Reminders with from <= due_at < to, in (due_at, id) order, whatever their status; only
    the given kinds when `kinds` is set."""
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
    if kinds:
        query = query.where(col(Reminder.kind).in_([kind.value for kind in kinds]))
    rows = _records(await session.execute(query))
    page = rows[:limit]
    targets = await devices.push_targets(session, user_ids=(row["user_id"] for row in page))
    items = [
        ReminderOut.model_validate({**row, "devices": targets[row["user_id"]]}) for row in page
    ]
    last = items[-1] if len(rows) > limit else None
    next_cursor = encode_cursor([last.due_at.isoformat(), str(last.id)]) if last else None
    return ReminderPage(items=items, next_cursor=next_cursor)


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
    kinds: Sequence[ReminderKind] | None = None,
) -> ClaimOut:
    now = clock.now_utc()
    until = _as_utc(until, "until")
    if until <= now:
        raise Unprocessable("'until' must be in the future", code="invalid_lease")
    if until - now > MAX_LEASE:
        raise Unprocessable(
            "A lease lasts at most 15 minutes", code="lease_too_long", max_seconds=900
        )
    claimable = _claimable(now)
    if kinds:
        claimable = and_(claimable, col(Reminder.kind).in_([kind.value for kind in kinds]))
    candidates = (
        select(col(Reminder.id))
        .where(claimable)
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
    rows = _records(leased)
    targets = await devices.push_targets(session, user_ids=(row["user_id"] for row in rows))
    items = [
        ClaimedReminder.model_validate(
            {
                **row,
                "lease_until": until,
                "attempt": row["attempts"],
                "devices": targets[row["user_id"]],
            }
        )
        for row in rows
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
