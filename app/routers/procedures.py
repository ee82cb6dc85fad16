"""Procedures (RULES.md PP1-PP6): the user's own sessions, and a dermatologist's sessions and
series for a linked patient. Consent is checked once, by the LinkedPatient dependency."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.deps import CurrentUser, Dermatologist, IfMatchRequired, LinkedPatient, SessionDep
from app.http_cache import cached_json
from app.models.procedures import (
    PatientProcedureIn,
    ProcedureIn,
    ProcedureList,
    ProcedurePublic,
    ProcedureSeriesIn,
    ProcedureSeriesOut,
)
from app.services import procedures
from app.validation import SafeDate

router = APIRouter(tags=["procedures"])

OptionalFrom = Annotated[
    SafeDate | None, Query(alias="from", description="Only sessions on or after this day")
]
OptionalTo = Annotated[
    SafeDate | None, Query(alias="to", description="Only sessions on or before this day")
]


@router.post("/v1/me/procedures", status_code=201, response_model=ProcedurePublic)
async def record_procedure(
    body: ProcedureIn, user: CurrentUser, session: SessionDep
) -> ProcedurePublic:
    """Record a session you had (a past date) or have booked (a future one). Your routine pauses
    around it (PP1, PP5); `pause_from`, `resume_on` and `reason` say how. 422
    `session_too_soon` when it is closer to another of its kind than PP6 allows."""
    return await procedures.record_procedure(session, user=user, data=body)


@router.get("/v1/me/procedures", response_model=ProcedureList)
async def list_my_procedures(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    start: OptionalFrom = None,
    end: OptionalTo = None,
) -> Response:
    """Your sessions and series (yours and your dermatologists'), each with the reason for its
    pause and until when."""
    found = await procedures.list_procedures(session, user_id=user.id, start=start, end=end)
    return cached_json(request, found)


@router.delete("/v1/me/procedures/{procedure_id}", status_code=204)
async def delete_my_procedure(
    procedure_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> None:
    await procedures.delete_procedure(session, user=user, procedure_id=procedure_id)


@router.get("/v1/patients/{patient_id}/procedures", response_model=ProcedureList)
async def read_patient_procedures(
    request: Request, patient: LinkedPatient, session: SessionDep
) -> Response:
    """The patient's active sessions: one versioned list with a strong ETag (writes take it as
    If-Match)."""
    return cached_json(request, await procedures.list_procedures(session, user_id=patient.id))


@router.post(
    "/v1/patients/{patient_id}/procedures", status_code=201, response_model=ProcedurePublic
)
async def create_patient_procedure(
    body: PatientProcedureIn,
    patient: LinkedPatient,
    dermatologist: Dermatologist,
    session: SessionDep,
    if_match: IfMatchRequired,
) -> ProcedurePublic:
    """Record one session for the patient. If-Match (the list's ETag) is required: 428 without
    it, 412 when another write came first. 422 `session_too_soon` (with `min_interval_days`)
    unless `acknowledge_warning`; audited."""
    return await procedures.create_for_patient(
        session, patient=patient, author=dermatologist, data=body, if_match=if_match
    )


@router.post(
    "/v1/patients/{patient_id}/procedure-series",
    status_code=201,
    response_model=ProcedureSeriesOut,
)
async def create_patient_procedure_series(
    body: ProcedureSeriesIn,
    patient: LinkedPatient,
    dermatologist: Dermatologist,
    session: SessionDep,
    if_match: IfMatchRequired,
) -> ProcedureSeriesOut:
    """Plan a series (PP3, PP6): `sessions` sessions `interval_days` apart from `starts_on`,
    with optional maintenance. If-Match as for one session; spacing below PP6's minimum is
    422 `session_too_soon` unless `acknowledge_warning`; audited."""
    return await procedures.create_series(
        session, patient=patient, author=dermatologist, data=body, if_match=if_match
    )
