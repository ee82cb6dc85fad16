"""Products: the shared catalog (owner_id null) and users' private products."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.models.base import NEXT_CURSOR, JSONList, created_at_field, described, id_field
from app.scheduling.inputs import ActiveClass, Category, ExosomeSource, FilterType
from app.validation import Integral, StrictFlag, StrictInteger, StrictNumber, Text

ACTIVE = {
    "class": "The class of the active ingredient",
    "name": "The ingredient as the label names it (`tretinoin`, `glycolic acid`)",
    "percent": "Its concentration in percent, when the label says",
}


class ActiveIn(BaseModel):
    """An active ingredient of a product."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra=described(ACTIVE)
    )

    class_: ActiveClass = Field(alias="class")
    name: str = Field(min_length=1, max_length=80)
    percent: float | None = Field(default=None, ge=0, le=100)


class ActiveCreate(ActiveIn):
    """An active ingredient of a product."""

    name: Text = Field(min_length=1, max_length=80)
    percent: StrictNumber | None = Field(default=None, ge=0, le=100)


InciName = Annotated[str, Field(min_length=1, max_length=200)]


PRODUCT = {
    "id": "The product's id",
    "name": "The product's name, as on the label",
    "brand": "The brand (empty when unknown)",
    "category": "What kind of product it is",
    "inci": "The ingredients (INCI names) in label order",
    "actives": "The active ingredients, with their class and strength",
    "fragrance": "It contains fragrance (also set when the INCI list names one)",
    "essential_oils": "It contains essential oils (also set from the INCI list)",
    "alcohol_denat": "It contains denatured alcohol (also set from the INCI list)",
    "physical_scrub": "It contains scrubbing particles (also set from the INCI list)",
    "spf": "Its sun protection factor; null when it has none",
    "filter_type": "A sunscreen's UV filters; null when not a sunscreen or unknown",
    "exosome_source": "Where an exosome serum's exosomes come from; null otherwise",
    "gmp_certified": "The maker states GMP certification (exosome serums); null when unknown",
    "batch_on_label": "The label carries a batch number; null when unknown",
    "expiry_on_label": "The label carries an expiry date; null when unknown",
    "ph": "The product's pH (0-14); null when unknown",
    "rinse_off": "It is washed off after use; null: cleansers are, everything else stays on",
    "shared": "True for the shared catalog, false for a product only its owner sees",
}


class ProductBase(SQLModel):
    model_config = ConfigDict(json_schema_extra=described(PRODUCT))  # type: ignore[assignment]

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
    """A product to add: your own (only you see it), or the shared catalog's when you are an
    admin. Flags the INCI list implies are set whatever is sent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=described(
            PRODUCT,
            {
                "name": "Retinol 0.3% in Squalane Serum",
                "brand": "Example Labs",
                "category": "serum",
                "inci": ["Squalane", "Retinol", "Tocopherol"],
                "actives": [{"class": "retinoid", "name": "retinol", "percent": 0.3}],
            },
        ),
    )

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
    spf: Annotated[StrictInteger, Field(ge=1, le=100), Integral] | None = None
    ph: StrictNumber | None = Field(default=None, ge=0, le=14)


class ProductPublic(ProductBase):
    """A product: the shared catalog's, or one of your own."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: uuid.UUID
    shared: bool


class ProductList(SQLModel):
    """A page of products."""

    items: list[ProductPublic] = Field(description="This page's products, by name")
    next_cursor: str | None = Field(description=NEXT_CURSOR)
