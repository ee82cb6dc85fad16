"""The patient's side of consent: invite a dermatologist, see and revoke the care team, read the
overrides and the audit trail of one's own plan."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.deps import CurrentUser, SessionDep
from app.models.audit import AuditPage, AuditRecordPublic
from app.models.care_team import CareTeam, CareTeamMember, InvitePublic, PersonOut
from app.models.overrides import OverrideList
from app.routers.params import Cursor, Limit
from app.services import audit, care_team, overrides

router = APIRouter(prefix="/v1/me", tags=["care team"])


@router.post("/care-team/invites", status_code=201, response_model=InvitePublic)
async def create_invite(user: CurrentUser, session: SessionDep) -> InvitePublic:
    invite, code = await care_team.create_invite(session, patient=user)
    return InvitePublic(code=code, expires_at=invite.expires_at)


@router.get("/care-team", response_model=CareTeam)
async def read_care_team(user: CurrentUser, session: SessionDep) -> CareTeam:
    members = await care_team.care_team(session, patient=user)
    return CareTeam(
        items=[
            CareTeamMember(dermatologist=PersonOut(id=d.id, email=d.email), linked_at=at)
            for d, at in members
        ]
    )


# `:uuid`: DELETE /v1/me/care-team/invites is a 405 (that path is POST only), not a malformed id
@router.delete("/care-team/{dermatologist_id:uuid}", status_code=204)
async def revoke(dermatologist_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> None:
    await care_team.revoke(session, patient=user, dermatologist_id=dermatologist_id)


@router.get("/overrides", response_model=OverrideList)
async def read_my_overrides(
    user: CurrentUser, session: SessionDep, include_deleted: bool = False
) -> OverrideList:
    return await overrides.list_overrides(
        session, patient_id=user.id, include_deleted=include_deleted
    )


@router.get("/audit", response_model=AuditPage)
async def read_my_audit(
    user: CurrentUser, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> AuditPage:
    rows, next_cursor = await audit.list_records(
        session, patient_id=user.id, limit=limit, cursor=cursor
    )
    return AuditPage(
        items=[AuditRecordPublic.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
