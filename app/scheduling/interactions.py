"""Interactions (I1-I8, I11, I12) and placement: which usable product goes into which slot tonight.

Conflicts are resolved by placement first (morning against evening, one night against another)
and a product is left out of a day only when no slot is left for it:

1. Products are tried in precedence order: the night's retinoid or exfoliant, then products a
   dermatologist added, then by active (retinoid, exfoliant, vitamin C, azelaic acid, BPO,
   hydroquinone, copper peptide, the rest), then by name.
2. The morning is filled, then the evening, then the morning again for products that go in one
   slot only and prefer the evening (copper peptides). A leave-on BPO prefers the morning (I1)
   and falls back to the evening; most products go in every slot that admits them.
3. `admit` says whether tonight takes a product at all (retinoids only on retinoid nights, one
   exfoliant on exfoliant nights, nothing irritating and no rinse-off mask on recovery
   nights...); `clash` says whether a product already in the slot conflicts with it (I1-I5,
   I7, I8, S4a, DUP1). I6 (vitamin C with niacinamide) is deliberately not a conflict.
4. Two products of one role (two moisturisers) take one slot each: the evening tries them in a
   rotated order. Every usable product left out of both slots is returned with the reason of
   its last refusal, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.scheduling.candidates import Candidate
from app.scheduling.classify import RetinoidKind, Traits
from app.scheduling.guards import Hit
from app.scheduling.inputs import Slot
from app.scheduling.ordering import place_in_slot
from app.scheduling.plan import Guard, NightType, StepKind
from app.scheduling.spacing import is_peel


@dataclass(frozen=True, slots=True)
class Option:
    candidate: Candidate
    slots: tuple[Slot, ...]  # in order of preference
    once: bool  # one slot only: the first that admits it
    added: bool  # a dermatologist added it: placed before the engine's own choices


@dataclass(frozen=True, slots=True)
class Tonight:
    night: NightType
    featured: Candidate | None  # the retinoid or exfoliant the night is for
    sensitive: bool
    rest_day: bool = False  # after a severe irritation: no actives morning or evening


@dataclass(frozen=True, slots=True)
class Placement:
    am: tuple[Candidate, ...]
    pm: tuple[Candidate, ...]
    left_out: dict[Candidate, Hit]


def place(options: Sequence[Option], tonight: Tonight) -> Placement:
    ordered = sorted(
        options,
        key=lambda o: (
            o.candidate is not tonight.featured,
            not o.added,
            o.candidate.traits.rank,
            o.candidate.sort_key,
        ),
    )
    evening = _rotate_duplicates(ordered)
    filled: dict[Slot, list[Candidate]] = {Slot.am: [], Slot.pm: []}
    placed: set[Candidate] = set()
    refused: dict[Candidate, dict[Slot, Hit]] = {}
    for pass_index, slot in enumerate((Slot.am, Slot.pm, Slot.am)):
        for option in evening if slot is Slot.pm else ordered:
            if not _tries(option, slot, pass_index, placed):
                continue
            hit = admit(option.candidate, slot, tonight) or clash(
                option.candidate, filled[slot], tonight.sensitive, slot
            )
            if hit is None:
                filled[slot].append(option.candidate)
                placed.add(option.candidate)
            else:
                refused.setdefault(option.candidate, {})[slot] = hit
    return Placement(
        am=tuple(filled[Slot.am]),
        pm=tuple(filled[Slot.pm]),
        left_out={
            o.candidate: _why_left_out(refused[o.candidate])
            for o in ordered
            if o.candidate not in placed
        },
    )


def _why_left_out(refusals: dict[Slot, Hit]) -> Hit:
    """One hit for the day: the evening's rule (the later refusal), every slot's reason."""
    hits = [refusals[slot] for slot in (Slot.am, Slot.pm) if slot in refusals]
    if len(hits) == 1:
        return hits[0]
    morning, evening = hits
    reason = f"Morning: {morning.reason} Evening: {evening.reason}"
    return Hit(evening.guard, evening.rule_id, reason)


def _tries(option: Option, slot: Slot, pass_index: int, placed: set[Candidate]) -> bool:
    """Passes: 0 morning, 1 evening, 2 morning fall-back. A once-only product tries its first
    slot in that slot's first pass and its second slot in a later pass."""
    if slot not in option.slots:
        return False
    if not option.once:
        return pass_index < 2
    if option.candidate in placed:
        return False
    first_pass = 0 if option.slots[0] is Slot.am else 1
    if slot is option.slots[0]:
        return pass_index == first_pass
    return pass_index > first_pass


