"""Procedure reminders (RULES.md PP1, PP5), materialised beside the routine ones by
schedule.refresh, with the same stable ids, leases, quiet hours and DST handling:

- `procedure_prep`, at the evening time, once: the first evening of the pause before a session
  ("stop your retinoid tonight: peel on Friday"), or the evening of the day the session was
  recorded when the pause had already begun by then;
- `procedure`, at the morning time of the session day.

A reminder's id is uuid5(user, local date, slot, kind), so it is stable and never collides with
the routine reminder of the same slot.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.local_time import due_instant, in_quiet_hours, wall_time
from app.models.procedures import ProcedureRecord
from app.models.reminders import ReminderKind, ReminderStatus
from app.scheduling import DayPlan, Guard, Profile, Slot, window
from app.services import routine_inputs

_ID_NAMESPACE = uuid.UUID("6f0f3c52-5d1a-4f57-9a57-1f1c6c3d2b10")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def reminder_id(user_id: uuid.UUID, on: date, slot: Slot, kind: ReminderKind) -> uuid.UUID:
    return uuid.uuid5(_ID_NAMESPACE, f"{user_id}/{on.isoformat()}/{slot.value}/{kind.value}")


async def load(session: AsyncSession, *, user_id: uuid.UUID) -> list[ProcedureRecord]:
    rows = await session.scalars(
        select(ProcedureRecord)
        .where(col(ProcedureRecord.user_id) == user_id, col(ProcedureRecord.deleted_at).is_(None))
        .order_by(col(ProcedureRecord.on), col(ProcedureRecord.id))
    )
    return list(rows)


def _when(on: date) -> str:
    return f"{_WEEKDAYS[on.weekday()]} {on.isoformat()}"


def rows(
    *,
    user_id: uuid.UUID,
    records: Sequence[ProcedureRecord],
    profile: Profile,
    plans: Mapping[date, DayPlan],
    times: Mapping[Slot, time],
    quiet: tuple[time, time] | None,
    timezone: str,
    start: date,
    end: date,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    zone = ZoneInfo(timezone)
    for record in records:
        procedure = routine_inputs.procedure(record)
        w = window(procedure, profile)
        label = procedure.label
        recorded = record.created_at.astimezone(zone).date()
        prep_on = max(w.pause_from, recorded)
        wanted: list[tuple[date, Slot, ReminderKind, str, str]] = []
        if prep_on < procedure.on:
            plan = plans.get(prep_on)
            paused = sorted(
                {
                    e.product.name
                    for e in (plan.excluded if plan is not None else ())
                    if e.guard is Guard.procedure
                },
                key=str.casefold,
            )
            what = f"Stop {', '.join(paused)} tonight" if paused else "No retinoid tonight"
            wanted.append(
                (
                    prep_on,
                    Slot.pm,
                    ReminderKind.procedure_prep,
                    f"{what}: {label} on {_WEEKDAYS[procedure.on.weekday()]}",
                    f"Your {label} is on {_when(procedure.on)}. Retinoids and exfoliants stay "
                    f"off until {w.healing_until}; they restart from {w.resume_on}.",
                )
            )
        wanted.append(
            (
                procedure.on,
                Slot.am,
                ReminderKind.procedure,
                f"{procedure.title} today",
                "Follow your clinic's instructions. Afterwards only a gentle cleanser, a bland "
                f"moisturiser and a mineral sunscreen until {w.healing_until}.",
            )
        )
        for on, slot, kind, title, body in wanted:
            if not start <= on <= end:
                continue
            due_at = due_instant(on, times[slot], zone)
            local = wall_time(due_at, zone)
            if due_at <= now or (quiet and in_quiet_hours(local.time(), *quiet)):
                continue
            yield {
                "id": reminder_id(user_id, on, slot, kind),
                "user_id": user_id,
                "local_date": on,
                "slot": slot.value,
                "kind": kind.value,
                "due_at": due_at,
                "timezone": timezone,
                "local_time": local.strftime("%H:%M"),
                "title": title[:200],
                "body": body[:1000],
                "status": ReminderStatus.pending.value,
                "attempts": 0,
                "created_at": now,
            }
