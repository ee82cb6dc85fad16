"""The product catalog: shared products plus the caller's own."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import CurrentUser, SessionDep
from app.models.catalog import ProductCreate, ProductList, ProductPublic
from app.routers.params import Cursor, Limit
from app.scheduling import Category
from app.services import catalog
from app.validation import Text

router = APIRouter(prefix="/v1/products", tags=["catalog"])


@router.get("", response_model=ProductList)
async def list_products(
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[Text | None, Query(max_length=100)] = None,
    category: Category | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ProductList:
    rows, next_cursor = await catalog.list_products(
        session, user=user, q=q, category=category, limit=limit, cursor=cursor
    )
    return ProductList(items=[catalog.public(p) for p in rows], next_cursor=next_cursor)


@router.get("/{product_id}", response_model=ProductPublic)
async def read_product(
    product_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> ProductPublic:
    return catalog.public(
        await catalog.get_visible_product(session, user=user, product_id=product_id)
    )


@router.post("", status_code=201, response_model=ProductPublic)
async def add_product(body: ProductCreate, user: CurrentUser, session: SessionDep) -> ProductPublic:
    return catalog.public(await catalog.create_product(session, user=user, data=body))
