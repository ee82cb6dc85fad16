"""The caller's own skin profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from app.deps import CurrentCaller, CurrentUser, ReadSessions, SessionDep
from app.http_cache import send_encoded
from app.models.profiles import ProfileIn, ProfilePatch, ProfilePublic
from app.services import profiles

router = APIRouter(prefix="/v1/me/profile", tags=["profile"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]


@router.get("", response_model=ProfilePublic)
async def read_profile(request: Request, caller: CurrentCaller, reads: ReadSessions) -> Response:
    profile = profiles.cached(user_id=caller.id, revision=caller.plan_revision)
    if profile is None:
        async with reads() as session:
            profile = await profiles.read_encoded(
                session, user_id=caller.id, revision=caller.plan_revision
            )
    return send_encoded(request, profile)


@router.put("", response_model=ProfilePublic, responses={201: {"model": ProfilePublic}})
async def replace_profile(
    request: Request,
    body: ProfileIn,
    user: CurrentUser,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    profile, created = await profiles.put_profile(session, user=user, data=body, if_match=if_match)
    return send_encoded(request, profiles.encoded(profile), status_code=201 if created else 200)


@router.patch("", response_model=ProfilePublic)
async def update_profile(
    request: Request,
    body: ProfilePatch,
    user: CurrentUser,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    profile = await profiles.patch_profile(session, user=user, patch=body, if_match=if_match)
    return send_encoded(request, profiles.encoded(profile))
