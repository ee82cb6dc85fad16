"""Registration and OAuth2 tokens (password grant for people, client credentials for machines)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form

from app.deps import AttemptLimiterDep, SessionDep, SettingsDep, limit_per_address
from app.models.accounts import Token, UserPublic, UserRegister
from app.services import accounts
from app.validation import Text

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=201,
    response_model=UserPublic,
    dependencies=[limit_per_address("register:address")],
)
async def register(body: UserRegister, session: SessionDep) -> UserPublic:
    user = await accounts.create_user(session, email=body.email, password=body.password)
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/token", response_model=Token, dependencies=[limit_per_address("login:address")])
async def token(
    session: SessionDep,
    settings: SettingsDep,
    limiter: AttemptLimiterDep,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()],
    username: Annotated[Text | None, Form(max_length=320)] = None,
    password: Annotated[Text | None, Form(max_length=128)] = None,
    client_id: Annotated[Text | None, Form(max_length=64)] = None,
    client_secret: Annotated[Text | None, Form(max_length=128)] = None,
    scope: Annotated[Text, Form(max_length=500)] = "",
) -> Token:
    return await accounts.grant_token(
        session,
        settings,
        limiter=limiter,
        grant_type=grant_type,
        username=username,
        password=password,
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
    )
