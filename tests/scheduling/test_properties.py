"""Property tests: the safety invariants over generated profiles, shelves, overrides and dates.

The checks read the plan and re-classify its products; they do not call the guards, so a guard
that stops working fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from app.scheduling import (
    RULES,
    DayPlan,
    Guard,
    LogEntry,
    NightType,
    Override,
    OverrideAction,
    PatchTest,
    Pregnancy,
    Product,
    Profile,
    Sensitivity,
    ShelfItem,
    Slot,
    Step,
    StepKind,
    build_day,
    build_days,
)
from app.scheduling.classify import Exfoliation, RetinoidKind, Traits, classify
from app.scheduling.rotation import shapes_plan
from tests.scheduling.strategies import POOL, dates, histories, overrides, profiles, shelves

DAYS = 14
ORAL_RETINOIDS = ("isotretinoin", "acitretin")
# every rule id of the catalogue as a word, and a grade in brackets ("[U]", "[A/C]")
RULE_ID = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, RULES), key=len, reverse=True)) + r")\b"
)
GRADE = re.compile(r"\[(?:A|B|C|U)[^\]]*\]|configurable default")


@dataclass(frozen=True)
class World:
    profile: Profile
    shelf: list[ShelfItem]
    overrides: list[Override]
    history: list[LogEntry]
    start: date

    @property
    def end(self) -> date:
        return self.start + timedelta(days=DAYS - 1)

    def plans(self) -> list[DayPlan]:
        return build_days(
            self.profile, self.shelf, self.overrides, self.start, self.end, self.history
        )


@st.composite
def worlds(draw: st.DrawFn, *, with_overrides: bool, new_sunscreen: bool = False) -> World:
    start = draw(dates)
    shelf = draw(shelves(start))
    if new_sunscreen:
        # a sunscreen added around the start, in any state, beside whatever else the shelf has
        spf = draw(st.sampled_from([p for p in POOL if classify(p).sunscreen]))
        added = start + timedelta(days=draw(st.integers(-10, 10)))
        patch, established = draw(st.sampled_from(list(PatchTest))), draw(st.booleans())
        shelf.append(
            ShelfItem(
                id=UUID(int=999),
                product=spf,
                added_on=added,
                patch_test=patch,
                introduced_on=added if established else None,
            )
        )
    return World(
        profile=draw(profiles(start)),
        shelf=shelf,
        overrides=draw(overrides(start, shelf)) if with_overrides else [],
        history=draw(histories(start)),
        start=start,
    )


def pregnant_on(profile: Profile, on: date) -> bool:
    """A due date ends nothing (P9a): only a recorded end does, from that date."""
    ended = profile.pregnancy_ended_on
    return profile.pregnancy is Pregnancy.pregnant or (ended is not None and on < ended)


def catalogue(world: World) -> dict[UUID, Traits]:
    products: list[Product] = [item.product for item in world.shelf]
    products += [o.product for o in world.overrides if o.product is not None]
    return {p.id: classify(p) for p in products}


def face(steps: tuple[Step, ...]) -> list[Step]:
    """The face routine: patch tests go on the test spot (S2), not the face."""
    return [step for step in steps if step.kind is not StepKind.patch_test]


def peroxide(t: Traits) -> bool:
    return t.bpo or any("hydrogen peroxide" in term for term in t.terms)


def check_slots(plan: DayPlan, traits: dict[UUID, Traits], world: World) -> None:
    for slot_steps in (face(plan.am), face(plan.pm)):
        found = [traits[step.product.id] for step in slot_steps]
        assert sum(t.retinoid is not None for t in found) <= 1
        # pairs of products: one product that combines two actives is its maker's formula
        for i, a in enumerate(found):
            for b in found[i + 1 :]:
                # I12: a rinse-off product is off the skin before what follows it goes on
                rinsed = a.rinse_off
                for x, y in ((a, b), (b, a)):
                    assert not (x.retinoid and y.exfoliant), "I2: retinoid with an exfoliant"
                    assert not (x.retinoid is RetinoidKind.tretinoin and y.bpo), "I1"
                    assert not (x.hydroquinone and peroxide(y)), "I11: hydroquinone, peroxide"
                    if not rinsed:
                        assert not (x.vitamin_c and y.bpo), "I3: vitamin C with BPO"
                if not rinsed:
                    assert not (a.exfoliant and b.exfoliant), "I8: two exfoliants"
    day = [traits[step.product.id] for step in (*face(plan.am), *face(plan.pm))]
    assert sum(t.retinoid is not None for t in day) <= 1, "R8: one retinoid a day"
    morning = [traits[step.product.id] for step in face(plan.am)]
    assert not any(t.retinoid is not None for t in morning), "L4: retinoid in the morning"
    # an acid wash may cleanse in the morning; exfoliants that stay on the skin may not
    assert not any(t.timed_exfoliant for t in morning)
    spf = [i for i, step in enumerate(plan.am) if step.kind is StepKind.spf]
    if spf:
        assert spf == [len(plan.am) - 1], "L5: sunscreen not last"
    assert all(step.kind is not StepKind.spf for step in plan.pm)
    tested = {step.product.id for step in (*plan.am, *plan.pm) if step.kind is StepKind.patch_test}
    on_face = {step.product.id for step in (*face(plan.am), *face(plan.pm))}
    assert not tested & on_face, "a product on its test spot and on the face"
    excluded = {e.product.id for e in plan.excluded}
    # two bottles of one product may differ (an expired one excluded, a new one on its test spot)
    bottles = Counter(item.product.id for item in world.shelf)
    single = {pid for pid, n in bottles.items() if n == 1}
    assert not tested & excluded & single, "a patch-test step is not an exclusion"


def check_hard_guards(world: World, plan: DayPlan, traits: dict[UUID, Traits]) -> None:
    """Guards no override can lift."""
    profile = world.profile
    conditions = {c.lower() for c in profile.conditions}
    oral = any(med in ORAL_RETINOIDS for med in profile.oral_medications)
    p1 = oral and (
        pregnant_on(profile, plan.on) or profile.pregnancy is Pregnancy.trying_to_conceive
    )
    if p1:
        assert plan.warnings[0].rule_id == "P1"
    for step in (*plan.am, *plan.pm):
        t = traits[step.product.id]
        if oral:
            assert t.retinoid is None, "ISO1/P1: topical retinoid on an oral retinoid"
            assert not t.exfoliant
        if "rosacea" in conditions:
            assert not t.rosacea_irritants, "S1"
        if "eczema" in conditions:
            assert t.retinoid is None, "S3"
            assert not t.fragrance
        if conditions & {"rosacea", "eczema"}:
            assert Exfoliation.scrub not in t.exfoliation, "S4"
        assert not (profile.avoid_ingredients & t.terms), "AV1"


def check_accounting(world: World, plan: DayPlan) -> None:
    """Every product on the shelf that day is in a step or in `excluded`; rules are explained."""
    on_shelf = {item.product.id for item in world.shelf if item.added_on <= plan.on}
    used = {step.product.id for step in (*plan.am, *plan.pm)}
    listed = {e.product.id for e in plan.excluded}
    assert on_shelf <= used | listed
    cited = {r for step in (*plan.am, *plan.pm) for r in step.rule_ids}
    cited |= {e.rule_id for e in plan.excluded}
    cited |= {a.rule_id for e in plan.excluded for a in e.alternatives}
    cited |= {w.rule_id for w in plan.warnings if w.rule_id}
    assert plan.rule_ids == tuple(sorted(cited))
    assert set(plan.rule_ids) <= RULES.keys()


def basic(t: Traits) -> bool:
    """A sunscreen, or a cleanser or moisturiser without an irritating active (S5, S6)."""
    return t.sunscreen or (
        t.kind in (StepKind.cleanse, StepKind.moisturiser)
        and not (t.irritant_active or t.exosome or t.copper_peptide)
    )


def check_dated_guards(world: World, plan: DayPlan, traits: dict[UUID, Traits]) -> None:
    """A product on the face has at least one bottle that is in date and past its patch test,
    unless it is a basic used untested because nothing else can fill its role (S5, S6)."""
    if world.overrides:
        return  # an override may add the product or shorten its patch test
    for step in (*face(plan.am), *face(plan.pm)):
        bottles = [item for item in world.shelf if item.product.id == step.product.id]
        t = traits[step.product.id]
        assert any(
            item.added_on <= plan.on
            and (item.expires_on is None or plan.on <= item.expires_on)
            and (
                item.patch_test is not PatchTest.pending
                or item.introduced_on is not None
                or t.wash
                or basic(t)
                or plan.on >= item.added_on + timedelta(days=7)
            )
            for item in bottles
        )


# Guards that may keep a sunscreen out of the morning; the patch test and the introduction
# queue never may (S6).
HARD = {Guard.pregnancy, Guard.condition, Guard.expiry, Guard.avoid_list, Guard.procedure}


def check_sunscreen(world: World, plan: DayPlan, traits: dict[UUID, Traits]) -> None:
    """S6: a sunscreen on the shelf that no hard guard (or a dermatologist) keeps out of the
    morning means a sunscreen in the morning routine."""
    held = {
        e.product.id
        for e in plan.excluded
        if e.slot in (None, Slot.am) and (e.guard in HARD or e.override is not None)
    }
    candidates = [
        item
        for item in world.shelf
        if item.added_on <= plan.on
        and traits[item.product.id].sunscreen
        # a sunscreen with a retinoid on its label is evening-only (L4): never a morning one
        and Slot.am in traits[item.product.id].slots
        and item.product.id not in held
    ]
    if candidates:
        assert any(traits[step.product.id].sunscreen for step in face(plan.am)), "S6"


def check_plain_language(plan: DayPlan) -> None:
    """L8: no rule id or grade in a sentence a user reads."""
    texts = [step.instructions for step in (*plan.am, *plan.pm)]
    texts += [step.amount for step in (*plan.am, *plan.pm)]
    texts += [e.reason for e in plan.excluded]
    texts += [w.message for w in plan.warnings]
    for text in texts:
        assert not RULE_ID.search(text), text
        assert not GRADE.search(text), text


@given(worlds(with_overrides=False))
def test_safety_invariants_without_overrides(world: World) -> None:
    traits = catalogue(world)
    seen: set[UUID] = set()
    for plan in world.plans():
        check_slots(plan, traits, world)
        check_hard_guards(world, plan, traits)
        check_accounting(world, plan)
        check_dated_guards(world, plan, traits)
        for step in (*plan.am, *plan.pm):
            t = traits[step.product.id]
            if pregnant_on(world.profile, plan.on):
                assert t.retinoid is None, "P2"
                assert not t.hydroquinone, "P3"
                assert not t.exosome, "P9"
            if world.profile.pregnancy is Pregnancy.trying_to_conceive:
                assert t.retinoid is None
                assert not t.hydroquinone
        seen |= {s.product.id for s in (*plan.am, *plan.pm)} | {e.product.id for e in plan.excluded}
    shelf = {item.product.id for item in world.shelf if item.added_on <= world.end}
    assert shelf <= seen


@given(worlds(with_overrides=True))
def test_overrides_never_bypass_the_guards(world: World) -> None:
    traits = catalogue(world)
    for plan in world.plans():
        check_slots(plan, traits, world)
        check_hard_guards(world, plan, traits)
        check_accounting(world, plan)
        pregnant = pregnant_on(world.profile, plan.on)
        ttc = world.profile.pregnancy is Pregnancy.trying_to_conceive
        for step in (*plan.am, *plan.pm):
            t = traits[step.product.id]
            soft = (pregnant and (t.retinoid or t.hydroquinone or t.exosome)) or (
                ttc and (t.retinoid or t.hydroquinone)
            )
            if soft:
                assert "O2" in step.rule_ids
                assert any(
                    o.acknowledge_warning
                    and o.active_on(plan.on)
                    and o.action in (OverrideAction.confirm, OverrideAction.add)
                    and (o.product_id == step.product.id or o.product == step.product)
                    for o in world.overrides
                )


@given(worlds(with_overrides=True, new_sunscreen=True))
def test_s6_a_sunscreen_no_hard_guard_keeps_out_is_in_the_morning(world: World) -> None:
    """Whatever the patch tests and the introduction queue (S2, S5), and whatever a
    dermatologist sends, a usable sunscreen reaches the morning routine."""
    traits = catalogue(world)
    for plan in world.plans():
        check_sunscreen(world, plan, traits)


@given(worlds(with_overrides=True))
def test_l8_no_rule_id_or_grade_in_what_a_user_reads(world: World) -> None:
    for plan in world.plans():
        check_plain_language(plan)


@given(worlds(with_overrides=True))
def test_plans_are_deterministic_and_ranges_equal_single_days(world: World) -> None:
    """Separate calls agree (each single day against the range), whatever the input order."""
    end = world.start + timedelta(days=6)
    plans = build_days(world.profile, world.shelf, world.overrides, world.start, end, world.history)
    singles = [
        build_day(world.profile, world.shelf, world.overrides, day.on, world.history)
        for day in plans
    ]
    assert plans == singles
    reordered = build_days(
        world.profile,
        world.shelf[::-1],
        world.overrides[::-1],
        world.start,
        end,
        world.history[::-1],
    )
    assert reordered == plans


@given(worlds(with_overrides=True))
def test_only_logs_that_shape_a_plan_matter(world: World) -> None:
    """The service loads just `shapes_plan` logs, from every date: that must change nothing."""
    end = world.start + timedelta(days=DAYS - 1)
    shaping = tuple(log for log in world.history if shapes_plan(log))
    assert build_days(
        world.profile, world.shelf, world.overrides, world.start, end, world.history
    ) == build_days(world.profile, world.shelf, world.overrides, world.start, end, shaping)


def sensitive(profile: Profile) -> bool:
    conditions = {c.lower() for c in profile.conditions}
    return profile.sensitivity is Sensitivity.high or bool(conditions & {"rosacea", "eczema"})


def check_spacing(plans: list[DayPlan]) -> None:
    """I10: no exfoliant night directly before or after a retinoid night. Without overrides
    this holds for every profile: at its target a ramp is nightly for skin that is not
    sensitive, and below its target (or on sensitive skin) the nights next to a retinoid night
    are kept free; a dermatologist's timing has no target, so only sensitive skin is checked."""
    kinds = {plan.on: plan.night_type for plan in plans}
    for plan in plans:
        if plan.night_type is not NightType.exfoliant:
            continue
        for near in (plan.on - timedelta(days=1), plan.on + timedelta(days=1)):
            assert kinds.get(near) is not NightType.retinoid, "I10: exfoliant next to retinoid"


