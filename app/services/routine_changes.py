"""The one hook for "something this user's routine depends on has changed".

Profile, shelf, logs and dermatologists' overrides all call it, so the cache key
(users.plan_revision) and the materialised reminders can never miss a change. The key serves
three per-process caches of encoded reads: routine days, the profile and the shelf; a write
to any of those tables that skipped this hook would leave them stale.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.accounts import User
from app.services.reminders import schedule


async def inputs_changed(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    await session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(plan_revision=col(User.plan_revision) + 1)
        .execution_options(synchronize_session=False)
    )
    await schedule.refresh_user(session, user_id=user_id)
