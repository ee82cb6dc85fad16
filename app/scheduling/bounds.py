"""Keeps the engine total over every date its inputs allow.

The rules add days, weeks and months to input dates (expiry = opened_on + PAO, the retinoid ramp,
recovery nights, the week's picks) and `date` overflows past 9999-12-31. A date that close to
date.min or date.max can only be a stored bad value, so every input date is clamped into a
window twenty years inside both ends, and a day asked for outside it is planned as the window's
edge and labelled with the day asked for. Inside the window nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol

from app.scheduling.inputs import LogEntry, Override, Profile, ShelfItem
from app.scheduling.plan import DayPlan

SAFE_MIN = date(21, 1, 1)
SAFE_MAX = date(9979, 12, 31)
MAX_PAO_MONTHS = 120  # the API's own bound; a bottle is not good for longer than ten years


class _Plans(Protocol):
    def day(self, on: date) -> DayPlan: ...


def clamp(on: date) -> date:
    return min(max(on, SAFE_MIN), SAFE_MAX)


def _maybe(on: date | None) -> date | None:
    return None if on is None else clamp(on)


def bounded(
    profile: Profile,
    shelf: Sequence[ShelfItem],
    overrides: Sequence[Override],
    history: Sequence[LogEntry],
) -> tuple[Profile, list[ShelfItem], list[Override], list[LogEntry]]:
    """The same inputs with every date inside the safe window (the same objects where they are)."""
    due, ended = _maybe(profile.due_date), _maybe(profile.pregnancy_ended_on)
    if (due, ended) != (profile.due_date, profile.pregnancy_ended_on):
        profile = replace(profile, due_date=due, pregnancy_ended_on=ended)
    shelf_out = [_bounded_item(item) for item in shelf]
    overrides_out = [
        o
        if clamp(o.starts_on) == o.starts_on and _maybe(o.ends_on) == o.ends_on
        else replace(o, starts_on=clamp(o.starts_on), ends_on=_maybe(o.ends_on))
        for o in overrides
    ]
    history_out = [
        log if clamp(log.on) == log.on else replace(log, on=clamp(log.on)) for log in history
    ]
    return profile, shelf_out, overrides_out, history_out


def _inside(on: date | None) -> bool:
    return on is None or SAFE_MIN <= on <= SAFE_MAX


def _bounded_item(item: ShelfItem) -> ShelfItem:
    pao = item.pao_months
    bounded_pao = None if pao is None else min(max(pao, 0), MAX_PAO_MONTHS)
    if bounded_pao == pao and all(
        _inside(on) for on in (item.added_on, item.expires_on, item.opened_on, item.introduced_on)
    ):
        return item  # the common case, without building a copy to compare
    new = replace(
        item,
        added_on=clamp(item.added_on),
        expires_on=_maybe(item.expires_on),
        opened_on=_maybe(item.opened_on),
        introduced_on=_maybe(item.introduced_on),
        pao_months=bounded_pao,
    )
    return item if new == item else new


def plan_for(planner: _Plans, on: date) -> DayPlan:
    """The plan for `on`, planned as the window's edge when `on` lies beyond it."""
    plan = planner.day(clamp(on))
    return plan if plan.on == on else replace(plan, on=on)