@given(worlds(with_overrides=False))
def test_i10_no_exfoliant_night_next_to_a_retinoid_night(world: World) -> None:
    check_spacing(world.plans())


@given(worlds(with_overrides=True))
def test_i10_sensitive_skin_keeps_the_spacing_under_any_override(world: World) -> None:
    if sensitive(world.profile):
        check_spacing(world.plans())


def prescription(t: Traits) -> bool:
    if t.retinoid in (RetinoidKind.tretinoin, RetinoidKind.tazarotene, RetinoidKind.trifarotene):
        return True
    return t.retinoid is RetinoidKind.adapalene and (t.retinoid_percent or 0) > 0.1


@given(worlds(with_overrides=False))
def test_r8_i11_one_retinoid_never_an_otc_one_over_a_prescribed_one(world: World) -> None:
    """R8: one retinoid a day on the face, and when an over-the-counter one is used, every
    prescribed one on the shelf is kept out by a guard of its own (or is on its patch-test
    spot), not by the choice between retinoids. I11: no routine with hydroquinone and a
    peroxide."""
    traits = catalogue(world)
    for plan in world.plans():
        for steps in (face(plan.am), face(plan.pm)):
            found = [traits[s.product.id] for s in steps]
            for x in found:
                assert not (x.hydroquinone and any(peroxide(y) for y in found if y is not x))
        day = [traits[s.product.id] for s in (*face(plan.am), *face(plan.pm))]
        assert sum(t.retinoid is not None for t in day) <= 1, "R8: one retinoid a day"
        used = [traits[s.product.id] for s in face(plan.pm) if traits[s.product.id].retinoid]
        if not used or prescription(used[0]):
            continue
        tested = {s.product.id for s in plan.pm if s.kind is StepKind.patch_test}
        for item in world.shelf:
            if item.added_on > plan.on or not prescription(traits[item.product.id]):
                continue
            if item.product.id in tested:
                continue
            rules = {e.rule_id for e in plan.excluded if e.product.id == item.product.id}
            assert rules - {"R5", "R8"}, "R8: an OTC retinoid used over a prescribed one"


@given(worlds(with_overrides=False))
def test_l7_no_step_text_contradicts_a_wait(world: World) -> None:
    """L6, L7: after a drying wait no step goes on damp skin, and no step between the wash and
    a tretinoin says to pat dry (the wait on the wash does the drying)."""
    traits = catalogue(world)
    for plan in world.plans():
        for steps in (face(plan.am), face(plan.pm)):
            waited = False
            for step in steps:
                if waited:
                    assert "damp" not in step.instructions.lower()
                if step.wait_after_seconds >= 5 * 60 and step.kind is not StepKind.spf:
                    waited = True
            kinds = [traits[s.product.id] for s in steps]
            at = next(
                (i for i, t in enumerate(kinds) if t.retinoid is RetinoidKind.tretinoin), None
            )
            washes = [i for i in range(at or 0) if kinds[i].rinse_off]
            if at is None or not washes:
                continue
            assert steps[washes[-1]].wait_after_seconds >= 20 * 60, "L6: wait after washing"
            for step in steps[washes[-1] + 1 : at]:
                text = step.instructions.lower()
                assert "pat dry" not in text
                assert "damp" not in text
