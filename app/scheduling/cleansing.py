"""Hydroquinone and peroxides (I11), and a cleanse step in every routine (I12).

I11. RULES.md says "not in the same routine"; the safer reading that still lets both be used is
a split between morning and evening (the same as I1's split for tretinoin and benzoyl peroxide),
and the plan says so in a warning. The clash itself is in interactions.py; here a peroxide wash
is kept to the morning and hydroquinone to the evening, so that the wash stays the morning's
cleanse (I12) and hydroquinone is not crowded out of both routines by it. I12 exempts only
I3-I8, so a peroxide wash keeps the I11 split (the hydroquinone label names peroxide products).

I12. Rinse-off products do not trigger the leave-on clashes with what goes on after them
(interactions.py). A wash still cannot share a routine with tonight's retinoid where I1 or I2
forbid it, nor with hydroquinone (I11), nor go on during a recovery: when that leaves a routine
without any cleanse step, the plan says so (a warning) rather than dropping it silently. The
safer reading is chosen over "use it anyway": the rules that keep it out name the whole routine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from app.scheduling.candidates import Candidate
from app.scheduling.inputs import Slot
from app.scheduling.interactions import Option, Tonight, admit, clash, peroxide
from app.scheduling.plan import StepKind, Warning


def split_peroxide(options: Sequence[Option]) -> list[Option]:
    """I11: with hydroquinone and a peroxide both usable, a peroxide wash cleanses in the
    morning only, another peroxide prefers the morning, and hydroquinone prefers the evening,
    each falling back to the other slot where a clash leaves it none (interactions.place)."""
    found = list(options)
    if not any(o.candidate.traits.hydroquinone for o in found):
        return found
    if not any(peroxide(o.candidate.traits) and not o.candidate.traits.hydroquinone for o in found):
        return found
    for index, option in enumerate(found):
        traits = option.candidate.traits
        if traits.hydroquinone and not traits.wash:
            order: tuple[Slot, ...] = (Slot.pm, Slot.am)
        elif peroxide(traits):
            order = (Slot.am,) if traits.wash else (Slot.am, Slot.pm)
        else:
            continue
        slots = tuple(slot for slot in order if slot in option.slots) or option.slots
        found[index] = replace(option, slots=slots, once=len(slots) > 1)
    return found


def peroxide_split(am: Sequence[Candidate], pm: Sequence[Candidate]) -> Warning | None:
    """Say which reading of I11 the plan took, on a day that uses both."""
    used = [*am, *pm]
    quinone = [c for c in used if c.traits.hydroquinone]
    if not quinone:
        return None
    peroxides = [c for c in used if peroxide(c.traits) and not c.traits.hydroquinone]
    if not peroxides:
        return None
    return Warning(
        code="hydroquinone_peroxide_split",
        message=(
            f"{_names(quinone)} and {_names(peroxides)} never share a routine: together they "
            "can stain the skin dark. Your plan splits them between morning and evening (the "
            "safer reading of the label's 'not together'). Use hydroquinone on the dark patches "
            "only."
        ),
        rule_id="I11",
    )


def missing_cleanse(
    options: Sequence[Option],
    placed: Mapping[Slot, Sequence[Candidate]],
    tonight: Tonight,
) -> list[Warning]:
    """I12: a routine with no cleanse step although a usable cleanser could have taken it."""
    warnings = []
    for slot in (Slot.am, Slot.pm):
        routine = placed[slot]
        if any(c.traits.kind is StepKind.cleanse for c in routine):
            continue
        cleansers = [o.candidate for o in options if o.candidate.traits.kind is StepKind.cleanse]
        if not cleansers:
            continue
        first = cleansers[0]
        hit = admit(first, slot, tonight) or clash(first, routine, tonight.sensitive, slot)
        why = hit.reason if hit is not None else "It is kept to the other routine today."
        when = "morning" if slot is Slot.am else "evening"
        warnings.append(
            Warning(
                code="no_cleanse_step",
                message=(
                    f"No cleanse step this {when}: {first.name} cannot go in it. {why} Rinse "
                    "with lukewarm water, or use a gentle cleanser without actives."
                ),
                rule_id=hit.rule_id if hit is not None else "I12",
            )
        )
    return warnings


def _names(found: Sequence[Candidate]) -> str:
    return " and ".join(sorted({c.name for c in found}))
