"""A routine's inputs: stored rows -> the engine's frozen input values (app/scheduling/inputs.py).

Pure conversions (profile, product, shelf, history, override) plus the one loader that reads
rows for them itself: a patient's active overrides, with author and product joined. The
dermatologist's list (services/overrides.py) runs the same query, so the engine applies
exactly the overrides that list shows, in the same order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.accounts import User
from app.models.care_team import ERASED_ACCOUNT
from app.models.catalog import Product
from app.models.logs import RoutineLog
from app.models.overrides import PlanOverride
from app.models.procedures import ProcedureRecord
from app.models.profiles import FITZPATRICK_NUMBER, Fitzpatrick, Profile
from app.models.shelf import ShelfItem
from app.scheduling import PeelDepth, Procedure, ProcedureKind
from app.scheduling import inputs as engine


def profile(row: Profile) -> engine.Profile:
    return engine.Profile(
        sensitivity=engine.Sensitivity(row.sensitivity),
        conditions=frozenset(row.conditions),
        concerns=frozenset(row.concerns),
        pregnancy=engine.Pregnancy(row.pregnancy),
        due_date=row.due_date,
        pregnancy_ended_on=row.pregnancy_ended_on,
        oral_medications=frozenset(row.oral_medications),
        retinoid_experience=engine.RetinoidExperience(row.retinoid_experience),
        avoid_ingredients=frozenset(row.avoid_ingredients),
        fitzpatrick=FITZPATRICK_NUMBER.get(Fitzpatrick(row.fitzpatrick))
        if row.fitzpatrick
        else None,
    )


def product(row: Product) -> engine.Product:
    return engine.Product(
        id=row.id,
        name=row.name,
        brand=row.brand,
        category=engine.Category(row.category),
        inci=tuple(row.inci),
        actives=tuple(
            engine.Active(
                class_=engine.ActiveClass(str(active["class"])),
                name=str(active["name"]),
                percent=float(p) if isinstance(p := active.get("percent"), int | float) else None,
            )
            for active in row.actives
        ),
        fragrance=row.fragrance,
        essential_oils=row.essential_oils,
        alcohol_denat=row.alcohol_denat,
        physical_scrub=row.physical_scrub,
        spf=row.spf,
        filter_type=engine.FilterType(row.filter_type) if row.filter_type else None,
        exosome_source=engine.ExosomeSource(row.exosome_source) if row.exosome_source else None,
        gmp_certified=row.gmp_certified,
        batch_on_label=row.batch_on_label,
        expiry_on_label=row.expiry_on_label,
        ph=row.ph,
        rinse_off=row.rinse_off,
    )


def shelf(rows: Iterable[ShelfItem]) -> tuple[engine.ShelfItem, ...]:
    return tuple(
        engine.ShelfItem(
            id=row.id,
            product=product(row.product),
            added_on=row.added_on,
            batch=row.batch,
            expires_on=row.expires_on,
            opened_on=row.opened_on,
            pao_months=row.pao_months,
            patch_test=engine.PatchTest(row.patch_test),
            introduced_on=row.introduced_on,
            added_at=row.created_at,
        )
        for row in rows
    )


def history(rows: Iterable[RoutineLog]) -> tuple[engine.LogEntry, ...]:
    return tuple(
        engine.LogEntry(
            on=row.on,
            slot=engine.Slot(row.slot),
            done=row.done,
            irritation=engine.Irritation(row.irritation),
        )
        for row in rows
    )


def override(row: PlanOverride, author: str, product_row: Product | None) -> engine.Override:
    action = engine.OverrideAction(row.action)
    return engine.Override(
        id=row.id,
        action=action,
        reason=row.reason,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        author_id=row.author_id,
        author=author,
        product_id=row.product_id,
        product=product(product_row)
        if product_row is not None and action is engine.OverrideAction.add
        else None,
        slot=engine.Slot(row.slot) if row.slot else None,
        frequency=engine.Frequency(row.frequency) if row.frequency else None,
        interval_days=row.interval_days,
        weekdays=tuple(row.weekdays),
        wait_after_seconds=row.wait_after_seconds,
        position=row.position,
        patch_test_days=row.patch_test_days,
        acknowledge_warning=row.acknowledge_warning,
    )


def overrides_query(patient_id: uuid.UUID, *, include_deleted: bool = False) -> Any:
    """(PlanOverride, author email, Product or None) rows of one patient, in the order the
    engine applies them. An override whose author's account was erased stays in force (an
    outer join: it must not drop out of the plan), its author shown as ERASED_ACCOUNT."""
    query = (
        select(PlanOverride, func.coalesce(col(User.email), ERASED_ACCOUNT), Product)
        .outerjoin(User, col(User.id) == col(PlanOverride.author_id))
        .outerjoin(Product, col(Product.id) == col(PlanOverride.product_id))
        .where(col(PlanOverride.patient_id) == patient_id)
    )
    if not include_deleted:
        query = query.where(col(PlanOverride.deleted_at).is_(None))
    return query.order_by(
        col(PlanOverride.starts_on), col(PlanOverride.created_at), col(PlanOverride.id)
    )


async def active_overrides(
    session: AsyncSession, *, patient_id: uuid.UUID
) -> tuple[engine.Override, ...]:
    """The patient's active overrides as the engine takes them, in one query (author and the
    product of an `add` joined in)."""
    rows = await session.execute(overrides_query(patient_id))
    return tuple(override(row, email, product_row) for row, email, product_row in rows)


def procedure(row: ProcedureRecord) -> Procedure:
    return Procedure(
        id=row.id,
        kind=ProcedureKind(row.kind),
        on=row.on,
        depth=PeelDepth(row.depth) if row.depth else None,
        clinic_exosome=row.clinic_exosome,
        healing_days=row.healing_days,
    )


async def active_procedures(session: AsyncSession, *, user_id: uuid.UUID) -> tuple[Procedure, ...]:
    """The user's sessions (not withdrawn) as the engine takes them, in date order."""
    rows = await session.scalars(
        select(ProcedureRecord)
        .where(col(ProcedureRecord.user_id) == user_id, col(ProcedureRecord.deleted_at).is_(None))
        .order_by(col(ProcedureRecord.on), col(ProcedureRecord.id))
    )
    return tuple(procedure(row) for row in rows)
