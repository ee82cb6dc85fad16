"""What each step says: amount, wait after it, instructions and the rules behind them.

Cited numbers carry their rule id (pea-sized R2, just over 1/2 teaspoon SUN2, 20-30 min L6, 15
min L5). Waits nothing cites come from EngineSettings and are labelled configurable defaults. The
texts are written with their citations; `rules.plain` turns them into the plain sentences a user
reads (L8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from app.scheduling.candidates import Candidate
from app.scheduling.classify import TREATMENT_KINDS, Exfoliation, RetinoidKind, Traits
from app.scheduling.guards import Hit
from app.scheduling.inputs import EngineSettings, ExosomeSource, Override, Slot
from app.scheduling.layering import oil_cleanser
from app.scheduling.plan import NightType, OverrideNote, Step, StepKind, StepSource
from app.scheduling.rules import DEFAULT, plain
from app.scheduling.spacing import is_peel

# SUN2: one amount, stated once
SUNSCREEN_AMOUNT = (
    "just over 1/2 teaspoon (about 2.5-3 ml) for face and neck together, or two finger lengths "
    "for the face"
)
_AMOUNTS: dict[StepKind, str] = {
    StepKind.cleanse: "a hazelnut-sized amount",
    StepKind.toner: "a few drops or one pad",
    StepKind.essence: "a few drops or 2-3 mists",
    StepKind.exosome_serum: "2-3 drops",
    StepKind.active: "3-4 drops",
    StepKind.treatment: "a thin layer",
    StepKind.exfoliant: "a thin layer",
    StepKind.eye_cream: "a rice-grain amount per eye",
    StepKind.moisturiser: "a fingertip-sized amount",
    StepKind.oil: "2-3 drops",
    StepKind.mask: "an even layer",
    StepKind.spf: SUNSCREEN_AMOUNT,
}
_PEA = "a pea-sized amount for the whole face"
# what the exosomes come from, in words a user reads without a glossary
_SOURCES: dict[ExosomeSource, str] = {
    ExosomeSource.human_msc: "human stem cells (mesenchymal stem cells, MSC)",
    ExosomeSource.platelet: "human platelets",
    ExosomeSource.plant: "plant cells",
    ExosomeSource.bovine_milk: "cow's milk",
    ExosomeSource.synthetic: "synthetic, lab-made vesicles",
}
_WASH = "Massage onto damp skin for about 30 s, rinse with lukewarm water and pat dry."
_WET_PREP = (StepKind.toner, StepKind.essence)


@dataclass(frozen=True, slots=True)
class DayNotes:
    """What the directions need to know about the day beyond the step itself."""

    night: NightType
    settings: EngineSettings
    pregnant: bool
    sensitive: bool
    experienced: bool
    ramp_note: str | None  # how tonight's retinoid is timed (R1 ramp or a dermatologist)
    acclimatising: bool  # the ramp has not reached its target yet (R4)
    shaping: Mapping[UUID, Override]  # product id -> the override a step names as source
    waits: Mapping[UUID, Override]  # product id -> set_wait
    confirmed: Mapping[UUID, tuple[Override, tuple[Hit, ...]]]  # soft guards lifted (O2)


def steps_for(
    slot: Slot,
    ordered: Sequence[Candidate],
    day: DayNotes,
    moved: Mapping[UUID, Override],
) -> tuple[Step, ...]:
    """The steps of one slot, in the given order; `moved` names the steps a reorder placed."""
    steps = []
    # the last layer with an SPF is the sunscreen step (L5, SUN2); a day cream with an SPF
    # under a sunscreen is a moisturiser
    sunscreen = max((i for i, c in enumerate(ordered) if c.traits.sunscreen), default=-1)
    drying = _drying(ordered)
    for index, current in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        protects = index == sunscreen
        sentences, rules = _instructions(current.traits, current, slot, day, protects)
        seconds, wait_text, wait_rules = _wait(current, following, day, protects, drying.get(index))
        if wait_text:
            sentences.append(wait_text)
        rules.extend(wait_rules)
        pid = current.product.id
        # most days have no overrides: skip the lookups then
        override = (moved.get(pid) if moved else None) or (
            day.shaping.get(pid) if day.shaping else None
        )
        if moved and pid in moved:
            rules.append("O1")
        if day.shaping and pid in day.shaping:
            rules.append("O3")
        confirmed = day.confirmed.get(pid) if day.confirmed else None
        if confirmed is not None:
            by, lifted = confirmed
            rules.append("O2")
            rules.extend(hit.rule_id for hit in lifted)
            sentences.append(
                f"Confirmed by {by.author} ({by.reason}) with a recorded warning: "
                + " ".join(hit.reason for hit in lifted)
            )
        steps.append(
            Step(
                order=index + 1,
                kind=StepKind.spf if protects else current.traits.kind,
                product=current.step_product,
                amount=_amount(current.traits, protects),
                wait_after_seconds=seconds,
                instructions=plain(" ".join(sentences)),
                rule_ids=tuple(sorted(set(rules))),
                source=StepSource.override if override is not None else StepSource.engine,
                override=OverrideNote.of(override) if override is not None else None,
            )
        )
    return tuple(steps)


def _drying(ordered: Sequence[Candidate]) -> dict[int, bool]:
    """L6, L7: before a tretinoin, index -> True for the last step washed off (a cleanser, or a
    rinse-off mask after it: the wait after washing sits on it) and False for any step between
    it and the tretinoin (each lets the skin dry fully, with no damp-skin step after the wait)."""
    at = next(
        (i for i, c in enumerate(ordered) if c.traits.retinoid is RetinoidKind.tretinoin), None
    )
    if at is None:
        return {}
    washes = [i for i in range(at) if ordered[i].traits.rinse_off]
    if not washes:
        return {}
    return {i: i == washes[-1] for i in range(washes[-1], at)}


def _amount(traits: Traits, protects: bool) -> str:
    if protects:
        return _AMOUNTS[StepKind.spf]
    return _PEA if traits.retinoid is not None else _AMOUNTS[traits.kind]


def _instructions(
    traits: Traits, current: Candidate, slot: Slot, day: DayNotes, protects: bool
) -> tuple[list[str], list[str]]:
    if traits.retinoid is not None:
        return _retinoid(traits, day)
    if traits.timed_exfoliant:
        sentences, rules = _exfoliant(traits, day)
        if is_peel(current.product):
            sentences.insert(
                1,
                "An at-home peel: leave it on only for the contact time on its label, then rinse "
                "or neutralise it as the label says. At most once a week, never within 48 hours "
                "of a retinoid night.",
            )
            rules.append("I10")
        return sentences, rules
    if traits.kind is StepKind.cleanse and oil_cleanser(current.product):
        return [
            "The first cleanse of the evening: massage it onto dry skin to dissolve sunscreen and "
            "makeup, add a little water, rinse it off, then use your water-based cleanser (L7)."
        ], ["L1", "L7"]
    if traits.exfoliant:
        return _acid_wash(traits, day)
    if traits.kind is StepKind.mask:
        # how to wear the mask, then what its active calls for (an exosome mask is an adjunct)
        sentences, rules = _mask(traits, slot)
        found = _by_active(traits, current, slot, day, protects)
        if found is not None:
            sentences.extend(found[0])
            rules.extend(found[1])
        return sentences, rules
    return _by_active(traits, current, slot, day, protects) or _basic(traits, slot, day)


def _by_active(
    traits: Traits, current: Candidate, slot: Slot, day: DayNotes, protects: bool
) -> tuple[list[str], list[str]] | None:
    """What the product's active (or its SPF) calls for; None for a product without one."""
    if traits.exosome:
        return _exosome(current)
    if protects:
        return _sunscreen(traits, day)
    if traits.vitamin_c and slot is Slot.am:
        return [
            "Apply it early in the morning on cleansed skin (L3a): the antioxidant under your "
            "sunscreen (L4).",
            "Keep it closed, away from heat and light; discard it if it turns dark orange or "
            "brown (E3).",
        ], ["L3a", "L4", "E3"]
    if traits.bpo:
        sentences = [
            _WASH if traits.wash else "A thin layer on the affected areas.",
            "Benzoyl peroxide bleaches fabric: use white towels and pillowcases. Never in the "
            "same routine as tretinoin or vitamin C (I1, I3).",
        ]
        rules = ["I1", "I3"]
        if day.pregnant:
            sentences.append("Benzoyl peroxide is allowed in pregnancy (P5).")
            rules.append("P5")
        return sentences, rules
    if traits.hydroquinone:
        return [
            "Apply it to the dark patches only, not the whole face.",
            "Stop and see a doctor if they have not improved after 3 months.",
            "Never in the same routine as benzoyl peroxide or hydrogen peroxide: together they "
            "can stain the skin dark.",
        ], ["I11"]
    if traits.copper_peptide:
        return ["Kept apart from vitamin C and acids (I7)."], ["I7"]
    if traits.azelaic and day.pregnant:
        return ["Azelaic acid is allowed in pregnancy (P5)."], ["P5"]
    if traits.peptide and slot is Slot.pm and traits.kind in TREATMENT_KINDS:
        return ["Peptides by night, after the treatment step (L3)."], ["L3"]
    return None


