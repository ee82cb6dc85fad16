"""Consent: a patient's single-use invites and the links that let a dermatologist see their plan."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import Instant, UTCDateTime, created_at_field, id_field
from app.validation import Text


class CareInvite(SQLModel, table=True):
    """A code the patient hands to one dermatologist; only its SHA-256 is stored."""

    __tablename__ = "care_invites"

    id: uuid.UUID = id_field()
    patient_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    redeemed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class CareLink(SQLModel, table=True):
    """One row per (patient, dermatologist): active while revoked_at is null. Re-linking after a
    revocation reuses the row; the audit trail keeps the history."""

    __tablename__ = "care_links"
    __table_args__ = (UniqueConstraint("patient_id", "dermatologist_id"),)

    id: uuid.UUID = id_field()
    patient_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    dermatologist_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    linked_at: datetime = created_at_field()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InvitePublic(SQLModel):
    code: str
    expires_at: Instant


class RedeemIn(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    code: Text = Field(min_length=1, max_length=64)


class PersonOut(SQLModel):
    id: uuid.UUID
    email: str


class PatientOut(PersonOut):
    linked_at: Instant


class PatientList(SQLModel):
    items: list[PatientOut]
    next_cursor: str | None


class CareTeamMember(SQLModel):
    dermatologist: PersonOut
    linked_at: Instant


class CareTeam(SQLModel):
    items: list[CareTeamMember]
