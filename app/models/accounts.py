"""People (users, dermatologists, admins) and machine clients (push schedulers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, EmailStr
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, described, id_field
from app.validation import Text


class Role(StrEnum):
    """What an account may do: `user` (the default at registration), `dermatologist` (sees and
    shapes linked patients' plans), `admin` (adds to the shared catalog)."""

    user = "user"
    dermatologist = "dermatologist"
    admin = "admin"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.user, max_length=20)
    # bumped whenever anything this person's routine depends on changes (routine cache key)
    plan_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at_field()


ACCOUNT = {
    "id": "The account's id",
    "email": "The email address the account signs in with (compared case-insensitively)",
    "password": "At least 8 characters",
    "role": "What the account may do",
}


class UserRegister(SQLModel):
    """A new account: an email and a password."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra=described(
            ACCOUNT, {"email": "ada@example.com", "password": "correct horse battery"}
        ),
    )

    email: EmailStr = Field(max_length=320)
    password: Text = Field(min_length=8, max_length=128)


class UserPublic(SQLModel):
    """An account."""

    model_config = ConfigDict(json_schema_extra=described(ACCOUNT))  # type: ignore[assignment]

    id: uuid.UUID
    email: str
    role: Role


class ServiceClient(SQLModel, table=True):
    """A machine client that authenticates with OAuth2 client credentials."""

    __tablename__ = "service_clients"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=120)
    client_id: str = Field(max_length=64, unique=True, index=True)
    secret_hash: str = Field(max_length=255)
    scopes: str = Field(max_length=500)  # space-separated, as in OAuth2
    created_at: datetime = created_at_field()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class Token(SQLModel):
    """An OAuth2 access token (RFC 6749 5.1)."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra=described(
            {
                "access_token": "The bearer token: send it as `Authorization: Bearer <token>`",
                "token_type": "Always `bearer`",
                "expires_in": "Seconds until the token expires",
                "scope": "The scopes granted, space-separated (client credentials only)",
            },
            {
                "access_token": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
                "token_type": "bearer",
                "expires_in": 3600,
                "scope": None,
            },
        )
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    scope: str | None = None
