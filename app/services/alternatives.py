"""The catalog a routine draws its alternatives from (ALT1): the shared catalog, bounded and
classified once per catalog version in this process, so a routine read adds one small query.

Shared products have no update or delete path, so their count and newest creation time name a
version of the catalog; another worker's addition changes it, and this process reloads.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.catalog import Product
from app.scheduling.alternatives import Catalog
from app.services import routine_inputs

# More than the seeded catalog holds many times over; a bound keeps a huge catalog from making
# every routine read slow (the first products by name are offered, which is deterministic).
MAX_CATALOG = 500


@dataclass(frozen=True)
class SharedCatalog:
    version: str
    catalog: Catalog


_cached: SharedCatalog | None = None


async def shared_catalog(session: AsyncSession) -> SharedCatalog:
    global _cached
    shared = col(Product.owner_id).is_(None)
    count, newest = (
        await session.execute(select(func.count(), func.max(col(Product.created_at))).where(shared))
    ).one()
    version = f"{count}:{newest}"
    cached = _cached
    if cached is not None and cached.version == version:
        return cached
    first = select(Product).where(shared).order_by(col(Product.name), col(Product.id))
    rows = await session.scalars(first.limit(MAX_CATALOG))
    cached = _cached = SharedCatalog(
        version=version, catalog=Catalog(routine_inputs.product(row) for row in rows)
    )
    return cached
