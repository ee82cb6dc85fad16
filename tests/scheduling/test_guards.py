"""Conditions, sensitivity, the avoid list, expiry and the patch test: S1-S4a, AV1, E1, E2."""

from datetime import timedelta

from app.scheduling import Category, PatchTest, Profile, Sensitivity, Slot
from tests.scheduling.factories import (
    ADAPALENE,
    AZELAIC,
    BHA,
    BPO,
    CLEANSER,
    MOISTURISER,
    NIACINAMIDE,
    ON,
    RETINOL,
    SCRUB,
    SPF,
    VITAMIN_C,
    A,
    build,
    codes,
    excluded,
    item,
    names,
    product,
)

ROSACEA = Profile(conditions=frozenset({"rosacea"}))
ECZEMA = Profile(conditions=frozenset({"Eczema"}))


def used(plan) -> set[str]:
    return set(names(plan, Slot.am)) | set(names(plan, Slot.pm))


def test_s1_rosacea_leaves_out_known_irritants_from_inci_and_flags() -> None:
    hazel = product("Hazel Toner", Category.toner, inci=("aqua", "hamamelis virginiana water"))
    scented = product("Scented Cream", Category.moisturiser, fragrance=True)
    menthol = product("Cool Gel", Category.moisturiser, inci=("aqua", "menthol"))
    plan = build(hazel, scented, menthol, MOISTURISER, profile=ROSACEA)
    for irritating in (hazel, scented, menthol):
        assert excluded(plan, irritating) == [("condition", "S1")]
    assert used(plan) == {"Plain Cream"}
    assert used(build(hazel, scented)) == {"Hazel Toner", "Scented Cream"}


def test_s3_eczema_leaves_out_retinoids_fragrance_and_dyes() -> None:
    dyed = product("Blue Gel", Category.moisturiser, inci=("aqua", "CI 42090"))
    scented = product("Scented Cream", Category.moisturiser, inci=("aqua", "parfum"))
    plan = build(ADAPALENE, dyed, scented, MOISTURISER, profile=ECZEMA)
    assert excluded(plan, ADAPALENE) == [("condition", "S3")]
    assert excluded(plan, dyed) == [("condition", "S3")]
    assert excluded(plan, scented) == [("condition", "S3")]
    assert used(plan) == {"Plain Cream"}


def test_s4_no_scrubs_with_rosacea_or_eczema() -> None:
    assert excluded(build(SCRUB, profile=ROSACEA), SCRUB) == [("condition", "S4")]
    assert excluded(build(SCRUB, profile=ECZEMA), SCRUB) == [("condition", "S4")]
    assert not any(e.rule_id == "S4" for e in build(SCRUB).excluded)


def test_s4a_high_sensitivity_puts_one_active_in_a_routine() -> None:
    sensitive = Profile(sensitivity=Sensitivity.high)
    plan = build(VITAMIN_C, AZELAIC, BPO, NIACINAMIDE, profile=sensitive)
    for slot in (Slot.am, Slot.pm):
        actives = set(names(plan, slot)) & {"C Serum", "Azelaic 10", "BPO 2.5"}
        assert len(actives) <= 1
    assert ("sensitivity", "S4a") in excluded(plan, BPO)
    relaxed = build(VITAMIN_C, AZELAIC, NIACINAMIDE)
    assert {"C Serum", "Azelaic 10"} <= set(names(relaxed, Slot.am))


def test_av1_avoid_list_matches_inci_active_names_classes_and_flags() -> None:
    scented = product("Scented Cream", Category.moisturiser, fragrance=True)
    profile = Profile(
        avoid_ingredients=frozenset({"glycerin", "retinoid", "fragrance", "niacinamide"})
    )
    plan = build(CLEANSER, RETINOL, scented, NIACINAMIDE, SPF, profile=profile)
    for avoided in (CLEANSER, RETINOL, scented, NIACINAMIDE):
        assert excluded(plan, avoided) == [("avoid_list", "AV1")]
    assert used(plan) == {"Mineral SPF50"}


def test_av1_does_not_match_part_of_a_word() -> None:
    retinyl = product("Mild A", Category.moisturiser, inci=("retinyl palmitate",))
    profile = Profile(avoid_ingredients=frozenset({"retinol", "palm"}))
    assert excluded(build(retinyl, profile=profile), retinyl) == []


def test_e1_expired_or_past_its_period_after_opening_is_left_out() -> None:
    expired = item(MOISTURISER, expires_on=ON - timedelta(days=1))
    opened = item(VITAMIN_C, opened_on=ON - timedelta(days=200), pao_months=6)
    plan = build(expired, opened)
    assert excluded(plan, MOISTURISER) == [("expiry", "E1")]
    assert excluded(plan, VITAMIN_C) == [("expiry", "E1")]
    fresh = build(item(MOISTURISER, expires_on=ON), item(VITAMIN_C, opened_on=ON, pao_months=6))
    assert used(fresh) == {"Plain Cream", "C Serum"}


def test_e2_expired_sunscreen_is_left_out_citing_e2() -> None:
    plan = build(item(SPF, expires_on=ON - timedelta(days=1)))
    assert excluded(plan, SPF) == [("expiry", "E2")]
    assert "no_sunscreen" in codes(plan)


def test_s2_a_skipped_patch_test_is_used_with_a_warning() -> None:
    skipped = item(MOISTURISER, added_on=ON - timedelta(days=1), patch_test=PatchTest.skipped)
    plan = build(skipped)
    assert used(plan) == {"Plain Cream"}
    assert "patch_test_skipped" in codes(plan)


def test_sun1_no_sunscreen_or_a_weak_one_is_flagged() -> None:
    assert "no_sunscreen" in codes(build(MOISTURISER))
    weak = product("SPF 15", Category.sunscreen, spf=15)
    plan = build(weak)
    assert "spf_below_30" in codes(plan)
    assert "no_sunscreen" not in codes(plan)


def test_sun3_an_exfoliating_acid_in_use_calls_for_sunscreen() -> None:
    assert "sunscreen_with_acids" in codes(build(BHA, SPF))
    assert "sunscreen_with_acids" not in codes(build(NIACINAMIDE, SPF))


def test_pp4_an_aha_in_use_warns_about_sun_sensitivity() -> None:
    lactic = product("Lactic 5", Category.exfoliant, (A.aha, "lactic acid", 5))
    assert "aha_sun_sensitivity" in codes(build(lactic, SPF))
    assert "aha_sun_sensitivity" not in codes(build(BHA, SPF))
