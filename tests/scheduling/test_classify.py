"""What a product is, read from its category, declared actives and INCI list."""

from app.scheduling import Category, Slot, StepKind
from app.scheduling.classify import Exfoliation, RetinoidKind, classify
from app.scheduling.lexicon import LABEL_TERMS, label_terms
from tests.scheduling.factories import (
    BPO,
    CLEANSER,
    COPPER,
    SCRUB,
    TRETINOIN,
    VITAMIN_C,
    A,
    product,
)


def test_retinoids_are_found_by_active_name_and_on_the_label() -> None:
    assert classify(TRETINOIN).retinoid is RetinoidKind.tretinoin
    label_only = product("Night A", Category.moisturiser, inci=("aqua", "Retinyl Palmitate"))
    assert classify(label_only).retinoid is RetinoidKind.retinyl_ester
    both = product("Duo", Category.serum, inci=("retinol", "retinal"))
    assert classify(both).retinoid is RetinoidKind.retinaldehyde  # the strongest on the label
    undeclared = product("Rx Gel", Category.treatment, (A.retinoid, "trade secret"))
    assert classify(undeclared).retinoid is RetinoidKind.other


def test_vitamin_c_derivatives_are_not_l_ascorbic_acid() -> None:
    assert classify(VITAMIN_C).l_ascorbic
    derivative = product("C Glow", Category.serum, (A.vitamin_c, "3-O-ethyl ascorbic acid"))
    assert classify(derivative).vitamin_c
    assert not classify(derivative).l_ascorbic


def test_exfoliants_by_class_category_and_scrub_flag() -> None:
    assert classify(SCRUB).exfoliation == {Exfoliation.scrub}
    mystery = product("Peel Pads", Category.exfoliant)
    assert classify(mystery).exfoliation == {Exfoliation.unspecified}
    pha = product("PHA Toner", Category.toner, (A.pha, "gluconolactone", 4))
    assert classify(pha).exfoliation == {Exfoliation.pha}
    # a trace of lactic acid on a label is a pH adjuster, not an exfoliant
    cream = product("Cream", Category.moisturiser, inci=("aqua", "lactic acid"))
    assert not classify(cream).exfoliant


def test_rinse_off_defaults_to_cleansers() -> None:
    assert classify(CLEANSER).rinse_off
    assert not classify(product("Sleep Mask", Category.mask)).rinse_off
    assert classify(product("Clay Mask", Category.mask, rinse_off=True)).rinse_off


def test_slots_and_kinds_follow_the_actives() -> None:
    assert classify(TRETINOIN).slots == (Slot.pm,)
    assert classify(VITAMIN_C).slots == (Slot.am,)
    bpo = classify(BPO)
    assert (bpo.kind, bpo.slots, bpo.once) == (StepKind.treatment, (Slot.am, Slot.pm), True)
    copper = classify(COPPER)
    assert (copper.slots, copper.once) == ((Slot.pm, Slot.am), True)
    acid_serum = product("AHA Serum", Category.serum, (A.aha, "mandelic acid", 5))
    assert classify(acid_serum).kind is StepKind.exfoliant


def test_label_irritants_and_pregnancy_oils_are_whole_words() -> None:
    traits = classify(
        product("Mix", Category.oil, inci=("Mentha Piperita Oil", "True Rose Oil", "Eucalyptus"))
    )
    assert traits.rosacea_irritants == ("peppermint", "eucalyptus")
    assert traits.pregnancy_oils == ()  # "true" is not "rue"


def test_every_label_term_is_found_even_when_a_label_names_them_all() -> None:
    phrases = [phrase for group in LABEL_TERMS.values() for phrase in group]
    assert label_terms(phrases) == set(LABEL_TERMS)
    assert label_terms(["CI 77491"]) == {"dye"}
    assert label_terms(["Copper Tripeptide-1", "Alcohol Denat."]) == {
        "copper_peptide",
        "alcohol_denat",
    }
