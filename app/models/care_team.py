"""Consent: a patient's single-use invites and the links that let a dermatologist see their plan."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import NEXT_CURSOR, Instant, UTCDateTime, created_at_field, id_field
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
    """A single-use invite: hand the code to one dermatologist (your consent to share your plan)."""

    code: str = Field(description="The code, shown once: the dermatologist redeems it")
    expires_at: Instant = Field(description="When the code stops working if not redeemed")


class RedeemIn(SQLModel):
    """A patient's invite code, redeemed by a dermatologist."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid", json_schema_extra={"examples": [{"code": "K7QX-2MPD-9RTA-4WZE"}]}
    )

    code: Text = Field(
        min_length=1, max_length=64, description="The code (case, spaces and dashes ignored)"
    )


class PersonOut(SQLModel):
    """A person: a patient or a dermatologist."""

    id: uuid.UUID = Field(description="The person's account id")
    email: str = Field(description="The person's email address")


class PatientOut(PersonOut):
    """A patient linked to you."""

    linked_at: Instant = Field(description="When the link began")


class PatientList(SQLModel):
    """A page of your linked patients."""

    items: list[PatientOut] = Field(description="This page's patients, oldest link first")
    next_cursor: str | None = Field(description=NEXT_CURSOR)


class CareTeamMember(SQLModel):
    """A dermatologist who can see your plan."""

    dermatologist: PersonOut = Field(description="The dermatologist")
    linked_at: Instant = Field(description="When they were linked (when they redeemed an invite)")


class CareTeam(SQLModel):
    """The dermatologists who can see your plan."""

    items: list[CareTeamMember] = Field(description="Your care team, oldest link first")