def _mask(traits: Traits, slot: Slot) -> tuple[list[str], list[str]]:
    """MK1: a rinse-off mask comes off before the rest of the routine goes on; an overnight
    mask seals the routine, so it goes over the moisturiser (ordering.py; an oil-based face oil
    stays on top: L2). A dermatologist may put a leave-on mask in the morning, under the
    sunscreen."""
    if traits.rinse_off:
        return [
            "Leave it on for the time on its label (about 10-15 min), then rinse it off with "
            "lukewarm water and pat dry before the next steps (MK1)."
        ], ["L1", "MK1"]
    if slot is Slot.am:
        return ["A thin layer over the moisturiser, under any oil and the sunscreen (L1, L2)."], [
            "L1",
            "L2",
        ]
    return [
        "Overnight mask: the last layer of the evening, over the moisturiser (MK1); only a face "
        "oil goes on top (L2). Leave it on until the morning."
    ], ["L1", "L2", "MK1"]


def _retinoid(traits: Traits, day: DayNotes) -> tuple[list[str], list[str]]:
    sentences = [
        "Bedtime only, on dry skin: a pea-sized amount for the whole face; keep it away from the "
        "eyes, mouth and nasal creases (R2, L4).",
    ]
    rules = ["L4", "R1", "R2", "R5"]
    if traits.retinoid is RetinoidKind.tretinoin:
        sentences.append(
            "Apply it 20-30 min after washing and drying (L6); light degrades tretinoin."
        )
        rules.append("L6")
    if day.ramp_note:
        sentences.append(day.ramp_note)
    sentences.append("Skip a night when irritated (R1).")
    if not day.experienced:
        sentences.append("Start with the lowest strength (R5).")
    if day.sensitive and day.acclimatising:
        sentences.append(
            "While your skin adjusts you may buffer it between layers of moisturiser; that "
            "lowers its activity, so stop once you tolerate it (R4)."
        )
        rules.append("R4")
    if day.sensitive and traits.retinoid is RetinoidKind.tretinoin:
        sentences.append(
            "If irritation persists, ask about short contact: on for 30 min, then washed off (R3)."
        )
        rules.append("R3")
    return sentences, rules


