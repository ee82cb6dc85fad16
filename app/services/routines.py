"""Routines: load one user's engine inputs in a fixed number of queries, run the pure engine,
and shape its plans for the API. The app, the reminder feed and dermatologists all come here,
so they all see the same routine for a date."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col, select

from app import clock
from app.errors import NotFound, Unprocessable
from app.http_cache import Encoded, LruCache, encode
from app.models.logs import RoutineLog
from app.models.profiles import Profile
from app.models.shelf import ShelfItem
from app.scheduling import Procedure
from app.scheduling import inputs as engine
from app.scheduling.engine import build_days
from app.scheduling.inputs import Irritation, Slot
from app.scheduling.plan import DayPlan, Exclusion, OverrideNote, Step
from app.scheduling.rules import RULES
from app.services import alternatives, routine_inputs
from app.services.alternatives import SharedCatalog

MAX_DAYS = 62
# Part of every routine ETag. Bump when the plan for the same inputs can change: a rule, the
# text of a step, warning or exclusion, or the order of anything listed.
ENGINE_VERSION = "6"


@dataclass(frozen=True)
class RoutineInputs:
    user_id: uuid.UUID
    timezone: str
    profile: engine.Profile
    shelf: tuple[engine.ShelfItem, ...]
    overrides: tuple[engine.Override, ...]
    history: tuple[engine.LogEntry, ...]  # date order
    # what exclusions may name as alternatives (ALT1); none for callers that show no exclusions
    catalog: SharedCatalog | None = None
    procedures: tuple[Procedure, ...] = ()  # date order

    @cached_property
    def _base_digest(self) -> str:
        profile = self.profile
        return _digest(
            [
                ENGINE_VERSION,
                [profile.sensitivity, profile.pregnancy, profile.due_date,
                 profile.pregnancy_ended_on, profile.retinoid_experience,
                 sorted(profile.conditions), sorted(profile.concerns),
                 sorted(profile.oral_medications), sorted(profile.avoid_ingredients),
                 profile.fitzpatrick],
                # products have no update path: an id names their content
                [[item.id, item.product.id, item.added_on, item.batch, item.expires_on,
                  item.opened_on, item.pao_months, item.patch_test, item.introduced_on]
                 for item in self.shelf],
                # overrides are immutable once stored; withdrawing one removes it from the list
                [override.id for override in self.overrides],
                # procedures are immutable once stored; withdrawing one removes it
                [procedure.id for procedure in self.procedures],
                self.catalog.version if self.catalog is not None else None,
            ]
        )  # fmt: skip

    def version_for(self, on: date) -> str:
        """A digest of everything the plan for `on` depends on (a log shapes its own evening and
        later days), so a date has one version whether it is read alone or within a range."""
        relevant = [
            [entry.on, entry.slot, entry.done, entry.irritation]
            for entry in self.history
            if entry.on <= on
        ]
        return _digest([self._base_digest, relevant])[:32]


def _digest(value: Any) -> str:
    canonical = json.dumps(value, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def load_profile(session: AsyncSession, user_id: uuid.UUID) -> Profile:
    row = await session.get(Profile, user_id)
    if row is None:
        raise NotFound(
            "No profile yet: a routine needs one (its owner creates it with PUT /v1/me/profile)",
            code="profile_not_found",
        )
    return row


async def load_inputs(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    end: date,
    profile: Profile | None = None,
    with_catalog: bool = False,
) -> RoutineInputs:
    """Five queries whatever the shelf size: profile (unless the caller has it), shelf with
    products, overrides, logs, procedures; and one for the catalog's version `with_catalog`
    (the catalog itself is read again only when that changes: services/alternatives.py).

    Only the logs that can change a plan are read (rotation.shapes_plan, in SQL), from every
    date up to `end`: so the app, a range and the reminder feed see one history and one plan.
    """
    if profile is None:
        profile = await load_profile(session, user_id)
    shelf_rows = await session.scalars(
        select(ShelfItem)
        .options(joinedload(ShelfItem.product))  # type: ignore[arg-type]
        .where(col(ShelfItem.user_id) == user_id)
        .order_by(col(ShelfItem.added_on), col(ShelfItem.id))
    )
    log_rows = await session.scalars(
        select(RoutineLog)
        .where(
            col(RoutineLog.user_id) == user_id,
            col(RoutineLog.on) <= end,
            or_(
                and_(col(RoutineLog.slot) == Slot.pm.value, col(RoutineLog.done).is_(False)),
                col(RoutineLog.irritation).in_(
                    [Irritation.moderate.value, Irritation.severe.value]
                ),
            ),
        )
        .order_by(col(RoutineLog.on), col(RoutineLog.slot))
    )
    return RoutineInputs(
        user_id=user_id,
        timezone=profile.timezone,
        profile=routine_inputs.profile(profile),
        shelf=routine_inputs.shelf(shelf_rows),
        overrides=await routine_inputs.active_overrides(session, patient_id=user_id),
        history=routine_inputs.history(log_rows),
        procedures=await routine_inputs.active_procedures(session, user_id=user_id),
        catalog=await alternatives.shared_catalog(session) if with_catalog else None,
    )


def plan_days(inputs: RoutineInputs, start: date, end: date) -> list[DayPlan]:
    return build_days(
        inputs.profile,
        inputs.shelf,
        inputs.overrides,
        start,
        end,
        history=inputs.history,
        procedures=inputs.procedures,
        catalog=inputs.catalog.catalog if inputs.catalog is not None else (),
    )


def check_range(start: date, end: date) -> None:
    if end < start:
        raise Unprocessable("'to' must not be before 'from'", code="invalid_range")
    if (end - start).days + 1 > MAX_DAYS:
        raise Unprocessable(
            f"A range covers at most {MAX_DAYS} days", code="range_too_long", max_days=MAX_DAYS
        )


# Days encoded once (JSON bytes and their ETag) by (user, plan revision, date), and each
# revision's time zone (for "today"): a hit sends stored bytes, and its 304 compares the stored
# ETag. Sound across processes and workers: the revision is read from the database with the
# user on every request, and every input change bumps it (routine_changes.inputs_changed). The
# user id is part of every key, so one user's entry is never another's.
_days: LruCache[tuple[uuid.UUID, int, date], Encoded] = LruCache(4096)
_zones: LruCache[tuple[uuid.UUID, int], str] = LruCache(4096)


def forget(user_id: uuid.UUID) -> None:
    """Drop this process's encoded routine days and zones of an erased user: no request can
    reach them any more (the caller's row is gone), but erased data should not stay in memory."""
    _days.discard_where(lambda key: key[0] == user_id)
    _zones.discard_where(lambda key: key[0] == user_id)


def cached_day(*, user_id: uuid.UUID, revision: int, on: date | None) -> Encoded | None:
    """The day as routine_day last encoded it at this plan revision, without a session; None
    when it must be built (or the revision's time zone, for "today", is not known yet)."""
    zone = _zones.get((user_id, revision))
    if zone is None:
        return None
    return _days.get((user_id, revision, on or clock.today_in(zone)))


async def routine_day(
    session: AsyncSession, *, user_id: uuid.UUID, revision: int, on: date | None
) -> Encoded:
    """One day's routine, encoded; recomputed only when the user's plan revision has moved
    (`revision` is the users.plan_revision read with the caller on this request)."""
    zone = _zones.get((user_id, revision))
    profile = None
    if zone is None:
        profile = await load_profile(session, user_id)
        zone = profile.timezone
        _zones.put((user_id, revision), zone)
    on = on or clock.today_in(zone)
    encoded = _days.get((user_id, revision, on))
    if encoded is None:
        inputs = await load_inputs(
            session, user_id=user_id, end=on, profile=profile, with_catalog=True
        )
        encoded = encode(day_payload(plan_days(inputs, on, on)[0], inputs))
        _days.put((user_id, revision, on), encoded)
    return encoded


async def routine_days(
    session: AsyncSession, *, user_id: uuid.UUID, start: date, end: date
) -> dict[str, Any]:
    check_range(start, end)
    inputs = await load_inputs(session, user_id=user_id, end=end, with_catalog=True)
    return {"days": [day_payload(plan, inputs) for plan in plan_days(inputs, start, end)]}


def _product(step_product: Any, *, with_category: bool = True) -> dict[str, Any]:
    shaped = {"id": str(step_product.id), "name": step_product.name}
    if with_category:
        shaped["category"] = step_product.category.value
    return shaped


def _override(note: OverrideNote | None) -> dict[str, Any] | None:
    if note is None:
        return None
    return {
        "id": str(note.override_id),
        "author_id": str(note.author_id),
        "author_name": note.author,
        "reason": note.reason,
    }


def _step(step: Step) -> dict[str, Any]:
    return {
        "order": step.order,
        "kind": step.kind.value,
        "product": _product(step.product),
        "amount": step.amount,
        "wait_after_seconds": step.wait_after_seconds,
        "instructions": step.instructions,
        "rule_ids": list(step.rule_ids),
        "source": step.source.value,
        "override": _override(step.override),
    }


def _exclusion(exclusion: Exclusion) -> dict[str, Any]:
    return {
        "product": _product(exclusion.product, with_category=False),
        "reason": exclusion.reason,
        "rule_id": exclusion.rule_id,
        "guard": exclusion.guard.value,
        "slot": exclusion.slot.value if exclusion.slot else None,
        "override": _override(exclusion.override),
        "available_on": exclusion.available_on.isoformat() if exclusion.available_on else None,
        "alternatives": [
            {
                "product": _product(alternative.product),
                "source": alternative.source.value,
                "rule_id": alternative.rule_id,
            }
            for alternative in exclusion.alternatives
        ],
    }


def rules_payload(rule_ids: Any) -> dict[str, dict[str, Any]]:
    return {
        rule_id: {
            "text": rule.text,
            "source": rule.source,
            "grade": rule.grade,
            "configurable_default": rule.configurable_default,
        }
        for rule_id in rule_ids
        if (rule := RULES.get(rule_id)) is not None
    }


def day_payload(plan: DayPlan, inputs: RoutineInputs) -> dict[str, Any]:
    return {
        "date": plan.on.isoformat(),
        "timezone": inputs.timezone,
        "night_type": plan.night_type.value,
        "am": {"steps": [_step(step) for step in plan.am]},
        "pm": {"steps": [_step(step) for step in plan.pm]},
        "excluded": [_exclusion(exclusion) for exclusion in plan.excluded],
        "warnings": [
            {"code": w.code, "message": w.message, "rule_id": w.rule_id} for w in plan.warnings
        ],
        "rules": rules_payload(plan.rule_ids),
        "version": inputs.version_for(plan.on),
    }
