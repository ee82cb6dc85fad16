"""The caller's shelf."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.deps import CurrentCaller, CurrentUser, OwnedShelfItem, ReadSessions, SessionDep
from app.http_cache import send_encoded
from app.models.shelf import Shelf, ShelfItemCreate, ShelfItemPublic, ShelfItemUpdate
from app.services import shelf

router = APIRouter(prefix="/v1/me/shelf", tags=["shelf"])


@router.get("", response_model=Shelf)
async def read_shelf(request: Request, caller: CurrentCaller, reads: ReadSessions) -> Response:
    items = shelf.cached(user_id=caller.id, revision=caller.plan_revision)
    if items is None:
        async with reads() as session:
            items = await shelf.read_encoded(
                session, user_id=caller.id, revision=caller.plan_revision
            )
    return send_encoded(request, items)


@router.post("", status_code=201, response_model=ShelfItemPublic)
async def add_to_shelf(
    body: ShelfItemCreate, user: CurrentUser, session: SessionDep
) -> ShelfItemPublic:
    return shelf.public(await shelf.add_item(session, user=user, data=body))


@router.patch("/{item_id}", response_model=ShelfItemPublic)
async def update_shelf_item(
    body: ShelfItemUpdate, item: OwnedShelfItem, session: SessionDep
) -> ShelfItemPublic:
    return shelf.public(await shelf.update_item(session, item=item, patch=body))


@router.delete("/{item_id}", status_code=204)
async def remove_from_shelf(item: OwnedShelfItem, session: SessionDep) -> None:
    await shelf.remove_item(session, item=item)
