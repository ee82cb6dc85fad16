"""Pregnancy, trying to conceive, breastfeeding and oral retinoids: P1-P10, P9a, PP2."""

from datetime import timedelta

from app.scheduling import (
    Category,
    NightType,
    OverrideAction,
    Pregnancy,
    Profile,
    RetinoidExperience,
    Slot,
    StepSource,
    check_override,
)
from tests.scheduling.factories import (
    ADAPALENE,
    AHA,
    AHA_STRONG,
    AZELAIC,
    BHA,
    BHA_LOW,
    BPO,
    CHEMICAL_SPF,
    CLEANSER,
    EXOSOME,
    HYDROQUINONE,
    MOISTURISER,
    ON,
    RETINOL,
    RETINYL,
    SPF,
    START,
    TRETINOIN,
    VITAMIN_C,
    A,
    build,
    codes,
    excluded,
    names,
    override,
    product,
    span,
)

PREGNANT = Profile(pregnancy=Pregnancy.pregnant, retinoid_experience=RetinoidExperience.experienced)
TTC = Profile(pregnancy=Pregnancy.trying_to_conceive)
BREASTFEEDING = Profile(
    pregnancy=Pregnancy.breastfeeding, retinoid_experience=RetinoidExperience.experienced
)
ISOTRETINOIN = frozenset({"Isotretinoin 20 mg"})


def used(plan) -> set[str]:
    return set(names(plan, Slot.am)) | set(names(plan, Slot.pm))


def test_p1_oral_isotretinoin_in_pregnancy_warns_first_and_nothing_overrides_it() -> None:
    profile = Profile(pregnancy=Pregnancy.pregnant, oral_medications=ISOTRETINOIN)
    confirm = override(OverrideAction.confirm, TRETINOIN, acknowledge_warning=True)
    plan = build(TRETINOIN, CLEANSER, profile=profile, overrides=(confirm,))
    assert plan.warnings[0].code == "oral_retinoid_pregnancy"
    assert plan.warnings[0].rule_id == "P1"
    assert "Tretinoin 0.025" not in used(plan)
    assert "guard_not_overridable" in check_override(profile, confirm, TRETINOIN)


def test_p1_applies_when_trying_to_conceive_too() -> None:
    profile = Profile(pregnancy=Pregnancy.trying_to_conceive, oral_medications=ISOTRETINOIN)
    assert build(CLEANSER, profile=profile).warnings[0].code == "oral_retinoid_pregnancy"
    assert "oral_retinoid_pregnancy" not in codes(
        build(CLEANSER, profile=Profile(oral_medications=ISOTRETINOIN))
    )


def test_p2_pregnant_user_gets_no_retinoid_of_any_kind() -> None:
    plan = build(RETINOL, TRETINOIN, ADAPALENE, RETINYL, CLEANSER, profile=PREGNANT)
    assert used(plan) == {"Gentle Cleanser"}
    for retinoid in (RETINOL, TRETINOIN, ADAPALENE, RETINYL):
        assert excluded(plan, retinoid) == [("pregnancy", "P2")]


def test_p2_trying_to_conceive_takes_the_safer_reading_and_says_so() -> None:
    plan = build(RETINOL, HYDROQUINONE, EXOSOME, profile=TTC)
    assert excluded(plan, RETINOL) == [("pregnancy", "P2")]
    assert excluded(plan, HYDROQUINONE) == [("pregnancy", "P3")]
    assert "Exo Serum" in used(plan)  # P9 is about pregnancy only
    warning = next(w for w in plan.warnings if w.code == "ttc_safer_reading")
    assert "safer reading" in warning.message
    assert warning.rule_id == "P2"


def test_p3_pregnant_user_gets_no_hydroquinone() -> None:
    plan = build(HYDROQUINONE, profile=PREGNANT)
    assert used(plan) == set()
    assert excluded(plan, HYDROQUINONE) == [("pregnancy", "P3")]


def test_p4_strong_salicylic_and_glycolic_acid_are_left_out_in_pregnancy() -> None:
    unstated = product("BHA Peel", Category.exfoliant, (A.bha, "salicylic acid"))
    plan = build(BHA, AHA_STRONG, unstated, profile=PREGNANT)
    assert excluded(plan, BHA) == [("pregnancy", "P4")]
    assert excluded(plan, AHA_STRONG) == [("pregnancy", "P4")]
    assert excluded(plan, unstated) == [("pregnancy", "P4")]


def test_p4_low_strength_acids_and_salicylic_washes_stay_in_pregnancy() -> None:
    wash = product("BHA Wash", Category.cleanser, (A.bha, "salicylic acid", 2))
    plan = build(BHA_LOW, AHA, wash, profile=PREGNANT)
    assert all(e.rule_id != "P4" for e in plan.excluded)
    assert "BHA Wash" in used(plan)
    low = build(BHA_LOW, profile=PREGNANT, on=ON)  # a Monday: an exfoliant night
    step = next(s for s in low.pm if s.product.id == BHA_LOW.id)
    assert "P4" in step.rule_ids
    assert "limited areas" in step.instructions


