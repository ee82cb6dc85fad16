"""The product catalog: search, read, add (private or shared) and seeding."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any

from sqlalchemy import func, or_, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.errors import NotFound
from app.models.accounts import Role, User
from app.models.catalog import Product, ProductCreate, ProductPublic
from app.pagination import cursor_text, cursor_uuid, decode_cursor, encode_cursor
from app.scheduling.inputs import Category
from app.scheduling.lexicon import flags_from_inci


def public(product: Product) -> ProductPublic:
    data = product.model_dump()
    return ProductPublic.model_validate({**data, "shared": product.owner_id is None})


def _visible_to(user: User) -> Any:
    return or_(col(Product.owner_id).is_(None), col(Product.owner_id) == user.id)


async def list_products(
    session: AsyncSession,
    *,
    user: User,
    q: str | None,
    category: Category | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Product], str | None]:
    query = select(Product).where(_visible_to(user))
    if q:
        needle = q.strip().lower()
        query = query.where(
            or_(
                func.lower(col(Product.name)).contains(needle, autoescape=True),
                func.lower(col(Product.brand)).contains(needle, autoescape=True),
            )
        )
    if category is not None:
        query = query.where(col(Product.category) == category.value)
    if cursor is not None:
        raw_name, raw_id = decode_cursor(cursor, arity=2)
        name, after_id = cursor_text(raw_name), cursor_uuid(raw_id)
        query = query.where(tuple_(col(Product.name), col(Product.id)) > tuple_(name, after_id))
    rows = list(
        await session.scalars(query.order_by(col(Product.name), col(Product.id)).limit(limit + 1))
    )
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor([last.name, str(last.id)])


async def get_visible_product(
    session: AsyncSession, *, user: User, product_id: uuid.UUID
) -> Product:
    product = await session.scalar(
        select(Product).where(col(Product.id) == product_id, _visible_to(user))
    )
    if product is None:
        raise NotFound("No such product", code="product_not_found")
    return product


def _row(data: ProductCreate, *, owner_id: uuid.UUID | None) -> Product:
    flags = flags_from_inci(data.inci)
    fields = data.model_dump(mode="json", by_alias=True)
    return Product(
        **{
            **fields,
            "fragrance": data.fragrance or flags.fragrance,
            "essential_oils": data.essential_oils or flags.essential_oils,
            "alcohol_denat": data.alcohol_denat or flags.alcohol_denat,
            "physical_scrub": data.physical_scrub or flags.physical_scrub,
        },
        owner_id=owner_id,
    )


async def create_product(session: AsyncSession, *, user: User, data: ProductCreate) -> Product:
    """Admins add to the shared catalog; everyone else adds a product only they can see."""
    product = _row(data, owner_id=None if user.role == Role.admin else user.id)
    session.add(product)
    await session.flush()
    return product


def seed_products() -> list[ProductCreate]:
    text = resources.files("app.catalog").joinpath("seed_products.json").read_text("utf-8")
    return [ProductCreate.model_validate(item) for item in json.loads(text)]


async def seed_catalog(session: AsyncSession) -> int:
    """Add the seed products the shared catalog lacks (by brand and name); returns how many."""
    shared = select(col(Product.brand), col(Product.name)).where(col(Product.owner_id).is_(None))
    existing = {(brand, name) for brand, name in await session.execute(shared)}
    added = 0
    for data in seed_products():
        if (data.brand, data.name) not in existing:
            session.add(_row(data, owner_id=None))
            added += 1
    await session.flush()
    return added
