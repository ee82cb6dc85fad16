"""The audit trail: append a record to a patient's hash chain, page through it, verify every chain.

One chain per patient. An append takes the patient's chain lock (a transaction-scoped advisory
lock on PostgreSQL; SQLite already serialises writers), reads the head, and inserts seq + 1 with
prev_hash = the head's hash. The unique (patient_id, seq) is the backstop: an append that raced
anyway fails and its request rolls back, so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock
from app.errors import Conflict
from app.models.accounts import User
from app.models.audit import GENESIS_HASH, AuditAction, AuditRecord
from app.pagination import cursor_int, decode_cursor, encode_cursor

# namespace of the advisory locks taken here (two-key form: namespace, patient)
_LOCK_NAMESPACE = 0x41554449  # "AUDI"


async def lock_chain(session: AsyncSession, *, patient_id: uuid.UUID) -> None:
    """Serialise writers of one patient's chain (and of what it records) until commit."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(patient_id.bytes[:4], "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, key)))


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _optional_id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def record_hash(record: AuditRecord) -> str:
    """SHA-256 over a canonical JSON of every field but the hash itself (prev_hash included)."""
    body = {
        "id": str(record.id),
        "patient_id": str(record.patient_id),
        "seq": record.seq,
        "at": _instant(record.at),
        "actor_id": str(record.actor_id),
        "actor_email": record.actor_email,
        "action": record.action,
        "subject_id": _optional_id(record.subject_id),
        "before": record.before,
        "after": record.after,
        "reason": record.reason,
        "prev_hash": record.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def append(
    session: AsyncSession,
    *,
    patient_id: uuid.UUID,
    actor: User,
    action: AuditAction,
    subject_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditRecord:
    await lock_chain(session, patient_id=patient_id)
    head = (
        await session.execute(
            select(col(AuditRecord.seq), col(AuditRecord.hash))
            .where(col(AuditRecord.patient_id) == patient_id)
            .order_by(col(AuditRecord.seq).desc())
            .limit(1)
        )
    ).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head is not None else (1, GENESIS_HASH)
    record = AuditRecord(
        patient_id=patient_id,
        seq=seq,
        at=clock.now_utc(),
        actor_id=actor.id,
        actor_email=actor.email,
        action=action.value,
        subject_id=subject_id,
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev_hash,
        hash="",
    )
    record.hash = record_hash(record)
    session.add(record)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # another append took this seq: refuse rather than fork
        raise Conflict(
            "The patient's record changed while this request ran; retry it",
            code="concurrent_update",
        ) from exc
    return record


async def list_records(
    session: AsyncSession, *, patient_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[AuditRecord], str | None]:
    """Newest first; the cursor is the last seq returned."""
    query = select(AuditRecord).where(col(AuditRecord.patient_id) == patient_id)
    if cursor is not None:
        (raw_seq,) = decode_cursor(cursor, arity=1)
        before_seq = cursor_int(raw_seq)
        query = query.where(col(AuditRecord.seq) < before_seq)
    rows = list(await session.scalars(query.order_by(col(AuditRecord.seq).desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor([rows[limit - 1].seq])


@dataclass(frozen=True, slots=True)
class Break:
    """The first place a chain does not hold."""

    patient_id: uuid.UUID
    seq: int
    record_id: uuid.UUID
    problem: str  # hash_mismatch | prev_hash_mismatch | seq_gap


@dataclass(frozen=True, slots=True)
class Verification:
    records: int
    patients: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


async def _in_chain_order(session: AsyncSession) -> AsyncIterator[AuditRecord]:
    query = select(AuditRecord).order_by(col(AuditRecord.patient_id), col(AuditRecord.seq))
    result = await session.stream_scalars(query.execution_options(yield_per=500))
    async for record in result:
        yield record


async def verify(session: AsyncSession) -> Verification:
    """Walk every chain: recompute each hash and check each link to the record before it.

    A changed field breaks that record's hash; a deleted record leaves a gap in seq and a
    prev_hash that no longer matches. (Deleting the newest records of a chain leaves a shorter
    valid chain: that takes an anchor kept elsewhere, such as the heads this reports.)"""
    records = 0
    patients = 0
    current: uuid.UUID | None = None
    expected_seq, expected_prev = 1, GENESIS_HASH
    async for record in _in_chain_order(session):
        records += 1
        if record.patient_id != current:
            current, patients = record.patient_id, patients + 1
            expected_seq, expected_prev = 1, GENESIS_HASH
        problem = None
        if record.seq != expected_seq:
            problem = "seq_gap"
        elif record.prev_hash != expected_prev:
            problem = "prev_hash_mismatch"
        elif record_hash(record) != record.hash:
            problem = "hash_mismatch"
        if problem is not None:
            return Verification(
                records, patients, Break(record.patient_id, record.seq, record.id, problem)
            )
        expected_seq, expected_prev = record.seq + 1, record.hash
    return Verification(records, patients, None)
