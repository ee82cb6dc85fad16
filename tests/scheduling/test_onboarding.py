"""Onboarding a new shelf: patch tests (S2), one new active at a time (S5), sunscreen and the only
basics never withheld (S6), care for reactive skin (S7), plain language (L8)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from app.scheduling import (
    Category,
    EngineSettings,
    OverrideAction,
    PatchTest,
    Profile,
    Sensitivity,
    Slot,
    StepKind,
)
from tests.scheduling.factories import (
    CLAY_MASK,
    CLEANSER,
    MOISTURISER,
    NIACINAMIDE,
    OIL,
    RETINOL,
    SPF,
    VITAMIN_C,
    A,
    build,
    codes,
    excluded,
    item,
    override,
    product,
    span,
)

DAY1 = date(2025, 5, 5)
NEW = PatchTest.pending


def new(p, *, on: date = DAY1, patch_test: PatchTest = NEW):
    """An item a new user just added: not established, its patch test as given."""
    return item(p, added_on=on, patch_test=patch_test, established=False)


def face(plan, slot: Slot) -> list[str]:
    return [s.product.name for s in plan.steps(slot) if s.kind is not StepKind.patch_test]


def on_test_spot(plan, slot: Slot = Slot.am) -> list[str]:
    return [s.product.name for s in plan.steps(slot) if s.kind is StepKind.patch_test]


def starter(*extra):
    return (new(CLEANSER), new(MOISTURISER), new(SPF), new(VITAMIN_C), *extra)


def test_s5_a_new_user_has_the_basics_on_day_one_and_the_active_on_its_test_spot() -> None:
    plan = build(*starter(), on=DAY1)
    assert face(plan, Slot.am) == ["Gentle Cleanser", "Plain Cream", "Mineral SPF50"]
    assert face(plan, Slot.pm) == ["Gentle Cleanser", "Plain Cream"]
    assert on_test_spot(plan, Slot.am) == on_test_spot(plan, Slot.pm) == ["C Serum"]
    assert excluded(plan, VITAMIN_C) == []  # a step, so not an exclusion
    assert "no_sunscreen" not in codes(plan)
    assert [s.order for s in plan.am] == [1, 2, 3, 4]


def test_s2_the_patch_test_step_says_where_how_often_and_for_how_long() -> None:
    plans = span(*starter(), start=DAY1, days=9)
    first, last = plans[0].am[0], plans[6].am[0]
    assert first.kind is StepKind.patch_test
    assert "day 1 of 7" in first.instructions
    assert "twice a day" in first.instructions
    assert "quarter-sized spot on your inner arm or behind your ear" in first.instructions
    assert "not to your face" in first.instructions
    assert str(DAY1 + timedelta(days=7)) in first.instructions
    assert {"S2", "S5"} <= set(first.rule_ids)
    assert "day 7 of 7" in last.instructions
    # day 8: on the face, in the morning (vitamin C by day)
    assert "C Serum" in face(plans[7], Slot.am)
    assert on_test_spot(plans[7]) == []


def test_s2_a_retinoid_is_patch_tested_once_a_day_in_the_evening_only() -> None:
    # S2 says twice daily, a retinoid's label once daily at bedtime (L4): the safer reading wins
    plan = build(new(CLEANSER), new(MOISTURISER), new(SPF), new(RETINOL), on=DAY1)
    assert on_test_spot(plan, Slot.am) == []
    assert on_test_spot(plan, Slot.pm) == [RETINOL.name]
    step = plan.pm[0]
    assert "once a day, in the evening" in step.instructions
    assert "twice a day" not in step.instructions


def test_s2_rinse_off_cleansers_are_not_patch_tested_but_rinse_off_masks_are() -> None:
    plan = build(new(CLEANSER), new(CLAY_MASK), on=DAY1)
    assert face(plan, Slot.pm) == ["Gentle Cleanser"]
    assert on_test_spot(plan, Slot.pm) == ["Clay Mask"]
    assert "rinse it off" in plan.pm[0].instructions


def test_s2_other_leave_on_products_are_patch_tested_from_the_day_they_are_added() -> None:
    plan = build(new(CLEANSER), new(OIL), new(VITAMIN_C), on=DAY1)
    assert on_test_spot(plan) == ["C Serum", "Squalane"]  # not queued: an oil is not an active
    assert "S5" not in plan.am[1].rule_ids
    assert "out of the sun" not in plan.am[0].instructions
    retinol = build(new(CLEANSER), new(RETINOL), on=DAY1).pm[0]
    assert retinol.kind is StepKind.patch_test
    assert "Keep the spot out of the sun" in retinol.instructions


def test_s2_reactive_skin_gets_the_longer_patch_test() -> None:
    for profile in (
        Profile(sensitivity=Sensitivity.high),
        Profile(conditions=frozenset({"eczema"})),
        Profile(conditions=frozenset({"contact_dermatitis"})),
    ):
        step = build(*starter(), on=DAY1, profile=profile).am[0]
        assert "day 1 of 10" in step.instructions, profile
    settings = EngineSettings(patch_test_days=5)
    assert "day 1 of 5" in build(*starter(), on=DAY1, settings=settings).am[0].instructions


def test_s5_a_second_active_waits_its_turn_with_the_date_it_starts() -> None:
    plans = span(*starter(new(NIACINAMIDE)), start=DAY1, days=30)
    waiting = [e for e in plans[0].excluded if e.product.id == NIACINAMIDE.id]
    assert [(e.guard.value, e.rule_id) for e in waiting] == [("introduction", "S5")]
    # the vitamin C joins on day 8; the niacinamide's test starts then and it joins 14 days later
    assert waiting[0].available_on == DAY1 + timedelta(days=14)
    assert "one at a time" in waiting[0].reason
    assert str(DAY1 + timedelta(days=14)) in waiting[0].reason
    assert on_test_spot(plans[14]) == ["Niacinamide 10"]
    assert "Niacinamide 10" in face(plans[21], Slot.am)
    # never two new actives on the test spot at once
    for plan in plans:
        assert len(on_test_spot(plan)) <= 1


def test_s5_the_order_is_the_day_added_then_the_order_of_adding_then_the_name() -> None:
    plans = span(new(RETINOL, on=DAY1 + timedelta(days=1)), *starter(), start=DAY1, days=3)
    assert on_test_spot(plans[2]) == ["C Serum"]
    assert excluded(plans[2], RETINOL) == [("introduction", "S5")]
    two = span(new(NIACINAMIDE), new(VITAMIN_C), start=DAY1, days=1)[0]
    assert on_test_spot(two, Slot.am) == ["C Serum"]  # the same day: by name
    # the same day, the order the user added them in decides
    at = datetime(2025, 5, 5, 9, tzinfo=UTC)
    first = replace(new(NIACINAMIDE), added_at=at)
    second = replace(new(VITAMIN_C), added_at=at + timedelta(minutes=1))
    assert on_test_spot(build(second, first, on=DAY1), Slot.am) == ["Niacinamide 10"]


def test_s5_a_passed_patch_test_drops_the_test_not_the_turn() -> None:
    plans = span(*starter(new(NIACINAMIDE, patch_test=PatchTest.passed)), start=DAY1, days=30)
    waiting = next(e for e in plans[0].excluded if e.product.id == NIACINAMIDE.id)
    assert waiting.available_on == DAY1 + timedelta(days=21)  # joins 14 days after the C
    assert "joins your routine on" in waiting.reason
    assert "Niacinamide 10" in face(plans[21], Slot.am)
    assert all(on_test_spot(p) != ["Niacinamide 10"] for p in plans)


def test_s5_introduction_spacing_is_a_setting() -> None:
    settings = EngineSettings(introduction_days=10)
    plan = build(*starter(new(NIACINAMIDE)), on=DAY1, settings=settings)
    waiting = next(e for e in plan.excluded if e.product.id == NIACINAMIDE.id)
    assert waiting.available_on == DAY1 + timedelta(days=10)


def test_s5_an_established_shelf_is_not_sent_back_to_a_test_or_the_queue() -> None:
    established = [
        item(p, added_on=DAY1 - timedelta(days=3), patch_test=NEW, introduced_on=DAY1)
        for p in (CLEANSER, MOISTURISER, SPF, VITAMIN_C, NIACINAMIDE)
    ]
    plan = build(*established, on=DAY1)
    assert on_test_spot(plan) == []
    assert plan.excluded == ()
    assert face(plan, Slot.am)[:3] == ["Gentle Cleanser", "C Serum", "Niacinamide 10"]
    # and a new active added now waits two weeks after the last one that joined
    later = build(*established, new(RETINOL), on=DAY1)
    waiting = next(e for e in later.excluded if e.product.id == RETINOL.id)
    assert waiting.available_on == DAY1 + timedelta(days=7)


def test_s5_a_dermatologist_may_shorten_or_skip_the_test_and_the_wait() -> None:
    shelf = starter(new(NIACINAMIDE))
    shorten = override(
        OverrideAction.shorten_patch_test, NIACINAMIDE, starts_on=DAY1, patch_test_days=2
    )
    plans = span(*shelf, start=DAY1, days=3, overrides=(shorten,))
    assert on_test_spot(plans[0]) == ["C Serum", "Niacinamide 10"]
    assert "day 1 of 2" in plans[0].am[1].instructions
    assert "O3" in plans[0].am[1].rule_ids
    assert "Niacinamide 10" in face(plans[2], Slot.am)
    skip = override(OverrideAction.shorten_patch_test, VITAMIN_C, starts_on=DAY1, patch_test_days=0)
    plan = build(*starter(), on=DAY1, overrides=(skip,))
    assert "C Serum" in face(plan, Slot.am)
    assert on_test_spot(plan) == []


def test_s6_a_new_sunscreen_is_patch_tested_while_an_established_one_is_used() -> None:
    kept = item(SPF, added_on=DAY1 - timedelta(days=90))
    chemical = product("Chemical SPF50", Category.sunscreen, spf=50)
    plan = build(new(CLEANSER), kept, new(chemical), on=DAY1)
    assert face(plan, Slot.am)[-1] == "Mineral SPF50"
    assert on_test_spot(plan) == ["Chemical SPF50"]
    assert "sunscreen_not_patch_tested" not in codes(plan)


def test_s6_with_no_other_usable_sunscreen_the_new_one_is_used_and_the_plan_says_so() -> None:
    expired = item(SPF, added_on=DAY1 - timedelta(days=400), expires_on=DAY1 - timedelta(days=1))
    chemical = product("Chemical SPF50", Category.sunscreen, spf=50)
    plan = build(new(CLEANSER), expired, new(chemical), on=DAY1)
    assert excluded(plan, SPF) == [("expiry", "E2")]
    assert face(plan, Slot.am)[-1] == "Chemical SPF50"
    step = plan.am[-1]
    assert "not patch tested" in step.instructions
    assert "S6" in step.rule_ids
    assert "sunscreen_not_patch_tested" in codes(plan)
    assert "no_sunscreen" not in codes(plan)


def test_s6_the_only_moisturiser_is_used_at_once_and_a_second_one_is_tested() -> None:
    eczema = Profile(conditions=frozenset({"eczema"}))
    plan = build(new(CLEANSER), new(MOISTURISER), on=DAY1, profile=eczema)
    cream = next(s for s in plan.am if s.product.name == "Plain Cream")
    assert cream.kind is StepKind.moisturiser
    assert "your only moisturiser" in cream.instructions
    assert {"S5", "S6"} <= set(cream.rule_ids)
    rich = product("Rich Cream", Category.moisturiser)
    kept = item(MOISTURISER, added_on=DAY1 - timedelta(days=60))
    second = build(new(CLEANSER), kept, new(rich), on=DAY1, profile=eczema)
    assert on_test_spot(second) == ["Rich Cream"]
    assert "Plain Cream" in face(second, Slot.am)


def test_s7_eczema_or_a_damaged_barrier_without_a_moisturiser_is_warned() -> None:
    for profile in (
        Profile(conditions=frozenset({"eczema"})),
        Profile(concerns=frozenset({"barrier"})),
    ):
        assert "no_moisturiser" in codes(build(CLEANSER, SPF, profile=profile))
        assert "no_moisturiser" not in codes(build(CLEANSER, MOISTURISER, profile=profile))
    assert "no_moisturiser" not in codes(build(CLEANSER, SPF))
    scented = product("Scented Cream", Category.moisturiser, fragrance=True)
    # a fragranced cream is excluded with eczema (S3): no usable moisturiser is left
    eczema = Profile(conditions=frozenset({"eczema"}))
    assert "no_moisturiser" in codes(build(CLEANSER, scented, profile=eczema))


def test_s7_high_sensitivity_is_told_about_a_fragranced_leave_on_product() -> None:
    scented = product("Scented Cream", Category.moisturiser, fragrance=True)
    oily = product("Botanical Oil", Category.oil, essential_oils=True)
    washed = product("Scented Wash", Category.cleanser, fragrance=True)
    high = Profile(sensitivity=Sensitivity.high)
    plan = build(washed, scented, oily, profile=high)
    by_name = {s.product.name: s for s in plan.am}
    for name in ("Scented Cream", "Botanical Oil"):
        assert "fragrance or essential oils" in by_name[name].instructions
        assert "S7" in by_name[name].rule_ids
    assert "fragrance" not in by_name["Scented Wash"].instructions  # rinsed off
    relaxed = build(scented)
    assert "fragrance" not in relaxed.am[0].instructions


def test_l8_step_texts_carry_no_rule_ids_and_defaults_are_said_in_plain_words() -> None:
    acid = product("BHA 2", Category.exfoliant, (A.bha, "salicylic acid", 2))
    for plan in span(CLEANSER, VITAMIN_C, RETINOL, acid, MOISTURISER, OIL, SPF, days=14):
        for step in (*plan.am, *plan.pm):
            assert "(L" not in step.instructions
            assert "SUN2" not in step.instructions
            assert "configurable default" not in step.instructions
    oil = next(s for s in build(OIL, MOISTURISER).am if s.product.name == "Squalane")
    assert "a common default, not a cited rule" in oil.instructions
    assert "L2" in oil.rule_ids


def test_s6_an_established_sunscreen_that_never_goes_on_in_the_morning_does_not_count() -> None:
    """A sunscreen with a retinoid on its label is evening-only (L4): it cannot be the morning's
    sunscreen, so a new one is used rather than patch tested."""
    night_spf = product("Night SPF", Category.sunscreen, spf=15, inci=("retinyl palmitate",))
    kept = item(night_spf, added_on=DAY1 - timedelta(days=90))
    plan = build(kept, new(SPF), on=DAY1)
    assert face(plan, Slot.am)[-1] == "Mineral SPF50"
    assert "sunscreen_not_patch_tested" in codes(plan)


def test_s6_an_override_pinning_the_shelf_sunscreen_to_night_keeps_it_in_the_morning() -> None:
    """Found by the S6 property: a dermatologist's `add` that pins the user's own SPF cream to
    the evening is refused by L5, and the cream keeps its morning place."""
    spf_cream = product("Tinted SPF Cream", Category.moisturiser, spf=15)
    added = override(OverrideAction.add, spf_cream, starts_on=DAY1, slot=Slot.pm, product=spf_cream)
    plan = build(new(spf_cream), on=DAY1, overrides=(added,))
    assert face(plan, Slot.am) == ["Tinted SPF Cream"]
    assert "Tinted SPF Cream" not in face(plan, Slot.pm)  # L5 refuses the evening


def test_s2_a_skipped_test_is_warned_about_when_the_product_joins_not_when_it_was_added() -> None:
    skipped = new(NIACINAMIDE, patch_test=PatchTest.skipped)
    plans = span(*starter(skipped), start=DAY1, days=28)
    joins = DAY1 + timedelta(days=21)
    warned = [p.on for p in plans if "patch_test_skipped" in codes(p)]
    assert warned == [joins + timedelta(days=k) for k in range(7)]
