"""The caller's routine for a date or a range, the rule catalogue, and routine logs."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.deps import CurrentCaller, CurrentUser, ReadSessions, SessionDep
from app.http_cache import cached_json, send_encoded
from app.models.logs import RoutineLogIn, RoutineLogList, RoutineLogPublic
from app.models.routines import RoutineDay, RoutineDays, RuleCatalog
from app.routers.params import FromDate, OnDate, ToDate
from app.scheduling import RULES
from app.services import logs, routines

router = APIRouter(tags=["routines"])


@router.get("/v1/me/routine", response_model=RoutineDay)
async def read_routine(
    request: Request, caller: CurrentCaller, reads: ReadSessions, on: OnDate = None
) -> Response:
    day = routines.cached_day(user_id=caller.id, revision=caller.plan_revision, on=on)
    if day is None:
        async with reads() as session:
            day = await routines.routine_day(
                session, user_id=caller.id, revision=caller.plan_revision, on=on
            )
    return send_encoded(request, day)


@router.get("/v1/me/routine/days", response_model=RoutineDays)
async def read_routine_days(
    request: Request, user: CurrentUser, session: SessionDep, start: FromDate, end: ToDate
) -> Response:
    payload = await routines.routine_days(session, user_id=user.id, start=start, end=end)
    return cached_json(request, payload)


@router.get("/v1/rules", response_model=RuleCatalog)
async def read_rules(request: Request) -> Response:
    return cached_json(request, {"rules": routines.rules_payload(sorted(RULES))})


@router.post(
    "/v1/me/logs",
    status_code=201,
    response_model=RoutineLogPublic,
    responses={
        200: {"model": RoutineLogPublic, "description": "A log for that date and slot was replaced"}
    },
)
async def log_routine(
    body: RoutineLogIn, response: Response, user: CurrentUser, session: SessionDep
) -> RoutineLogPublic:
    row, created = await logs.record(session, user_id=user.id, entry=body)
    if not created:
        response.status_code = 200
    return RoutineLogPublic.model_validate(row, from_attributes=True)


@router.get("/v1/me/logs", response_model=RoutineLogList)
async def read_logs(
    user: CurrentUser, session: SessionDep, start: FromDate, end: ToDate
) -> RoutineLogList:
    rows = await logs.list_logs(session, user_id=user.id, start=start, end=end)
    return RoutineLogList(
        items=[RoutineLogPublic.model_validate(row, from_attributes=True) for row in rows]
    )
