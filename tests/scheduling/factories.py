"""Small builders for engine inputs: a named product, a shelf item, an override, a log.

Ids are derived from names so that two tests building "Tretinoin 0.025" get the same product.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid5

from app.scheduling import (
    Active,
    ActiveClass,
    Category,
    DayPlan,
    EngineSettings,
    FilterType,
    Irritation,
    LogEntry,
    Override,
    OverrideAction,
    PatchTest,
    Product,
    Profile,
    ShelfItem,
    Slot,
    build_day,
    build_days,
)

_NS = UUID("6f1c1d3e-2b7a-4c1e-9a57-0c3e2f6a9b10")
START = date(2025, 1, 6)  # a Monday: shelves are added on it unless a test says otherwise
ON = date(2025, 3, 3)  # a Monday, eight weeks on: every ramp has reached its target
DERM = UUID(int=42)


def product(
    name: str,
    category: Category,
    *actives: tuple[ActiveClass, str] | tuple[ActiveClass, str, float],
    **fields: object,
) -> Product:
    return Product(
        id=uuid5(_NS, name),
        name=name,
        category=category,
        actives=tuple(Active(*a) for a in actives),
        **fields,
    )


def item(
    p: Product,
    *,
    added_on: date = START,
    patch_test: PatchTest = PatchTest.passed,
    established: bool | None = None,
    **fields: object,
) -> ShelfItem:
    """A shelf item; established (in the routine since it was added) unless its patch test is
    pending or `established=False` puts it through onboarding (S2, S5)."""
    if established is None:
        established = patch_test is not PatchTest.pending
    return ShelfItem(
        id=uuid5(_NS, f"item:{p.name}:{added_on}"),
        product=p,
        added_on=added_on,
        patch_test=patch_test,
        **{"introduced_on": added_on if established else None, **fields},  # type: ignore[arg-type]
    )


def override(
    action: OverrideAction,
    target: Product | None = None,
    *,
    starts_on: date = START,
    reason: str = "clinical judgement",
    **fields: object,
) -> Override:
    return Override(
        id=uuid5(_NS, f"override:{action}:{target.name if target else ''}:{starts_on}:{fields}"),
        action=action,
        reason=reason,
        starts_on=starts_on,
        author_id=DERM,
        author="Dr Lee",
        product_id=target.id if target is not None else None,
        **fields,
    )


def log(
    on: date, slot: Slot = Slot.pm, *, done: bool = True, irritation: Irritation = Irritation.none
) -> LogEntry:
    return LogEntry(on=on, slot=slot, done=done, irritation=irritation)


# A small catalogue the unit tests draw from.
A, C = ActiveClass, Category
CLEANSER = product("Gentle Cleanser", C.cleanser, inci=("aqua", "glycerin"))
TONER = product("Soft Toner", C.toner)
ESSENCE = product("Hydrating Essence", C.essence)
EXOSOME = product("Exo Serum", C.exosome_serum, (A.exosome, "plant exosomes"), gmp_certified=True)
VITAMIN_C = product("C Serum", C.serum, (A.vitamin_c, "ascorbic acid", 15))
NIACINAMIDE = product("Niacinamide 10", C.serum, (A.niacinamide, "niacinamide", 10))
TRETINOIN = product("Tretinoin 0.025", C.treatment, (A.retinoid, "tretinoin", 0.025))
ADAPALENE = product("Adapalene 0.1", C.treatment, (A.retinoid, "adapalene", 0.1))
RETINOL = product("Retinol 0.3", C.serum, (A.retinoid, "retinol", 0.3))
RETINYL = product("Night Cream A", C.moisturiser, inci=("aqua", "retinyl palmitate"))
BHA = product("BHA 2", C.exfoliant, (A.bha, "salicylic acid", 2))
BHA_LOW = product("BHA 0.5", C.exfoliant, (A.bha, "salicylic acid", 0.5))
AHA = product("Glycolic 7", C.exfoliant, (A.aha, "glycolic acid", 7))
AHA_STRONG = product("Glycolic 15", C.exfoliant, (A.aha, "glycolic acid", 15))
SCRUB = product("Walnut Scrub", C.exfoliant, physical_scrub=True, rinse_off=True)
BPO = product("BPO 2.5", C.treatment, (A.benzoyl_peroxide, "benzoyl peroxide", 2.5))
AZELAIC = product("Azelaic 10", C.treatment, (A.azelaic_acid, "azelaic acid", 10))
HYDROQUINONE = product("HQ 2", C.treatment, (A.hydroquinone, "hydroquinone", 2))
COPPER = product("Copper Serum", C.serum, (A.copper_peptide, "copper tripeptide-1"))
PEPTIDE = product("Peptide Serum", C.serum, (A.peptide, "palmitoyl tripeptide-1"))
MOISTURISER = product("Plain Cream", C.moisturiser)
BARRIER = product(
    "Barrier Cream", C.moisturiser, (A.niacinamide, "niacinamide", 4), (A.panthenol, "panthenol")
)
OIL = product("Squalane", C.oil)
EYE = product("Eye Cream", C.eye_cream)
SPF = product("Mineral SPF50", C.sunscreen, spf=50, filter_type=FilterType.mineral)
CHEMICAL_SPF = product("Chemical SPF50", C.sunscreen, spf=50, filter_type=FilterType.chemical)
SLEEP_MASK = product("Sleeping Mask", C.mask, (A.hyaluronic_acid, "sodium hyaluronate"))
CLAY_MASK = product("Clay Mask", C.mask, inci=("kaolin", "bentonite"), rinse_off=True)
PEEL_MASK = product("AHA Mask", C.mask, (A.aha, "glycolic acid", 10), rinse_off=True)


def build(
    *shelf: Product | ShelfItem,
    profile: Profile | None = None,
    on: date = ON,
    overrides: tuple[Override, ...] = (),
    history: tuple[LogEntry, ...] = (),
    settings: EngineSettings | None = None,
) -> DayPlan:
    """One day's plan for a shelf of products (added on START, patch test passed) or items."""
    items = [entry if isinstance(entry, ShelfItem) else item(entry) for entry in shelf]
    return build_day(
        profile or Profile(), items, overrides, on, history, settings or EngineSettings()
    )


def span(
    *shelf: Product | ShelfItem,
    profile: Profile | None = None,
    start: date = START,
    days: int = 28,
    overrides: tuple[Override, ...] = (),
    history: tuple[LogEntry, ...] = (),
    settings: EngineSettings | None = None,
) -> list[DayPlan]:
    """Plans for `days` consecutive days from `start`."""
    items = [entry if isinstance(entry, ShelfItem) else item(entry) for entry in shelf]
    end = start + timedelta(days=days - 1)
    return build_days(
        profile or Profile(), items, overrides, start, end, history, settings or EngineSettings()
    )


def names(plan: DayPlan, slot: Slot) -> list[str]:
    return [step.product.name for step in plan.steps(slot)]


def excluded(plan: DayPlan, p: Product) -> list[tuple[str, str]]:
    """(guard, rule id) of every exclusion of `p` in the plan."""
    return [(e.guard.value, e.rule_id) for e in plan.excluded if e.product.id == p.id]


def codes(plan: DayPlan) -> list[str]:
    return [w.code for w in plan.warnings]
