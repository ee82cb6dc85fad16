"""The clinical stage between the guard screen and placement, and the warnings after it.

Before placement the day's usable products are narrowed: one retinoid at a time (R8), an
at-home peel only on a night it may take (I10), an oil cleanser kept for the evening's double
cleanse (L7), hydroquinone and a peroxide wash split between morning and evening (I11).
Whatever is held back gets a reason, so nothing leaves silently.
After placement the plan says what a rule left undone: no exfoliant night this week (I10), the
I11 split it chose, a routine without a cleanse step (I12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from app.scheduling.candidates import Candidate
from app.scheduling.cleansing import missing_cleanse, peroxide_split, split_peroxide
from app.scheduling.guards import Hit
from app.scheduling.inputs import Profile, Slot, latest_active
from app.scheduling.interactions import Option, Placement, Tonight
from app.scheduling.layering import OIL_CLEANSER_ROLE
from app.scheduling.plan import StepKind, Warning
from app.scheduling.retinoids import one_retinoid, prescribed
from app.scheduling.rotation import Rotation, pick_retinoid
from app.scheduling.spacing import is_peel, no_exfoliant_night, peel_hit


@dataclass(frozen=True, slots=True)
class Narrowed:
    options: list[Option]
    held: dict[Candidate, Hit]  # left out of the day, with the reason


def narrow(on: date, options: Sequence[Option], rotation: Rotation, profile: Profile) -> Narrowed:
    held: dict[Candidate, Hit] = {}
    evening = [o.candidate for o in options if Slot.pm in o.slots]
    retinoids = [c for c in evening if c.traits.retinoid is not None]
    peels = [c for c in evening if c.traits.exfoliation and is_peel(c.product)]
    if len(retinoids) > 1:
        plan = latest_active(rotation.retinoid_plans, on)
        rx = [c for c in retinoids if prescribed(c.traits)]
        pick = pick_retinoid(rx, profile, None) if rx else None
        held.update(one_retinoid(retinoids, plan.target if plan else None, pick))
    peels = [c for c in peels if c.traits.timed_exfoliant]
    if peels:
        hit = peel_hit(on, rotation)
        if hit is not None:
            held.update(dict.fromkeys(peels, hit))
    kept = [o for o in options if o.candidate not in held]
    return Narrowed(options=split_peroxide(double_cleanse(kept)), held=held)


def double_cleanse(options: list[Option]) -> list[Option]:
    """L7: with a water-based cleanser for the morning, an oil or balm cleanser opens the
    evening's double cleanse and stays out of the morning."""
    if not any(o.candidate.traits.role == OIL_CLEANSER_ROLE for o in options):
        return options
    water = any(
        o.candidate.traits.kind is StepKind.cleanse
        and o.candidate.traits.role != OIL_CLEANSER_ROLE
        and Slot.am in o.slots
        for o in options
    )
    if not water:
        return options
    return [
        replace(o, slots=(Slot.pm,), once=False)
        if o.candidate.traits.role == OIL_CLEANSER_ROLE and Slot.pm in o.slots
        else o
        for o in options
    ]


def after_placement(
    on: date,
    options: Sequence[Option],
    placement: Placement,
    tonight: Tonight,
    rotation: Rotation,
) -> list[Warning]:
    exfoliants = [
        c
        for o in options
        if (c := o.candidate).traits.exfoliation
        and c.traits.timed_exfoliant
        and c.traits.retinoid is None
    ]
    warnings = [
        w
        for w in (
            no_exfoliant_night(on, exfoliants, rotation),
            peroxide_split(placement.am, placement.pm),
        )
        if w is not None
    ]
    placed = {Slot.am: placement.am, Slot.pm: placement.pm}
    warnings.extend(missing_cleanse(options, placed, tonight))
    return warnings
