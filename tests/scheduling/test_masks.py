"""Face masks (MK1): a few evenings a week, never on a retinoid night, and how to wear them."""

from datetime import timedelta

from app.scheduling import (
    EngineSettings,
    Frequency,
    Irritation,
    NightType,
    OverrideAction,
    Profile,
    RetinoidExperience,
    Slot,
    StepSource,
)
from app.scheduling.plan import DayPlan
from tests.scheduling.factories import (
    BHA,
    CLAY_MASK,
    CLEANSER,
    MOISTURISER,
    OIL,
    PEEL_MASK,
    RETINOL,
    SLEEP_MASK,
    START,
    build,
    excluded,
    log,
    names,
    override,
    span,
)

EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)


def masked(plans: list[DayPlan], mask_name: str) -> list[DayPlan]:
    return [plan for plan in plans if mask_name in names(plan, Slot.pm)]


def per_week(plans: list[DayPlan], mask_name: str) -> list[int]:
    return [len(masked(plans[k : k + 7], mask_name)) for k in range(0, len(plans), 7)]


def test_mk1_a_mask_takes_at_most_its_weekly_cap_of_evenings() -> None:
    plans = span(CLEANSER, MOISTURISER, SLEEP_MASK, days=28)
    assert per_week(plans, "Sleeping Mask") == [2, 2, 2, 2]
    # spread out in each ISO week: Monday and Thursday when every evening is free
    assert [(p.on - START).days for p in masked(plans[:7], "Sleeping Mask")] == [0, 3]
    # another evening does not schedule it, and says why (nothing leaves silently)
    tuesday = plans[1]
    assert "Sleeping Mask" not in names(tuesday, Slot.pm)
    assert excluded(tuesday, SLEEP_MASK) == [("conflict", "MK1")]
    reason = next(e.reason for e in tuesday.excluded if e.product.id == SLEEP_MASK.id)
    assert "a common default, not a cited rule" in reason
    # the cap is a setting
    once = span(CLEANSER, SLEEP_MASK, days=28, settings=EngineSettings(mask_nights_per_week=1))
    assert per_week(once, "Sleeping Mask") == [1, 1, 1, 1]
    never = span(CLEANSER, SLEEP_MASK, days=14, settings=EngineSettings(mask_nights_per_week=0))
    assert masked(never, "Sleeping Mask") == []


def test_mk1_mask_nights_are_computed_directly_for_any_date() -> None:
    shelf = (CLEANSER, RETINOL, BHA, CLAY_MASK, MOISTURISER)
    walked = span(*shelf, days=120)
    for plan in walked[-7:]:
        assert build(*shelf, on=plan.on) == plan


def test_mk1_a_mask_is_never_on_a_retinoid_night_nor_an_exfoliant_night() -> None:
    plans = span(CLEANSER, RETINOL, BHA, CLAY_MASK, MOISTURISER, days=56)
    evenings = masked(plans, "Clay Mask")
    assert evenings  # the ramp leaves the mask some evenings
    assert all(p.night_type in (NightType.basic, NightType.exosome) for p in evenings)
    assert max(per_week(plans, "Clay Mask")) <= 2
    # a nightly retinoid leaves no mask evening, and every day says why
    nightly = span(CLEANSER, RETINOL, SLEEP_MASK, profile=EXPERIENCED, days=14)
    assert masked(nightly, "Sleeping Mask") == []
    assert all(excluded(p, SLEEP_MASK) == [("conflict", "MK1")] for p in nightly)
    # the exfoliant's nights are kept for it only while there is one: a retinoid every 2nd
    # night (timed by a dermatologist: on the ramp I10 leaves an exfoliant no night) leaves a
    # mask two evenings without an exfoliant, one with
    timed = (override(OverrideAction.set_frequency, RETINOL, frequency=Frequency.alternate),)
    week3 = slice(14, 21)
    alone = span(CLEANSER, RETINOL, CLAY_MASK, days=21, overrides=timed)[week3]
    shared = span(CLEANSER, RETINOL, BHA, CLAY_MASK, days=21, overrides=timed)[week3]
    assert len(masked(alone, "Clay Mask")) == 2
    assert len(masked(shared, "Clay Mask")) == 1