def _exfoliant(traits: Traits, day: DayNotes) -> tuple[list[str], list[str]]:
    sentences = [
        "Exfoliant night: never on a retinoid night or with another exfoliant (I2, I8); at most "
        "1-2 nights a week (S4).",
    ]
    rules = ["I2", "I8", "S4", "SUN3"]
    if Exfoliation.scrub in traits.exfoliation:
        sentences.append("Massage gently, without pressure.")
    if traits.rinse_off:
        sentences.append("Rinse it off as directed.")
    if Exfoliation.aha in traits.exfoliation:
        sentences.append(
            "AHAs raise sun sensitivity during use and for a week after: sunscreen every morning "
            "(PP4, SUN3)."
        )
        rules.append("PP4")
    else:
        sentences.append("Acids call for sunscreen every morning (SUN3).")
    if day.pregnant and traits.salicylic:
        sentences.append("Pregnancy: low-strength salicylic acid on limited areas only (P4).")
        rules.append("P4")
    return sentences, rules


def _acid_wash(traits: Traits, day: DayNotes) -> tuple[list[str], list[str]]:
    sentences = [
        _WASH,
        "An exfoliating wash: never in the same routine as a retinoid or another exfoliant "
        "(I2, I8).",
        "Acids call for sunscreen every morning (SUN3).",
    ]
    rules = ["L1", "I2", "I8", "SUN3"]
    if day.pregnant and traits.salicylic:
        sentences.append(
            "Pregnancy: a salicylic acid wash is rinsed off at once, so it stays (P4)."
        )
        rules.append("P4")
    return sentences, rules


