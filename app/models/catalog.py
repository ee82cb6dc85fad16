"""Products: the shared catalog (owner_id null) and users' private products."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.models.base import JSONList, created_at_field, id_field
from app.scheduling.inputs import ActiveClass, Category, ExosomeSource, FilterType
from app.validation import StrictFlag, StrictInteger, StrictNumber, Text


class ActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    class_: ActiveClass = Field(alias="class")
    name: str = Field(min_length=1, max_length=80)
    percent: float | None = Field(default=None, ge=0, le=100)


class ActiveCreate(ActiveIn):
    name: Text = Field(min_length=1, max_length=80)
    percent: StrictNumber | None = Field(default=None, ge=0, le=100)


InciName = Annotated[str, Field(min_length=1, max_length=200)]


class ProductBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    brand: str = Field(default="", max_length=120)
    category: Category
    inci: list[InciName] = Field(default_factory=list, max_length=200)
    actives: list[ActiveIn] = Field(default_factory=list, max_length=30)
    fragrance: bool = False
    essential_oils: bool = False
    alcohol_denat: bool = False
    physical_scrub: bool = False
    spf: int | None = Field(default=None, ge=1, le=100)
    filter_type: FilterType | None = None
    exosome_source: ExosomeSource | None = None
    gmp_certified: bool | None = None
    batch_on_label: bool | None = None
    expiry_on_label: bool | None = None
    ph: float | None = Field(default=None, ge=0, le=14)
    # washed off after use; null: cleansers are, everything else stays on the skin
    rinse_off: bool | None = None


class Product(ProductBase, table=True):
    __tablename__ = "products"

    id: uuid.UUID = id_field()
    # null: the shared catalog; else a user's private product
    owner_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    name: str = Field(max_length=200, index=True)
    category: str = Field(sa_type=String(30), index=True)  # type: ignore[assignment]
    inci: list[str] = Field(default_factory=list, sa_type=JSONList)
    actives: list[dict[str, object]] = Field(  # type: ignore[assignment]
        default_factory=list, sa_type=JSONList
    )
    filter_type: str | None = Field(default=None, sa_type=String(20))  # type: ignore[assignment]
    exosome_source: str | None = Field(default=None, sa_type=String(20))  # type: ignore[assignment]
    created_at: datetime = created_at_field()


class ProductCreate(ProductBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: Text = Field(min_length=1, max_length=200)
    brand: Text = Field(default="", max_length=120)
    inci: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=200
    )
    actives: list[ActiveCreate] = Field(default_factory=list, max_length=30)  # type: ignore[assignment]
    fragrance: StrictFlag = False
    essential_oils: StrictFlag = False
    alcohol_denat: StrictFlag = False
    physical_scrub: StrictFlag = False
    gmp_certified: StrictFlag | None = None
    batch_on_label: StrictFlag | None = None
    expiry_on_label: StrictFlag | None = None
    rinse_off: StrictFlag | None = None
    spf: StrictInteger | None = Field(default=None, ge=1, le=100)
    ph: StrictNumber | None = Field(default=None, ge=0, le=14)


class ProductPublic(ProductBase):
    id: uuid.UUID
    shared: bool


class ProductList(SQLModel):
    items: list[ProductPublic]
    next_cursor: str | None
