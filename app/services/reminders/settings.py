"""Reminder settings: the user's own choice of times, quiet hours and whether to be reminded.

Saving them recomputes the user's upcoming reminders at once (schedule.refresh).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.models.accounts import User
from app.models.profiles import Profile
from app.models.reminders import (
    QuietHours,
    ReminderSettings,
    ReminderSettingsIn,
    ReminderSettingsPublic,
)
from app.services import routines
from app.services.reminders import schedule


def _settings_public(settings: ReminderSettings | None, profile: Profile) -> ReminderSettingsPublic:
    quiet = None
    if settings is not None and settings.quiet_start and settings.quiet_end:
        quiet = QuietHours(start=settings.quiet_start, end=settings.quiet_end)
    am = settings.am_time if settings else None
    pm = settings.pm_time if settings else None
    return ReminderSettingsPublic(
        enabled=settings.enabled if settings else False,
        am_time=am or profile.am_time,
        pm_time=pm or profile.pm_time,
        am_time_from_profile=am is None,
        pm_time_from_profile=pm is None,
        quiet_hours=quiet,
        timezone=profile.timezone,
    )


async def get_settings(session: AsyncSession, *, user: User) -> ReminderSettingsPublic:
    """Reminders are opt-in: without a stored choice they are off."""
    profile = await routines.load_profile(session, user.id)
    return _settings_public(await session.get(ReminderSettings, user.id), profile)


async def put_settings(
    session: AsyncSession, *, user: User, data: ReminderSettingsIn
) -> ReminderSettingsPublic:
    profile = await routines.load_profile(session, user.id)
    settings = await session.get(ReminderSettings, user.id)
    if settings is None:
        settings = ReminderSettings(user_id=user.id)
        session.add(settings)
    settings.enabled = data.enabled
    settings.am_time = data.am_time
    settings.pm_time = data.pm_time
    settings.quiet_start = data.quiet_hours.start if data.quiet_hours else None
    settings.quiet_end = data.quiet_hours.end if data.quiet_hours else None
    settings.updated_at = clock.now_utc()
    await session.flush()
    await schedule.refresh(session, settings=settings, now=clock.now_utc())
    return _settings_public(settings, profile)