def _exosome(current: Candidate) -> tuple[list[str], list[str]]:
    sentences = [
        "Optional adjunct, limited evidence: no FDA-approved exosome product exists and its "
        "safety and dose are not established (EXO1).",
    ]
    if current.traits.kind is StepKind.exosome_serum:
        sentences.append("Press 2-3 drops into still-damp skin; do not rub (L3).")
    sentences.append("Refrigerate it only if the label says so (E3).")
    source = current.product.exosome_source
    if source is not None:
        sentences.append(f"Source: {_SOURCES[source]}.")
    return sentences, ["EXO1", "L3", "E3"]


def _sunscreen(traits: Traits, day: DayNotes) -> tuple[list[str], list[str]]:
    sentences = [
        f"The last step of the morning (L5): {SUNSCREEN_AMOUNT} (SUN2).",
        "Reapply at least every 2 h outdoors and after swimming or sweating (SUN1).",
    ]
    rules = ["L5", "SUN1", "SUN2"]
    if day.pregnant and traits.mineral_filter:
        sentences.append("Mineral filters: the precautionary choice in pregnancy (P6).")
        rules.append("P6")
    return sentences, rules


def _basic(traits: Traits, slot: Slot, day: DayNotes) -> tuple[list[str], list[str]]:
    match traits.kind:
        case StepKind.cleanse:
            return [f"{_WASH} A mild, sulphate-free cleanser suits most skin (L3)."], ["L1", "L3"]
        case StepKind.toner | StepKind.essence:
            return ["Pat into clean skin (L3)."], ["L3"]
        case StepKind.moisturiser:
            sentences = ["Seal in the layers before it (L1)."]
            rules = ["L1"]
            if slot is Slot.pm and day.night is NightType.retinoid and traits.barrier_support:
                sentences.append(
                    "Its niacinamide or panthenol eases getting used to the retinoid (I9)."
                )
                rules.append("I9")
            return sentences, rules
        case StepKind.oil:
            return [f"Press over the moisturiser: oils go last (L2, {DEFAULT})."], ["L2"]
        case StepKind.eye_cream:
            return ["Tap gently along the orbital bone (L1)."], ["L1"]
        case _:
            return ["A targeted active: press it into the skin (L3)."], ["L3"]


def _wait(
    current: Candidate,
    following: Candidate | None,
    day: DayNotes,
    protects: bool,
    drying: bool | None = None,
) -> tuple[int, str, list[str]]:
    """`drying`: True on the wash before a tretinoin, False on a step between them (_drying)."""
    settings = day.settings
    set_wait = day.waits.get(current.product.id) if day.waits else None
    if set_wait is not None and set_wait.wait_after_seconds is not None:
        seconds = set_wait.wait_after_seconds
        return seconds, f"Wait {_duration(seconds)} (set by {set_wait.author}).", []
    if protects:
        seconds = settings.spf_set_seconds
        return seconds, f"Apply it {_duration(seconds)} before going out (L5).", ["L5"]
    if drying:
        seconds = settings.tretinoin_dry_wait_seconds
        return (
            seconds,
            f"Dry your face, then wait {_duration(seconds)} before the tretinoin: it goes on "
            "fully dry skin (L6).",
            ["L6", "L7"],
        )
    if drying is False:
        seconds = settings.retinoid_dry_wait_seconds
        return (
            seconds,
            f"Let it dry fully (about {_duration(seconds)}) before the next step: the tretinoin "
            "goes on completely dry skin (L6).",
            ["L6", "L7"],
        )
    if following is not None and following.traits.retinoid is RetinoidKind.tretinoin:
        seconds = settings.tretinoin_dry_wait_seconds
        return seconds, f"Wait {_duration(seconds)} before the tretinoin (L6).", ["L6"]
    if following is not None and current.traits.kind in _WET_PREP:
        if following.traits.retinoid is not None:
            seconds = settings.retinoid_dry_wait_seconds
            return (
                seconds,
                f"Let it dry completely (about {_duration(seconds)}, {DEFAULT}) before the "
                "retinoid: retinoids go on dry skin (R2).",
                ["R2"],
            )
        if following.traits.kind is StepKind.exosome_serum:
            return (
                0,
                "Press the exosome serum in straight away, while the skin is damp (L3).",
                ["L3"],
            )
    if current.traits.exosome:
        seconds = settings.exosome_wait_seconds
        return (
            seconds,
            f"Wait about {_duration(seconds)} before antioxidants or niacinamide ({DEFAULT}).",
            ["L3"],
        )
    if following is None:
        return 0, "", []
    seconds = settings.default_wait_seconds
    return seconds, f"Wait {_duration(seconds)} before the next step ({DEFAULT}).", []


def _duration(seconds: int) -> str:
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
