"""Accounts: registration, password and client-credential authentication."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.errors import Conflict, RegimenError, Unauthorized
from app.models.accounts import Role, ServiceClient, Token, User
from app.rate_limit import AttemptLimiter
from app.security import hash_password, issue_token, new_client_secret, verify_password
from app.validation import normalise_email

KNOWN_SCOPES = frozenset({"reminders:read"})


class InvalidScope(RegimenError):
    status_code = 400
    code = "invalid_scope"
    title = "Invalid scope"


class InvalidTokenRequest(RegimenError):
    code = "invalid_request"
    title = "Invalid token request"


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


@dataclass(frozen=True, slots=True)
class Caller:
    """The few columns of a person that a read needs: who, which role, which plan revision
    (the routine cache key). Read afresh on every request, never cached."""

    id: uuid.UUID
    role: str
    plan_revision: int


_users = User.__table__  # type: ignore[attr-defined]
# one Core statement on the hot path: no ORM entity, identity map or instance to build
_CALLER = core_select(_users.c.id, _users.c.role, _users.c.plan_revision).where(
    _users.c.id == bindparam("user_id")
)


async def get_caller(session: AsyncSession, user_id: uuid.UUID) -> Caller | None:
    connection = await session.connection()
    row = (await connection.execute(_CALLER, {"user_id": user_id})).first()
    return None if row is None else Caller(row[0], row[1], row[2])


async def get_service_client(session: AsyncSession, client_pk: uuid.UUID) -> ServiceClient | None:
    return await session.get(ServiceClient, client_pk)


async def create_user(
    session: AsyncSession, *, email: str, password: str, role: Role = Role.user
) -> User:
    email = normalise_email(email)
    if await session.scalar(select(col(User.id)).where(col(User.email) == email)) is not None:
        raise Conflict("An account with this email already exists", code="email_taken")
    user = User(email=email, password_hash=await hash_password(password), role=role)
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict("An account with this email already exists", code="email_taken") from exc
    return user


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User:
    """The same failure, at the same cost, for an unknown email and a wrong password."""
    user = await session.scalar(select(User).where(col(User.email) == normalise_email(email)))
    if not await verify_password(password, user.password_hash if user else None) or user is None:
        raise Unauthorized("Incorrect email or password", code="invalid_credentials")
    return user


async def create_service_client(
    session: AsyncSession, *, name: str, scopes: frozenset[str]
) -> tuple[ServiceClient, str]:
    unknown = scopes - KNOWN_SCOPES
    if unknown or not scopes:
        raise InvalidScope(f"Unknown scopes: {' '.join(sorted(unknown)) or '(none given)'}")
    secret = new_client_secret()
    client = ServiceClient(
        name=name,
        client_id="svc_" + secrets.token_hex(12),
        secret_hash=await hash_password(secret),
        scopes=" ".join(sorted(scopes)),
    )
    session.add(client)
    await session.flush()
    return client, secret


async def authenticate_client(
    session: AsyncSession, *, client_id: str, client_secret: str, requested: frozenset[str]
) -> tuple[ServiceClient, frozenset[str]]:
    client = await session.scalar(
        select(ServiceClient).where(col(ServiceClient.client_id) == client_id)
    )
    valid = await verify_password(client_secret, client.secret_hash if client else None)
    if not valid or client is None:
        raise Unauthorized("Unknown client or wrong secret", code="invalid_client")
    granted = requested or client.scope_set
    if not granted <= client.scope_set:
        raise InvalidScope(
            f"This client may not request: {' '.join(sorted(granted - client.scope_set))}"
        )
    return client, granted


async def grant_token(
    session: AsyncSession,
    settings: Settings,
    *,
    limiter: AttemptLimiter | None = None,
    grant_type: str,
    username: str | None = None,
    password: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    scope: str = "",
) -> Token:
    """OAuth2 token endpoint: the password grant for people, client credentials for machines."""
    if grant_type == "password":
        if username is None or password is None:
            raise InvalidTokenRequest("The password grant needs username and password")
        if limiter is not None:  # before the hash, so a refused attempt costs nothing
            await limiter.hit("login:account", normalise_email(username))
        user = await authenticate(session, email=username, password=password)
        access, expires_in = issue_token(settings, subject=user.id, kind="user")
        return Token(access_token=access, expires_in=expires_in)
    if client_id is None or client_secret is None:
        raise InvalidTokenRequest("The client_credentials grant needs client_id and client_secret")
    client, granted = await authenticate_client(
        session,
        client_id=client_id,
        client_secret=client_secret,
        requested=frozenset(scope.split()),
    )
    access, expires_in = issue_token(settings, subject=client.id, kind="service", scopes=granted)
    return Token(access_token=access, expires_in=expires_in, scope=" ".join(sorted(granted)))
