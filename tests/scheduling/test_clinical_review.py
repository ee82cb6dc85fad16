"""Regressions from the clinical review of persona plans (realistic shelves, read as a
dermatologist would): each test names the rule it protects."""

import re
from datetime import timedelta

from app.scheduling import (
    RULES,
    Category,
    ExosomeSource,
    FilterType,
    Irritation,
    NightType,
    Pregnancy,
    Profile,
    RetinoidExperience,
    Sensitivity,
    Slot,
    StepKind,
)
from app.scheduling.classify import classify
from app.scheduling.lexicon import label_terms
from app.scheduling.rules import DEFAULT
from tests.scheduling.factories import (
    ADAPALENE,
    AHA,
    BHA,
    CLEANSER,
    ESSENCE,
    EXOSOME,
    MOISTURISER,
    NIACINAMIDE,
    OIL,
    PEPTIDE,
    RETINOL,
    SCRUB,
    SPF,
    START,
    TONER,
    TRETINOIN,
    VITAMIN_C,
    A,
    build,
    codes,
    excluded,
    log,
    names,
    product,
    span,
)

EXPERIENCED = Profile(retinoid_experience=RetinoidExperience.experienced)
PREGNANT = Profile(pregnancy=Pregnancy.pregnant)
SPF_MOISTURISER = product(
    "Veil Cream SPF 30", Category.moisturiser, spf=30, filter_type=FilterType.hybrid
)


def test_sun1_an_spf_moisturiser_is_the_morning_sunscreen() -> None:
    """A moisturiser labelled SPF 30 protects: it is the sunscreen step, not a duplicate
    moisturiser that loses to a plain cream while the user is told they have no sunscreen."""
    plan = build(CLEANSER, SPF_MOISTURISER, MOISTURISER, OIL, RETINOL)
    assert names(plan, Slot.am) == ["Gentle Cleanser", "Squalane", "Veil Cream SPF 30"]
    last = plan.am[-1]
    assert last.kind is StepKind.spf
    assert "just over 1/2 teaspoon" in last.amount
    assert last.wait_after_seconds == 15 * 60
    assert "L5" in last.rule_ids
    assert "no_sunscreen" not in codes(plan)
    assert excluded(plan, SPF_MOISTURISER) == []
    assert "Plain Cream" in names(plan, Slot.pm)


def test_l5_under_a_sunscreen_an_spf_moisturiser_is_the_moisturiser() -> None:
    plan = build(CLEANSER, SPF_MOISTURISER, SPF, OIL)
    assert names(plan, Slot.am) == [
        "Gentle Cleanser",
        "Squalane",
        "Veil Cream SPF 30",
        "Mineral SPF50",
    ]
    cream, sunscreen = plan.am[-2], plan.am[-1]
    assert cream.kind is StepKind.moisturiser
    assert "1/2 teaspoon" not in cream.amount
    assert cream.wait_after_seconds < 15 * 60
    assert sunscreen.kind is StepKind.spf
    assert sunscreen.wait_after_seconds == 15 * 60


def test_e2_an_expired_spf_moisturiser_is_expired_sunscreen() -> None:
    from tests.scheduling.factories import ON, item

    plan = build(item(SPF_MOISTURISER, expires_on=ON - timedelta(days=1)), MOISTURISER)
    assert excluded(plan, SPF_MOISTURISER) == [("expiry", "E2")]
    assert "no_sunscreen" in codes(plan)


def test_r1_irritation_logged_in_the_morning_makes_that_same_evening_a_recovery_night() -> None:
    plans = span(RETINOL, CLEANSER, days=7)
    retinoid_night = next(
        p.on for p in plans if p.night_type is NightType.retinoid and p.on > START
    )
    history = (log(retinoid_night, Slot.am, irritation=Irritation.moderate),)
    plan = build(RETINOL, CLEANSER, on=retinoid_night, history=history)
    assert plan.night_type is NightType.recovery
    assert names(plan, Slot.pm) == ["Gentle Cleanser"]
    # logged in the evening, it is the next evening that recovers
    evening = (log(retinoid_night, Slot.pm, irritation=Irritation.moderate),)
    assert build(RETINOL, on=retinoid_night, history=evening).night_type is NightType.retinoid
    after = build(RETINOL, on=retinoid_night + timedelta(days=1), history=evening)
    assert after.night_type is NightType.recovery


def test_r1_severe_irritation_says_when_actives_restart() -> None:
    history = (log(START + timedelta(days=2), Slot.pm, irritation=Irritation.severe),)
    plans = span(RETINOL, MOISTURISER, days=8, history=history)
    message = next(w.message for w in plans[3].warnings if w.code == "severe_irritation")
    last_rest = plans[5].on
    assert plans[5].night_type is NightType.recovery
    assert plans[6].night_type is not NightType.recovery
    assert str(last_rest) in message
    assert "before starting them again" not in message  # the plan restarts them on its own


def test_p7_chia_seed_oil_is_not_sage_essential_oil() -> None:
    """Salvia hispanica (chia) seed oil is a fixed food oil with no essential oil: P7's sage is
    the thujone-bearing sage oils (Salvia officinalis, clary sage...)."""
    assert "sage" not in label_terms(["Salvia Hispanica (Chia) Seed Oil"])
    assert "sage" not in label_terms(["Salvia Hispanica Seed Extract"])
    assert "sage" in label_terms(["Salvia Officinalis (Sage) Oil"])
    assert "sage" in label_terms(["Salvia Sclarea (Clary) Oil"])
    assert "sage" in label_terms(["Sage Leaf Oil"])
    # a label that names chia and real sage is still flagged
    assert "sage" in label_terms(["Salvia Hispanica Seed Oil, Salvia Officinalis Oil"])
    chia = product("Chia Oil", Category.oil, inci=("Salvia Hispanica Seed Oil", "Tocopherol"))
    sage = product("Sage Oil Blend", Category.oil, inci=("Squalane", "Salvia Officinalis Oil"))
    plan = build(chia, sage, CLEANSER, profile=PREGNANT)
    assert excluded(plan, chia) == []
    assert "Chia Oil" in names(plan, Slot.pm)
    assert excluded(plan, sage) == [("pregnancy", "P7")]


