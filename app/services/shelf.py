"""The shelf: what a user owns, and the state of each item (batch, expiry, patch test)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col, select

from app import clock
from app.errors import NotFound
from app.http_cache import Encoded, LruCache, encode
from app.models.accounts import User
from app.models.profiles import Profile
from app.models.shelf import Shelf, ShelfItem, ShelfItemCreate, ShelfItemPublic, ShelfItemUpdate
from app.services import routine_changes
from app.services.catalog import get_visible_product
from app.services.catalog import public as product_public


def public(item: ShelfItem) -> ShelfItemPublic:
    return ShelfItemPublic.model_validate(
        {**item.model_dump(), "product": product_public(item.product)}
    )


async def list_items(session: AsyncSession, *, user_id: uuid.UUID) -> list[ShelfItem]:
    return list(
        await session.scalars(
            select(ShelfItem)
            .options(joinedload(ShelfItem.product))  # type: ignore[arg-type]
            .where(col(ShelfItem.user_id) == user_id)
            .order_by(col(ShelfItem.added_on), col(ShelfItem.created_at), col(ShelfItem.id))
        )
    )


# Encoded shelves by (user, plan revision): every shelf write bumps the revision
# (routine_changes.inputs_changed), which is read with the caller on every request; products
# have no update path, so an item's embedded product cannot change under it.
_encoded: LruCache[tuple[uuid.UUID, int], Encoded] = LruCache(4096)


def forget(user_id: uuid.UUID) -> None:
    """Drop this process's encoded shelves of an erased user: no request can reach them
    any more (the caller's row is gone), but erased data should not stay in memory either."""
    _encoded.discard_where(lambda key: key[0] == user_id)


def cached(*, user_id: uuid.UUID, revision: int) -> Encoded | None:
    """The caller's shelf as read_encoded last sent it at this plan revision, without a
    session; None when it must be read."""
    return _encoded.get((user_id, revision))


async def read_encoded(session: AsyncSession, *, user_id: uuid.UUID, revision: int) -> Encoded:
    """The caller's shelf as sent (JSON bytes and ETag), read again only after a change."""
    encoded = _encoded.get((user_id, revision))
    if encoded is None:
        items = await list_items(session, user_id=user_id)
        encoded = encode(Shelf(items=[public(item) for item in items]))
        _encoded.put((user_id, revision), encoded)
    return encoded


async def get_owned_item(session: AsyncSession, *, user: User, item_id: uuid.UUID) -> ShelfItem:
    item: ShelfItem | None = await session.scalar(
        select(ShelfItem)
        .options(joinedload(ShelfItem.product))  # type: ignore[arg-type]
        .where(col(ShelfItem.id) == item_id, col(ShelfItem.user_id) == user.id)
    )
    if item is None:
        raise NotFound("No such item on your shelf", code="shelf_item_not_found")
    return item


async def add_item(session: AsyncSession, *, user: User, data: ShelfItemCreate) -> ShelfItem:
    product = await get_visible_product(session, user=user, product_id=data.product_id)
    profile = await session.get(Profile, user.id)
    item = ShelfItem(
        **data.model_dump(),
        user_id=user.id,
        added_on=clock.today_in(profile.timezone if profile else "UTC"),
    )
    item.product = product
    session.add(item)
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=user.id)
    return item


async def update_item(
    session: AsyncSession, *, item: ShelfItem, patch: ShelfItemUpdate
) -> ShelfItem:
    for field, value in patch.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=item.user_id)
    return item


async def remove_item(session: AsyncSession, *, item: ShelfItem) -> None:
    await session.delete(item)
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=item.user_id)