def _rotate_duplicates(ordered: list[Option]) -> list[Option]:
    """The evening order: products sharing a role (and both slots) rotate by one, so the second
    moisturiser gets the evening instead of waiting on the shelf."""
    groups: dict[str, list[int]] = {}
    for index, option in enumerate(ordered):
        if not option.once and len(option.slots) == 2:
            groups.setdefault(option.candidate.traits.role, []).append(index)
    rotated = list(ordered)
    for indexes in groups.values():
        if len(indexes) > 1:
            for position, source in zip(indexes, indexes[1:] + indexes[:1], strict=True):
                rotated[position] = ordered[source]
    return rotated


_WET_PREP = (StepKind.toner, StepKind.essence)

# code -> (rule id, reason) for a product put in a slot it may never take
SLOT_VIOLATIONS: dict[str, tuple[str, str]] = {
    "retinoid_in_am": ("L4", "Retinoids are for bedtime only (light degrades them)."),
    "exfoliant_in_am": ("PP4", "Exfoliants are for the evening: acids raise sun sensitivity."),
    "sunscreen_in_pm": ("L5", "Sunscreen belongs to the morning routine."),
}


def slot_violation(traits: Traits, slot: Slot) -> str | None:
    """The code of the rule that keeps a product out of `slot` whoever places it (L4, PP4, L5)."""
    if slot is Slot.am and traits.retinoid is not None:
        return "retinoid_in_am"
    if slot is Slot.am and traits.timed_exfoliant:
        return "exfoliant_in_am"
    if slot is Slot.pm and traits.sunscreen:
        return "sunscreen_in_pm"
    return None


def forbidden_slot(traits: Traits, slot: Slot) -> Hit | None:
    code = slot_violation(traits, slot)
    if code is None:
        return None
    rule_id, reason = SLOT_VIOLATIONS[code]
    return Hit(Guard.conflict, rule_id, reason)


def admit(candidate: Candidate, slot: Slot, tonight: Tonight) -> Hit | None:
    """Whether tonight's plan takes this product in this slot at all."""
    traits = candidate.traits
    forbidden = forbidden_slot(traits, slot)
    if forbidden is not None:
        return forbidden
    night = tonight.night
    resting = tonight.rest_day or (slot is Slot.pm and night is NightType.recovery)
    # an overnight mask is barrier care; a rinse-off (clay) mask is not (MK1)
    rinse_off_mask = traits.kind is StepKind.mask and traits.rinse_off
    if resting and (traits.irritant_active or traits.exosome or rinse_off_mask):
        return Hit(
            Guard.conflict,
            "R1",
            "Recovery after the irritation you logged: barrier care only.",
        )
    if slot is Slot.am:
        return None
    featured = tonight.featured
    is_featured = candidate is featured
    if traits.retinoid is not None and not is_featured:
        if night is NightType.retinoid and featured is not None:
            return Hit(Guard.conflict, "R5", f"One retinoid at a time: {featured.name} tonight.")
        return Hit(
            Guard.conflict,
            "R1",
            f"Retinoid nights follow the ramp; tonight is {_a(night)} night.",
        )
    if traits.timed_exfoliant and not is_featured:
        if night is NightType.exfoliant and featured is not None:
            return Hit(Guard.conflict, "I8", f"One exfoliant a night: {featured.name} tonight.")
        if night is NightType.retinoid:
            return Hit(
                Guard.conflict,
                "I2",
                "Not on a retinoid night: a retinoid and an exfoliant never share a routine.",
            )
        return Hit(
            Guard.conflict,
            "S4",
            f"Exfoliants get 1-2 nights a week, never next to each other; tonight is {_a(night)} "
            "night.",
        )
    if traits.exosome and night is NightType.retinoid:
        return Hit(
            Guard.conflict,
            "R1",
            "The exosome serum takes the non-retinoid nights; tonight is a retinoid night.",
        )
    tretinoin = featured is not None and featured.traits.retinoid is RetinoidKind.tretinoin
    if night is NightType.retinoid and tretinoin and traits.kind in _WET_PREP:
        return Hit(
            Guard.conflict,
            "L6",
            "Tretinoin tonight: the skin stays dry after washing, so no toner or essence.",
        )
    return None


