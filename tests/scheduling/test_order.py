"""Order, waits and directions: L1-L6, SUN1, SUN2, E3, the seed routine."""

from app.scheduling import EngineSettings, NightType, Profile, RetinoidExperience, Slot, StepKind
from tests.scheduling.factories import (
    BARRIER,
    CLEANSER,
    ESSENCE,
    EXOSOME,
    EYE,
    MOISTURISER,
    NIACINAMIDE,
    OIL,
    PEPTIDE,
    RETINOL,
    SPF,
    TONER,
    TRETINOIN,
    VITAMIN_C,
    build,
    names,
)

EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)


def test_l3_seed_morning_routine_in_order() -> None:
    plan = build(SPF, OIL, MOISTURISER, EYE, NIACINAMIDE, VITAMIN_C, EXOSOME, ESSENCE, CLEANSER)
    assert names(plan, Slot.am) == [
        "Gentle Cleanser",
        "Hydrating Essence",
        "Exo Serum",
        "C Serum",
        "Niacinamide 10",
        "Eye Cream",
        "Plain Cream",
        "Squalane",
        "Mineral SPF50",
    ]


def test_l3_seed_evening_routine_in_order() -> None:
    plan = build(OIL, MOISTURISER, PEPTIDE, RETINOL, ESSENCE, CLEANSER, SPF, profile=EXPERIENCED)
    assert plan.night_type is NightType.retinoid
    assert names(plan, Slot.pm) == [
        "Gentle Cleanser",
        "Hydrating Essence",
        "Retinol 0.3",
        "Peptide Serum",
        "Plain Cream",
        "Squalane",
    ]


def test_l1_cleanse_first_then_treatment_then_moisturiser() -> None:
    plan = build(MOISTURISER, RETINOL, CLEANSER, profile=EXPERIENCED)
    kinds = [step.kind for step in plan.pm]
    assert kinds == [StepKind.cleanse, StepKind.treatment, StepKind.moisturiser]
    assert "L1" in plan.pm[0].rule_ids


def test_l2_oil_goes_on_after_the_moisturiser() -> None:
    plan = build(OIL, MOISTURISER)
    assert names(plan, Slot.am) == ["Plain Cream", "Squalane"]
    oil = plan.am[1]
    assert "L2" in oil.rule_ids
    assert "a common default, not a cited rule" in oil.instructions


def test_l3_exosome_serum_waits_about_a_minute_as_a_configurable_default() -> None:
    plan = build(EXOSOME, NIACINAMIDE, settings=EngineSettings(exosome_wait_seconds=90))
    exosome = plan.am[0]
    assert exosome.kind is StepKind.exosome_serum
    assert exosome.wait_after_seconds == 90
    assert (
        "90 s before antioxidants or niacinamide (a common default, not a cited rule)"
        in exosome.instructions
    )
    assert "damp skin" in exosome.instructions
    assert "L3" in exosome.rule_ids


def test_l3a_vitamin_c_is_the_first_morning_active() -> None:
    plan = build(NIACINAMIDE, VITAMIN_C, CLEANSER)
    assert names(plan, Slot.am) == ["Gentle Cleanser", "C Serum", "Niacinamide 10"]
    assert "L3a" in plan.am[1].rule_ids
    assert "early in the morning" in plan.am[1].instructions


def test_l4_vitamin_c_morning_only_and_retinoid_evening_only() -> None:
    plan = build(VITAMIN_C, RETINOL, profile=EXPERIENCED)
    assert names(plan, Slot.am) == ["C Serum"]
    assert names(plan, Slot.pm) == ["Retinol 0.3"]
    assert "L4" in plan.pm[0].rule_ids


def test_l5_sunscreen_is_the_last_morning_step_and_never_in_the_evening() -> None:
    plan = build(SPF, OIL, MOISTURISER, CLEANSER)
    assert plan.am[-1].kind is StepKind.spf
    assert "Mineral SPF50" not in names(plan, Slot.pm)
    spf = plan.am[-1]
    assert spf.wait_after_seconds == 15 * 60
    assert "15 min before going out" in spf.instructions
    assert {"L5", "SUN1", "SUN2"} <= set(spf.rule_ids)


def test_sun1_sunscreen_step_says_reapply_every_two_hours() -> None:
    spf = build(SPF).am[0]
    assert "every 2 h outdoors" in spf.instructions
    assert "SUN1" in spf.rule_ids


def test_sun2_sunscreen_amount_is_just_over_half_a_teaspoon_for_face_and_neck_together() -> None:
    spf = build(SPF).am[0]
    amount = (
        "just over 1/2 teaspoon (about 2.5-3 ml) for face and neck together, or two finger "
        "lengths for the face"
    )
    assert spf.amount == amount
    assert amount in spf.instructions  # the sentence and the amount say the same
    assert "neck and ears" not in spf.instructions  # the doubled rule is gone
    assert "SUN2" in spf.rule_ids


def test_l6_tretinoin_waits_twenty_minutes_after_the_cleanse_on_dry_skin() -> None:
    plan = build(CLEANSER, TONER, TRETINOIN, BARRIER, profile=EXPERIENCED)
    assert plan.night_type is NightType.retinoid
    assert names(plan, Slot.pm) == ["Gentle Cleanser", "Tretinoin 0.025", "Barrier Cream"]
    cleanse = plan.pm[0]
    assert cleanse.wait_after_seconds == 20 * 60
    assert "L6" in cleanse.rule_ids
    assert "L6" in plan.pm[1].rule_ids
    # the toner keeps its morning place; the evening skin stays dry for tretinoin
    assert "Soft Toner" in names(plan, Slot.am)


def test_l6_toner_stays_before_a_non_tretinoin_retinoid() -> None:
    plan = build(CLEANSER, TONER, RETINOL, profile=EXPERIENCED)
    assert names(plan, Slot.pm) == ["Gentle Cleanser", "Soft Toner", "Retinol 0.3"]
    assert plan.pm[0].wait_after_seconds == EngineSettings().default_wait_seconds


def test_uncited_waits_are_labelled_configurable_defaults_and_the_last_step_has_none() -> None:
    plan = build(CLEANSER, MOISTURISER)
    assert plan.pm[0].wait_after_seconds == 30
    assert "(a common default, not a cited rule)" in plan.pm[0].instructions
    assert plan.pm[-1].wait_after_seconds == 0


def test_e3_vitamin_c_step_says_how_to_store_it() -> None:
    step = build(VITAMIN_C).am[0]
    assert "E3" in step.rule_ids
    assert "heat and light" in step.instructions


def test_every_step_has_amount_instructions_and_rules() -> None:
    plan = build(
        CLEANSER, TONER, ESSENCE, EXOSOME, VITAMIN_C, NIACINAMIDE, PEPTIDE, EYE, BARRIER, OIL, SPF
    )
    for step in (*plan.am, *plan.pm):
        assert step.amount
        assert step.instructions
        assert step.rule_ids
        assert step.wait_after_seconds >= 0
    assert [step.order for step in plan.am] == list(range(1, len(plan.am) + 1))
