"""Procedures (PP1-PP6): the pause before a session, the healing window after it, the stepwise
restart, and the spacing of a series. One property pins PP5 for everything hypothesis builds:
no irritant on any day of any healing window."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from app.scheduling import (
    DayPlan,
    EngineSettings,
    NightType,
    Override,
    OverrideAction,
    PeelDepth,
    Procedure,
    ProcedureKind,
    Product,
    Profile,
    RetinoidExperience,
    Slot,
    build_days,
    min_interval_days,
    series_advice,
    series_dates,
    too_close,
    window,
)
from app.scheduling.classify import Traits, classify
from app.scheduling.procedures import bland, irritant
from tests.scheduling.factories import (
    AHA,
    AZELAIC,
    BPO,
    CHEMICAL_SPF,
    CLEANSER,
    EXOSOME,
    HYDROQUINONE,
    MOISTURISER,
    NIACINAMIDE,
    ON,
    SCRUB,
    SPF,
    TRETINOIN,
    VITAMIN_C,
    build,
    codes,
    excluded,
    item,
    names,
    override,
    span,
)
from tests.scheduling.strategies import dates, profiles, shelves
from tests.scheduling.strategies import overrides as drawn_overrides

PEEL_ID = UUID(int=77)
EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)
SHELF = (CLEANSER, TRETINOIN, AHA, VITAMIN_C, EXOSOME, MOISTURISER, SPF)


def peel(on: date = ON, depth: PeelDepth | None = PeelDepth.medium, **fields: object) -> Procedure:
    return Procedure(PEEL_ID, ProcedureKind.chemical_peel, on, depth, **fields)


def days_around(
    p: Procedure,
    *shelf: Product,
    profile: Profile = EXPERIENCED,
    before: int = 10,
    after: int = 30,
    overrides: tuple[Override, ...] = (),
) -> dict[date, DayPlan]:
    items = [item(x) for x in shelf or SHELF]
    start = p.on - timedelta(days=before)
    plans = build_days(
        profile,
        items,
        overrides,
        start,
        p.on + timedelta(days=after),
        procedures=(p,),
    )
    return {plan.on: plan for plan in plans}


def test_pp1_retinoids_and_exfoliants_stop_a_week_before_a_peel() -> None:
    p = peel()
    plans = days_around(p)
    eve = plans[p.on - timedelta(days=1)]
    assert "Tretinoin 0.025" not in names(eve, Slot.pm)
    assert ("procedure", "PP1") in excluded(eve, TRETINOIN)
    assert ("procedure", "PP1") in excluded(eve, AHA)
    assert "procedure_window" in codes(eve)
    # other products stay until the day itself
    assert "C Serum" in names(eve, Slot.am)
    # a week ahead: paused; eight days ahead: not yet
    assert excluded(plans[p.on - timedelta(days=7)], TRETINOIN)
    assert not excluded(plans[p.on - timedelta(days=8)], TRETINOIN)
    assert window(p, EXPERIENCED).pause_from == p.on - timedelta(days=7)


def test_pp1_pigment_risk_or_darker_skin_doubles_the_pause() -> None:
    p = peel()
    assert window(p, Profile(conditions=frozenset({"melasma"}))).pause_from == p.on - timedelta(14)
    assert window(p, Profile(fitzpatrick=5)).pause_from == p.on - timedelta(days=14)
    assert window(p, Profile(fitzpatrick=3)).pause_from == p.on - timedelta(days=7)
    assert window(p, Profile(concerns=frozenset({"hyperpigmentation"}))).pigment_risk
    custom = EngineSettings(procedure_pause_days=3)
    assert window(p, Profile(), custom).pause_from == p.on - timedelta(days=3)


def test_pp5_three_days_after_a_medium_peel_only_the_bland_basics() -> None:
    p = peel()
    plans = days_around(p)
    for k in (1, 2, 3):
        plan = plans[p.on + timedelta(days=k)]
        assert names(plan, Slot.am) == ["Gentle Cleanser", "Plain Cream", "Mineral SPF50"]
        assert names(plan, Slot.pm) == ["Gentle Cleanser", "Plain Cream"]
        assert plan.night_type is NightType.recovery
        for product in (TRETINOIN, AHA, VITAMIN_C, EXOSOME):
            assert ("procedure", "PP5") in excluded(plan, product)
        (warning,) = [w for w in plan.warnings if w.code == "procedure_window"]
        assert warning.rule_id == "PP5"
        until = window(p, EXPERIENCED).healing_until
        assert f"until {until}" in warning.message
        assert "Tretinoin 0.025" in warning.message
        assert "C Serum" in warning.message


def test_pp5_windows_by_kind_and_depth_and_the_safer_reading_where_silent() -> None:
    profile = Profile()
    heal = {
        depth: (window(peel(depth=depth), profile).healing_until - ON).days for depth in PeelDepth
    }
    assert heal == {PeelDepth.superficial: 3, PeelDepth.medium: 7, PeelDepth.deep: 14}
    undepth = window(peel(depth=None), profile)
    assert (undepth.healing_until - ON).days == 7
    assert "safer reading" in (undepth.note or "")
    needling = Procedure(PEEL_ID, ProcedureKind.microneedling, ON)
    assert (window(needling, profile).healing_until - ON).days == 3
    prp = window(Procedure(PEEL_ID, ProcedureKind.prp, ON), profile)
    assert "safer reading" in (prp.note or "")
    # the clinic may lengthen the window, never shorten it below the default
    ablative = Procedure(PEEL_ID, ProcedureKind.laser_ablative, ON, healing_days=21)
    assert (window(ablative, profile).healing_until - ON).days == 21
    short = Procedure(PEEL_ID, ProcedureKind.laser_ablative, ON, healing_days=2)
    assert (window(short, profile).healing_until - ON).days == 14


def test_pp5_exosome_serum_only_when_the_clinic_says_so_and_labelled_an_adjunct() -> None:
    day_after = ON + timedelta(days=1)
    home = days_around(peel())[day_after]
    assert "Exo Serum" not in names(home, Slot.pm)
    clinic = days_around(peel(clinic_exosome=True))
    assert "Exo Serum" in names(clinic[day_after], Slot.pm) + names(clinic[day_after], Slot.am)
    assert "procedure_exosome_adjunct" in codes(clinic[day_after])
    # never on the day itself: the clinic applies its own on broken skin
    assert ("procedure", "PP5") in excluded(clinic[ON], EXOSOME)
    confirmed = days_around(
        peel(), overrides=(override(OverrideAction.confirm, EXOSOME, starts_on=ON),)
    )
    assert not excluded(confirmed[day_after], EXOSOME)


def test_pp5_the_day_of_the_procedure_follows_the_clinic() -> None:
    plan = days_around(peel())[ON]
    for step in (*plan.am, *plan.pm):
        assert "follow your clinic's instructions" in step.instructions
        assert "PP5" in step.rule_ids


def test_pp5_a_mineral_sunscreen_replaces_a_chemical_one_but_one_is_never_left_without() -> None:
    both = days_around(peel(), CLEANSER, MOISTURISER, SPF, CHEMICAL_SPF)[ON + timedelta(days=2)]
    assert names(both, Slot.am)[-1] == "Mineral SPF50"
    assert ("procedure", "PP5") in excluded(both, CHEMICAL_SPF)
    only = days_around(peel(), CLEANSER, MOISTURISER, CHEMICAL_SPF)[ON + timedelta(days=2)]
    assert names(only, Slot.am)[-1] == "Chemical SPF50"


def test_pp5_restart_is_stepwise_retinoid_on_a_shortened_ramp_then_exfoliants() -> None:
    p = peel()
    w = window(p, EXPERIENCED)
    plans = days_around(p, after=40)
    nights = [
        (day - w.resume_on).days
        for day, plan in plans.items()
        if day >= w.resume_on and plan.night_type is NightType.retinoid
    ]
    # every 3rd night in the first week, every 2nd in the second, then the user's own nightly
    assert nights[:6] == [0, 3, 6, 8, 10, 12]
    assert nights[6:9] == [14, 15, 16]
    for k in range(7):
        plan = plans[w.resume_on + timedelta(days=k)]
        assert ("procedure", "PP5") in excluded(plan, AHA)
        assert "C Serum" in names(plan, Slot.am)
    assert not excluded(plans[w.exfoliants_resume_on], AHA)


def test_pp2_isotretinoin_warns_for_ablative_laser_not_for_a_superficial_peel() -> None:
    on_iso = Profile(oral_medications=frozenset({"isotretinoin"}))
    laser = Procedure(PEEL_ID, ProcedureKind.laser_ablative, ON)
    plans = days_around(laser, CLEANSER, MOISTURISER, SPF, profile=on_iso)
    assert "procedure_isotretinoin" in codes(plans[ON])
    light = days_around(peel(depth=PeelDepth.superficial), CLEANSER, profile=on_iso)
    assert "procedure_isotretinoin" not in codes(light[ON])


def test_pp4_aha_sun_sensitivity_lasts_a_week_after_the_pause() -> None:
    p = peel()
    w = window(p, EXPERIENCED)
    plans = days_around(p, CLEANSER, AHA, MOISTURISER, SPF, before=20)
    for k in range(7):
        assert "aha_sun_sensitivity" in codes(plans[w.pause_from + timedelta(days=k)])
    # no AHA on the shelf: no such warning
    plain = days_around(p, CLEANSER, MOISTURISER, SPF)
    assert "aha_sun_sensitivity" not in codes(plain[w.pause_from])


def test_pp3_a_series_outside_the_protocol_is_said_so() -> None:
    assert series_advice(ProcedureKind.microneedling, 4, 28, 6) == []
    advice = series_advice(ProcedureKind.microneedling, 8, 45, 24)
    assert {w.rule_id for w in advice} == {"PP3"}
    assert len(advice) == 3
    assert series_advice(ProcedureKind.prp, 3, 21, 6) == []
    assert series_dates(ON, 4, 28) == [ON + timedelta(days=28 * k) for k in range(4)]


def test_pp6_minimum_spacing_by_kind_and_family() -> None:
    assert min_interval_days(ProcedureKind.microneedling) == 21
    assert min_interval_days(ProcedureKind.prf) == 21
    assert min_interval_days(ProcedureKind.chemical_peel, PeelDepth.superficial) == 14
    assert too_close(ProcedureKind.microneedling, None, series_dates(ON, 4, 28), []) == []
    close = too_close(ProcedureKind.microneedling, None, series_dates(ON, 2, 10), [])
    assert close == [(ON + timedelta(days=10), ON)]
    # microneedling with PRP is spaced against plain microneedling; a peel is not
    existing = [(ProcedureKind.microneedling_prp, None, ON - timedelta(days=10))]
    assert too_close(ProcedureKind.microneedling, None, [ON], existing)
    other = [(ProcedureKind.chemical_peel, PeelDepth.medium, ON - timedelta(days=10))]
    assert not too_close(ProcedureKind.microneedling, None, [ON], other)


def test_no_procedure_no_change() -> None:
    assert (
        build(*SHELF, profile=EXPERIENCED)
        == build_days(EXPERIENCED, [item(x) for x in SHELF], (), ON, ON, procedures=())[0]
    )
    assert span(*SHELF, days=3)


# --- the property -------------------------------------------------------------------------------

_KINDS = [(kind, None) for kind in ProcedureKind if kind is not ProcedureKind.chemical_peel] + [
    (ProcedureKind.chemical_peel, depth) for depth in (*PeelDepth, None)
]


@st.composite
def procedure_worlds(draw: st.DrawFn) -> tuple[Profile, list, list, Procedure]:  # type: ignore[type-arg]
    base = draw(dates)
    shelf = draw(shelves(base))
    shelf.extend(item(x) for x in draw(st.lists(st.sampled_from([BPO, AZELAIC, HYDROQUINONE,
        SCRUB, NIACINAMIDE, VITAMIN_C, EXOSOME]), max_size=3, unique=True)))  # fmt: skip
    profile = draw(profiles(base))
    drawn = draw(drawn_overrides(base, shelf))
    kind, depth = draw(st.sampled_from(_KINDS))
    p = Procedure(
        PEEL_ID,
        kind,
        base + timedelta(days=draw(st.integers(-5, 5))),
        depth,
        clinic_exosome=draw(st.booleans()),
    )
    return profile, shelf, drawn, p


def _pp5_irritant(t: Traits) -> bool:
    """PP5's list, read off the traits independently of the module under test."""
    return bool(
        t.retinoid is not None
        or t.exfoliation  # AHA/BHA/PHA, scrubs, acid washes
        or t.vitamin_c
        or t.bpo
        or t.hydroquinone
        or t.azelaic
        or t.fragrance
    )


@given(procedure_worlds())
def test_pp5_no_irritant_in_any_healing_window(world: tuple) -> None:  # type: ignore[type-arg]
    profile, shelf, drawn, p = world
    w = window(p, profile)
    plans = build_days(
        profile, shelf, drawn, p.on - timedelta(days=1), w.healing_until, procedures=(p,)
    )
    for plan in plans:
        used = [s.product for s in (*plan.am, *plan.pm)]
        by_id = {x.product.id: x.product for x in shelf}
        by_id.update({o.product.id: o.product for o in drawn if o.product is not None})
        for step in used:
            traits = classify(by_id[step.id])
            if plan.on < p.on:
                assert traits.retinoid is None, (plan.on, step.name)
                assert not traits.exfoliant, (plan.on, step.name)
                continue
            assert not _pp5_irritant(traits), (plan.on, step.name)
            assert not irritant(traits), (plan.on, step.name)
            assert bland(traits) or traits.exosome, (plan.on, step.name)
            if traits.exosome:
                assert plan.on > p.on
        if plan.on >= p.on:
            assert plan.night_type is NightType.recovery
            assert "procedure_window" in codes(plan)
