"""Registration and OAuth2 tokens (password grant for people, client credentials for machines)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form

from app.deps import SessionDep, SettingsDep
from app.errors import RegimenError
from app.models.accounts import Token, UserPublic, UserRegister
from app.security import issue_token
from app.services import accounts

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class InvalidRequest(RegimenError):
    code = "invalid_request"
    title = "Invalid token request"


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
    if grant_type == "password":
        if username is None or password is None:
            raise InvalidRequest("The password grant needs username and password")
        user = await accounts.authenticate(session, email=username, password=password)
        access, expires_in = issue_token(settings, subject=user.id, kind="user")
        return Token(access_token=access, expires_in=expires_in)
    if client_id is None or client_secret is None:
        raise InvalidRequest("The client_credentials grant needs client_id and client_secret")
    client, granted = await accounts.authenticate_client(
        session,
        client_id=client_id,
        client_secret=client_secret,
        requested=frozenset(scope.split()),
    )
    access, expires_in = issue_token(settings, subject=client.id, kind="service", scopes=granted)
    return Token(access_token=access, expires_in=expires_in, scope=" ".join(sorted(granted)))