def _a(night: NightType) -> str:
    article = "an" if night.value[0] in "aeiou" else "a"
    return f"{article} {night.value}"


def clash(
    candidate: Candidate, routine: Sequence[Candidate], sensitive: bool, slot: Slot
) -> Hit | None:
    """The first conflict between this product and one already in the routine."""
    for other in routine:
        found = _conflict(candidate.traits, other.traits, sensitive)
        if found is not None and found[1] in _LEAVE_ON and _rinsed_first(candidate, other, slot):
            found = _conflict(candidate.traits, other.traits, sensitive, rinsed_first=True)
        if found is not None:
            guard, rule_id, text = found
            return Hit(guard, rule_id, f"{text}: {other.name} is in this routine.")
    return None


# the leave-on clashes a rinse-off product applied first does not trigger (I12)
_LEAVE_ON = frozenset({"I3", "I4", "I5", "I7", "I8", "S4a"})


def _rinsed_first(a: Candidate, b: Candidate, slot: Slot) -> bool:
    """I12: one of the two is rinse-off and goes on (and comes off) before the other. Not for an
    at-home peel (I10): the safer reading keeps I8 between it and an acid wash before it."""
    x, y = a.traits, b.traits
    if not (x.rinse_off or y.rinse_off):
        return False
    if (x.exfoliant and y.exfoliant) and (is_peel(a.product) or is_peel(b.product)):
        return False
    first, second = place_in_slot(x, slot), place_in_slot(y, slot)
    return (x.rinse_off and first < second) or (y.rinse_off and second < first)


_DUPLICATE = (Guard.conflict, "DUP1", "One product of this kind per routine")


def _conflict(
    a: Traits, b: Traits, sensitive: bool, rinsed_first: bool = False
) -> tuple[Guard, str, str] | None:
    # I11 first: a hydrogen peroxide product need not be reactive in any other way
    if (a.hydroquinone and peroxide(b)) or (b.hydroquinone and peroxide(a)):
        return (
            Guard.conflict,
            "I11",
            "Hydroquinone never shares a routine with a peroxide (it can stain the skin dark)",
        )
    # only reactive products interact; anything else can only duplicate a role
    found = _interaction(a, b, sensitive, rinsed_first) if a.reactive and b.reactive else None
    if found is None and a.role == b.role:
        return _DUPLICATE
    return found


def peroxide(traits: Traits) -> bool:
    """Benzoyl peroxide, or any other peroxide on the label (hydrogen, carbamide...): the
    hydroquinone label names peroxide products (I11)."""
    return traits.bpo or any(_PEROXIDE.search(term) for term in traits.terms)


_PEROXIDE = re.compile(r"\bperoxide\b")


def _interaction(
    a: Traits, b: Traits, sensitive: bool, rinsed_first: bool
) -> tuple[Guard, str, str] | None:
    """I12: a rinse-off product is off the skin before the leave-ons after it go on, so the
    leave-on clashes (I3-I8, and S4a's stacking) do not hold between them; I1, I2 and I11 do."""
    conflict = Guard.conflict
    tretinoin = RetinoidKind.tretinoin
    for x, y in ((a, b), (b, a)):
        if x.retinoid is tretinoin and y.bpo:
            return conflict, "I1", "Never with benzoyl peroxide at the same time of day"
        if x.retinoid is not None and y.exfoliant:
            return conflict, "I2", "A retinoid and an exfoliant never share a routine"
    if rinsed_first:
        return None
    for x, y in ((a, b), (b, a)):
        if x.vitamin_c and y.bpo:
            return conflict, "I3", "Vitamin C and benzoyl peroxide never in one application"
        if x.vitamin_c and y.retinoid is not None:
            return conflict, "I4", "Vitamin C and a retinoid go in different slots"
        if sensitive and x.vitamin_c and y.acid:
            return conflict, "I5", "Sensitive skin: vitamin C and an acid not in one routine"
        if x.copper_peptide and y.low_ph:
            return conflict, "I7", "Copper peptides are kept apart from vitamin C and acids"
    if a.exfoliant and b.exfoliant:
        return conflict, "I8", "Never two exfoliants in one routine"
    if sensitive and a.irritant_active and b.irritant_active:
        return Guard.sensitivity, "S4a", "Sensitive skin: one active per routine"
    return None
