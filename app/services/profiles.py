"""Profiles: read, replace and patch, guarded by If-Match."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.errors import NotFound, Unprocessable
from app.http_cache import Encoded, LruCache, encode, require_current
from app.models.accounts import User
from app.models.profiles import Profile, ProfileIn, ProfilePatch, ProfilePublic
from app.scheduling.inputs import Pregnancy
from app.services import routine_changes


def _check_dates(data: ProfileIn) -> None:
    """What the model cannot know without the clock: a pregnancy cannot have ended in the user's
    future (its days would be planned as ended before they come)."""
    ended = data.pregnancy_ended_on
    if ended is not None and ended > clock.today_in(data.timezone):
        msg = f"pregnancy_ended_on ({ended}) is in the future: record the end once it happened"
        raise Unprocessable(
            f"body.pregnancy_ended_on: {msg}",
            code="validation_error",
            errors=[{"loc": ["body", "pregnancy_ended_on"], "msg": msg}],
        )


def _ending_today(previous: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    """A pregnancy changed to anything else without a recorded end ended today (the user's
    local date). RULES.md is silent; this is the safer reading: without a date the engine could
    not know the retinoid was away and would resume it at full strength instead of on the
    beginner ramp (R7)."""
    if (
        previous == Pregnancy.pregnant
        and fields.get("pregnancy") not in (None, Pregnancy.pregnant)
        and fields.get("pregnancy_ended_on") is None
    ):
        return {**fields, "pregnancy_ended_on": clock.today_in(fields["timezone"])}
    return fields


def public(profile: Profile) -> ProfilePublic:
    return ProfilePublic.model_validate(profile, from_attributes=True)


def encoded(profile: Profile) -> Encoded:
    """The profile as sent, and its ETag. The body shows `updated_at` in whole seconds; the
    ETag covers it to the microsecond, so that every write is a new version for If-Match (two
    writes in one second would otherwise read the same, and both pass one If-Match)."""
    return encode(public(profile), version=profile.updated_at.isoformat())


async def find_profile(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> Profile | None:
    """The profile; `for_update` locks its row until commit and reads it afresh, so that an
    If-Match is checked against the version this transaction will replace (on SQLite the
    writer already holds the database's write lock: app/db.py)."""
    if for_update:
        return await session.get(Profile, user_id, with_for_update=True, populate_existing=True)
    return await session.get(Profile, user_id)


async def get_profile(
    session: AsyncSession, *, user_id: uuid.UUID, for_update: bool = False
) -> Profile:
    profile = await find_profile(session, user_id, for_update=for_update)
    if profile is None:
        raise NotFound(
            "No profile yet: its owner creates it with PUT /v1/me/profile", code="profile_not_found"
        )
    return profile


# Encoded profiles by (user, plan revision): every profile write bumps the revision
# (routine_changes.inputs_changed), which is read with the caller on every request.
_encoded: LruCache[tuple[uuid.UUID, int], Encoded] = LruCache(4096)


def forget(user_id: uuid.UUID) -> None:
    """Drop this process's encoded profiles of an erased user: no request can reach them
    any more (the caller's row is gone), but erased data should not stay in memory either."""
    _encoded.discard_where(lambda key: key[0] == user_id)


def cached(*, user_id: uuid.UUID, revision: int) -> Encoded | None:
    """The caller's profile as read_encoded last sent it at this plan revision, without a
    session; None when it must be read."""
    return _encoded.get((user_id, revision))


async def read_encoded(session: AsyncSession, *, user_id: uuid.UUID, revision: int) -> Encoded:
    """The caller's profile as sent (JSON bytes and ETag), read again only after a change."""
    found = _encoded.get((user_id, revision))
    if found is None:
        found = encoded(await get_profile(session, user_id=user_id))
        _encoded.put((user_id, revision), found)
    return found


async def put_profile(
    session: AsyncSession, *, user: User, data: ProfileIn, if_match: str | None
) -> tuple[Profile, bool]:
    """Replace (or create) the profile; True when it was created."""
    _check_dates(data)
    profile = await find_profile(session, user.id, for_update=True)
    require_current(if_match, encoded(profile).etag if profile else None)
    created = profile is None
    if profile is None:
        profile = Profile(user_id=user.id)
        session.add(profile)
    fields = _ending_today(profile.pregnancy if not created else None, data.model_dump())
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.updated_at = clock.now_utc()
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=user.id)
    return profile, created


async def patch_profile(
    session: AsyncSession, *, user: User, patch: ProfilePatch, if_match: str | None
) -> Profile:
    profile = await get_profile(session, user_id=user.id, for_update=True)
    require_current(if_match, encoded(profile).etag)
    current = public(profile).model_dump(exclude={"updated_at"})
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("pregnancy") == Pregnancy.pregnant and "pregnancy_ended_on" not in changes:
        # a new pregnancy: the end recorded for the last one no longer describes it
        current["pregnancy_ended_on"] = None
    merged = ProfileIn.model_validate(_ending_today(profile.pregnancy, {**current, **changes}))
    _check_dates(merged)
    for field, value in merged.model_dump().items():
        setattr(profile, field, value)
    profile.updated_at = clock.now_utc()
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=user.id)
    return profile
