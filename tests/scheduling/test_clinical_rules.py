"""R7, R8, I10, I11, I12 and L7: the rules a clinical reviewer found missing in real plans."""

from datetime import date, timedelta

from app.scheduling import (
    Category,
    Frequency,
    Irritation,
    NightType,
    OverrideAction,
    Profile,
    RetinoidExperience,
    Sensitivity,
    Slot,
    StepKind,
)
from app.scheduling.classify import classify
from app.scheduling.retinoids import prescribed, restarts_after_gaps, usable_window
from app.scheduling.spacing import is_peel
from tests.scheduling.factories import (
    ADAPALENE,
    AZELAIC,
    BHA,
    BPO,
    CLAY_MASK,
    CLEANSER,
    COPPER,
    HYDROQUINONE,
    MOISTURISER,
    NIACINAMIDE,
    RETINOL,
    RETINYL,
    SPF,
    START,
    TONER,
    TRETINOIN,
    VITAMIN_C,
    A,
    build,
    codes,
    excluded,
    item,
    log,
    names,
    override,
    product,
    span,
)

EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)
SENSITIVE = Profile(sensitivity=Sensitivity.high)
TAZAROTENE = product("Tazarotene 0.05", Category.treatment, (A.retinoid, "tazarotene", 0.05))
ADAPALENE_RX = product("Adapalene 0.3", Category.treatment, (A.retinoid, "adapalene", 0.3))
PEEL = product("Glycolic Peel 30", Category.exfoliant, (A.aha, "glycolic acid", 30))
STRONG_AHA = product("AHA 25 Serum", Category.exfoliant, (A.aha, "lactic acid", 25))
BPO_WASH = product("BPO Wash", Category.cleanser, (A.benzoyl_peroxide, "benzoyl peroxide", 4))
BHA_WASH = product("BHA Wash", Category.cleanser, (A.bha, "salicylic acid", 2))
PEROXIDE_GEL = product("Peroxide Gel", Category.treatment, inci=("aqua", "hydrogen peroxide"))
BALM = product("Cleansing Balm", Category.cleanser, inci=("caprylic/capric triglyceride",))
OIL_SERUM = product("Rosehip Oil Serum", Category.serum, inci=("rosa canina seed oil",))


def nights(plans: list, kind: NightType) -> list[int]:
    return [(p.on - START).days for p in plans if p.night_type is kind]


def day(n: int) -> date:
    return START + timedelta(days=n)


# --- R8: one retinoid at a time, the prescribed one first ----------------------------------


def test_r8_a_prescribed_retinoid_beats_an_otc_one_for_a_beginner() -> None:
    for plan in span(RETINOL, TRETINOIN, MOISTURISER, days=7):
        assert "Retinol 0.3" not in names(plan, Slot.pm)
        assert excluded(plan, RETINOL) == [("conflict", "R8")]
        reason = next(e.reason for e in plan.excluded if e.product.id == RETINOL.id)
        assert "ask your prescriber before combining" in reason
        if plan.night_type is NightType.retinoid:
            assert "Tretinoin 0.025" in names(plan, Slot.pm)


def test_r8_prescription_is_read_from_the_retinoid_and_its_strength() -> None:
    assert prescribed(classify(TRETINOIN))
    assert prescribed(classify(TAZAROTENE))
    assert prescribed(classify(ADAPALENE_RX))
    assert not prescribed(classify(ADAPALENE))  # 0.1 % is over the counter
    assert not prescribed(classify(RETINOL))
    assert not prescribed(classify(RETINYL))
    plan = build(ADAPALENE, ADAPALENE_RX)
    assert names(plan, Slot.pm) == ["Adapalene 0.3"]
    assert excluded(plan, ADAPALENE) == [("conflict", "R8")]


def test_r8_two_prescribed_retinoids_are_not_combined_either() -> None:
    for plan in span(TRETINOIN, TAZAROTENE, days=7):
        used = [n for n in names(plan, Slot.pm) if n in ("Tretinoin 0.025", "Tazarotene 0.05")]
        assert len(used) <= 1
        assert excluded(plan, TAZAROTENE) == [("conflict", "R8")]


