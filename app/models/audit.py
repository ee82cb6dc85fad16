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

from app.models.base import Instant, JSONList, UTCDateTime, id_field

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
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
    id: uuid.UUID
    patient_id: uuid.UUID
    seq: int
    at: Instant
    actor_id: uuid.UUID
    actor_email: str
    action: AuditAction
    subject_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    prev_hash: str
    hash: str


class AuditPage(SQLModel):
    items: list[AuditRecordPublic]
    next_cursor: str | None
