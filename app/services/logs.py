"""Routine logs: one record per user, date and slot; a later report replaces an earlier one."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.models.logs import RoutineLog, RoutineLogIn
from app.services import routine_changes
from app.services.routines import check_range


async def record(
    session: AsyncSession, *, user_id: uuid.UUID, entry: RoutineLogIn
) -> tuple[RoutineLog, bool]:
    """Store the report; True when it is the first for that date and slot."""
    row = await session.scalar(
        select(RoutineLog).where(
            col(RoutineLog.user_id) == user_id,
            col(RoutineLog.on) == entry.on,
            col(RoutineLog.slot) == entry.slot.value,
        )
    )
    created = row is None
    if row is None:
        row = RoutineLog(user_id=user_id, on=entry.on, slot=entry.slot, done=entry.done)
        session.add(row)
    row.done = entry.done
    row.irritation = entry.irritation
    row.note = entry.note
    row.updated_at = clock.now_utc()
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=user_id)
    return row, created


async def list_logs(
    session: AsyncSession, *, user_id: uuid.UUID, start: date, end: date
) -> list[RoutineLog]:
    check_range(start, end)
    return list(
        await session.scalars(
            select(RoutineLog)
            .where(
                col(RoutineLog.user_id) == user_id,
                col(RoutineLog.on) >= start,
                col(RoutineLog.on) <= end,
            )
            .order_by(col(RoutineLog.on), col(RoutineLog.slot))
        )
    )
