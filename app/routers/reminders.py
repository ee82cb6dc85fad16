"""Reminders: the caller's own settings, and the feed and leases for push schedulers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from app.deps import CurrentUser, SchedulerClient, SessionDep
from app.models.reminders import (
    AckIn,
    AckOut,
    ClaimIn,
    ClaimOut,
    ReminderPage,
    ReminderSettingsIn,
    ReminderSettingsPublic,
)
from app.routers.params import Cursor, Limit
from app.services import reminders

router = APIRouter(tags=["reminders"])

From = Annotated[AwareDatetime, Query(alias="from")]
To = Annotated[AwareDatetime, Query(alias="to")]


@router.get("/v1/me/reminders", response_model=ReminderSettingsPublic)
async def read_reminder_settings(user: CurrentUser, session: SessionDep) -> ReminderSettingsPublic:
    return await reminders.get_settings(session, user=user)


@router.put("/v1/me/reminders", response_model=ReminderSettingsPublic)
async def replace_reminder_settings(
    body: ReminderSettingsIn, user: CurrentUser, session: SessionDep
) -> ReminderSettingsPublic:
    return await reminders.put_settings(session, user=user, data=body)


@router.get("/v1/reminders/due", response_model=ReminderPage)
async def read_due_reminders(
    _scheduler: SchedulerClient,
    session: SessionDep,
    start: From,
    end: To,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ReminderPage:
    return await reminders.due_page(session, start=start, end=end, limit=limit, cursor=cursor)


@router.post("/v1/reminders/claim", response_model=ClaimOut)
async def claim_reminders(body: ClaimIn, client: SchedulerClient, session: SessionDep) -> ClaimOut:
    return await reminders.claim(
        session, client=client, worker_id=body.worker_id, until=body.until, max_items=body.max
    )


@router.post("/v1/reminders/{reminder_id}/ack", response_model=AckOut)
async def ack_reminder(
    reminder_id: uuid.UUID, body: AckIn, client: SchedulerClient, session: SessionDep
) -> AckOut:
    return await reminders.ack(
        session, client=client, reminder_id=reminder_id, worker_id=body.worker_id
    )
