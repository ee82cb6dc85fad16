"""The caller's own account: read it, erase it (GDPR Art. 17), export everything held about it
(GDPR Art. 20)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.deps import AttemptLimiterDep, CurrentUser, SessionDep
from app.models.privacy import AccountDeletion, AccountExport, AccountPublic
from app.services import privacy

router = APIRouter(prefix="/v1/me", tags=["account"])


@router.get("", response_model=AccountPublic, operation_id="getMe")
async def read_me(user: CurrentUser) -> AccountPublic:
    """The caller's account: id, email, role and when it was created."""
    return privacy.account(user)


@router.delete("", status_code=204, operation_id="deleteMe")
async def delete_me(
    body: AccountDeletion, user: CurrentUser, session: SessionDep, limiter: AttemptLimiterDep
) -> None:
    """Erase the account and its health data (the password entered again); tokens stop at once."""
    await privacy.delete_account(session, user=user, password=body.password, limiter=limiter)


@router.get("/export", response_model=AccountExport, operation_id="exportMe")
async def export_me(user: CurrentUser, session: SessionDep, response: Response) -> AccountExport:
    """Everything held about the caller, as one JSON document to download."""
    document = await privacy.export(session, user=user)
    filename = f"regimen-export-{document.exported_at.date().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return document