def test_p5_bpo_and_azelaic_acid_stay_in_pregnancy() -> None:
    plan = build(BPO, AZELAIC, profile=PREGNANT)
    assert {"BPO 2.5", "Azelaic 10"} <= used(plan)
    steps = [s for s in (*plan.am, *plan.pm) if s.product.id in (BPO.id, AZELAIC.id)]
    assert all("P5" in s.rule_ids for s in steps)


def test_p6_pregnancy_prefers_mineral_sunscreen() -> None:
    chemical = build(CHEMICAL_SPF, profile=PREGNANT)
    assert "prefer_mineral_spf" in codes(chemical)
    assert "Chemical SPF50" in used(chemical)
    mineral = build(SPF, profile=PREGNANT)
    assert "prefer_mineral_spf" not in codes(mineral)
    assert "P6" in mineral.am[0].rule_ids


def test_p7_essential_oils_to_avoid_in_pregnancy_are_left_out() -> None:
    oil = product("Calm Oil", Category.oil, inci=("squalane", "Salvia Sclarea (Clary Sage) Oil"))
    plain = product("Jojoba", Category.oil, inci=("simmondsia chinensis seed oil",))
    plan = build(oil, plain, profile=PREGNANT)
    assert excluded(plan, oil) == [("pregnancy", "P7")]
    assert "Jojoba" in used(plan)
    assert used(build(oil)) == {"Calm Oil"}


def test_p8_breastfeeding_keeps_treatments_with_care_instructions() -> None:
    plan = build(TRETINOIN, HYDROQUINONE, EXOSOME, profile=BREASTFEEDING)
    assert {"Tretinoin 0.025", "HQ 2", "Exo Serum"} <= used(plan)
    warning = next(w for w in plan.warnings if w.code == "breastfeeding_care")
    assert warning.rule_id == "P8"
    assert "nipple" in warning.message


def test_p8_breastfeeding_note_is_only_for_treatments() -> None:
    assert "breastfeeding_care" not in codes(build(VITAMIN_C, CLEANSER, profile=BREASTFEEDING))


def test_p9_exosome_serum_is_left_out_in_pregnancy_unless_confirmed_with_acknowledgement() -> None:
    plan = build(EXOSOME, profile=PREGNANT)
    assert excluded(plan, EXOSOME) == [("pregnancy", "P9")]
    unacknowledged = override(OverrideAction.confirm, EXOSOME)
    plan = build(EXOSOME, profile=PREGNANT, overrides=(unacknowledged,))
    assert excluded(plan, EXOSOME) == [("pregnancy", "P9")]
    assert plan.excluded[0].override is not None
    acknowledged = override(OverrideAction.confirm, EXOSOME, acknowledge_warning=True)
    plan = build(EXOSOME, profile=PREGNANT, overrides=(acknowledged,))
    step = plan.am[0]
    assert step.source is StepSource.override
    assert {"O2", "P9"} <= set(step.rule_ids)
    assert "override_confirmed" in codes(plan)


def test_p9a_a_past_due_date_keeps_the_pregnancy_rules_and_asks_to_confirm_the_end() -> None:
    profile = Profile(
        pregnancy=Pregnancy.pregnant,
        due_date=ON - timedelta(days=10),
        retinoid_experience=RetinoidExperience.experienced,
    )
    after = build(RETINOL, HYDROQUINONE, CLEANSER, profile=profile)
    assert "Retinol 0.3" not in used(after)
    assert excluded(after, RETINOL) == [("pregnancy", "P2")]
    assert excluded(after, HYDROQUINONE) == [("pregnancy", "P3")]
    warning = next(w for w in after.warnings if w.code == "confirm_pregnancy_end")
    assert warning.rule_id == "P9a"
    assert "breastfeed" in warning.message
    assert "P9a" in after.rule_ids
    on_due_date = build(RETINOL, profile=profile, on=ON - timedelta(days=10))
    assert excluded(on_due_date, RETINOL) == [("pregnancy", "P2")]
    assert "confirm_pregnancy_end" not in codes(on_due_date)


def test_p9a_past_due_date_never_starts_the_retinoid_over_a_range() -> None:
    profile = Profile(pregnancy=Pregnancy.pregnant, due_date=START + timedelta(days=3))
    plans = span(TRETINOIN, CLEANSER, profile=profile, days=40)
    assert all("Tretinoin 0.025" not in used(plan) for plan in plans)
    assert all(plan.night_type is not NightType.retinoid for plan in plans)
    late = [plan for plan in plans if plan.on > START + timedelta(days=3)]
    assert late
    assert all("confirm_pregnancy_end" in codes(plan) for plan in late)


