"""Sign-ins as token families, their refresh tokens, and the token and revocation forms.

A family is one sign-in (one password grant): every refresh token rotated from it and every
access token issued with them (their `sid` claim) belong to it, and revoking it ends them all.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, id_field
from app.validation import Text


class TokenFamily(SQLModel, table=True):
    __tablename__ = "token_families"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = created_at_field()
    # set once, never cleared: the family's tokens stop working on the next request
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RefreshToken(SQLModel, table=True):
    """One refresh token of a family. Only its SHA-256 is stored: the token is 256 random
    bits, so a fast hash is as good as a slow one and can be looked up by index."""

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = id_field()
    family_id: uuid.UUID = Field(foreign_key="token_families.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # set when it is exchanged for the next one; presenting it again is reuse
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# RFC 6749 3.2: the server MUST ignore parameters it does not know, so these forms ignore extra
# fields (unlike this API's JSON bodies, which refuse them).
class TokenRequest(SQLModel):
    """`POST /v1/auth/token` (application/x-www-form-urlencoded, RFC 6749)."""

    model_config = ConfigDict(extra="ignore")  # type: ignore[assignment]

    # a string, not an enum: an unknown grant is RFC 6749's unsupported_grant_type, not a 422
    grant_type: Text = Field(
        max_length=64,
        description="`password` (a person signs in), `refresh_token` (rotate a person's refresh "
        "token) or `client_credentials` (a machine client)",
        schema_extra={"examples": ["password", "refresh_token", "client_credentials"]},
    )
    username: Text | None = Field(
        default=None, max_length=320, description="password grant: the account's email"
    )
    password: Text | None = Field(
        default=None, max_length=128, description="password grant: the account's password"
    )
    # as long as revocation takes: whatever is not ours is an unknown token (invalid_grant)
    refresh_token: Text | None = Field(
        default=None, max_length=4096, description="refresh_token grant: the latest refresh token"
    )
    client_id: Text | None = Field(
        default=None,
        max_length=64,
        description="client_credentials grant, unless sent as HTTP Basic",
    )
    client_secret: Text | None = Field(
        default=None,
        max_length=128,
        description="client_credentials grant, unless sent as HTTP Basic",
    )
    scope: Text = Field(
        default="",
        max_length=500,
        description="client_credentials grant: space-separated scopes (default: all granted)",
    )


class RevokeRequest(SQLModel):
    """`POST /v1/auth/revoke` (application/x-www-form-urlencoded, RFC 7009)."""

    model_config = ConfigDict(extra="ignore")  # type: ignore[assignment]

    # Not Text: anything that is not a token of ours is an unknown token, answered 200
    # an empty token is RFC 6749's invalid_request (RFC 7009 2.1: it is REQUIRED)
    token: str = Field(
        min_length=1, max_length=4096, description="A refresh token or an access token"
    )
    token_type_hint: str | None = Field(
        default=None,
        max_length=64,
        description="access_token or refresh_token; optional, and not needed to find the token",
    )


class OAuthErrorCode(StrEnum):
    """RFC 6749 5.2's error codes, and RFC 7009 2.2.1's unsupported_token_type."""

    invalid_request = "invalid_request"
    invalid_client = "invalid_client"
    invalid_grant = "invalid_grant"
    unauthorized_client = "unauthorized_client"
    unsupported_grant_type = "unsupported_grant_type"
    invalid_scope = "invalid_scope"
    unsupported_token_type = "unsupported_token_type"


class OAuthErrorBody(SQLModel):
    """An error of the token and revocation endpoints (RFC 6749 5.2), `application/json`: the
    RFC's two members, and the problem members every other error of this API carries."""

    error: OAuthErrorCode = Field(description="The RFC 6749 5.2 error code: branch on this")
    error_description: str = Field(description="What went wrong, for a developer")
    type: str = Field(description="`/problems/` and the error code")
    title: str = Field(description="A short summary of the kind of error, for people")
    status: int = Field(description="The HTTP status code of this response")
    detail: str = Field(description="The same as error_description")
    code: OAuthErrorCode = Field(description="The same as error")
