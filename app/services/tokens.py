"""The OAuth2 token endpoint (RFC 6749) and revocation (RFC 7009): sign-ins as token families.

A password grant opens a family: an access token naming it (`sid`) and a refresh token. A
refresh (grant_type=refresh_token) exchanges the family's latest refresh token for a new pair;
the one presented is used up. Presenting a used one again means two parties hold the family's
tokens (a thief and its owner), and there is no telling which is which: the whole family is
revoked, refresh and access tokens alike (RFC 9700 4.14.2). That includes the loser of two
concurrent refreshes of one token: exactly one of them wins the conditional UPDATE.

Errors are OAuthError (app/errors.py). One of them writes: reuse revokes the family before it
is answered invalid_grant, so the route commits its transaction for these errors too; nothing
else here writes before raising one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.config import Settings
from app.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedTokenType,
)
from app.models.accounts import Token
from app.models.tokens import RefreshToken, TokenFamily, TokenRequest
from app.rate_limit import AttemptLimiter
from app.security import issue_token, new_refresh_token, read_token, refresh_token_digest
from app.services import accounts
from app.validation import normalise_email

_REFUSED = "The refresh token is invalid, expired or revoked"
_REUSED = "This refresh token was already used; its sign-in is revoked, sign in again"


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A machine client's id and secret, from the form or from HTTP Basic."""

    client_id: str
    client_secret: str


async def grant(
    session: AsyncSession,
    settings: Settings,
    *,
    form: TokenRequest,
    basic: ClientCredentials | None,
    limiter: AttemptLimiter,
    address: str,
) -> Token:
    """One token request, by its grant type. The login limits count the grants that check a
    password or a secret (before the hash); a refresh hashes nothing and is not counted."""
    if form.grant_type == "password":
        return await _password_grant(
            session, settings, form=form, basic=basic, limiter=limiter, address=address
        )
    if form.grant_type == "refresh_token":
        _public_client(form, basic)
        if form.refresh_token is None:
            raise InvalidRequest("The refresh_token grant needs refresh_token")
        if form.scope:
            raise InvalidScope("A person's token carries no scopes")
        return await refresh(session, settings, presented=form.refresh_token)
    if form.grant_type == "client_credentials":
        return await _client_credentials_grant(
            session, settings, form=form, basic=basic, limiter=limiter, address=address
        )
    raise UnsupportedGrantType("grant_type must be password, refresh_token or client_credentials")


def _public_client(form: TokenRequest, basic: ClientCredentials | None) -> None:
    """People's apps are public clients (RFC 6749 2.1): a client_id alone may identify one and
    is ignored, but a client authenticating with a secret is a machine client, and machine
    clients use client_credentials only."""
    if basic is not None or form.client_secret is not None:
        raise UnauthorizedClient("Machine clients may use the client_credentials grant only")


async def _password_grant(
    session: AsyncSession,
    settings: Settings,
    *,
    form: TokenRequest,
    basic: ClientCredentials | None,
    limiter: AttemptLimiter,
    address: str,
) -> Token:
    _public_client(form, basic)
    if form.username is None or form.password is None:
        raise InvalidRequest("The password grant needs username and password")
    if form.scope:
        raise InvalidScope("A person's token carries no scopes")
    await limiter.hit("login:address", address)
    await limiter.hit("login:account", normalise_email(form.username))
    user = await accounts.authenticate(session, email=form.username, password=form.password)
    if user is None:
        raise InvalidGrant("Incorrect email or password")
    return await sign_in(session, settings, user_id=user.id)


def _client_of(form: TokenRequest, basic: ClientCredentials | None) -> ClientCredentials:
    """RFC 6749 2.3: one way of authenticating per request, HTTP Basic or the form."""
    if basic is not None:
        if form.client_id is not None or form.client_secret is not None:
            raise InvalidRequest(
                "Send the client credentials as HTTP Basic or in the form, not both"
            )
        return basic
    if form.client_id is None and form.client_secret is None:
        raise InvalidClient("The client_credentials grant needs the client's id and secret")
    if form.client_id is None or form.client_secret is None:
        raise InvalidRequest("The client_credentials grant needs client_id and client_secret")
    return ClientCredentials(form.client_id, form.client_secret)


async def _client_credentials_grant(
    session: AsyncSession,
    settings: Settings,
    *,
    form: TokenRequest,
    basic: ClientCredentials | None,
    limiter: AttemptLimiter,
    address: str,
) -> Token:
    credentials = _client_of(form, basic)
    await limiter.hit("login:address", address)
    client = await accounts.authenticate_client(
        session, client_id=credentials.client_id, client_secret=credentials.client_secret
    )
    if client is None:
        raise InvalidClient("Unknown client or wrong secret")
    granted = frozenset(form.scope.split()) or client.scope_set
    if not granted <= client.scope_set:
        refused = " ".join(sorted(granted - client.scope_set))
        raise InvalidScope(f"This client may not request: {refused}")
    access, expires_in = issue_token(settings, subject=client.id, kind="service", scopes=granted)
    # no refresh token (RFC 6749 4.4.3): the client asks again with its credentials
    return Token(access_token=access, expires_in=expires_in, scope=" ".join(sorted(granted)))


