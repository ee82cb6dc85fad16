"""Registration and OAuth2 tokens (password grant for people, client credentials for machines)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form

from app.deps import SessionDep, SettingsDep
from app.models.accounts import Token, UserPublic, UserRegister
from app.services import accounts

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/register", status_code=201, response_model=UserPublic)
async def register(body: UserRegister, session: SessionDep) -> UserPublic:
    user = await accounts.create_user(session, email=body.email, password=body.password)
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/token", response_model=Token)
async def token(
    session: SessionDep,
    settings: SettingsDep,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()],
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[str | None, Form(max_length=128)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=128)] = None,
    scope: Annotated[str, Form(max_length=500)] = "",
) -> Token:
    return await accounts.grant_token(
        session,
        settings,
        grant_type=grant_type,
        username=username,
        password=password,
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
    )
