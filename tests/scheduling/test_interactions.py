"""Interactions resolved by placement: I1-I9, DUP1."""

from datetime import timedelta

from app.scheduling import (
    Frequency,
    NightType,
    OverrideAction,
    Profile,
    RetinoidExperience,
    Sensitivity,
    Slot,
)
from tests.scheduling.factories import (
    ADAPALENE,
    AHA,
    BARRIER,
    BHA,
    BPO,
    CLEANSER,
    COPPER,
    MOISTURISER,
    NIACINAMIDE,
    RETINOL,
    START,
    TRETINOIN,
    VITAMIN_C,
    build,
    excluded,
    names,
    override,
    product,
    span,
)

EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)
SENSITIVE = Profile(sensitivity=Sensitivity.high)


def test_i1_tretinoin_evening_and_bpo_morning() -> None:
    plan = build(TRETINOIN, BPO, CLEANSER, profile=EXPERIENCED)
    assert "BPO 2.5" in names(plan, Slot.am)
    assert names(plan, Slot.pm) == ["Gentle Cleanser", "Tretinoin 0.025"]
    assert "I1" in next(s for s in plan.am if s.product.id == BPO.id).rule_ids


def test_i1_tretinoin_and_bpo_never_share_a_slot_even_when_the_morning_is_taken() -> None:
    # vitamin C holds the morning (I3), tretinoin the evening: no slot is left for BPO
    plan = build(TRETINOIN, BPO, VITAMIN_C, profile=EXPERIENCED)
    assert "BPO 2.5" not in names(plan, Slot.am) + names(plan, Slot.pm)
    assert excluded(plan, BPO) == [("conflict", "I1")]
    reason = next(e.reason for e in plan.excluded if e.product.id == BPO.id)
    assert "Morning:" in reason
    assert "Evening:" in reason


def test_i1_adapalene_and_bpo_may_share_the_evening() -> None:
    plan = build(ADAPALENE, BPO, VITAMIN_C, profile=EXPERIENCED)
    assert names(plan, Slot.pm) == ["Adapalene 0.1", "BPO 2.5"]


def test_i2_retinoid_and_exfoliant_alternate_nights() -> None:
    # a dermatologist's timing: on the ramp I10 keeps the nights next to a retinoid night free
    timed = override(
        OverrideAction.set_frequency, RETINOL, frequency=Frequency.every_n_days, interval_days=3
    )
    plans = span(RETINOL, BHA, CLEANSER, days=28, overrides=(timed,))
    nights = {plan.night_type for plan in plans}
    assert {NightType.retinoid, NightType.exfoliant} <= nights
    for plan in plans:
        evening = names(plan, Slot.pm)
        assert not ("Retinol 0.3" in evening and "BHA 2" in evening)
        if plan.night_type is NightType.retinoid:
            assert excluded(plan, BHA) == [("conflict", "I2")]


def test_i3_vitamin_c_and_bpo_split_between_morning_and_evening() -> None:
    plan = build(VITAMIN_C, BPO)
    assert names(plan, Slot.am) == ["C Serum"]
    assert names(plan, Slot.pm) == ["BPO 2.5"]
    assert "I3" in plan.pm[0].rule_ids


def test_i4_vitamin_c_moved_to_the_evening_stays_off_retinoid_nights() -> None:
    evening_c = override(OverrideAction.add, VITAMIN_C, slot=Slot.pm)
    plan = build(VITAMIN_C, RETINOL, profile=EXPERIENCED, overrides=(evening_c,))
    assert plan.night_type is NightType.retinoid
    assert names(plan, Slot.pm) == ["Retinol 0.3"]
    assert excluded(plan, VITAMIN_C) == [("conflict", "I4")]


def test_i5_sensitive_skin_keeps_vitamin_c_and_an_acid_apart() -> None:
    evening_c = override(OverrideAction.add, VITAMIN_C, slot=Slot.pm)
    plans = span(VITAMIN_C, AHA, profile=SENSITIVE, days=7, overrides=(evening_c,))
    acid_night = next(p for p in plans if p.night_type is NightType.exfoliant)
    assert names(acid_night, Slot.pm) == ["Glycolic 7"]
    assert excluded(acid_night, VITAMIN_C) == [("conflict", "I5")]


def test_i5_is_not_applied_to_skin_that_is_not_sensitive() -> None:
    evening_c = override(OverrideAction.add, VITAMIN_C, slot=Slot.pm)
    plans = span(VITAMIN_C, AHA, days=7, overrides=(evening_c,))
    acid_night = next(p for p in plans if p.night_type is NightType.exfoliant)
    assert set(names(acid_night, Slot.pm)) == {"Glycolic 7", "C Serum"}


def test_i6_vitamin_c_and_niacinamide_share_the_morning_unflagged() -> None:
    plan = build(VITAMIN_C, NIACINAMIDE)
    assert names(plan, Slot.am) == ["C Serum", "Niacinamide 10"]
    assert plan.excluded == ()
    assert "I6" not in plan.rule_ids
    assert not any("niacinamide" in w.message.lower() for w in plan.warnings)


def test_i7_copper_peptide_goes_to_the_evening_away_from_vitamin_c() -> None:
    plan = build(COPPER, VITAMIN_C)
    assert names(plan, Slot.am) == ["C Serum"]
    assert names(plan, Slot.pm) == ["Copper Serum"]
    assert "I7" in plan.pm[0].rule_ids


def test_i7_copper_peptide_takes_the_morning_on_an_acid_night() -> None:
    plans = span(COPPER, AHA, days=7)
    acid_night = next(p for p in plans if p.night_type is NightType.exfoliant)
    assert names(acid_night, Slot.pm) == ["Glycolic 7"]
    assert names(acid_night, Slot.am) == ["Copper Serum"]
    other = next(p for p in plans if p.night_type is NightType.basic)
    assert names(other, Slot.pm) == ["Copper Serum"]


def test_i8_two_exfoliants_never_in_one_routine_and_take_turns() -> None:
    plans = span(AHA, BHA, days=28)
    used = set()
    for plan in plans:
        evening = set(names(plan, Slot.pm))
        assert len(evening & {"Glycolic 7", "BHA 2"}) <= 1
        used |= evening
        if plan.night_type is NightType.exfoliant:
            left = BHA if "Glycolic 7" in evening else AHA
            assert excluded(plan, left) == [("conflict", "I8")]
    assert {"Glycolic 7", "BHA 2"} <= used


def test_i9_barrier_moisturiser_is_cited_on_retinoid_nights() -> None:
    plan = build(TRETINOIN, BARRIER, profile=EXPERIENCED)
    barrier = next(s for s in plan.pm if s.product.id == BARRIER.id)
    assert "I9" in barrier.rule_ids
    assert "I9" not in next(s for s in plan.am if s.product.id == BARRIER.id).rule_ids


def test_dup1_two_moisturisers_take_one_slot_each_and_a_third_waits() -> None:
    rich = product("Rich Cream", MOISTURISER.category)
    plan = build(MOISTURISER, rich, BARRIER)
    assert names(plan, Slot.am) == ["Barrier Cream"]
    assert names(plan, Slot.pm) == ["Plain Cream"]
    assert excluded(plan, rich) == [("conflict", "DUP1")]


def test_retinoid_nights_are_never_shared_with_a_second_retinoid() -> None:
    plans = span(RETINOL, ADAPALENE, days=14, start=START + timedelta(days=60))
    for plan in plans:
        evening = names(plan, Slot.pm)
        assert not ("Retinol 0.3" in evening and "Adapalene 0.1" in evening)
