"""Dermatologist overrides: store, list and withdraw them (the write use case; the engine
reads them through routine_inputs.active_overrides).

The list of a patient's active overrides is one versioned resource (a strong ETag): every write
must name the version it was made against (If-Match), and writes to one patient are serialised
by the patient's chain lock, so two dermatologists never overwrite each other. Before storing,
the engine's own `check_override` decides what no override may do (RULES.md O2); the engine
re-checks every stored override again each day.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.errors import NotFound, Unprocessable
from app.http_cache import etag_of, require_current
from app.models.accounts import User
from app.models.audit import AuditAction
from app.models.care_team import PersonOut
from app.models.overrides import OverrideCreate, OverrideList, OverridePublic, PlanOverride
from app.models.profiles import Profile
from app.scheduling import inputs as engine
from app.scheduling.overrides import check_override
from app.services import audit, routine_changes, routine_inputs
from app.services.catalog import get_visible_product

# an active list longer than this is a plan nobody can read; withdraw some first
MAX_ACTIVE = 100
# the codes that name the clinical refusals of O2, in the order a caller should hear them
_FIRST = ("guard_not_overridable", "warning_not_acknowledged")


class OverrideRefused(Unprocessable):
    title = "Override refused"


def public(row: PlanOverride, author_email: str) -> OverridePublic:
    data = row.model_dump()
    return OverridePublic.model_validate(
        {
            **data,
            "weekdays": data["weekdays"] or None,
            "author": PersonOut(id=row.author_id, email=author_email),
        }
    )


async def list_overrides(
    session: AsyncSession, *, patient_id: uuid.UUID, include_deleted: bool = False
) -> OverrideList:
    rows = await session.execute(
        routine_inputs.overrides_query(patient_id, include_deleted=include_deleted)
    )
    return OverrideList(items=[public(row, email) for row, email, _product in rows])


async def _require_current_list(
    session: AsyncSession, *, patient_id: uuid.UUID, if_match: str
) -> OverrideList:
    """Lock the patient's plan for this transaction, then refuse a write against a stale list."""
    await audit.lock_chain(session, patient_id=patient_id)
    current = await list_overrides(session, patient_id=patient_id)
    require_current(if_match, etag_of(current))
    return current


async def _engine_profile(session: AsyncSession, patient_id: uuid.UUID) -> engine.Profile:
    row = await session.get(Profile, patient_id)
    # without a profile there is no routine yet; the engine re-checks once there is one
    return routine_inputs.profile(row) if row is not None else engine.Profile()


def _refuse(codes: list[str]) -> OverrideRefused:
    first = next((code for code in _FIRST if code in codes), codes[0])
    details = {
        "guard_not_overridable": "A safety guard keeps this product out and no override can "
        "lift it (RULES.md O2)",
        "warning_not_acknowledged": "This guard may be overridden only with an explicit, "
        "recorded warning: resend with acknowledge_warning: true",
        "nothing_to_confirm": "No guard keeps this product out: there is nothing to confirm",
    }
    detail = details.get(first, f"The engine refuses this override: {', '.join(codes)}")
    return OverrideRefused(detail, code=first, violations=codes)


def _confirms_a_guard(
    profile: engine.Profile, override: engine.Override, product: engine.Product | None
) -> bool:
    """Whether an accepted override lifts a confirmable guard (P2, P3, P9) by its acknowledged
    warning: a guard confirmation, audited on its own. The engine is the judge: the same
    override without the acknowledgement would be refused for it."""
    if not override.acknowledge_warning:
        return False
    unacknowledged = replace(override, acknowledge_warning=False)
    return "warning_not_acknowledged" in check_override(profile, unacknowledged, product)


