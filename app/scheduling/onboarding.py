"""Onboarding: how a product new to the shelf joins the routine (S2, S5, S6).

A shelf item that says when it joined the routine (`introduced_on`) is established: it is never
sent back to a patch test or a queue. Every other item is scheduled here, from shelf dates alone,
so a plan for any date is the same whether it is read alone or within a range:

- a rinse-off cleanser joins at once: soaps and washes are not use-tested (S2);
- a basic (a cleanser, moisturiser or sunscreen without a strong active) is never withheld for
  its patch test while it is the only usable product of its role: beside an established one it
  is patch tested, alone it is used from day 1 and the plan says so (S5, S6);
- a new active waits its turn (S5): one at a time, each joining the face routine
  `introduction_days` after the one before, its patch test (a `patch_test` step on the test
  spot, S2) filling the days before it joins; the next one's test starts after that;
- any other leave-on product (an essence, an oil, a plain hydrating serum) is patch tested from
  the day it was added, then joins.

A passed or skipped patch test drops the test, not the turn. A dermatologist's
`shorten_patch_test` takes a product out of the queue: its test lasts the days the override
sets (0: none) and it joins when the test ends (O3).

The queue's order: the first day each product's static guards allow it, then the order the user
added them in (the day, then the time), then the name: predictable, and the user's own order
decides. (Putting a retinoid first, as first-line care, was the alternative; it would let a later
addition jump the queue, and a dermatologist can fast-track any product anyway.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from app.scheduling.candidates import Candidate
from app.scheduling.classify import TREATMENT_KINDS, Traits
from app.scheduling.guards import ECZEMA, has_condition, sensitive
from app.scheduling.inputs import (
    ActiveClass,
    EngineSettings,
    Override,
    OverrideAction,
    PatchTest,
    Profile,
    Slot,
)
from app.scheduling.interactions import slot_violation
from app.scheduling.plan import Exclusion, Guard, Step, StepKind, Warning

# Actives that only hydrate or repair: a serum of them is not "a new active" (S5).
_HYDRATORS = frozenset({ActiveClass.hyaluronic_acid, ActiveClass.ceramide, ActiveClass.panthenol})
_BARRIER_CONCERNS = frozenset({"barrier"})
_STOP = "Stop it at the first redness, itching or swelling."


@dataclass(frozen=True, slots=True)
class Intro:
    """How one new shelf item joins the face routine."""

    test_from: date  # the first day of its patch test (= joins_on without one)
    joins_on: date  # the first day on the face
    active: bool  # a new active (S5): waits its turn before test_from
    # the basic roles it can fill (cleanser, moisturiser, sunscreen): never withheld alone (S6)
    roles: frozenset[str]
    fast_tracked: Override | None = None  # a dermatologist's shorten_patch_test


@dataclass(frozen=True, slots=True)
class PatchTestDay:
    candidate: Candidate
    intro: Intro
    day: int  # 1-based
    days: int


def basic_roles(traits: Traits) -> frozenset[str]:
    roles = set()
    if traits.sunscreen:
        roles.add("sunscreen")
    if traits.kind is StepKind.cleanse:
        roles.add("cleanser")
    if traits.kind is StepKind.moisturiser:
        roles.add("moisturiser")
    return frozenset(roles)


def is_active(c: Candidate) -> bool:
    """A product S5 introduces one at a time: anything with an irritating or biologically active
    ingredient, and serums or treatments with an active beyond plain hydration."""
    t = c.traits
    if t.irritant_active or t.exosome or t.copper_peptide:
        return True
    return t.kind in TREATMENT_KINDS and any(
        active.class_ not in _HYDRATORS for active in c.product.actives
    )


def patch_test_days(profile: Profile, settings: EngineSettings) -> int:
    """S2 says 7-10 days: the longer test for reactive skin, and for contact dermatitis, the
    allergy a patch test is for."""
    reactive = sensitive(profile) or has_condition(profile, frozenset({"contact_dermatitis"}))
    return settings.sensitive_patch_test_days if reactive else settings.patch_test_days


def schedule(
    candidates: Sequence[Candidate],
    profile: Profile,
    overrides: Sequence[Override],
    settings: EngineSettings,
    allowed_from: Callable[[Candidate], date | None],
) -> dict[Candidate, Intro]:
    """Every new shelf item's introduction; established items and dermatologist-added products
    are absent. `allowed_from` is the first day the static guards let a product in (None:
    never), so a product no guard will admit does not hold up the queue."""
    days = patch_test_days(profile, settings)
    shortens: dict[UUID, list[Override]] = {}
    for o in overrides:
        if o.action is OverrideAction.shorten_patch_test and o.product_id is not None:
            shortens.setdefault(o.product_id, []).append(o)
    intros: dict[Candidate, Intro] = {}
    queue: list[tuple[date, Candidate]] = []
    last_joined: date | None = None  # the latest established active (S5 spacing)
    established = {
        c.product.id for c in candidates if c.item is not None and c.item.introduced_on is not None
    }
    first: dict[UUID, Candidate] = {}
    for c in candidates:
        item = c.item
        if item is None:
            continue  # a dermatologist's `add`: their call
        # a sunscreen is never queued (S6), whatever else it carries
        active = is_active(c) and not c.traits.sunscreen
        if item.introduced_on is not None:
            if active and (last_joined is None or item.introduced_on > last_joined):
                last_joined = item.introduced_on
            continue
        if c.product.id in established or c.product.id in first:
            continue  # a second bottle joins with the first: one test, one turn
        first[c.product.id] = c
        if c.traits.wash:
            continue  # S2: rinse-off cleansers are not use-tested
        pending = item.patch_test is PatchTest.pending
        own = days if pending else 0
        roles: frozenset[str] = frozenset() if active else basic_roles(c.traits)
        fast = _fast_track(item.added_on, own, days, pending, shortens.get(c.product.id, ()))
        if fast is not None:
            test_from, joins_on, by = fast
            intros[c] = Intro(test_from, joins_on, active, roles, by)
        elif active:
            allowed = allowed_from(c)
            if allowed is not None:
                queue.append((max(allowed, item.added_on), c))
        elif pending:
            intros[c] = Intro(item.added_on, item.added_on + timedelta(days=own), False, roles)
    queue.sort(key=_queue_order)
    gap = timedelta(days=settings.introduction_days)
    for eligible, c in queue:
        assert c.item is not None
        test = timedelta(days=days if c.item.patch_test is PatchTest.pending else 0)
        start = eligible
        if last_joined is not None:
            # the test starts after the previous active joined, and it joins `gap` after it
            start = max(start, last_joined, last_joined + gap - test)
        last_joined = start + test
        intros[c] = Intro(start, last_joined, True, frozenset())
    for c in candidates:
        lead = first.get(c.product.id)
        if lead is not None and lead is not c and lead in intros:
            intros[c] = replace(intros[lead], test_from=max(intros[lead].test_from, c.since))
    return intros


def _queue_order(
    entry: tuple[date, Candidate],
) -> tuple[date, date, str, tuple[str, str, int, int]]:
    eligible, c = entry
    added_at = c.item.added_at if c.item is not None else None
    # ISO text compares in time order for one offset; services store UTC
    return eligible, c.since, added_at.isoformat() if added_at else "", c.sort_key


def _fast_track(
    added_on: date, own: int, days: int, pending: bool, shortens: Sequence[Override]
) -> tuple[date, date, Override] | None:
    """The earliest introduction a dermatologist's shortening allows, if any is in force on the
    day it would join."""
    best: tuple[date, date, Override] | None = None
    for o in shortens:
        test = min(o.patch_test_days if o.patch_test_days is not None else days, own)
        if not pending:
            test = 0
        joins = max(added_on + timedelta(days=test), o.starts_on)
        if not o.active_on(joins):
            continue
        if best is None or joins < best[1]:
            best = (joins - timedelta(days=test), joins, o)
    return best


# --- one day --------------------------------------------------------------------------------


def waiting(c: Candidate, intro: Intro) -> Exclusion:
    """An active waiting for its turn (S5)."""
    if intro.test_from < intro.joins_on:
        when = f"its patch test starts on {intro.test_from}"
    else:
        when = f"it joins your routine on {intro.joins_on}"
    return Exclusion(
        product=c.step_product,
        reason=(
            "New actives join your routine one at a time, about two weeks apart, so that a "
            f"reaction can be traced to its product: {when}."
        ),
        rule_id="S5",
        guard=Guard.introduction,
        available_on=intro.test_from,
    )


def covered(c: Candidate, intro: Intro, in_use: Sequence[Candidate]) -> bool:
    """Whether an established product of each of this basic's roles is usable today, so that it
    can be patch tested first (S6); `in_use` holds the day's usable established products."""
    return all(any(_fills(o, role) for o in in_use if o is not c) for role in intro.roles)