def test_r2_a_toner_or_essence_dries_before_the_retinoid() -> None:
    """The retinoid goes on dry skin (R2): the layer before it does not say 'still damp'."""
    plan = build(CLEANSER, ESSENCE, RETINOL, MOISTURISER, profile=EXPERIENCED)
    assert plan.night_type is NightType.retinoid
    assert names(plan, Slot.pm)[:3] == ["Gentle Cleanser", "Hydrating Essence", "Retinol 0.3"]
    essence = plan.pm[1]
    assert "still damp" not in essence.instructions
    assert "dry" in essence.instructions
    assert "R2" in essence.rule_ids
    assert essence.wait_after_seconds >= 3 * 60


def test_l3_the_exosome_serum_goes_on_while_the_essence_is_still_damp() -> None:
    plan = build(CLEANSER, TONER, EXOSOME, NIACINAMIDE)
    toner, essence_like = plan.am[1], plan.am[2]
    assert essence_like.kind is StepKind.exosome_serum
    assert toner.wait_after_seconds == 0
    assert "Wait 30 s" not in toner.instructions
    # before anything else a toner gets the ordinary wait
    plain = build(CLEANSER, TONER, NIACINAMIDE).am[1]
    assert "still damp" not in plain.instructions


_CITATION = re.compile(r"\(([^()]*)\)")


def test_l3_grade_u_rules_cited_in_instructions_are_labelled_configurable_defaults() -> None:
    sensitive = Profile(sensitivity=Sensitivity.high)
    shelves = [
        (CLEANSER, TONER, ESSENCE, EXOSOME, VITAMIN_C, NIACINAMIDE, PEPTIDE, MOISTURISER, OIL, SPF),
        (CLEANSER, AHA, BHA, SCRUB, RETINOL, MOISTURISER, SPF),
        (CLEANSER, TRETINOIN, VITAMIN_C, MOISTURISER, SPF),
    ]
    for shelf in shelves:
        for profile in (Profile(), sensitive):
            for plan in span(*shelf, profile=profile, days=14):
                for step in (*plan.am, *plan.pm):
                    for group in _CITATION.findall(step.instructions):
                        ids = [token.strip() for token in group.split(",")]
                        if any(i in RULES and RULES[i].configurable_default for i in ids):
                            assert DEFAULT in group, (step.product.name, step.instructions)


def test_i2_a_salicylic_wash_is_a_cleanser_not_an_exfoliant_night() -> None:
    """A 2 % salicylic acid wash is on the skin for seconds: it cleanses every morning and on
    evenings without a retinoid (I2); on an exfoliant night it is rinsed off before the leave-on
    exfoliant goes on, so I8 does not keep it out (I12)."""
    wash = product("BHA Wash", Category.cleanser, (A.bha, "salicylic acid", 2))
    assert not classify(wash).timed_exfoliant
    assert classify(BHA).timed_exfoliant
    plans = span(wash, ADAPALENE, MOISTURISER, SPF, days=14)
    for plan in plans:
        assert names(plan, Slot.am)[0] == "BHA Wash"
        assert plan.night_type is not NightType.exfoliant
        if plan.night_type is NightType.retinoid:
            assert "BHA Wash" not in names(plan, Slot.pm)
        else:
            assert names(plan, Slot.pm)[0] == "BHA Wash"
    step = plans[1].am[0]
    assert "SUN3" in step.rule_ids
    assert "Exfoliant night" not in step.instructions
    with_leave_on = span(wash, BHA, MOISTURISER, SPF, days=14)
    acid_nights = [p for p in with_leave_on if p.night_type is NightType.exfoliant]
    assert acid_nights
    for plan in acid_nights:
        assert names(plan, Slot.pm) == ["BHA Wash", "BHA 2", "Plain Cream"]
        assert excluded(plan, wash) == []


def test_i2_exclusion_does_not_promise_an_alternating_night_that_never_comes() -> None:
    plan = build(TRETINOIN, AHA, MOISTURISER, profile=EXPERIENCED)
    reason = next(e.reason for e in plan.excluded if e.product.id == AHA.id)
    assert "alternate" not in reason


def test_s1_rosacea_reason_reads_as_a_sentence() -> None:
    fragranced = product("Scented Cream", Category.moisturiser, fragrance=True)
    plan = build(fragranced, profile=Profile(conditions=frozenset({"rosacea"})))
    reason = next(e.reason for e in plan.excluded if e.product.id == fragranced.id)
    assert "which commonly trigger it" not in reason


def test_exo1_the_exosome_source_is_named_in_plain_words() -> None:
    msc = product(
        "MSC Serum",
        Category.exosome_serum,
        (A.exosome, "exosome"),
        exosome_source=ExosomeSource.human_msc,
    )
    step = build(msc).am[0]
    assert "Optional adjunct, limited evidence" in step.instructions
    assert "human stem cells" in step.instructions
    assert "human msc" not in step.instructions


def test_p4_two_percent_salicylic_says_it_is_the_safer_reading() -> None:
    plan = build(BHA, profile=PREGNANT)
    reason = next(e.reason for e in plan.excluded if e.product.id == BHA.id)
    assert "safer reading" in reason
