"""ALT1: every exclusion for safety names up to three alternatives for its role, shelf first,
each allowed by every guard for that user and day, and never a step."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from app.scheduling import (
    AlternativeSource,
    DayPlan,
    OverrideAction,
    PatchTest,
    Pregnancy,
    Product,
    Profile,
    ShelfItem,
    build_day,
    build_days,
)
from app.scheduling.candidates import candidate
from app.scheduling.classify import classify
from app.scheduling.guards import dated_hits, facts, pregnancy_on, static_hits
from tests.scheduling.factories import (
    ADAPALENE,
    AZELAIC,
    BARRIER,
    BHA,
    BPO,
    CHEMICAL_SPF,
    CLEANSER,
    EXOSOME,
    HYDROQUINONE,
    MOISTURISER,
    NIACINAMIDE,
    ON,
    PEPTIDE,
    RETINOL,
    SPF,
    TRETINOIN,
    VITAMIN_C,
    A,
    C,
    item,
    override,
    product,
)
from tests.scheduling.strategies import POOL, dates, histories, profiles, shelves

PREGNANT_ACNE = Profile(pregnancy=Pregnancy.pregnant, conditions=frozenset({"acne"}))
PREGNANT_MELASMA = Profile(pregnancy=Pregnancy.pregnant, conditions=frozenset({"melasma"}))
TRANEXAMIC = product("Tranexamic 5", C.serum, (A.tranexamic_acid, "tranexamic acid", 5))
TAZAROTENE = product("Tazarotene 0.05", C.treatment, (A.retinoid, "tazarotene", 0.05))
SCENTED = product("Scented Cream", C.moisturiser, fragrance=True)
CATALOG = (
    ADAPALENE,
    TAZAROTENE,
    AZELAIC,
    BPO,
    NIACINAMIDE,
    HYDROQUINONE,
    TRANEXAMIC,
    VITAMIN_C,
    PEPTIDE,
    MOISTURISER,
    BARRIER,
    SCENTED,
    SPF,
    CHEMICAL_SPF,
    CLEANSER,
    EXOSOME,
)


def plan_for(*shelf: Product, profile: Profile, catalog=CATALOG, on: date = ON, overrides=()):
    return build_day(profile, [item(p) for p in shelf], overrides, on, catalog=catalog)


def alternatives(plan: DayPlan, p: Product) -> list[tuple[str, str]]:
    """(name, source) of the alternatives named for `p` (the same on each of its exclusions)."""
    named = {
        tuple((a.product.name, a.source.value) for a in e.alternatives)
        for e in plan.excluded
        if e.product.id == p.id
    }
    assert len(named) == 1, named
    return list(named.pop())


def steps(plan: DayPlan) -> set[UUID]:
    return {s.product.id for s in (*plan.am, *plan.pm)}


def test_alt1_pregnant_acne_offered_azelaic_and_bpo_not_adapalene() -> None:
    plan = plan_for(TRETINOIN, CLEANSER, profile=PREGNANT_ACNE)
    offered = alternatives(plan, TRETINOIN)
    assert offered == [
        ("Azelaic 10", "catalog"),
        ("BPO 2.5", "catalog"),
        ("Niacinamide 10", "catalog"),
    ]
    exclusion = next(e for e in plan.excluded if e.product.id == TRETINOIN.id)
    assert all(a.rule_id == "ALT1" for a in exclusion.alternatives)
    assert "ALT1" in plan.rule_ids
    never = {ADAPALENE.id, TAZAROTENE.id}
    assert not never & {a.product.id for e in plan.excluded for a in e.alternatives}


def test_alt1_pregnant_melasma_offered_azelaic_instead_of_hydroquinone() -> None:
    plan = plan_for(HYDROQUINONE, profile=PREGNANT_MELASMA, catalog=(*CATALOG, RETINOL))
    offered = alternatives(plan, HYDROQUINONE)
    assert offered[0] == ("Azelaic 10", "catalog")
    assert ("Tranexamic 5", "catalog") in offered
    assert len(offered) == 3


def test_alt1_the_shelf_comes_first() -> None:
    # three azelaic acids: two take the morning and the evening, the third waits on the shelf
    # (DUP1) and is the first alternative; today's two are never offered
    cream = product("Azelaic Cream 15", C.treatment, (A.azelaic_acid, "azelaic acid", 15))
    gel = product("Azelaic Gel 20", C.treatment, (A.azelaic_acid, "azelaic acid", 20))
    plan = plan_for(ADAPALENE, cream, gel, AZELAIC, CLEANSER, profile=PREGNANT_ACNE)
    assert {AZELAIC.id, cream.id} <= steps(plan)
    assert alternatives(plan, ADAPALENE) == [
        ("Azelaic Gel 20", "shelf"),
        ("BPO 2.5", "catalog"),
        ("Niacinamide 10", "catalog"),
    ]


def test_alt1_a_product_in_todays_plan_is_never_offered() -> None:
    plan = plan_for(TRETINOIN, AZELAIC, BPO, CLEANSER, profile=PREGNANT_ACNE)
    used = steps(plan)
    assert {AZELAIC.id, BPO.id} <= used
    offered = alternatives(plan, TRETINOIN)
    assert ("Azelaic 10", "catalog") not in offered
    assert ("BPO 2.5", "catalog") not in offered
    assert offered == [("Niacinamide 10", "catalog"), ("Barrier Cream", "catalog")]


def test_alt1_at_most_three_and_none_without_a_safe_option() -> None:
    plan = plan_for(TRETINOIN, profile=PREGNANT_ACNE, catalog=(ADAPALENE, TAZAROTENE))
    exclusion = next(e for e in plan.excluded if e.product.id == TRETINOIN.id)
    assert exclusion.alternatives == ()
    assert "ALT1" not in plan.rule_ids
    plan = plan_for(TRETINOIN, profile=PREGNANT_ACNE)
    assert all(len(e.alternatives) <= 3 for e in plan.excluded)


def test_alt1_a_basic_is_replaced_by_a_bland_basic_of_its_kind() -> None:
    eczema = Profile(conditions=frozenset({"eczema"}))
    plan = plan_for(SCENTED, SPF, profile=eczema)
    offered = alternatives(plan, SCENTED)
    assert offered == [("Barrier Cream", "catalog"), ("Plain Cream", "catalog")]


def test_alt1_an_expired_sunscreen_is_replaced_mineral_first_in_pregnancy() -> None:
    expired = product("Old SPF", C.sunscreen, spf=30)
    shelf = [item(expired, expires_on=ON - timedelta(days=1)), item(CLEANSER)]
    plan = build_day(PREGNANT_ACNE, shelf, (), ON, catalog=CATALOG)
    assert alternatives(plan, expired) == [
        ("Mineral SPF50", "catalog"),
        ("Chemical SPF50", "catalog"),
    ]


def test_alt1_patch_tests_and_rotation_waits_name_no_alternatives() -> None:
    pending = item(BHA, added_on=ON - timedelta(days=2), patch_test=PatchTest.pending)
    plan = build_day(Profile(), [pending, item(CLEANSER)], (), ON, catalog=CATALOG)
    assert all(e.alternatives == () for e in plan.excluded)


def test_alt1_a_dermatologists_removal_keeps_a_product_out_of_the_alternatives() -> None:
    removed = override(OverrideAction.remove, AZELAIC, reason="stings")
    plan = plan_for(TRETINOIN, profile=PREGNANT_ACNE, overrides=(removed,))
    assert ("Azelaic 10", "catalog") not in alternatives(plan, TRETINOIN)


def test_alt1_the_avoid_list_screens_the_alternatives_too() -> None:
    profile = Profile(
        pregnancy=Pregnancy.pregnant,
        conditions=frozenset({"acne"}),
        avoid_ingredients=frozenset({"benzoyl peroxide"}),
    )
    offered = alternatives(plan_for(TRETINOIN, profile=profile), TRETINOIN)
    assert ("BPO 2.5", "catalog") not in offered
    assert offered[0] == ("Azelaic 10", "catalog")


def test_alt1_the_catalog_default_is_empty() -> None:
    plan = build_day(PREGNANT_ACNE, [item(TRETINOIN)], (), ON)
    assert all(e.alternatives == () for e in plan.excluded)
    assert AlternativeSource.shelf.value == "shelf"


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Profile, list[ShelfItem], date, list]:
    start = draw(dates)
    return draw(profiles(start)), draw(shelves(start)), start, draw(histories(start))


@given(worlds(), st.sets(st.integers(0, len(POOL) - 1), max_size=40))
def test_alt1_every_alternative_passes_the_guards_and_is_never_a_step(world, picks) -> None:
    profile, shelf, start, history = world
    catalog = [POOL[k] for k in sorted(picks)]
    known = facts(profile)
    plans = build_days(
        profile, shelf, (), start, start + timedelta(days=6), history, catalog=catalog
    )
    for plan in plans:
        used = steps(plan)
        on_shelf = {i.product.id for i in shelf if i.added_on <= plan.on}
        state = pregnancy_on(profile, plan.on)
        for exclusion in plan.excluded:
            assert len(exclusion.alternatives) <= 3
            sources = [a.source for a in exclusion.alternatives]
            assert sources == sorted(sources, key=[AlternativeSource.shelf, "catalog"].index)
            for alternative in exclusion.alternatives:
                pid = alternative.product.id
                assert pid not in used, "a suggestion never enters the plan"
                assert pid != exclusion.product.id
                assert alternative.rule_id == "ALT1"
                if alternative.source is AlternativeSource.shelf:
                    bottles = [i for i in shelf if i.product.id == pid and i.added_on <= plan.on]
                    assert bottles
                    found = bottles[0].product
                    assert any(
                        not dated_hits(
                            candidate(b.product, item=b, added_by=None), plan.on, pauses=()
                        )
                        for b in bottles
                    )
                else:
                    assert pid not in on_shelf
                    found = next(p for p in catalog if p.id == pid)
                traits = classify(found)
                assert static_hits(traits, known, state) == ()
                if state is Pregnancy.pregnant:
                    assert traits.retinoid is None
                    assert not traits.hydroquinone
                assert not (profile.avoid_ingredients & traits.terms)


def test_alt1_one_of_each_kind_before_a_second_of_a_kind() -> None:
    gel = product("Azelaic Gel 20", C.treatment, (A.azelaic_acid, "azelaic acid", 20))
    cream = product("Azelaic Cream 15", C.treatment, (A.azelaic_acid, "azelaic acid", 15))
    plan = plan_for(TRETINOIN, profile=PREGNANT_ACNE, catalog=(gel, cream, AZELAIC, BPO))
    assert alternatives(plan, TRETINOIN) == [
        ("Azelaic 10", "catalog"),
        ("BPO 2.5", "catalog"),
        ("Azelaic Cream 15", "catalog"),
    ]