def _fills(c: Candidate, role: str) -> bool:
    # a sunscreen that can never go on in the morning (a retinoid on its label: L4) fills nothing
    if role == "sunscreen" and Slot.am not in c.traits.slots:
        return False
    return role in basic_roles(c.traits)


def patch_test_steps(slot: Slot, tests: Sequence[PatchTestDay]) -> tuple[Step, ...]:
    """The day's patch tests in this slot, one step each, in the order given (S2)."""
    here = [test for test in tests if slot in _test_slots(test.candidate.traits)]
    return tuple(_patch_step(order, test) for order, test in enumerate(here, start=1))


def _test_slots(traits: Traits) -> tuple[Slot, ...]:
    """Twice a day (S2), except what may never go on in the morning: a retinoid's label says
    once daily at bedtime (L4) and an acid raises sun sensitivity (PP4). Where S2's "twice
    daily" and those disagree, the safer reading wins: once a day, in the evening."""
    if slot_violation(traits, Slot.am) in ("retinoid_in_am", "exfoliant_in_am"):
        return (Slot.pm,)
    return (Slot.am, Slot.pm)


def _patch_step(order: int, test: PatchTestDay) -> Step:
    c, intro = test.candidate, test.intro
    how_often = "twice a day" if len(_test_slots(c.traits)) == 2 else "once a day, in the evening"
    sentences = [
        f"Patch test, day {test.day} of {test.days}: apply it {how_often} to the same "
        "quarter-sized spot on your inner arm or behind your ear, not to your face.",
        "Leave it on for the time on its label, then rinse it off."
        if c.traits.rinse_off
        else "Leave it on.",
        "If the spot turns red, itches, burns or swells, wash it off and do not use the product.",
    ]
    if c.traits.retinoid is not None or c.traits.acid:
        # retinoids and acids make skin burn more easily (R6, SUN3), the test spot too
        sentences.append("Keep the spot out of the sun, or covered.")
    sentences.append(f"With no reaction, it joins your routine on {intro.joins_on}.")
    rules = ["S2"]
    if intro.active:
        sentences.append(
            "New actives are introduced one at a time, so a reaction can be traced to its product."
        )
        rules.append("S5")
    if intro.fast_tracked is not None:
        sentences.append(f"Test length set by {intro.fast_tracked.author}.")
        rules.append("O3")
    return Step(
        order=order,
        kind=StepKind.patch_test,
        product=c.step_product,
        amount="a thin layer on a quarter-sized spot",
        wait_after_seconds=0,
        instructions=" ".join(sentences),
        rule_ids=tuple(sorted(rules)),
    )


