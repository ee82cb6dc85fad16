"""The dermatologist's side: redeem a patient's invite, list patients, and read and shape a
linked patient's plan. Consent is checked once, by the LinkedPatient dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.deps import Dermatologist, IfMatchRequired, LinkedPatient, PatientOverride, SessionDep
from app.http_cache import cached_json, send_encoded
from app.models.audit import AuditPage, AuditRecordPublic
from app.models.care_team import PatientList, PatientOut, RedeemIn
from app.models.overrides import OverrideCreate, OverrideList, OverridePublic
from app.models.profiles import ProfilePublic
from app.models.routines import RoutineDay, RoutineDays
from app.routers.params import Cursor, FromDate, Limit, OnDate, ToDate
from app.services import audit, care_team, overrides, profiles, routines
from app.validation import MultilineText

router = APIRouter(prefix="/v1/patients", tags=["dermatologists"])


@router.post("", status_code=201, response_model=PatientOut)
async def redeem_invite(
    body: RedeemIn, dermatologist: Dermatologist, session: SessionDep
) -> PatientOut:
    patient, link = await care_team.redeem_invite(
        session, dermatologist=dermatologist, code=body.code
    )
    return PatientOut(id=patient.id, email=patient.email, linked_at=link.linked_at)


@router.get("", response_model=PatientList)
async def list_patients(
    dermatologist: Dermatologist, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> PatientList:
    rows, next_cursor = await care_team.list_patients(
        session, dermatologist=dermatologist, limit=limit, cursor=cursor
    )
    return PatientList(
        items=[PatientOut(id=p.id, email=p.email, linked_at=at) for p, at in rows],
        next_cursor=next_cursor,
    )


@router.get("/{patient_id}/profile", response_model=ProfilePublic)
async def read_patient_profile(
    request: Request, patient: LinkedPatient, session: SessionDep
) -> Response:
    profile = await profiles.get_profile(session, user_id=patient.id)
    return send_encoded(request, profiles.encoded(profile))


@router.get("/{patient_id}/routine", response_model=RoutineDay)
async def read_patient_routine(
    request: Request, patient: LinkedPatient, session: SessionDep, on: OnDate = None
) -> Response:
    day = await routines.routine_day(
        session, user_id=patient.id, revision=patient.plan_revision, on=on
    )
    return send_encoded(request, day)


@router.get("/{patient_id}/routine/days", response_model=RoutineDays)
async def read_patient_routine_days(
    request: Request, patient: LinkedPatient, session: SessionDep, start: FromDate, end: ToDate
) -> Response:
    payload = await routines.routine_days(session, user_id=patient.id, start=start, end=end)
    return cached_json(request, payload)


@router.get("/{patient_id}/overrides", response_model=OverrideList)
async def read_overrides(request: Request, patient: LinkedPatient, session: SessionDep) -> Response:
    """The patient's active overrides: one versioned list with a strong ETag."""
    return cached_json(request, await overrides.list_overrides(session, patient_id=patient.id))


@router.post("/{patient_id}/overrides", status_code=201, response_model=OverridePublic)
async def create_override(
    body: OverrideCreate,
    patient: LinkedPatient,
    dermatologist: Dermatologist,
    session: SessionDep,
    if_match: IfMatchRequired,
) -> OverridePublic:
    """Add an override. If-Match (the list's ETag) is required: 428 without it, 412 when another
    write came first. 422 `guard_not_overridable` / `warning_not_acknowledged` when a guard
    stands in the way (RULES.md O2)."""
    return await overrides.create_override(
        session, patient=patient, author=dermatologist, data=body, if_match=if_match
    )


@router.delete("/{patient_id}/overrides/{override_id}", status_code=204)
async def delete_override(
    override: PatientOverride,
    dermatologist: Dermatologist,
    session: SessionDep,
    if_match: IfMatchRequired,
    reason: Annotated[MultilineText | None, Query(min_length=1, max_length=500)] = None,
) -> None:
    """Withdraw an override (kept for history, recorded in the audit trail). If-Match is required
    as for POST; `reason` is optional and recorded."""
    await overrides.delete_override(
        session, row=override, actor=dermatologist, if_match=if_match, reason=reason
    )


@router.get("/{patient_id}/audit", response_model=AuditPage)
async def read_patient_audit(
    patient: LinkedPatient, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> AuditPage:
    rows, next_cursor = await audit.list_records(
        session, patient_id=patient.id, limit=limit, cursor=cursor
    )
    return AuditPage(
        items=[AuditRecordPublic.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
