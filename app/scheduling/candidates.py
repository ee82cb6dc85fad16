"""The candidates: the products the engine works with (shelf items and dermatologist-added
products), classified.

A Candidate is built once per engine call, so a range of days shares the classification.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from app.scheduling.classify import Traits, classify
from app.scheduling.inputs import Override, Product, ShelfItem
from app.scheduling.layering import layered
from app.scheduling.plan import StepProduct


# Identity, not field equality: each candidate is one entity of one engine call, and the
# identity hash keeps it cheap as a set member and dict key.
@dataclass(frozen=True, slots=True, eq=False)
class Candidate:
    # the shelf item's id, or the `add` override's id for a product that is not on the shelf
    key: UUID
    product: Product
    traits: Traits
    item: ShelfItem | None
    added_by: Override | None
    # the deterministic order of everything the engine lists: name, then ids
    sort_key: tuple[str, str, int, int]
    step_product: StepProduct
    # the last day an opened bottle may be used: opened on + period after opening (E1)
    opened_until: date | None

    @property
    def name(self) -> str:
        return self.product.name

    @property
    def since(self) -> date:
        """The day it reached the shelf, or the day a dermatologist's `add` starts."""
        if self.item is not None:
            return self.item.added_on
        assert self.added_by is not None  # candidate() builds one or the other
        return self.added_by.starts_on


def candidate(product: Product, *, item: ShelfItem | None, added_by: Override | None) -> Candidate:
    """A shelf item's product (`item`), or a product an `add` override brings (`added_by`)."""
    key = item.id if item is not None else added_by.id if added_by is not None else None
    if key is None:
        raise ValueError("a candidate comes from a shelf item or an add override")
    return Candidate(
        key=key,
        product=product,
        traits=layered(product, classify(product)),
        item=item,
        added_by=added_by,
        sort_key=(product.name.casefold(), product.name, product.id.int, key.int),
        step_product=StepProduct(id=product.id, name=product.name, category=product.category),
        opened_until=(
            add_months(item.opened_on, item.pao_months)
            if item is not None and item.opened_on is not None and item.pao_months is not None
            else None
        ),
    )


def add_months(start: date, months: int) -> date:
    years, month0 = divmod(start.month - 1 + months, 12)
    year = start.year + years
    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)
