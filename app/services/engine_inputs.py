"""Stored rows -> the engine's frozen input values (app/scheduling/inputs.py)."""

from __future__ import annotations

from collections.abc import Iterable

from app.models.catalog import Product
from app.models.logs import RoutineLog
from app.models.profiles import Profile
from app.models.shelf import ShelfItem
from app.scheduling import inputs as engine


def profile(row: Profile) -> engine.Profile:
    return engine.Profile(
        sensitivity=engine.Sensitivity(row.sensitivity),
        conditions=frozenset(row.conditions),
        concerns=frozenset(row.concerns),
        pregnancy=engine.Pregnancy(row.pregnancy),
        due_date=row.due_date,
        oral_medications=frozenset(row.oral_medications),
        retinoid_experience=engine.RetinoidExperience(row.retinoid_experience),
        avoid_ingredients=frozenset(row.avoid_ingredients),
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
