"""A user's shelf: the products they own, with batch, expiry, patch-test state and the day each
joined the routine."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, field_validator
from sqlalchemy import String
from sqlmodel import Field, Relationship, SQLModel

from app.models.base import created_at_field, described, id_field
from app.models.catalog import Product, ProductPublic
from app.scheduling.inputs import PatchTest
from app.validation import Integral, SafeDate, StrictInteger, Text, null_not_offered

SHELF_ITEM = {
    "id": "The shelf item's id",
    "product_id": "The product to put on the shelf (shared, or one of your own)",
    "product": "The product",
    "batch": "The batch number on the label",
    "expires_on": "The expiry date on the label",
    "opened_on": "The day it was opened (with `pao_months`, when it expires once open)",
    "pao_months": "Period after opening, in months (the open-jar symbol on the label)",
    "patch_test": "The patch test: a new leave-on active is tested before it joins the face",
    "introduced_on": "The day it joined the routine: set it for a product already in use, so "
    "it is not patch tested or queued again (RULES.md S5); empty, the engine introduces it",
    "added_on": "The day it was put on the shelf (in the user's time zone)",
}


class ShelfFields(SQLModel):
    model_config = ConfigDict(json_schema_extra=described(SHELF_ITEM))  # type: ignore[assignment]

    batch: str | None = Field(default=None, max_length=64)
    expires_on: date | None = None
    opened_on: date | None = None
    pao_months: int | None = Field(default=None, ge=1, le=120)
    patch_test: PatchTest = PatchTest.pending
    # the day it joined the routine: set for a product already in use, so it is not patch tested
    # or queued again (S5); left empty, the engine introduces it (app/scheduling/onboarding.py)
    introduced_on: date | None = None


class ShelfItem(ShelfFields, table=True):
    __tablename__ = "shelf_items"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    product_id: uuid.UUID = Field(foreign_key="products.id", ondelete="RESTRICT")
    patch_test: str = Field(default=PatchTest.pending, sa_type=String(10))  # type: ignore[assignment]
    added_on: date
    created_at: datetime = created_at_field()

    product: Product = Relationship(sa_relationship_kwargs={"lazy": "raise"})


class ShelfItemCreate(ShelfFields):
    """A product to put on your shelf, with what its label says."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=described(
            SHELF_ITEM,
            {
                "product_id": "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
                "batch": "L2417",
                "expires_on": "2027-09-30",
                "opened_on": "2026-11-20",
                "pao_months": 6,
                "patch_test": "pending",
            },
        ),
    )

    batch: Text | None = Field(default=None, max_length=64)
    expires_on: SafeDate | None = None
    opened_on: SafeDate | None = None
    introduced_on: SafeDate | None = None
    pao_months: Annotated[StrictInteger, Field(ge=1, le=120), Integral] | None = None

    product_id: uuid.UUID


class ShelfItemUpdate(SQLModel):
    """The fields to change; those not sent stay as they are."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid", json_schema_extra=described(SHELF_ITEM, {"patch_test": "passed"})
    )

    batch: Text | None = Field(default=None, max_length=64)
    expires_on: SafeDate | None = None
    opened_on: SafeDate | None = None
    introduced_on: SafeDate | None = None
    pao_months: Annotated[StrictInteger, Field(ge=1, le=120), Integral] | None = None
    # absent keeps it; null is refused (below), and the document does not offer it
    patch_test: PatchTest | None = Field(
        default=None, schema_extra={"json_schema_extra": null_not_offered}
    )

    @field_validator("patch_test", mode="before")
    @classmethod
    def _patch_test_not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("patch_test cannot be null; use pending, passed or skipped")
        return value


class ShelfItemPublic(ShelfFields):
    """A product on your shelf."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: uuid.UUID
    product: ProductPublic
    added_on: date


class Shelf(SQLModel):
    """Your shelf: every product you own."""

    items: list[ShelfItemPublic] = Field(description="The items, oldest first")
