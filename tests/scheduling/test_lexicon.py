"""One ingredient lexicon: the catalogue's flags (`flags_from_inci`, when a product is created or
seeded) and the engine's classification read a label the same way. Each case below is one where
the two used to disagree (the catalogue had its own word lists in app/catalog/inci.py)."""

from __future__ import annotations

import pytest

from app.scheduling import Category
from app.scheduling.classify import Exfoliation, classify
from app.scheduling.lexicon import flags_from_inci
from tests.scheduling.factories import product

DRYING_ALCOHOLS = [
    "Alcohol Denat.",
    "alcohol denat",
    "Denatured Alcohol",  # the catalogue missed it
    "SD Alcohol 40-B",
    "Alcohol Denat. (SD Alcohol 40-B)",  # the catalogue missed it
    "Ethanol",  # the engine missed it
    "Ethyl Alcohol",  # both missed it
    "Alcohol",  # INCI "Alcohol" is ethanol; the engine missed it
]
NOT_DRYING = [
    "Cetyl Alcohol",
    "Cetearyl Alcohol",
    "Stearyl Alcohol",
    "Behenyl Alcohol",
    "Benzyl Alcohol",
    "Phenoxyethanol",
    "Triethanolamine",
]


@pytest.mark.parametrize("name", DRYING_ALCOHOLS)
def test_denatured_alcohol_and_ethanol_are_drying_alcohol_for_both(name: str) -> None:
    assert flags_from_inci(["Aqua", name]).alcohol_denat
    traits = classify(product(f"Toner with {name}", Category.toner, inci=("aqua", name)))
    assert "alcohol denat" in traits.rosacea_irritants
    assert "alcohol denat" in traits.terms  # an avoid list naming it catches the product


@pytest.mark.parametrize("name", NOT_DRYING)
def test_fatty_alcohols_and_preservatives_are_not_drying_alcohol_for_either(name: str) -> None:
    assert not flags_from_inci(["Aqua", name]).alcohol_denat
    traits = classify(product(f"Cream with {name}", Category.moisturiser, inci=("aqua", name)))
    assert "alcohol denat" not in traits.rosacea_irritants
    assert "alcohol denat" not in traits.terms


@pytest.mark.parametrize("name", ["Parfum", "Fragrance", "Aroma", "Fragrance (Parfum)"])
def test_fragrance_is_named_by_a_word_in_an_entry_for_both(name: str) -> None:
    # "Fragrance (Parfum)": the catalogue matched whole entries only and missed it
    assert flags_from_inci(["Aqua", name]).fragrance
    traits = classify(product(f"Cream with {name}", Category.moisturiser, inci=("aqua", name)))
    assert traits.fragrance
    assert "fragrance" in traits.rosacea_irritants


@pytest.mark.parametrize(
    "name",
    [
        "Lavandula Angustifolia Oil",
        "Citrus Aurantium Dulcis Peel Oil",
        "Petroselinum Crispum Seed Oil",
    ],
)
def test_an_essential_oil_on_the_label_counts_as_fragrance_in_the_engine(name: str) -> None:
    # the engine read only the declared essential_oils flag; the catalogue read the label
    assert flags_from_inci(["Squalane", name]).essential_oils
    traits = classify(product(f"Oil with {name}", Category.oil, inci=("squalane", name)))
    assert traits.fragrance
    assert "essential oil" in traits.terms


@pytest.mark.parametrize(
    "name",
    ["Salvia Hispanica Seed Oil", "Citrus Limon Peel Extract", "Simmondsia Chinensis Seed Oil"],
)
def test_seed_oils_and_extracts_are_not_essential_oils_for_either(name: str) -> None:
    assert not flags_from_inci(["Squalane", name]).essential_oils
    traits = classify(product(f"Oil with {name}", Category.oil, inci=("squalane", name)))
    assert not traits.fragrance
    assert "essential oil" not in traits.terms


@pytest.mark.parametrize("name", ["Juglans Regia Shell Powder", "Pumice", "Sucrose Crystals"])
def test_a_scrub_on_the_label_makes_a_physical_exfoliant_in_the_engine(name: str) -> None:
    # the engine read only the declared physical_scrub flag; the catalogue read the label
    assert flags_from_inci(["Aqua", name]).physical_scrub
    traits = classify(product(f"Polish with {name}", Category.exfoliant, inci=("aqua", name)))
    assert Exfoliation.scrub in traits.exfoliation
    assert "physical scrub" in traits.terms


def test_a_label_without_any_of_them_sets_no_flag() -> None:
    flags = flags_from_inci(["Aqua", "Glycerin", "Squalane", "Niacinamide"])
    assert not flags.fragrance
    assert not flags.essential_oils
    assert not flags.alcohol_denat
    assert not flags.physical_scrub
