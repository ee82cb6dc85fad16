"""Step order within a slot (L1, L2, L3, L3a, L5) and a dermatologist's reordering (O1).

Morning: cleanse, toner, essence, exosome serum (damp skin), vitamin C (early, on cleansed skin),
other actives, treatments, eye cream, moisturiser, oil, a day cream with an SPF, sunscreen last
(L5).
Evening: cleanse, rinse-off mask, toner, essence, exosome serum, retinoid or exfoliant, other
actives, peptides, eye cream, moisturiser, leave-on mask, oil.
Within a place, thinnest to thickest is unknown to the catalogue, so names break ties (L2).
L7 (layering.py): an oil or balm cleanser opens an evening double cleanse, an oil-based serum
follows the water-based ones; the evening retinoid is the first treatment after the cleanse.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from app.scheduling.candidates import Candidate
from app.scheduling.classify import TREATMENT_KINDS, Traits
from app.scheduling.inputs import Override, Slot
from app.scheduling.layering import layer_place
from app.scheduling.plan import StepKind

_PLACE: dict[StepKind, int] = {
    StepKind.cleanse: 10,
    StepKind.toner: 20,
    StepKind.essence: 30,
    StepKind.exosome_serum: 40,
    StepKind.treatment: 50,
    StepKind.exfoliant: 50,
    StepKind.active: 60,
    StepKind.eye_cream: 70,
    StepKind.moisturiser: 80,
    StepKind.mask: 85,
    StepKind.oil: 90,
    StepKind.spf: 100,
}


def place_in_slot(traits: Traits, slot: Slot) -> int:
    kind = traits.kind
    if kind is StepKind.mask and traits.rinse_off:
        return 15  # washed off, so straight after the cleanse
    if slot is Slot.am:
        if traits.sunscreen and kind is not StepKind.spf:
            return 95  # L5: a day cream with an SPF goes over any oil, under a sunscreen
        if traits.vitamin_c and kind is StepKind.active:
            return 45  # L3a: the first active of the morning
        if kind is StepKind.treatment:
            return 65  # a morning treatment (BPO) after the serums
    if slot is Slot.pm and traits.retinoid is not None and kind in TREATMENT_KINDS:
        return 48  # L6, L7: the retinoid first after the cleanse (and the wait), on dry skin
    if slot is Slot.pm and traits.peptide and kind in TREATMENT_KINDS:
        return 65  # L3: peptides after the night's treatment
    return _PLACE[kind]


def arrange(slot: Slot, candidates: Sequence[Candidate]) -> list[Candidate]:
    return sorted(
        candidates,
        key=lambda c: (layer_place(c.product, c.traits, place_in_slot(c.traits, slot)), c.sort_key),
    )


def apply_reorders(
    slot: Slot, ordered: list[Candidate], reorders: Sequence[Override]
) -> tuple[list[Candidate], dict[UUID, Override]]:
    """Move steps to the positions a dermatologist set (O1, L1), in the order the overrides
    started. The morning sunscreen stays last (L5): nothing moves after it and it never moves."""
    steps = list(ordered)
    moved: dict[UUID, Override] = {}
    for override in reorders:
        if override.slot not in (None, slot) or override.position is None:
            continue
        index = next((i for i, c in enumerate(steps) if c.product.id == override.product_id), None)
        if index is None or steps[index].traits.sunscreen:
            continue
        moving = steps.pop(index)
        last = len(steps)
        if slot is Slot.am and steps and steps[-1].traits.sunscreen:
            last -= 1
        steps.insert(min(override.position - 1, last), moving)
        moved[moving.product.id] = override
    return steps, moved