def test_mk1_a_peel_mask_is_an_exfoliant_and_keeps_to_exfoliant_nights() -> None:
    plans = span(CLEANSER, PEEL_MASK, MOISTURISER, days=14)
    evenings = masked(plans, "AHA Mask")
    assert len(evenings) == 4
    assert all(p.night_type is NightType.exfoliant for p in evenings)
    step = next(s for s in evenings[0].pm if s.product.id == PEEL_MASK.id)
    assert {"I2", "S4"} <= set(step.rule_ids)
    assert "MK1" not in step.rule_ids
    off = next(p for p in plans if p not in evenings)
    assert excluded(off, PEEL_MASK) == [("conflict", "S4")]


def test_mk1_a_rinse_off_mask_is_rinsed_off_after_its_label_time() -> None:
    plan = build(MOISTURISER, CLAY_MASK, CLEANSER, on=START)  # a Monday: a mask evening
    assert names(plan, Slot.pm) == ["Gentle Cleanser", "Clay Mask", "Plain Cream"]
    step = plan.pm[1]
    assert "MK1" in step.rule_ids
    assert "MK1" in plan.rule_ids
    assert "about 10-15 min" in step.instructions
    assert "rinse it off" in step.instructions
    assert "before the next steps (a common default, not a cited rule)" in step.instructions


def test_mk1_a_leave_on_mask_goes_last_over_the_moisturiser() -> None:
    plan = build(SLEEP_MASK, MOISTURISER, CLEANSER, on=START)
    assert names(plan, Slot.pm) == ["Gentle Cleanser", "Plain Cream", "Sleeping Mask"]
    step = plan.pm[-1]
    assert "MK1" in step.rule_ids
    assert "the last layer of the evening, over the moisturiser" in step.instructions
    assert step.wait_after_seconds == 0
    # an oil-based face oil still goes on top of it (L2)
    with_oil = build(SLEEP_MASK, MOISTURISER, CLEANSER, OIL, on=START)
    assert names(with_oil, Slot.pm)[-3:] == ["Plain Cream", "Sleeping Mask", "Squalane"]


def test_mk1_a_clay_mask_stays_off_a_recovery_night_an_overnight_mask_may_take_it() -> None:
    history = (log(START + timedelta(days=2), irritation=Irritation.moderate),)
    thursday = START + timedelta(days=3)  # a mask evening, and the recovery night
    clay = build(CLEANSER, CLAY_MASK, MOISTURISER, on=thursday, history=history)
    assert clay.night_type is NightType.recovery
    assert "Clay Mask" not in names(clay, Slot.pm)
    assert excluded(clay, CLAY_MASK) == [("conflict", "R1")]
    overnight = build(CLEANSER, SLEEP_MASK, MOISTURISER, on=thursday, history=history)
    assert overnight.night_type is NightType.recovery
    assert names(overnight, Slot.pm)[-1] == "Sleeping Mask"


def test_mk1_a_dermatologist_frequency_replaces_the_weekly_picks() -> None:
    # set_frequency: nightly, even on the retinoid nights MK1 keeps it off
    daily = override(OverrideAction.set_frequency, SLEEP_MASK, frequency=Frequency.daily)
    plans = span(
        CLEANSER, RETINOL, SLEEP_MASK, MOISTURISER, profile=EXPERIENCED, days=7, overrides=(daily,)
    )
    for plan in plans:
        assert plan.night_type is NightType.retinoid
        step = next(s for s in plan.pm if s.product.id == SLEEP_MASK.id)
        assert step.source is StepSource.override
        assert step.override is not None
        assert step.override.author == "Dr Lee"
    # an added mask on chosen weekdays takes exactly those evenings (Tuesday and Sunday are
    # never MK1's picks on a free week), and says "not today" on the others
    added = override(
        OverrideAction.add,
        CLAY_MASK,
        product=CLAY_MASK,
        frequency=Frequency.weekdays,
        weekdays=(2, 7),
    )
    plans = span(CLEANSER, MOISTURISER, days=14, overrides=(added,))
    assert [p.on.isoweekday() for p in masked(plans, "Clay Mask")] == [2, 7, 2, 7]
    assert excluded(plans[0], CLAY_MASK) == [("override", "O3")]
