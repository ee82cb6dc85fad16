"""The caller's own reminder settings (the push schedulers' routes are in reminder_feed.py)."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import CurrentUser, SessionDep
from app.models.reminders import ReminderSettingsIn, ReminderSettingsPublic
from app.services.reminders import settings

router = APIRouter(tags=["reminders"])


@router.get("/v1/me/reminders", response_model=ReminderSettingsPublic)
async def read_reminder_settings(user: CurrentUser, session: SessionDep) -> ReminderSettingsPublic:
    return await settings.get_settings(session, user=user)


@router.put("/v1/me/reminders", response_model=ReminderSettingsPublic)
async def replace_reminder_settings(
    body: ReminderSettingsIn, user: CurrentUser, session: SessionDep
) -> ReminderSettingsPublic:
    return await settings.put_settings(session, user=user, data=body)