def test_p9a_a_recorded_end_lifts_the_exclusions_from_that_date_only() -> None:
    ended = ON - timedelta(days=5)
    profile = Profile(
        pregnancy=Pregnancy.none,
        due_date=ON - timedelta(days=12),
        pregnancy_ended_on=ended,
        retinoid_experience=RetinoidExperience.experienced,
    )
    before = build(RETINOL, HYDROQUINONE, CLEANSER, profile=profile, on=ended - timedelta(days=1))
    assert excluded(before, RETINOL) == [("pregnancy", "P2")]
    assert excluded(before, HYDROQUINONE) == [("pregnancy", "P3")]
    assert "confirm_pregnancy_end" not in codes(before)
    since = build(RETINOL, HYDROQUINONE, CLEANSER, profile=profile, on=ended)
    assert excluded(since, RETINOL) == []
    assert excluded(since, HYDROQUINONE) == []
    assert "confirm_pregnancy_end" not in codes(since)


def test_p9a_r7_the_retinoid_restarts_on_the_beginner_ramp_after_the_recorded_end() -> None:
    ended = ON - timedelta(days=1)
    profile = Profile(
        pregnancy=Pregnancy.breastfeeding,
        due_date=ON - timedelta(days=5),
        pregnancy_ended_on=ended,
        retinoid_experience=RetinoidExperience.experienced,
    )
    plans = span(TRETINOIN, CLEANSER, profile=profile, start=ended - timedelta(days=3), days=24)
    nights = [plan.on for plan in plans if plan.night_type is NightType.retinoid]
    # never before the end; from it every 3rd night (weeks 1-2), then every 2nd: the beginner
    # ramp, not the experienced user's nightly target
    assert nights[0] == ended
    assert [(b - a).days for a, b in zip(nights, nights[1:], strict=False)][:4] == [3, 3, 3, 3]
    assert all((b - a).days >= 2 for a, b in zip(nights, nights[1:], strict=False))
    first = next(plan for plan in plans if plan.on == ended)
    assert "Tretinoin 0.025" in used(first)
    step = next(s for s in first.pm if s.product.name == "Tretinoin 0.025")
    assert "every 3rd night" in step.instructions


def test_r7_an_experienced_user_with_no_recorded_pregnancy_end_starts_on_target() -> None:
    # no recorded end: an experienced user outside pregnancy is on the target from the start
    profile = Profile(retinoid_experience=RetinoidExperience.experienced)
    plans = span(TRETINOIN, CLEANSER, profile=profile, days=5)
    assert all(plan.night_type is NightType.retinoid for plan in plans)


def test_p10_oral_isotretinoin_keeps_a_bland_routine_and_pauses_the_irritants() -> None:
    profile = Profile(oral_medications=frozenset({"Accutane"}))
    strong_c = product("C 20", Category.serum, (A.vitamin_c, "l-ascorbic acid", 20))
    unstated_c = product("C Plain", Category.serum, (A.vitamin_c, "ascorbic acid"))
    gentle_c = product("SAP 5", Category.serum, (A.vitamin_c, "sodium ascorbyl phosphate", 5))
    scrub = product("Scrub", Category.exfoliant, physical_scrub=True, rinse_off=True)
    shelf = (ADAPALENE, BHA, BPO, strong_c, unstated_c, gentle_c, scrub, CLEANSER, SPF)
    plan = build(*shelf, MOISTURISER, profile=profile)
    assert used(plan) == {"Gentle Cleanser", "SAP 5", "Plain Cream", "Mineral SPF50"}
    for paused in (ADAPALENE, BHA, BPO, strong_c, unstated_c, scrub):
        assert excluded(plan, paused) == [("conflict", "P10")], paused.name
    reasons = {e.product.name: e.reason for e in plan.excluded}
    assert "paused while you take an oral retinoid" in reasons["BPO 2.5"]
    assert "P10" not in reasons["BPO 2.5"]  # L8: the id is in rule_id, not the sentence
    assert "oral_retinoid" in codes(plan)
    # photosensitivity, every day it applies
    for day in span(*shelf, profile=profile, days=3):
        warning = next(w for w in day.warnings if w.code == "isotretinoin_photosensitivity")
        assert warning.rule_id == "P10"
        assert "sunscreen" in warning.message


def test_p10_does_not_weaken_p1_with_pregnancy() -> None:
    profile = Profile(oral_medications=frozenset({"isotretinoin"}), pregnancy=Pregnancy.pregnant)
    confirm = override(OverrideAction.confirm, ADAPALENE, acknowledge_warning=True)
    plan = build(ADAPALENE, BPO, CLEANSER, profile=profile, overrides=(confirm,))
    assert plan.warnings[0].rule_id == "P1"
    assert "Adapalene 0.1" not in used(plan)
    assert ("conflict", "P10") in excluded(plan, BPO)


def test_pp2_isotretinoin_user_is_told_which_procedures_wait() -> None:
    plan = build(CLEANSER, profile=Profile(oral_medications=frozenset({"acitretin"})))
    warning = next(w for w in plan.warnings if w.code == "oral_retinoid_procedures")
    assert warning.rule_id == "PP2"
    assert "ablative" in warning.message
