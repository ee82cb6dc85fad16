"""Push schedulers (service clients with scope reminders:read): the due feed, claims and acks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from app.deps import SchedulerClient, SessionDep
from app.models.reminders import (
    AckIn,
    AckOut,
    ClaimIn,
    ClaimOut,
    ReminderKind,
    ReminderPage,
)
from app.routers.params import Cursor, Limit
from app.services.reminders import feed

router = APIRouter(tags=["reminders"])

From = Annotated[
    AwareDatetime, Query(alias="from", description="Due at or after this instant (with offset)")
]
To = Annotated[
    AwareDatetime,
    Query(alias="to", description="Due before this instant: at most 24 hours after `from`"),
]


@router.get("/v1/reminders/due", response_model=ReminderPage)
async def read_due_reminders(
    _scheduler: SchedulerClient,
    session: SessionDep,
    start: From,
    end: To,
    limit: Limit = 100,
    cursor: Cursor = None,
    kind: Annotated[list[ReminderKind] | None, Query(max_length=3)] = None,
) -> ReminderPage:
    """Due reminders; `kind=` (repeatable) keeps only those kinds, e.g. `kind=routine` for a
    scheduler that sends routine reminders only."""
    return await feed.due_page(
        session, start=start, end=end, limit=limit, cursor=cursor, kinds=kind
    )


@router.post("/v1/reminders/claim", response_model=ClaimOut)
async def claim_reminders(body: ClaimIn, client: SchedulerClient, session: SessionDep) -> ClaimOut:
    return await feed.claim(
        session,
        client=client,
        worker_id=body.worker_id,
        until=body.until,
        max_items=body.max,
        kinds=body.kind,
    )


@router.post("/v1/reminders/{reminder_id}/ack", response_model=AckOut)
async def ack_reminder(
    reminder_id: uuid.UUID, body: AckIn, client: SchedulerClient, session: SessionDep
) -> AckOut:
    return await feed.ack(session, client=client, reminder_id=reminder_id, worker_id=body.worker_id)
