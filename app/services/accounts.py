"""Accounts: registration, who is calling (a person and their sign-in), and checking a
person's password or a machine client's secret. The token endpoint is app/services/tokens.py."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.errors import Conflict, InvalidScope
from app.models.accounts import Role, ServiceClient, User
from app.models.tokens import TokenFamily
from app.security import hash_password, new_client_secret, verify_password
from app.validation import normalise_email

KNOWN_SCOPES = frozenset({"reminders:read"})


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_signed_in_user(
    session: AsyncSession, *, user_id: uuid.UUID, family_id: uuid.UUID
) -> User | None:
    """The person behind a token as an entity (app/services/callers.py reads the hot reads' few
    columns), or None if the account is gone or the sign-in revoked: one statement as well."""
    statement = (
        select(User)
        .join(TokenFamily, col(TokenFamily.user_id) == col(User.id))
        .where(
            col(User.id) == user_id,
            col(TokenFamily.id) == family_id,
            col(TokenFamily.revoked_at).is_(None),
        )
    )
    user: User | None = await session.scalar(statement)
    return user


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


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User | None:
    """The account, or None: at the same cost for an unknown email and a wrong password."""
    user = await session.scalar(select(User).where(col(User.email) == normalise_email(email)))
    if not await verify_password(password, user.password_hash if user else None):
        return None
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
    session: AsyncSession, *, client_id: str, client_secret: str
) -> ServiceClient | None:
    """The client, or None: at the same cost for an unknown client and a wrong secret."""
    client = await session.scalar(
        select(ServiceClient).where(col(ServiceClient.client_id) == client_id)
    )
    if not await verify_password(client_secret, client.secret_hash if client else None):
        return None
    return client