def test_r8_a_retinoid_a_dermatologist_timed_is_the_one_kept() -> None:
    timed = override(OverrideAction.set_frequency, RETINOL, frequency=Frequency.daily)
    plan = build(RETINOL, TRETINOIN, overrides=(timed,))
    assert names(plan, Slot.pm) == ["Retinol 0.3"]
    assert excluded(plan, TRETINOIN) == [("conflict", "R8")]


# --- I11: hydroquinone and peroxides --------------------------------------------------------


def test_i11_hydroquinone_and_bpo_are_split_between_morning_and_evening() -> None:
    for plan in span(HYDROQUINONE, BPO, CLEANSER, MOISTURISER, SPF, days=7):
        am, pm = names(plan, Slot.am), names(plan, Slot.pm)
        assert "BPO 2.5" in am
        assert "HQ 2" in pm
        assert "HQ 2" not in am
        assert "BPO 2.5" not in pm
        assert "hydroquinone_peroxide_split" in codes(plan)
        assert "I11" in plan.rule_ids


def test_i11_hydrogen_peroxide_counts_as_a_peroxide() -> None:
    plan = build(HYDROQUINONE, PEROXIDE_GEL, CLEANSER)
    for slot in (Slot.am, Slot.pm):
        assert not {"HQ 2", "Peroxide Gel"} <= set(names(plan, slot))
    assert "hydroquinone_peroxide_split" in codes(plan)


def test_l7_a_rinse_off_mask_before_tretinoin_carries_the_wait() -> None:
    daily = override(OverrideAction.set_frequency, CLAY_MASK, frequency=Frequency.daily)
    plan = build(CLEANSER, CLAY_MASK, TRETINOIN, profile=EXPERIENCED, overrides=(daily,))
    assert names(plan, Slot.pm)[:3] == ["Gentle Cleanser", "Clay Mask", "Tretinoin 0.025"]
    assert plan.pm[0].wait_after_seconds < 20 * 60
    assert plan.pm[1].wait_after_seconds == 20 * 60


def test_i11_a_peroxide_wash_keeps_the_morning_and_hydroquinone_the_evening() -> None:
    plan = build(BPO_WASH, HYDROQUINONE, CLEANSER, MOISTURISER)
    assert names(plan, Slot.am)[0] == "BPO Wash"
    assert "HQ 2" not in names(plan, Slot.am)
    assert names(plan, Slot.pm)[:2] == ["Gentle Cleanser", "HQ 2"]
    # with no other cleanser the evening goes without one, and the plan says so
    alone = build(BPO_WASH, HYDROQUINONE, MOISTURISER)
    assert "BPO Wash" not in names(alone, Slot.pm)
    assert "HQ 2" in names(alone, Slot.pm)
    warning = next(w for w in alone.warnings if w.code == "no_cleanse_step")
    assert warning.rule_id == "I11"
    assert "evening" in warning.message


def test_i11_the_hydroquinone_step_says_dark_patches_only_and_when_to_stop() -> None:
    step = next(s for s in build(HYDROQUINONE).am if s.product.id == HYDROQUINONE.id)
    assert "dark patches only" in step.instructions
    assert "3 months" in step.instructions
    assert "I11" in step.rule_ids


# --- I12: rinse-off products ----------------------------------------------------------------


def test_i12_a_bpo_wash_stays_the_morning_cleanse_before_vitamin_c() -> None:
    plan = build(BPO_WASH, VITAMIN_C, SPF)
    assert names(plan, Slot.am) == ["BPO Wash", "C Serum", "Mineral SPF50"]
    assert "no_cleanse_step" not in codes(plan)


def test_i12_an_acid_wash_cleanses_sensitive_skin_before_its_morning_active() -> None:
    plan = build(BHA_WASH, VITAMIN_C, COPPER, SPF, profile=SENSITIVE)
    assert names(plan, Slot.am)[0] == "BHA Wash"
    assert "C Serum" in names(plan, Slot.am)


