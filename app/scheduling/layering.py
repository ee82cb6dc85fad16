"""Order and waits that depend on a product's base (L7): oil and balm cleansers, oil-based serums.

- An oil or balm cleanser (a cleanser named so) opens an evening double cleanse: it goes first,
  then the water-based cleanser. It has a role of its own, so the two are not duplicates (DUP1);
  with a water-based cleanser on the shelf it is an evening step only (clinical.narrow).
- An oil-based serum (a serum or active named an oil, or whose label has oils but no water)
  goes after the water-based serums, before the eye cream and moisturiser; a facial oil stays
  last (L2).

The catalogue does not say what a product's base is, so both are read from the name and the
label; a product that does not say stays where L1-L3 put it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.scheduling.classify import Traits
from app.scheduling.inputs import Category, Product
from app.scheduling.plan import StepKind

OIL_CLEANSER_ROLE = "cleanse:oil"
_OIL_NAME = re.compile(r"\b(?:oil|oils|balm)\b")
_WATER = re.compile(r"^(?:aqua|water|eau)\b")
_OIL_INCI = re.compile(r"\boil\b|squalane|triglyceride")


def oil_cleanser(product: Product) -> bool:
    return product.category is Category.cleanser and _oil_name(product.name)


def oil_based(product: Product) -> bool:
    """A serum in an oil base (L7)."""
    if product.category is not Category.serum:
        return False
    return _oil_name(product.name) or _oil_label(product.inci)


# keyed on the name and the label, not the Product: strings cache their hash, a Product does not
@lru_cache(maxsize=4096)
def _oil_name(name: str) -> bool:
    return bool(_OIL_NAME.search(name.lower()))


@lru_cache(maxsize=4096)
def _oil_label(inci: tuple[str, ...]) -> bool:
    names = [name.lower() for name in inci]
    return (
        bool(names)
        and not any(_WATER.match(name) for name in names)
        and any(_OIL_INCI.search(name) for name in names)
    )


def layered(product: Product, traits: Traits) -> Traits:
    """The traits with the role an oil cleanser needs to join a double cleanse."""
    if traits.kind is StepKind.cleanse and oil_cleanser(product):
        return traits._replace(role=OIL_CLEANSER_ROLE)
    return traits


def layer_place(product: Product, traits: Traits, place: int) -> int:
    """`place` (ordering.place_in_slot) moved for L7: an oil-based serum after the water-based
    ones (a retinoid or exfoliant keeps the place the night gives it), an oil cleanser first."""
    kind = traits.kind
    if kind is StepKind.active and oil_based(product):
        return 68  # after actives (60) and evening peptides (65), before the eye cream (70)
    if kind is StepKind.cleanse and traits.role == OIL_CLEANSER_ROLE:
        return 5  # the first cleanse of a double cleanse
    return place