def _add_refresh_token(
    session: AsyncSession, settings: Settings, *, family_id: uuid.UUID, now: datetime
) -> str:
    token = new_refresh_token()
    session.add(
        RefreshToken(
            family_id=family_id,
            token_hash=refresh_token_digest(token),
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    return token


def _issued(settings: Settings, *, user_id: uuid.UUID, family_id: uuid.UUID, refresh: str) -> Token:
    access, expires_in = issue_token(settings, subject=user_id, kind="user", family_id=family_id)
    return Token(
        access_token=access,
        expires_in=expires_in,
        refresh_token=refresh,
        refresh_expires_in=settings.refresh_token_days * 24 * 3600,
    )


async def sign_in(session: AsyncSession, settings: Settings, *, user_id: uuid.UUID) -> Token:
    """A new sign-in for a person whose password was checked: a family and its first pair."""
    now = clock.now_utc()
    family = TokenFamily(user_id=user_id, created_at=now)
    session.add(family)
    await session.flush()  # the family's row first: its refresh token refers to it
    refresh_token = _add_refresh_token(session, settings, family_id=family.id, now=now)
    await session.flush()
    return _issued(settings, user_id=user_id, family_id=family.id, refresh=refresh_token)


async def refresh(session: AsyncSession, settings: Settings, *, presented: str) -> Token:
    """Exchange a refresh token for a new pair of the same sign-in; the presented one is used
    up. A used one presented again revokes the sign-in (see the module docstring).

    A token past its expiry is refused without revoking anything: it can no longer be
    exchanged by anyone, and expired tokens are pruned (below), so it could not be told from an
    unknown one for long anyway. An account that was deleted took its families and their
    tokens with it (ON DELETE CASCADE): its refresh token is unknown."""
    now = clock.now_utc()
    found = (
        await session.execute(
            select(RefreshToken, TokenFamily)
            .join(TokenFamily, col(TokenFamily.id) == col(RefreshToken.family_id))
            .where(col(RefreshToken.token_hash) == refresh_token_digest(presented))
            # PostgreSQL: hold the family while it changes, so that deleting the account (its
            # cascade locks the family, then its tokens) waits for this refresh, or this one
            # for it, instead of the two deadlocking. SQLite writers take turns anyway.
            .with_for_update(of=TokenFamily)
        )
    ).first()
    if found is None:
        raise InvalidGrant(_REFUSED)
    token, family = found
    if family.revoked_at is not None or token.expires_at <= now:
        raise InvalidGrant(_REFUSED)
    if token.used_at is not None or not await _use(session, token_id=token.id, now=now):
        await _revoke_family(session, family_id=family.id, now=now)
        raise InvalidGrant(_REUSED)
    # a family's tokens past their expiry can no longer be exchanged, nor tell reuse apart
    await session.execute(
        delete(RefreshToken).where(
            col(RefreshToken.family_id) == family.id, col(RefreshToken.expires_at) <= now
        )
    )
    next_token = _add_refresh_token(session, settings, family_id=family.id, now=now)
    await session.flush()
    return _issued(settings, user_id=family.user_id, family_id=family.id, refresh=next_token)


async def _use(session: AsyncSession, *, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark a refresh token used, if nobody has: of two requests presenting it at once, one
    gets True. On PostgreSQL the second UPDATE waits for the first's row lock, then finds
    used_at set; SQLite writers take turns (app/db.py), so the second reads it set."""
    result = await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.id) == token_id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def _revoke_family(
    session: AsyncSession,
    *,
    family_id: uuid.UUID,
    now: datetime,
    user_id: uuid.UUID | None = None,
) -> None:
    """End a sign-in: its refresh tokens are refused, and its access tokens on their next
    request (the caller checks join the family, app/services/accounts.py)."""
    statement = update(TokenFamily).where(
        col(TokenFamily.id) == family_id, col(TokenFamily.revoked_at).is_(None)
    )
    if user_id is not None:
        statement = statement.where(col(TokenFamily.user_id) == user_id)
    await session.execute(
        statement.values(revoked_at=now).execution_options(synchronize_session=False)
    )


async def revoke(session: AsyncSession, settings: Settings, *, token: str) -> None:
    """RFC 7009: revoke the sign-in a refresh token or a person's access token belongs to.

    An unknown, malformed or already revoked token is no error (2.2): there is nothing left
    for it to do. A person's access token past its expiry still revokes its sign-in (signing out
    with a lapsed access token works). A machine client's access token cannot be revoked (it
    is a signed token with no sign-in behind it, and lives minutes): unsupported_token_type,
    so the client is not told it is gone when it is not."""
    now = clock.now_utc()
    claims = read_token(settings, token, allow_expired=True)
    if claims is not None:
        if claims.kind == "service":
            if claims.expires_at > now:
                raise UnsupportedTokenType("A machine client's access token cannot be revoked")
            return
        assert claims.family_id is not None  # read_token refuses a person's token without one
        await _revoke_family(session, family_id=claims.family_id, now=now, user_id=claims.subject)
        return
    family_id = await session.scalar(
        select(col(RefreshToken.family_id)).where(
            col(RefreshToken.token_hash) == refresh_token_digest(token)
        )
    )
    if family_id is not None:
        await _revoke_family(session, family_id=family_id, now=now)
