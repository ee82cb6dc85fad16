"""Password hashing (Argon2 via pwdlib), access tokens (JWT via pyjwt) and refresh tokens
(opaque random strings, stored as their SHA-256)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import anyio.to_thread
import jwt
from anyio import CapacityLimiter
from pwdlib import PasswordHash

from app.config import Settings

_hasher = PasswordHash.recommended()
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_ALGORITHM = "HS256"

Subject = Literal["user", "service"]


# Argon2 is deliberately slow (tens of milliseconds of CPU and memory): on the event loop, a
# handful of logins per second stalls every other request. It runs in worker threads (argon2-cffi
# releases the GIL), at most `_hash_slots` at once, process-wide, because the cores are shared by
# the whole process. One limiter per event loop: anyio's limiter belongs to the loop that made it.
_hash_slots = 2
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def configure_hashing(*, concurrency: int) -> None:
    global _hash_slots
    _hash_slots = concurrency
    for limiter in _limiters.values():
        limiter.total_tokens = concurrency


def _limiter() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(_hash_slots)
    return limiter


def _verify_sync(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_limiter())


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Always costs one Argon2 verification, also for an unknown account (password_hash None)."""
    return await anyio.to_thread.run_sync(_verify_sync, password, password_hash, limiter=_limiter())


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    """What is stored of a refresh token. 256 random bits need no slow hash, and a fast one
    can be looked up by index. Any string hashes (surrogatepass): garbage is an unknown token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: uuid.UUID
    kind: Subject
    scopes: frozenset[str]
    # a person's token: the sign-in (token family) it was issued with, the `sid` claim
    family_id: uuid.UUID | None
    expires_at: datetime


def issue_token(
    settings: Settings,
    *,
    subject: uuid.UUID,
    kind: Subject,
    scopes: frozenset[str] = frozenset(),
    family_id: uuid.UUID | None = None,
) -> tuple[str, int]:
    """A signed access token. A person's names its sign-in (`sid`), so revoking the sign-in
    ends it on the next request."""
    if (kind == "user") != (family_id is not None):
        raise ValueError("a person's token, and only a person's, names its token family")
    minutes = settings.access_token_minutes if kind == "user" else settings.service_token_minutes
    now = datetime.now(UTC)
    claims = {
        "sub": str(subject),
        "kind": kind,
        "scope": " ".join(sorted(scopes)),
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": secrets.token_hex(8),
    }
    if family_id is not None:
        claims["sid"] = str(family_id)
    return jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM), minutes * 60


# Tokens whose signature checked out, by their exact text: an app sends the same access token
# with every request for its lifetime, and PyJWT's decode costs tens of microseconds each time
# (py-spy: a tenth of a cached routine read went to PyJWT re-checking that the secret is not a
# JSON or DER key). Only correctly signed tokens of a sane size enter, so garbage cannot fill
# it; expiry is checked on every use, and revocation is the database's (the caller's sign-in
# is read on every request).
_VERIFIED_TOKENS = 8192
_MAX_CACHED_TOKEN = 2048
_verified: OrderedDict[tuple[str, str], TokenClaims] = OrderedDict()


def _decode(settings: Settings, token: str) -> TokenClaims | None:
    """A correctly signed token's claims, expired or not; None when malformed or forged."""
    key = (settings.secret_key, token)
    claims = _verified.get(key)
    if claims is not None:
        _verified.move_to_end(key)
        return claims
    try:
        decoded = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "sub"], "verify_exp": False},
        )
        kind = decoded.get("kind")
        if kind not in ("user", "service"):
            return None
        family_id = uuid.UUID(str(decoded["sid"])) if kind == "user" else None
        claims = TokenClaims(
            subject=uuid.UUID(str(decoded["sub"])),
            kind=kind,
            scopes=frozenset(str(decoded.get("scope", "")).split()),
            family_id=family_id,
            expires_at=datetime.fromtimestamp(decoded["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError, OSError):
        return None
    if len(token) <= _MAX_CACHED_TOKEN:
        _verified[key] = claims
        if len(_verified) > _VERIFIED_TOKENS:
            _verified.popitem(last=False)
    return claims


def read_token(
    settings: Settings, token: str, *, allow_expired: bool = False
) -> TokenClaims | None:
    """The token's claims, or None when it is malformed, forged or expired (allow_expired: a
    correctly signed token past its expiry still reads, for revocation).

    A person's token without a `sid` (issued before sign-ins were revocable) is refused: a
    token that no revocation could reach must not be honoured."""
    claims = _decode(settings, token)
    if claims is None:
        return None
    # PyJWT's rule: a token is expired once its exp is not after now
    if not allow_expired and claims.expires_at.timestamp() <= time.time():
        return None
    return claims
