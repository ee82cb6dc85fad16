"""The audit trail: append-only, one hash chain per patient.

Each record's `hash` is SHA-256 over a canonical JSON of its own fields and `prev_hash` (the hash of
the patient's previous record, or 64 zeros for the first), so altering or removing a record breaks
the chain at that point. The unique (patient_id, seq) makes a racing append fail instead of forking
the chain.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import NEXT_CURSOR, Instant, JSONList, UTCDateTime, id_field

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    """What an audit record records."""

    invite_created = "invite_created"
    link_created = "link_created"
    link_revoked = "link_revoked"
    override_created = "override_created"
    override_deleted = "override_deleted"
    guard_confirmed = "guard_confirmed"
    procedure_created = "procedure_created"
    procedure_series_created = "procedure_series_created"
    procedure_deleted = "procedure_deleted"
    procedure_warning_acknowledged = "procedure_warning_acknowledged"


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("patient_id", "seq"),)

    id: uuid.UUID = id_field()
    patient_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    seq: int
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # no foreign key: the record outlives the actor's account; the email is a snapshot
    actor_id: uuid.UUID
    actor_email: str = Field(max_length=320)
    action: str = Field(sa_type=String(40))
    subject_id: uuid.UUID | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONList)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONList)
    reason: str | None = Field(default=None, max_length=500)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # HMAC-SHA256 of `hash` under the audit key: recomputing hashes after an edit is not enough
    # to pass verification without the key (null on records written before it existed)
    mac: str | None = Field(default=None, max_length=64)


class AuditRecordPublic(SQLModel):
    """One record of a patient's audit trail: who did what to the plan, when, and why. Records
    form a hash chain per patient (each `hash` covers the record and `prev_hash`), so an edited
    or removed record breaks the chain."""

    id: uuid.UUID = Field(description="The record's id")
    patient_id: uuid.UUID = Field(description="Whose plan it concerns")
    seq: int = Field(description="Its place in the patient's chain: 1, 2, 3...")
    at: Instant = Field(description="When it happened")
    actor_id: uuid.UUID = Field(description="Who did it (the patient or a dermatologist)")
    actor_email: str = Field(description="The actor's email address at the time")
    action: AuditAction = Field(description="What was done")
    subject_id: uuid.UUID | None = Field(
        description="What it was done to (an invite, a link, an override, a procedure)"
    )
    before: dict[str, Any] | None = Field(description="The subject before, where it changed")
    after: dict[str, Any] | None = Field(description="The subject after, where it changed")
    reason: str | None = Field(description="Why, as the actor wrote it")
    prev_hash: str = Field(
        description="The previous record's `hash` (64 zeros for the first): the chain's link"
    )
    hash: str = Field(
        description="SHA-256 (hex) of a canonical JSON of this record's fields and `prev_hash`"
    )


class AuditPage(SQLModel):
    """A page of an audit trail, newest first."""

    items: list[AuditRecordPublic] = Field(description="This page's records, newest first")
    next_cursor: str | None = Field(description=NEXT_CURSOR)