def with_patch_tests(patch: tuple[Step, ...], steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """The patch tests first (on the arm, before the face), then the face routine."""
    if not patch:
        return steps
    shift = len(patch)
    return (*patch, *(replace(step, order=step.order + shift) for step in steps))


def first_days(
    steps: tuple[Step, ...], untested: Mapping[UUID, Candidate], barrier: bool
) -> tuple[Step, ...]:
    """Say so in the step of a basic used without its patch test (S5, S6)."""
    if not untested:
        return steps
    marked = []
    for step in steps:
        c = untested.get(step.product.id)
        if c is None or step.kind is StepKind.patch_test:
            marked.append(step)
            continue
        if c.traits.sunscreen:
            note = (
                "New and not patch tested: it is your only usable sunscreen, so use it from "
                f"today; sunburn is the bigger risk. {_STOP}"
            )
            rules: tuple[str, ...] = ("S6",)
        else:
            role = "cleanser" if c.traits.kind is StepKind.cleanse else "moisturiser"
            note = (
                f"New and not patch tested: your only {role}, so it is used from day one. {_STOP}"
            )
            rules = ("S5", "S6") if barrier else ("S5",)
        marked.append(
            replace(
                step,
                instructions=f"{step.instructions} {note}",
                rule_ids=tuple(sorted({*step.rule_ids, *rules})),
            )
        )
    return tuple(marked)


def onboarding_warnings(untested: Mapping[UUID, Candidate]) -> list[Warning]:
    return [
        Warning(
            code="sunscreen_not_patch_tested",
            message=(
                f"{c.name} is new and your only usable sunscreen: use it every morning rather "
                f"than go without, and watch the skin. {_STOP}"
            ),
            rule_id="S6",
        )
        for c in untested.values()
        if c.traits.sunscreen
    ]


def barrier_care(profile: Profile) -> bool:
    """Eczema or a damaged barrier: the users S6 and S7 name."""
    return has_condition(profile, ECZEMA) or bool(
        {concern.lower() for concern in profile.concerns} & _BARRIER_CONCERNS
    )