def test_i12_a_leave_on_clash_still_holds_between_leave_ons() -> None:
    plan = build(VITAMIN_C, BPO)
    assert names(plan, Slot.am) == ["C Serum"]
    assert names(plan, Slot.pm) == ["BPO 2.5"]


def test_i12_an_evening_without_a_cleanse_step_says_why() -> None:
    plan = build(BHA_WASH, TRETINOIN, MOISTURISER, profile=EXPERIENCED)
    assert plan.night_type is NightType.retinoid
    assert names(plan, Slot.am)[0] == "BHA Wash"
    assert "BHA Wash" not in names(plan, Slot.pm)
    warning = next(w for w in plan.warnings if w.code == "no_cleanse_step")
    assert warning.rule_id == "I2"
    assert "lukewarm water" in warning.message
    assert "no_cleanse_step" not in codes(build(BHA_WASH, CLEANSER, TRETINOIN, MOISTURISER))


def test_i12_an_acid_wash_does_not_open_an_at_home_peel_night() -> None:
    """The safer reading: I8 still holds between an acid wash and a peel after it."""
    plans = span(BHA_WASH, PEEL, MOISTURISER, days=28)
    peel_nights = [p for p in plans if "Glycolic Peel 30" in names(p, Slot.pm)]
    assert peel_nights
    for plan in peel_nights:
        assert "BHA Wash" not in names(plan, Slot.pm)
        warning = next(w for w in plan.warnings if w.code == "no_cleanse_step")
        assert warning.rule_id == "I8"
    with_gentle = span(BHA_WASH, CLEANSER, PEEL, MOISTURISER, days=28)
    for plan in with_gentle:
        if "Glycolic Peel 30" in names(plan, Slot.pm):
            assert names(plan, Slot.pm)[0] == "Gentle Cleanser"


# --- I10: irritant spacing ------------------------------------------------------------------


def test_i10_no_exfoliant_night_next_to_a_retinoid_night_while_the_ramp_climbs() -> None:
    plans = span(RETINOL, BHA, CLEANSER, days=42)
    retinoid = set(nights(plans, NightType.retinoid))
    for n in nights(plans, NightType.exfoliant):
        assert n - 1 not in retinoid
        assert n + 1 not in retinoid
    # sensitive skin as well, at its target
    settled = span(RETINOL, BHA, profile=SENSITIVE, start=day(70), days=28)
    retinoid = {(p.on - START).days for p in settled if p.night_type is NightType.retinoid}
    for p in settled:
        if p.night_type is NightType.exfoliant:
            n = (p.on - START).days
            assert n - 1 not in retinoid
            assert n + 1 not in retinoid


def test_i10_a_nightly_retinoid_says_there_is_no_exfoliant_night() -> None:
    plans = span(RETINOL, BHA, CLEANSER, profile=EXPERIENCED, days=7)
    for plan in plans:
        assert plan.night_type is NightType.retinoid
        assert "no_exfoliant_night" in codes(plan)
        warning = next(w for w in plan.warnings if w.code == "no_exfoliant_night")
        assert "BHA 2" in warning.message
        assert warning.rule_id == "I10"
    assert "no_exfoliant_night" not in codes(build(BHA, CLEANSER))


def test_i10_a_peel_is_labelled_or_an_aha_of_20_percent() -> None:
    assert is_peel(PEEL)
    assert is_peel(STRONG_AHA)
    assert not is_peel(BHA)
    assert not is_peel(product("Peel-Off Mask", Category.mask, (A.aha, "glycolic acid", 5)))


