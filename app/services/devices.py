"""Push devices: register (an idempotent upsert), list and remove a person's app installs, and
look up where to send the reminders of many users at once (the due feed and claims).

A push token reaches one install. When the phone that user A registered now belongs to user B
(a sign-out and sign-in, a handed-down phone), its token is registered again, by B: it is then
removed from every other row, so A's reminders never reach B's phone.

Concurrency. SQLite serialises writers (app/db.py), which makes every step below atomic. On
PostgreSQL a registration first locks its user's row (FOR NO KEY UPDATE), which serialises one
person's registrations (the same device id twice, the per-user cap) and waits out a deletion of
the account; then it takes a transaction-scoped advisory lock on each push token it touches
(the row's old one and the new one, in a fixed order), so that two people registering one token
take turns instead of both keeping it. Every device row a registration changes or removes is
one whose token it holds the lock on, so two registrations never wait on each other's rows,
and the locks are always taken in the same order (user, tokens, rows): no deadlock. The unique
constraints are the backstop.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock
from app.errors import Conflict, NotFound, Unauthorized
from app.models.accounts import User
from app.models.devices import Device, DeviceIn, DeviceList, DevicePublic, PushTarget

MAX_DEVICES = 20
# namespace of the advisory locks taken here (two-key form: namespace, token)
_LOCK_NAMESPACE = 0x50555348  # "PUSH"


def token_hash(push_token: str) -> str:
    return hashlib.sha256(push_token.encode()).hexdigest()


def public(device: Device) -> DevicePublic:
    return DevicePublic.model_validate(device, from_attributes=True)


async def list_devices(session: AsyncSession, *, user_id: uuid.UUID) -> DeviceList:
    devices = await session.scalars(
        select(Device)
        .where(col(Device.user_id) == user_id)
        .order_by(col(Device.created_at), col(Device.device_id))
    )
    return DeviceList(items=[public(device) for device in devices])


async def get_owned_device(session: AsyncSession, *, user_id: uuid.UUID, device_id: str) -> Device:
    device: Device | None = await session.scalar(
        select(Device).where(col(Device.user_id) == user_id, col(Device.device_id) == device_id)
    )
    if device is None:
        raise NotFound("You have no device with this id", code="device_not_found")
    return device


async def _lock_user(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    # FOR NO KEY UPDATE (SQLite ignores it): rows of other tables may still reference the user
    found = await session.scalar(
        select(col(User.id)).where(col(User.id) == user_id).with_for_update(key_share=True)
    )
    if found is None:  # the account was deleted while this request waited for it
        raise Unauthorized("The account behind this token no longer exists", code="invalid_token")


async def _lock_tokens(session: AsyncSession, hashes: Iterable[str]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = {int.from_bytes(bytes.fromhex(digest)[:4], "big", signed=True) for digest in hashes}
    for key in sorted(keys):
        await session.execute(select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, key)))


async def put_device(
    session: AsyncSession, *, user: User, device_id: str, data: DeviceIn
) -> tuple[Device, bool]:
    """Register or replace the caller's device; True when it was created. The push token is
    taken from any other device that held it, whoever's."""
    await _lock_user(session, user_id=user.id)
    new_hash = token_hash(data.push_token)
    old_hash = await session.scalar(
        select(col(Device.push_token_hash)).where(
            col(Device.user_id) == user.id, col(Device.device_id) == device_id
        )
    )
    await _lock_tokens(session, {new_hash, old_hash or new_hash})
    # read again under the locks (another user's registration may have taken its token)
    device: Device | None = await session.scalar(
        select(Device)
        .where(col(Device.user_id) == user.id, col(Device.device_id) == device_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    await session.execute(
        delete(Device)
        .where(
            col(Device.push_token_hash) == new_hash,
            col(Device.id) != device.id if device is not None else true(),
        )
        .execution_options(synchronize_session=False)
    )
    now = clock.now_utc()
    fields = {**data.model_dump(mode="json"), "push_token_hash": new_hash, "updated_at": now}
    created = device is None
    if device is None:
        held = await session.scalar(
            select(func.count()).select_from(Device).where(col(Device.user_id) == user.id)
        )
        if (held or 0) >= MAX_DEVICES:
            raise Conflict(
                f"You have {MAX_DEVICES} devices registered, the most there can be; remove one "
                "you no longer use (DELETE /v1/me/devices/{device_id})",
                code="too_many_devices",
                max_devices=MAX_DEVICES,
            )
        device = Device(user_id=user.id, device_id=device_id, created_at=now, **fields)
        session.add(device)
    else:
        for name, value in fields.items():
            setattr(device, name, value)
    await session.flush()
    return device, created


async def remove_device(session: AsyncSession, *, device: Device) -> None:
    """Remove it; 404 if another request (a DELETE, or someone taking its token) just did."""
    removed = await session.execute(
        delete(Device)
        .where(col(Device.id) == device.id)
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("You have no device with this id", code="device_not_found")


async def push_targets(
    session: AsyncSession, *, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[PushTarget]]:
    """Every device of these users, oldest first, in one query (a feed page's worth of users)."""
    wanted = set(user_ids)
    targets: dict[uuid.UUID, list[PushTarget]] = {user_id: [] for user_id in wanted}
    if not wanted:
        return targets
    rows = await session.execute(
        select(
            col(Device.user_id),
            col(Device.device_id),
            col(Device.platform),
            col(Device.push_token),
            col(Device.locale),
        )
        .where(col(Device.user_id).in_(wanted))
        .order_by(col(Device.user_id), col(Device.created_at), col(Device.device_id))
    )
    for user_id, device_id, platform, push_token, locale in rows:
        targets[user_id].append(
            PushTarget(device_id=device_id, platform=platform, push_token=push_token, locale=locale)
        )
    return targets
