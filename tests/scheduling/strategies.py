"""Hypothesis strategies: realistic products, shelves, profiles, overrides and logs.

Products come from a pool built once at import: every category with the actives such a product
really carries (and some odd cross-overs, like a retinol with an AHA), label extras the guards
exist for (irritants, essential oils, dyes, retinyl esters) and the flags in rotation. Drawing a
product is then one draw, which keeps the ci profile's 2000 examples affordable; the pool's
variety, not per-example invention, is what exercises the engine.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import cycle
from uuid import UUID

from hypothesis import strategies as st

from app.scheduling import (
    Active,
    ActiveClass,
    Category,
    ExosomeSource,
    FilterType,
    Frequency,
    Irritation,
    LogEntry,
    Override,
    OverrideAction,
    PatchTest,
    Pregnancy,
    Product,
    Profile,
    RetinoidExperience,
    Sensitivity,
    ShelfItem,
    Slot,
)

A = ActiveClass
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2026, 12, 31)

RETINOIDS = [
    Active(A.retinoid, "tretinoin", 0.025),
    Active(A.retinoid, "tretinoin", 0.05),
    Active(A.retinoid, "adapalene", 0.1),
    Active(A.retinoid, "tazarotene", 0.05),
    Active(A.retinoid, "retinol", 0.3),
    Active(A.retinoid, "retinal", 0.1),
    Active(A.retinoid, "retinyl palmitate"),
    Active(A.retinoid, "adapalene", 0.3),  # prescription strength (R8)
]
ACIDS = [
    Active(A.aha, "glycolic acid", 7),
    Active(A.aha, "glycolic acid", 15),
    Active(A.aha, "lactic acid", 5),
    Active(A.aha, "mandelic acid"),
    Active(A.bha, "salicylic acid", 0.5),
    Active(A.bha, "salicylic acid", 2),
    Active(A.bha, "salicylic acid"),
    Active(A.pha, "gluconolactone", 4),
    Active(A.aha, "glycolic acid", 30),  # an at-home peel (I10)
]
VITAMIN_C = [
    Active(A.vitamin_c, "ascorbic acid", 15),
    Active(A.vitamin_c, "l-ascorbic acid", 20),
    Active(A.vitamin_c, "sodium ascorbyl phosphate", 5),
]
OTHERS = [
    Active(A.niacinamide, "niacinamide", 10),
    Active(A.peptide, "palmitoyl tripeptide-1"),
    Active(A.copper_peptide, "copper tripeptide-1"),
    Active(A.azelaic_acid, "azelaic acid", 10),
    Active(A.benzoyl_peroxide, "benzoyl peroxide", 2.5),
    Active(A.hydroquinone, "hydroquinone", 2),
    Active(A.hyaluronic_acid, "sodium hyaluronate"),
    Active(A.ceramide, "ceramide np"),
    Active(A.panthenol, "panthenol"),
    Active(A.tranexamic_acid, "tranexamic acid", 3),
]
EXOSOME = Active(A.exosome, "exosomes")

# What each category plausibly carries: tuples of actives, () for none.
_OPTIONS: dict[Category, list[tuple[Active, ...]]] = {
    Category.cleanser: [(), (), (ACIDS[5],), (ACIDS[0],), (OTHERS[4],)],
    Category.essence: [(), (OTHERS[6],), (OTHERS[0],)],
    Category.toner: [(), (ACIDS[2],), (ACIDS[7],), (OTHERS[0],)],
    Category.exosome_serum: [(EXOSOME,), (EXOSOME, OTHERS[0]), (EXOSOME, OTHERS[1])],
    Category.serum: [
        *((c,) for c in VITAMIN_C),
        *((r,) for r in RETINOIDS[4:]),
        *((a,) for a in ACIDS[:6]),
        *((o,) for o in OTHERS),
        (RETINOIDS[4], ACIDS[0]),
        (VITAMIN_C[0], OTHERS[0]),
    ],
    Category.treatment: [*((r,) for r in RETINOIDS[:4]), (OTHERS[3],), (OTHERS[4],), (OTHERS[5],)],
    Category.moisturiser: [(), (OTHERS[7],), (OTHERS[0], OTHERS[8]), (OTHERS[1],), (RETINOIDS[4],)],
    Category.sunscreen: [(), (OTHERS[0],)],
    Category.oil: [(), ()],
    Category.exfoliant: [*((a,) for a in ACIDS), ()],
    Category.mask: [(), (ACIDS[2],), (ACIDS[5],), (OTHERS[6],)],
    Category.eye_cream: [(), (OTHERS[1],), (RETINOIDS[4],)],
}

LABEL_EXTRAS = [
    (),
    ("fragrance",),
    ("parfum", "tocopherol"),
    ("alcohol denat.",),
    ("menthol",),
    ("camphor",),
    ("hamamelis virginiana water",),
    ("sodium lauryl sulfate",),
    ("urea",),
    ("eucalyptus globulus leaf oil",),
    ("salvia officinalis oil",),
    ("lavandula stoechas oil",),
    ("retinyl palmitate",),
    ("lactic acid",),
    ("ci 77491",),
    ("niacinamide", "panthenol"),
    ("squalane",),
    ("hydrogen peroxide",),
    (),
]


def _pool() -> list[Product]:
    """Every category x option, twice, with label extras and flags taking turns."""
    extras = cycle(LABEL_EXTRAS)
    flags = cycle(range(32))
    sources = cycle(ExosomeSource)
    filters = cycle(FilterType)
    tri = cycle([None, True, False, True])
    pool = []
    for category, options in _OPTIONS.items():
        for variant in range(2):
            for actives in options:
                bits = next(flags)
                index = len(pool) + 1
                # a day cream with an SPF is a sunscreen step too
                sunscreen = category is Category.sunscreen or (
                    category is Category.moisturiser and variant == 1 and not actives
                )
                pool.append(
                    Product(
                        id=UUID(int=index),
                        name=f"{category.value.replace('_', ' ').title()} {index}",
                        category=category,
                        inci=("aqua", "glycerin", *next(extras)),
                        actives=actives,
                        fragrance=bool(bits & 1),
                        essential_oils=bool(bits & 2) and bool(bits & 4),
                        alcohol_denat=bool(bits & 8) and bool(bits & 16),
                        physical_scrub=category is Category.exfoliant and bool(bits & 4),
                        spf=(15, 30, 50)[bits % 3] if sunscreen else None,
                        filter_type=next(filters) if sunscreen else None,
                        exosome_source=(
                            next(sources) if category is Category.exosome_serum else None
                        ),
                        gmp_certified=next(tri),
                        batch_on_label=next(tri),
                        expiry_on_label=next(tri),
                        ph=(None, 3.0, 5.5)[bits % 3],
                        rinse_off=(category is Category.mask and variant == 1) or None,
                    )
                )
    return pool


POOL = _pool()
product_indexes = st.integers(0, len(POOL) - 1)

# How a bottle stands, one draw: (expires, (opened, PAO months), patch test, batch, established),
# days from the start date; an established bottle joined the routine the day it was added.
_EXPIRES = [None, None, -20, -1, 0, 30, 400]
_OPENED = [None, None, (-400, 12), (-200, 6), (-30, 6)]
_BOTTLES = [
    (expires, opened, patch, batch, established)
    for expires in _EXPIRES
    for opened in _OPENED
    for patch in PatchTest
    for batch in (True, False)
    for established in (True, False)
]


def shelves(base: date, max_size: int = 20) -> st.SearchStrategy[list[ShelfItem]]:
    """0-20 items; now and then two items of one product (a second bottle)."""
    row = st.tuples(product_indexes, st.integers(-120, 10), st.sampled_from(_BOTTLES))

    def items(rows: list[tuple]) -> list[ShelfItem]:
        shelf = []
        for position, (index, added, bottle) in enumerate(rows):
            expires, opened, patch, batch, established = bottle
            shelf.append(
                ShelfItem(
                    id=UUID(int=1000 + position),
                    product=POOL[index],
                    added_on=base + timedelta(days=added),
                    batch="B-1" if batch else None,
                    expires_on=None if expires is None else base + timedelta(days=expires),
                    opened_on=None if opened is None else base + timedelta(days=opened[0]),
                    pao_months=None if opened is None else opened[1],
                    patch_test=patch,
                    introduced_on=base + timedelta(days=added) if established else None,
                )
            )
        return shelf

    return st.lists(row, max_size=max_size).map(items)


def profiles(base: date) -> st.SearchStrategy[Profile]:
    return st.builds(
        Profile,
        sensitivity=st.sampled_from(list(Sensitivity)),
        conditions=st.frozensets(st.sampled_from(["acne", "Rosacea", "eczema"])),
        pregnancy=st.sampled_from(list(Pregnancy)),
        due_date=st.sampled_from([None, None, base - timedelta(days=3), base + timedelta(5)]),
        # the engine takes what it is given; the API refuses an end while still pregnant
        pregnancy_ended_on=st.sampled_from([None, None, None, base + timedelta(days=4)]),
        oral_medications=st.sampled_from(
            [frozenset(), frozenset(), frozenset({"isotretinoin"}), frozenset({"metformin"})]
        ),
        retinoid_experience=st.sampled_from(list(RetinoidExperience)),
        avoid_ingredients=st.frozensets(
            st.sampled_from(["fragrance", "niacinamide", "retinoid", "salicylic acid", "squalane"]),
            max_size=2,
        ),
    )


# The fields an override may carry besides its action, product and dates, as 60 shapes drawn
# in one go; the value lists have coprime-ish lengths so the shapes mix them well. Most shapes
# are valid for some actions and invalid for others.
_SHAPE_VALUES = {
    "slot": [None, Slot.am, Slot.pm],
    "frequency": [None, *Frequency],
    "interval_days": [None, 2, 3, None],
    "weekdays": [(), (1, 4), (2,), (3, 5, 7), ()],
    "wait_after_seconds": [None, 0, 120],
    "position": [None, 1, 3, None],
    "patch_test_days": [None, 0, 2],
    "acknowledge_warning": [True, False, False, True, False, False, True],
}
_SHAPES = [
    {field: values[k % len(values)] for field, values in _SHAPE_VALUES.items()} for k in range(60)
]


@st.composite
def overrides(draw: st.DrawFn, base: date, shelf: list[ShelfItem]) -> list[Override]:
    """Anything a dermatologist might send, valid or not, naming shelf or other products."""
    found = []
    shelf_products = [item.product for item in shelf]
    for position in range(draw(st.integers(0, 4))):
        action, start, length, reason, shape = draw(
            st.tuples(
                st.sampled_from(list(OverrideAction)),
                st.integers(-20, 10),
                st.sampled_from([None, 0, 3, 20]),
                st.sampled_from(["clinical judgement", "peel", ""]),
                st.sampled_from(_SHAPES),
            )
        )
        if shelf_products and draw(st.booleans()):
            target = draw(st.sampled_from(shelf_products))
        else:
            target = POOL[draw(product_indexes)]
        starts = base + timedelta(days=start)
        found.append(
            Override(
                id=UUID(int=2000 + position),
                action=action,
                reason=reason,
                starts_on=starts,
                ends_on=None if length is None else starts + timedelta(days=length),
                author_id=UUID(int=42),
                author="Dr Lee",
                product_id=target.id if action is not OverrideAction.pause else None,
                product=target if action is OverrideAction.add else None,
                **shape,
            )
        )
    return found


def histories(base: date) -> st.SearchStrategy[list[LogEntry]]:
    return st.lists(
        st.builds(
            LogEntry,
            on=st.integers(-30, 14).map(lambda days: base + timedelta(days=days)),
            slot=st.sampled_from(list(Slot)),
            done=st.booleans(),
            irritation=st.sampled_from(list(Irritation)),
        ),
        max_size=8,
    )


dates = st.dates(FIRST_DAY, LAST_DAY)
