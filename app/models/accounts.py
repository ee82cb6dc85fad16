"""People (users, dermatologists, admins) and machine clients (push schedulers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, EmailStr
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, id_field
from app.validation import Text


class Role(StrEnum):
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


class UserRegister(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    email: EmailStr = Field(max_length=320)
    password: Text = Field(min_length=8, max_length=128)


class UserPublic(SQLModel):
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
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    scope: str | None = None