async def create_override(
    session: AsyncSession,
    *,
    patient: User,
    author: User,
    data: OverrideCreate,
    if_match: str,
) -> OverridePublic:
    current = await _require_current_list(session, patient_id=patient.id, if_match=if_match)
    if len(current.items) >= MAX_ACTIVE:
        raise Unprocessable(
            f"A patient has at most {MAX_ACTIVE} active overrides: withdraw some first",
            code="too_many_overrides",
        )
    product_row = None
    if data.product_id is not None:
        product_row = await get_visible_product(session, user=patient, product_id=data.product_id)
    row = PlanOverride(
        **data.model_dump(exclude={"weekdays"}),
        weekdays=data.weekdays or [],
        patient_id=patient.id,
        author_id=author.id,
    )
    candidate = routine_inputs.override(row, author.email, product_row)
    product = routine_inputs.product(product_row) if product_row is not None else None
    profile = await _engine_profile(session, patient.id)
    codes = check_override(profile, candidate, product)
    if codes:
        raise _refuse(codes)
    session.add(row)
    await session.flush()
    shown = public(row, author.email)
    await audit.append(
        session,
        patient_id=patient.id,
        actor=author,
        action=AuditAction.override_created,
        subject_id=row.id,
        after=shown.model_dump(mode="json"),
        reason=row.reason,
    )
    if _confirms_a_guard(profile, candidate, product):
        await audit.append(
            session,
            patient_id=patient.id,
            actor=author,
            action=AuditAction.guard_confirmed,
            subject_id=row.id,
            after={
                "override_id": str(row.id),
                "action": row.action,
                "product_id": str(row.product_id),
                "product_name": product_row.name if product_row is not None else None,
                "acknowledge_warning": True,
            },
            reason=row.reason,
        )
    await routine_changes.inputs_changed(session, user_id=patient.id)
    return shown


async def get_active_override(
    session: AsyncSession, *, patient_id: uuid.UUID, override_id: uuid.UUID
) -> PlanOverride:
    row = await session.scalar(
        select(PlanOverride).where(
            col(PlanOverride.id) == override_id,
            col(PlanOverride.patient_id) == patient_id,
            col(PlanOverride.deleted_at).is_(None),
        )
    )
    if row is None:
        raise NotFound("No such active override for this patient", code="override_not_found")
    return row


async def _withdraw(
    session: AsyncSession, *, row: PlanOverride, actor: User, reason: str | None
) -> None:
    before = {"override_id": str(row.id), "action": row.action, "reason": row.reason}
    row.deleted_at = clock.now_utc()
    row.deleted_by = actor.id
    row.delete_reason = reason
    await session.flush()
    await audit.append(
        session,
        patient_id=row.patient_id,
        actor=actor,
        action=AuditAction.override_deleted,
        subject_id=row.id,
        before=before,
        reason=reason,
    )


async def delete_override(
    session: AsyncSession,
    *,
    row: PlanOverride,
    actor: User,
    if_match: str,
    reason: str | None,
) -> None:
    """Withdraw (soft-delete) the override: it stops applying; its history stays readable."""
    await _require_current_list(session, patient_id=row.patient_id, if_match=if_match)
    await _withdraw(session, row=row, actor=actor, reason=reason)
    await routine_changes.inputs_changed(session, user_id=row.patient_id)


async def has_authored(
    session: AsyncSession, *, patient_id: uuid.UUID, author_id: uuid.UUID
) -> bool:
    """Whether an override by this author is in force on the patient's plan."""
    found = await session.scalar(
        select(col(PlanOverride.id))
        .where(
            col(PlanOverride.patient_id) == patient_id,
            col(PlanOverride.author_id) == author_id,
            col(PlanOverride.deleted_at).is_(None),
        )
        .limit(1)
    )
    return found is not None


async def withdraw_authored(
    session: AsyncSession, *, patient: User, author_id: uuid.UUID, actor: User
) -> None:
    """Withdraw every active override one author made for the patient (on revocation)."""
    rows = await session.scalars(
        select(PlanOverride)
        .where(
            col(PlanOverride.patient_id) == patient.id,
            col(PlanOverride.author_id) == author_id,
            col(PlanOverride.deleted_at).is_(None),
        )
        .order_by(col(PlanOverride.created_at), col(PlanOverride.id))
    )
    for row in list(rows):
        await _withdraw(session, row=row, actor=actor, reason="care link revoked by the patient")
    await routine_changes.inputs_changed(session, user_id=patient.id)
