"""Dermatologist overrides, always re-checked by the guards: O1-O3, PP1, check_override."""

from datetime import timedelta

import pytest

from app.scheduling import (
    Frequency,
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
    AHA,
    BHA,
    BPO,
    CLEANSER,
    EXOSOME,
    HYDROQUINONE,
    MOISTURISER,
    NIACINAMIDE,
    OIL,
    ON,
    RETINOL,
    SPF,
    START,
    TRETINOIN,
    build,
    codes,
    excluded,
    names,
    override,
    span,
)

Action = OverrideAction
EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)
PREGNANT = Profile(pregnancy=Pregnancy.pregnant)


def used(plan) -> set[str]:
    return set(names(plan, Slot.am)) | set(names(plan, Slot.pm))


def test_o1_reorder_moves_a_step_but_never_past_the_sunscreen() -> None:
    first = override(Action.reorder, OIL, slot=Slot.am, position=1)
    last = override(Action.reorder, CLEANSER, slot=Slot.am, position=9)
    plan = build(CLEANSER, MOISTURISER, OIL, SPF, overrides=(first, last))
    assert names(plan, Slot.am) == ["Squalane", "Plain Cream", "Gentle Cleanser", "Mineral SPF50"]
    oil = plan.am[0]
    assert oil.source is StepSource.override
    assert oil.override is not None
    assert oil.override.author == "Dr Lee"
    assert "O1" in oil.rule_ids
    assert names(plan, Slot.pm) == ["Gentle Cleanser", "Plain Cream", "Squalane"]


def test_o1_moving_the_sunscreen_is_refused() -> None:
    move = override(Action.reorder, SPF, slot=Slot.am, position=1)
    plan = build(CLEANSER, SPF, overrides=(move,))
    assert names(plan, Slot.am) == ["Gentle Cleanser", "Mineral SPF50"]
    assert "override_ignored" in codes(plan)
    assert check_override(Profile(), move, SPF) == ["spf_must_be_last"]


def test_o2_a_retinoid_in_pregnancy_needs_an_acknowledged_warning() -> None:
    bare = override(Action.add, TRETINOIN, slot=Slot.pm, product=TRETINOIN)
    assert check_override(PREGNANT, bare) == ["warning_not_acknowledged"]
    plan = build(CLEANSER, profile=PREGNANT, overrides=(bare,))
    assert excluded(plan, TRETINOIN) == [("pregnancy", "P2")]
    assert plan.excluded[0].override is not None
    acknowledged = override(
        Action.add, TRETINOIN, slot=Slot.pm, product=TRETINOIN, acknowledge_warning=True
    )
    assert check_override(PREGNANT, acknowledged) == []
    plan = build(CLEANSER, profile=PREGNANT, overrides=(acknowledged,), on=START)
    assert plan.night_type is NightType.retinoid
    step = next(s for s in plan.pm if s.product.id == TRETINOIN.id)
    assert step.source is StepSource.override
    assert {"O2", "O3", "P2"} <= set(step.rule_ids)
    assert plan.warnings[0].code == "override_confirmed"


def test_o2_hard_guards_cannot_be_confirmed() -> None:
    rosacea = Profile(conditions=frozenset({"rosacea"}))
    confirm = override(Action.confirm, AHA, acknowledge_warning=True)
    assert check_override(rosacea, confirm, AHA) == ["guard_not_overridable"]
    plan = build(AHA, profile=rosacea, overrides=(confirm,))
    assert excluded(plan, AHA) == [("condition", "S1")]
    assert check_override(Profile(), confirm, AHA) == ["nothing_to_confirm"]
    hq = override(Action.confirm, HYDROQUINONE)
    assert check_override(PREGNANT, hq, HYDROQUINONE) == ["warning_not_acknowledged"]


def test_o3_remove_lists_the_product_with_the_dermatologist_and_reason() -> None:
    remove = override(Action.remove, NIACINAMIDE, reason="flushing")
    plan = build(NIACINAMIDE, CLEANSER, overrides=(remove,))
    assert "Niacinamide 10" not in used(plan)
    exclusion = next(e for e in plan.excluded if e.product.id == NIACINAMIDE.id)
    assert (exclusion.guard.value, exclusion.rule_id) == ("override", "O3")
    assert exclusion.override is not None
    assert exclusion.override.reason == "flushing"


def test_o3_remove_from_one_slot_keeps_the_other() -> None:
    remove = override(Action.remove, NIACINAMIDE, slot=Slot.pm)
    plan = build(NIACINAMIDE, overrides=(remove,))
    assert names(plan, Slot.am) == ["Niacinamide 10"]
    assert names(plan, Slot.pm) == []
    assert plan.excluded[0].slot is Slot.pm


def test_o3_overrides_apply_only_inside_their_window() -> None:
    remove = override(Action.remove, NIACINAMIDE, starts_on=ON, ends_on=ON + timedelta(days=1))
    plans = span(NIACINAMIDE, start=ON - timedelta(days=1), days=4, overrides=(remove,))
    assert ["Niacinamide 10" in used(p) for p in plans] == [True, False, False, True]