def test_i10_an_at_home_peel_is_at_most_weekly_and_follows_its_label() -> None:
    plans = span(PEEL, CLEANSER, MOISTURISER, days=56)
    used = [(p.on - START).days for p in plans if "Glycolic Peel 30" in names(p, Slot.pm)]
    assert used
    assert all(b - a >= 7 for a, b in zip(used, used[1:], strict=False))
    step = next(s for s in plans[used[0]].pm if s.product.id == PEEL.id)
    assert "contact time on its label" in step.instructions
    assert "I10" in step.rule_ids
    for plan in plans:
        for e in plan.excluded:
            if e.product.id == PEEL.id and e.rule_id == "I10":
                assert "at most once a week" in e.reason


def test_i10_no_peel_in_the_first_6_weeks_of_a_ramp_or_within_48_hours_of_a_retinoid() -> None:
    ramp = span(RETINOL, PEEL, CLEANSER, days=42)
    assert all("Glycolic Peel 30" not in names(p, Slot.pm) for p in ramp)
    # a dermatologist's weekly retinoid night, past the first 6 weeks
    timed = override(
        OverrideAction.set_frequency, RETINOL, frequency=Frequency.weekdays, weekdays=(4,)
    )
    later = span(RETINOL, PEEL, CLEANSER, start=day(49), days=42, overrides=(timed,))
    retinoid = {p.on for p in later if p.night_type is NightType.retinoid}
    peels = [p.on for p in later if "Glycolic Peel 30" in names(p, Slot.pm)]
    assert peels
    for on in peels:
        assert all(on + timedelta(days=k) not in retinoid for k in (-2, -1, 1, 2))


# --- R7: gaps and severe irritation -----------------------------------------------------------


def test_r7_severe_irritation_resumes_the_ramp_one_stage_lower() -> None:
    # nightly from day 35; severe irritation logged on the evening of day 40
    history = (log(day(40), irritation=Irritation.severe),)
    plans = span(RETINOL, history=history, days=80)
    recovery = nights(plans, NightType.recovery)
    assert recovery == [41, 42, 43]
    retinoid = nights(plans, NightType.retinoid)
    # one stage lower (every 2nd night) from day 44, for that stage's three weeks
    assert [n for n in retinoid if 44 <= n < 66] == list(range(44, 66, 2))
    assert [n for n in retinoid if 66 <= n < 80] == list(range(66, 80))
    step = next(s for s in plans[44].pm if s.product.id == RETINOL.id)
    assert "after severe irritation" in step.instructions


def test_r7_severe_irritation_on_the_first_stage_restarts_that_stage() -> None:
    history = (log(day(7), irritation=Irritation.severe),)
    retinoid = nights(span(RETINOL, history=history, days=40), NightType.retinoid)
    # recovery 8-10, then every 3rd night for two weeks from day 11
    assert [n for n in retinoid if 11 <= n < 25] == [11, 14, 17, 20, 23]


def test_r7_an_experienced_user_steps_down_to_every_second_night() -> None:
    history = (log(day(10), irritation=Irritation.severe),)
    retinoid = nights(
        span(RETINOL, profile=EXPERIENCED, history=history, days=60), NightType.retinoid
    )
    assert [n for n in retinoid if n < 11] == list(range(11))
    assert [n for n in retinoid if 14 <= n < 36] == list(range(14, 36, 2))
    assert [n for n in retinoid if n >= 36] == list(range(36, 60))


def test_r7_four_weeks_of_missed_nights_restart_the_beginner_ramp() -> None:
    history = tuple(log(day(n), done=False) for n in range(10, 40))
    retinoid = nights(
        span(RETINOL, profile=EXPERIENCED, history=history, start=day(40), days=14),
        NightType.retinoid,
    )
    assert retinoid[:3] == [40, 43, 46]  # every 3rd night again, from the first night not missed
    short = tuple(log(day(n), done=False) for n in range(10, 20))
    retinoid = nights(
        span(RETINOL, profile=EXPERIENCED, history=short, days=30), NightType.retinoid
    )
    assert [n for n in retinoid if n >= 20] == list(range(20, 30))  # nightly again at once


