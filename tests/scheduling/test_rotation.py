"""The rotation: night types, the retinoid ramp (R1-R7), history, exfoliant nights (S4)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.scheduling import (
    Irritation,
    NightType,
    PatchTest,
    Profile,
    RetinoidExperience,
    Sensitivity,
    Slot,
)
from app.scheduling.rotation import Phase, Ramp, RetinoidGrid, shapes_plan
from tests.scheduling.factories import (
    ADAPALENE,
    AHA,
    BHA,
    CLEANSER,
    EXOSOME,
    MOISTURISER,
    RETINOL,
    SPF,
    START,
    TRETINOIN,
    VITAMIN_C,
    build,
    codes,
    excluded,
    item,
    log,
    names,
    span,
)

SENSITIVE = Profile(sensitivity=Sensitivity.high)
EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)


def retinoid_days(plans: list) -> list[int]:
    return [(plan.on - START).days for plan in plans if plan.night_type is NightType.retinoid]


def day(n: int) -> date:
    return START + timedelta(days=n)


def test_r1_beginner_starts_every_third_night_and_is_nightly_by_week_six() -> None:
    nights = retinoid_days(span(RETINOL, days=49))
    assert nights[:5] == [0, 3, 6, 9, 12]  # weeks 1-2: every 3rd night
    assert [n for n in nights if 14 <= n < 35] == list(range(15, 35, 2))  # then every 2nd
    assert [n for n in nights if n >= 35] == list(range(35, 49))  # nightly from week 6


def test_r1_sensitive_skin_ramps_slower_and_stays_at_alternate_nights() -> None:
    nights = retinoid_days(span(RETINOL, profile=SENSITIVE, days=70))
    assert [n for n in nights if n < 28] == list(range(0, 28, 3))
    later = [n for n in nights if n >= 28]
    assert all(b - a == 2 for a, b in zip(later, later[1:], strict=False))


def test_r1_experienced_users_start_at_their_target() -> None:
    assert retinoid_days(span(RETINOL, profile=EXPERIENCED, days=7)) == list(range(7))


def test_r1_moderate_irritation_makes_the_next_night_a_recovery_night() -> None:
    history = (log(day(2), irritation=Irritation.moderate),)
    plans = span(RETINOL, AHA, EXOSOME, CLEANSER, days=8, history=history)
    recovery = plans[3]
    assert recovery.night_type is NightType.recovery
    assert names(recovery, Slot.pm) == ["Gentle Cleanser"]
    assert "recovery_night" in codes(recovery)
    # the skipped retinoid night moves to the next night (R7)
    assert plans[4].night_type is NightType.retinoid


def test_r1_severe_irritation_pauses_actives_for_several_days_and_says_see_a_doctor() -> None:
    # logged in the morning: the rest starts that same evening (day 2) and lasts three days
    history = (log(day(2), Slot.am, irritation=Irritation.severe),)
    plans = span(RETINOL, VITAMIN_C, MOISTURISER, days=10, history=history)
    for rest in plans[2:5]:
        assert rest.night_type is NightType.recovery
        assert "severe_irritation" in codes(rest)
        assert names(rest, Slot.am) == ["Plain Cream"]  # no vitamin C in the morning either
    assert "severe_irritation" not in codes(plans[5])
    assert plans[5].night_type is NightType.retinoid
    assert "C Serum" in names(plans[5], Slot.am)


def test_r2_retinoid_is_pea_sized_on_dry_skin_away_from_eyes_and_mouth() -> None:
    step = build(RETINOL, profile=EXPERIENCED).pm[0]
    assert step.amount == "a pea-sized amount for the whole face"
    assert "nasal creases" in step.instructions
    assert "R2" in step.rule_ids


def test_r3_sensitive_tretinoin_user_is_offered_short_contact() -> None:
    sensitive_step = build(TRETINOIN, profile=SENSITIVE, on=START).pm[0]
    assert "R3" in sensitive_step.rule_ids
    assert "30 min, then washed off" in sensitive_step.instructions
    assert "R3" not in build(TRETINOIN, profile=EXPERIENCED).pm[0].rule_ids


def test_r4_buffering_is_offered_only_while_acclimatising() -> None:
    ramping = build(RETINOL, profile=SENSITIVE, on=START).pm[0]
    assert "R4" in ramping.rule_ids
    settled = build(RETINOL, profile=SENSITIVE, on=START + timedelta(days=60))
    assert settled.night_type is NightType.retinoid
    assert "R4" not in settled.pm[0].rule_ids


def test_r5_beginner_gets_the_lowest_strength_and_experienced_the_strongest() -> None:
    # two over-the-counter retinoids: the strength ladder picks (a prescribed one wins: R8)
    beginner = build(RETINOL, ADAPALENE)
    assert beginner.night_type is NightType.retinoid
    assert names(beginner, Slot.pm) == ["Retinol 0.3"]
    assert excluded(beginner, ADAPALENE) == [("conflict", "R5")]
    experienced = build(RETINOL, ADAPALENE, profile=EXPERIENCED)
    assert names(experienced, Slot.pm) == ["Adapalene 0.1"]


def test_r6_a_retinoid_in_use_calls_for_sunscreen_every_day() -> None:
    plans = span(RETINOL, SPF, days=3)
    assert plans[1].night_type is not NightType.retinoid
    for plan in plans:
        assert "sunscreen_with_retinoid" in codes(plan)
        assert "R6" in plan.rule_ids


def test_r7_a_missed_night_is_retimed_from_the_last_one_used() -> None:
    history = (log(day(3), done=False),)
    nights = retinoid_days(span(RETINOL, days=12, history=history))
    assert nights == [0, 3, 4, 7, 10]


def test_r7_an_unlogged_or_done_night_counts_as_used() -> None:
    done = (log(day(3), done=True), log(day(3), Slot.am, done=False))
    assert retinoid_days(span(RETINOL, days=12)) == [0, 3, 6, 9]
    assert retinoid_days(span(RETINOL, days=12, history=done)) == [0, 3, 6, 9]


def test_r7_history_only_changes_the_dates_after_the_log() -> None:
    history = (log(day(3), done=False), log(day(5), irritation=Irritation.severe))
    with_logs = span(RETINOL, AHA, days=4, history=history)
    without = span(RETINOL, AHA, days=4)
    assert with_logs == without


def test_r7_any_date_is_computed_directly() -> None:
    far = START + timedelta(days=3650)
    direct = build(RETINOL, profile=SENSITIVE, on=far)
    walked = span(RETINOL, profile=SENSITIVE, start=START, days=3651)[-1]
    assert direct == walked


def test_retinoid_grid_starts_when_the_patch_test_ends() -> None:
    pending = item(RETINOL, patch_test=PatchTest.pending)
    nights = retinoid_days(span(pending, days=14))
    assert nights[0] == 7


def test_s4_sensitive_skin_gets_one_exfoliant_night_a_week_others_two() -> None:
    sensitive_weeks = span(BHA, profile=SENSITIVE, days=28)
    normal_weeks = span(BHA, days=28)
    for week in range(4):
        sensitive_week = sensitive_weeks[week * 7 : week * 7 + 7]
        normal_week = normal_weeks[week * 7 : week * 7 + 7]
        assert sum(p.night_type is NightType.exfoliant for p in sensitive_week) == 1
        assert sum(p.night_type is NightType.exfoliant for p in normal_week) == 2
    exfoliant_days = [p.on for p in normal_weeks if p.night_type is NightType.exfoliant]
    assert all((b - a).days > 1 for a, b in zip(exfoliant_days, exfoliant_days[1:], strict=False))
    assert "S4" in next(p for p in sensitive_weeks if p.night_type is NightType.exfoliant).rule_ids


def test_s4_sensitive_skin_never_exfoliates_next_to_a_retinoid_night() -> None:
    plans = span(RETINOL, BHA, profile=SENSITIVE, days=56)
    retinoid_nights = {p.on for p in plans if p.night_type is NightType.retinoid}
    for plan in plans:
        if plan.night_type is NightType.exfoliant:
            assert plan.on - timedelta(days=1) not in retinoid_nights
            assert plan.on + timedelta(days=1) not in retinoid_nights


def test_exosome_takes_the_non_retinoid_nights() -> None:
    plans = span(RETINOL, EXOSOME, MOISTURISER, days=7)
    for plan in plans:
        in_evening = "Exo Serum" in names(plan, Slot.pm)
        assert in_evening == (plan.night_type is not NightType.retinoid)
        assert "Exo Serum" in names(plan, Slot.am)
    assert plans[1].night_type is NightType.exosome


def naive_nights(ramp: Ramp, anchor: date, restarts: list[date], until: date) -> set[date]:
    """Walk the grid day by day: the reference `RetinoidGrid.is_night` must agree with."""
    nights: set[date] = set()
    night = anchor
    while night <= until:
        nights.add(night)
        offset = (night - anchor).days
        interval = ramp.phases[ramp.stage(offset)].interval
        following = night + timedelta(days=interval)
        restart = next((r for r in restarts if night < r <= following), None)
        if restart is not None:
            nights = {n for n in nights if n < restart}
            night = restart
        else:
            night = following
    return nights


@given(
    phases=st.lists(st.tuples(st.integers(1, 20), st.integers(1, 4)), min_size=0, max_size=3),
    first=st.integers(1, 4),
    gaps=st.lists(st.integers(1, 15), max_size=4),
)
def test_retinoid_grid_matches_a_day_by_day_walk(
    phases: list[tuple[int, int]], first: int, gaps: list[int]
) -> None:
    starts, built = 0, [Phase(0, first)]
    for length, interval in phases:
        starts += length
        built.append(Phase(starts, interval))
    ramp = Ramp(tuple(built))
    restarts, at = [], START
    for gap in gaps:
        at += timedelta(days=gap)
        restarts.append(at)
    until = START + timedelta(days=120)
    grid = RetinoidGrid(START, ramp, tuple(restarts))
    expected = naive_nights(ramp, START, restarts, until)
    computed = {
        START + timedelta(days=k) for k in range(121) if grid.is_night(START + timedelta(days=k))
    }
    assert computed == expected


def test_r7_only_plan_shaping_logs_matter_to_the_rotation() -> None:
    """What the service loads (shapes_plan logs) gives the same rotation as the full history."""
    history = (
        log(day(1), done=True),
        log(day(3), done=False),
        log(day(4), Slot.am, done=True),
        log(day(6), done=True, irritation=Irritation.mild),
    )
    shaping = tuple(entry for entry in history if shapes_plan(entry))
    full = span(RETINOL, days=12, history=history)
    assert retinoid_days(full) != retinoid_days(span(RETINOL, days=12))  # the miss matters
    assert span(RETINOL, days=12, history=shaping) == full