def test_o3_add_with_a_frequency_and_a_slot() -> None:
    add = override(
        Action.add,
        MOISTURISER,
        product=MOISTURISER,
        slot=Slot.pm,
        frequency=Frequency.alternate,
        starts_on=ON,
    )
    plans = span(CLEANSER, start=ON, days=4, overrides=(add,))
    assert ["Plain Cream" in names(p, Slot.pm) for p in plans] == [True, False, True, False]
    assert all("Plain Cream" not in names(p, Slot.am) for p in plans)
    assert excluded(plans[1], MOISTURISER) == [("override", "O3")]
    assert plans[0].pm[-1].source is StepSource.override


def test_o3_set_wait_and_set_frequency_shape_steps() -> None:
    wait = override(Action.set_wait, CLEANSER, wait_after_seconds=120)
    weekly = override(
        Action.set_frequency, RETINOL, frequency=Frequency.weekdays, weekdays=(1, 4), starts_on=ON
    )
    plans = span(
        CLEANSER,
        RETINOL,
        MOISTURISER,
        profile=EXPERIENCED,
        start=ON,
        days=7,
        overrides=(wait, weekly),
    )
    retinoid_days = [p.on.isoweekday() for p in plans if p.night_type is NightType.retinoid]
    assert retinoid_days == [1, 4]
    assert plans[0].am[0].wait_after_seconds == 120
    assert "2 min" in plans[0].am[0].instructions


def test_an_add_never_creates_a_forbidden_combination() -> None:
    morning = override(Action.add, RETINOL, product=RETINOL, slot=Slot.am)
    assert check_override(Profile(), morning) == ["retinoid_in_am"]
    plan = build(CLEANSER, overrides=(morning,))
    assert "Retinol 0.3" not in used(plan)
    assert excluded(plan, RETINOL) == [("conflict", "L4")]
    bpo_evening = override(Action.add, BPO, product=BPO, slot=Slot.pm)
    plan = build(TRETINOIN, profile=EXPERIENCED, overrides=(bpo_evening,))
    assert names(plan, Slot.pm) == ["Tretinoin 0.025"]
    assert excluded(plan, BPO) == [("conflict", "I1")]
    second_acid = override(Action.add, AHA, product=AHA, slot=Slot.pm)
    for plan in span(BHA, overrides=(second_acid,), days=14):
        assert len(set(names(plan, Slot.pm)) & {"BHA 2", "Glycolic 7"}) <= 1


def test_pp1_a_procedure_pause_leaves_out_retinoids_and_exfoliants() -> None:
    pause = override(Action.pause, starts_on=ON, ends_on=ON + timedelta(days=6), reason="peel")
    plans = span(
        RETINOL, BHA, NIACINAMIDE, profile=EXPERIENCED, start=ON, days=8, overrides=(pause,)
    )
    for plan in plans[:7]:
        assert excluded(plan, RETINOL) == [("procedure", "PP1")]
        assert excluded(plan, BHA) == [("procedure", "PP1")]
        assert "Niacinamide 10" in used(plan)
    assert plans[7].night_type is NightType.retinoid


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"action": Action.remove}, "missing_product"),
        ({"action": Action.set_frequency, "target": RETINOL}, "missing_frequency"),
        (
            {"action": Action.set_frequency, "target": RETINOL, "frequency": Frequency.weekdays},
            "invalid_frequency",
        ),
        ({"action": Action.set_wait, "target": CLEANSER}, "missing_wait"),
        ({"action": Action.reorder, "target": CLEANSER, "position": 0}, "missing_position"),
        ({"action": Action.shorten_patch_test, "target": CLEANSER}, "missing_patch_test_days"),
        ({"action": Action.remove, "target": CLEANSER, "reason": " "}, "missing_reason"),
        (
            {"action": Action.remove, "target": CLEANSER, "ends_on": START - timedelta(days=1)},
            "invalid_window",
        ),
        (
            {"action": Action.add, "target": EXOSOME, "product": EXOSOME, "slot": Slot.pm},
            "warning_not_acknowledged",
        ),
    ],
)
def test_check_override_names_what_is_wrong(fields: dict, code: str) -> None:
    fields = dict(fields)
    action, target = fields.pop("action"), fields.pop("target", None)
    bad = override(action, target, **fields)
    assert code in check_override(PREGNANT, bad, target)


def test_a_malformed_override_is_ignored_with_a_warning() -> None:
    bad = override(Action.set_wait, CLEANSER)
    plan = build(CLEANSER, overrides=(bad,))
    assert plan.pm[0].source is StepSource.engine
    warning = next(w for w in plan.warnings if w.code == "override_ignored")
    assert "missing_wait" in warning.message


def test_an_add_without_a_resolvable_product_is_ignored_with_a_warning() -> None:
    unresolved = override(Action.add, RETINOL, slot=Slot.pm)  # product_id only, not on the shelf
    plan = build(CLEANSER, overrides=(unresolved,))
    warning = next(w for w in plan.warnings if w.code == "override_ignored")
    assert "missing_product" in warning.message
    assert "Retinol 0.3" not in used(plan)