def test_r7_a_pause_of_four_weeks_or_more_restarts_the_beginner_ramp() -> None:
    pause = override(OverrideAction.pause, None, starts_on=day(10), ends_on=day(40), reason="peel")
    plans = span(RETINOL, profile=EXPERIENCED, overrides=(pause,), days=60)
    retinoid = nights(plans, NightType.retinoid)
    assert [n for n in retinoid if n > 40][:4] == [41, 44, 47, 50]
    step = next(s for s in plans[41].pm if s.product.id == RETINOL.id)
    assert "Restarted on the beginner ramp" in step.instructions
    short = override(OverrideAction.pause, None, starts_on=day(10), ends_on=day(20), reason="peel")
    retinoid = nights(
        span(RETINOL, profile=EXPERIENCED, overrides=(short,), days=30), NightType.retinoid
    )
    assert [n for n in retinoid if n > 20] == list(range(21, 30))


def test_r7_a_bottle_replaced_after_a_gap_restarts_the_beginner_ramp() -> None:
    old = item(RETINOL, expires_on=day(20))
    new = item(RETINOL, added_on=day(60))
    retinoid = nights(span(old, new, profile=EXPERIENCED, days=75), NightType.retinoid)
    assert [n for n in retinoid if n >= 60][:3] == [60, 63, 66]


def test_r7_gaps_between_usable_windows() -> None:
    assert restarts_after_gaps([(day(0), day(9)), (day(38), None)]) == (day(38),)
    assert restarts_after_gaps([(day(0), day(9)), (day(37), None)]) == ()
    assert restarts_after_gaps([(day(0), None), (day(50), None)]) == ()
    assert usable_window(day(0), None, [(day(5), day(9))]) == [(day(0), day(4)), (day(10), None)]
    assert usable_window(day(0), day(20), [(day(5), None)]) == [(day(0), day(4))]


# --- L7: order and waits ------------------------------------------------------------------


def test_l7_an_oil_or_balm_cleanser_opens_an_evening_double_cleanse() -> None:
    plan = build(BALM, CLEANSER, MOISTURISER)
    assert names(plan, Slot.am) == ["Gentle Cleanser", "Plain Cream"]
    assert names(plan, Slot.pm) == ["Cleansing Balm", "Gentle Cleanser", "Plain Cream"]
    assert "L7" in plan.pm[0].rule_ids
    assert "water-based cleanser" in plan.pm[0].instructions
    # the only cleanser: it cleanses morning and evening
    alone = build(BALM, MOISTURISER)
    assert names(alone, Slot.am)[0] == "Cleansing Balm"


def test_l7_oil_based_serums_go_after_water_based_serums() -> None:
    plan = build(OIL_SERUM, NIACINAMIDE, CLEANSER, MOISTURISER, SPF)
    am = names(plan, Slot.am)
    assert am.index("Niacinamide 10") < am.index("Rosehip Oil Serum") < am.index("Plain Cream")


def test_l7_the_wash_to_tretinoin_wait_sits_on_the_cleanse_step() -> None:
    plan = build(BALM, CLEANSER, AZELAIC, TRETINOIN, MOISTURISER, profile=EXPERIENCED)
    assert plan.night_type is NightType.retinoid
    pm = plan.pm
    assert [s.product.name for s in pm[:4]] == [
        "Cleansing Balm",
        "Gentle Cleanser",
        "Tretinoin 0.025",
        "Azelaic 10",
    ]
    wash = pm[1]
    assert wash.wait_after_seconds == 20 * 60
    assert {"L6", "L7"} <= set(wash.rule_ids)
    assert "wait 20 min before the tretinoin" in wash.instructions
    assert pm[0].wait_after_seconds < 20 * 60
    for step in pm[2:]:
        assert "damp" not in step.instructions


def test_l7_no_damp_skin_step_after_a_drying_wait() -> None:
    for plan in span(CLEANSER, TONER, RETINOL, BHA, MOISTURISER, days=14):
        for steps in (plan.am, plan.pm):
            waited = False
            for step in steps:
                if waited:
                    assert "damp" not in step.instructions
                if step.wait_after_seconds >= 5 * 60 and step.kind is not StepKind.spf:
                    waited = True
