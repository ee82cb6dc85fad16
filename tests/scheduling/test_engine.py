"""The engine's contract: ranges, dates on the shelf, explanations, determinism."""

from datetime import timedelta

import pytest

from app.scheduling import (
    RULES,
    Category,
    OverrideAction,
    Pregnancy,
    Profile,
    Slot,
    build_day,
    build_days,
    check_override,
)
from tests.scheduling.factories import (
    AHA,
    BPO,
    CLEANSER,
    EXOSOME,
    MOISTURISER,
    ON,
    RETINOL,
    SPF,
    VITAMIN_C,
    A,
    build,
    item,
    names,
    override,
    product,
    span,
)


def test_a_range_is_the_days_one_by_one() -> None:
    shelf = [item(p) for p in (CLEANSER, RETINOL, AHA, EXOSOME, SPF)]
    plans = build_days(Profile(), shelf, (), ON, ON + timedelta(days=9))
    assert [p.on for p in plans] == [ON + timedelta(days=k) for k in range(10)]
    assert plans == [build_day(Profile(), shelf, (), p.on) for p in plans]


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        build_days(Profile(), [], (), ON, ON - timedelta(days=1))


def test_a_product_is_on_the_shelf_from_the_day_it_was_added() -> None:
    later = item(MOISTURISER, added_on=ON + timedelta(days=1))
    plans = span(later, start=ON, days=2)
    assert names(plans[0], Slot.am) == []
    assert plans[0].excluded == ()
    assert names(plans[1], Slot.am) == ["Plain Cream"]


def test_every_cited_rule_is_in_the_catalogue_and_listed_on_the_plan() -> None:
    plan = build(
        CLEANSER, RETINOL, VITAMIN_C, BPO, SPF, profile=Profile(pregnancy=Pregnancy.pregnant)
    )
    cited = {r for s in (*plan.am, *plan.pm) for r in s.rule_ids}
    cited |= {e.rule_id for e in plan.excluded} | {w.rule_id for w in plan.warnings if w.rule_id}
    assert plan.rule_ids == tuple(sorted(cited))
    assert set(plan.rule_ids) <= RULES.keys()


def test_a_bpo_wash_reads_as_a_wash() -> None:
    wash = product("BPO Wash", Category.cleanser, (A.benzoyl_peroxide, "benzoyl peroxide", 4))
    step = build(wash).am[0]
    assert step.instructions.startswith("Massage onto damp skin")
    assert {"I1", "I3"} <= set(step.rule_ids)


def test_a_confirm_is_refused_when_a_guard_no_override_lifts_remains() -> None:
    scented = product("Scented Retinol", Category.serum, (A.retinoid, "retinol"), fragrance=True)
    profile = Profile(pregnancy=Pregnancy.pregnant, conditions=frozenset({"rosacea"}))
    confirm = override(OverrideAction.confirm, scented, acknowledge_warning=True)
    assert check_override(profile, confirm, scented) == ["guard_not_overridable"]
    plan = build(scented, profile=profile, overrides=(confirm,))
    assert "Scented Retinol" not in names(plan, Slot.pm)
