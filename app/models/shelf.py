"""A user's shelf: the products they own, with batch, expiry, patch-test state and the day each
joined the routine."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import ConfigDict, model_validator
from sqlalchemy import String
from sqlmodel import Field, Relationship, SQLModel

from app.models.base import created_at_field, id_field
from app.models.catalog import Product, ProductPublic
from app.scheduling.inputs import PatchTest
from app.validation import SafeDate, StrictInteger, Text


class ShelfFields(SQLModel):
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
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    batch: Text | None = Field(default=None, max_length=64)
    expires_on: SafeDate | None = None
    opened_on: SafeDate | None = None
    introduced_on: SafeDate | None = None
    pao_months: StrictInteger | None = Field(default=None, ge=1, le=120)

    product_id: uuid.UUID


class ShelfItemUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    batch: Text | None = Field(default=None, max_length=64)
    expires_on: SafeDate | None = None
    opened_on: SafeDate | None = None
    introduced_on: SafeDate | None = None
    pao_months: StrictInteger | None = Field(default=None, ge=1, le=120)
    patch_test: PatchTest | None = None

    @model_validator(mode="after")
    def _patch_test_not_null(self) -> ShelfItemUpdate:
        if "patch_test" in self.model_fields_set and self.patch_test is None:
            raise ValueError("patch_test cannot be null; use pending, passed or skipped")
        return self


class ShelfItemPublic(ShelfFields):
    id: uuid.UUID
    product: ProductPublic
    added_on: date


class Shelf(SQLModel):
    items: list[ShelfItemPublic]
