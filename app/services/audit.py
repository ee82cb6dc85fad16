"""The audit trail: append a record to a patient's hash chain, page through it, verify every chain.

One chain per patient. An append takes the patient's chain lock (a transaction-scoped advisory
lock on PostgreSQL; SQLite already serialises writers), reads the head, and inserts seq + 1 with
prev_hash = the head's hash. The unique (patient_id, seq) is the backstop: an append that raced
anyway fails and its request rolls back, so the chain never forks.

Hashes alone stop nobody who can write the table: edit a record, recompute every hash after it,
and the chain holds again. So each record also carries an HMAC of its hash under the audit key
(settings.audit_signing_key, never stored in the database), and verify() hands out a signed
checkpoint (record count and a digest of every chain's head, as of an instant) that an operator
keeps elsewhere: handed back later, it shows whether records it covered were deleted.

Erasure (GDPR Art. 17, services/privacy.py) blanks the personal payload of every record in an
erased patient's chain. A record's hash covers that payload only through a salted digest
(`payload_digest`, models/audit.py), which stays: the chain, every HMAC and every checkpoint
still verify, and each erased record is sealed with an HMAC of what is left (`erasure_mac`), so
blanking a record without the key is caught like any other edit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock
from app.config import get_settings
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


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _fixed_fields(record: AuditRecord) -> dict[str, Any]:
    """What a record says besides its personal payload: kept when the patient is erased."""
    return {
        "id": str(record.id),
        "patient_id": str(record.patient_id),
        "seq": record.seq,
        "at": _instant(record.at),
        "actor_id": str(record.actor_id),
        "action": record.action,
        "subject_id": _optional_id(record.subject_id),
        "prev_hash": record.prev_hash,
    }


def payload_digest(record: AuditRecord) -> str:
    """SHA-256 of the personal payload and its random nonce (the nonce is erased with the
    payload, so the digest left behind cannot confirm a guess at a short reason or an email)."""
    body = {
        "nonce": record.payload_nonce,
        "actor_email": record.actor_email,
        "before": record.before,
        "after": record.after,
        "reason": record.reason,
    }
    return hashlib.sha256(_canonical(body)).hexdigest()


def record_hash(record: AuditRecord) -> str:
    """SHA-256 over a canonical JSON of every field but the hash itself (prev_hash included).

    Since 0014 (`payload_digest` set) the personal payload enters through its digest: computed
    from the payload while it is there, the stored digest once it is erased. Records from before
    hash their payload directly (and cannot be re-hashed once erased: see `erasure_mac`)."""
    if record.payload_digest is None:
        body = {
            **_fixed_fields(record),
            "actor_email": record.actor_email,
            "before": record.before,
            "after": record.after,
            "reason": record.reason,
        }
        return hashlib.sha256(_canonical(body)).hexdigest()
    digest = record.payload_digest if record.erased_at is not None else payload_digest(record)
    body = {**_fixed_fields(record), "v": 2, "payload_digest": digest}
    return hashlib.sha256(_canonical(body)).hexdigest()


def _key(key: bytes | None) -> bytes:
    # the process's settings, so that the server and the CLI sign and check with one key
    return key if key is not None else get_settings().audit_signing_key


def record_mac(record_hash_hex: str, key: bytes | None = None) -> str:
    return hmac.new(_key(key), b"record:" + record_hash_hex.encode(), hashlib.sha256).hexdigest()


def erasure_mac(record: AuditRecord, key: bytes | None = None) -> str:
    """The seal of an erased record: an HMAC of everything erasure leaves (its hash included).
    For a record from before 0014 it is what vouches for the fields its hash can no longer be
    recomputed from; for any record it shows the blanking was done by the key holder."""
    assert record.erased_at is not None
    body = {
        **_fixed_fields(record),
        "hash": record.hash,
        "payload_digest": record.payload_digest,
        "erased_at": _instant(record.erased_at),
    }
    return hmac.new(_key(key), b"erased:" + _canonical(body), hashlib.sha256).hexdigest()


def _blank(record: AuditRecord) -> bool:
    return (
        record.actor_email == ""
        and record.before is None
        and record.after is None
        and record.reason is None
        and record.payload_nonce is None
    )


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
        payload_nonce=secrets.token_hex(16),
    )
    record.payload_digest = payload_digest(record)
    record.hash = record_hash(record)
    record.mac = record_mac(record.hash)
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


async def erase_chain(session: AsyncSession, *, patient_id: uuid.UUID, actor: User) -> int:
    """Blank the personal payload of every record in the patient's chain and seal each one
    (GDPR Art. 17): who acted (actor_id), what kind of change, when, and the links stay, so
    verify() and checkpoints taken before still pass. A chain that exists ends with an
    `account_erased` record (itself blank), which says why the rest are. The caller holds the
    chain lock. Returns how many records were erased."""
    has_chain = await session.scalar(
        select(col(AuditRecord.id)).where(col(AuditRecord.patient_id) == patient_id).limit(1)
    )
    if has_chain is not None:
        await append(session, patient_id=patient_id, actor=actor, action=AuditAction.account_erased)
    now = clock.now_utc()
    rows = await session.scalars(
        select(AuditRecord).where(
            col(AuditRecord.patient_id) == patient_id, col(AuditRecord.erased_at).is_(None)
        )
    )
    erased = 0
    for record in rows:
        record.actor_email = ""
        record.before = record.after = record.reason = None
        record.payload_nonce = None
        record.erased_at = now
        record.erasure_mac = erasure_mac(record)
        erased += 1
    await session.flush()
    return erased


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
    # hash_mismatch | prev_hash_mismatch | seq_gap | mac_missing | mac_mismatch |
    # erasure_mac_mismatch (erased_at set without the key's seal) | erasure_incomplete
    problem: str


@dataclass
class _Tally:
    """The trail as it stood at `as_of`: how many records, and each chain's head."""

    as_of: datetime
    count: int = 0
    heads: dict[uuid.UUID, tuple[int, str]] = field(default_factory=dict)

    def add(self, record: AuditRecord) -> None:
        if record.at <= self.as_of:
            self.count += 1
            self.heads[record.patient_id] = (record.seq, record.hash)

    def digest(self) -> str:
        lines = sorted(f"{pid}:{seq}:{h}" for pid, (seq, h) in self.heads.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _checkpoint_mac(body: str, key: bytes) -> str:
    return hmac.new(key, b"checkpoint:" + body.encode(), hashlib.sha256).hexdigest()


def _checkpoint(tally: _Tally, key: bytes) -> str:
    micros = round(tally.as_of.timestamp() * 1_000_000)
    body = f"v1:{tally.count}:{micros}:{tally.digest()}"
    return f"{body}:{_checkpoint_mac(body, key)}"


def _read_checkpoint(text: str, key: bytes) -> tuple[_Tally, int, str] | None:
    """(an empty tally at its instant, its count, its digest), or None when it is malformed or
    was not signed with this key."""
    try:
        version, count, micros, digest, mac = text.strip().split(":")
        as_of = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
        if version != "v1" or int(count) < 0:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    if not hmac.compare_digest(mac, _checkpoint_mac(f"v1:{count}:{micros}:{digest}", key)):
        return None
    return _Tally(as_of), int(count), digest


@dataclass(frozen=True, slots=True)
class Verification:
    records: int
    patients: int
    broken: Break | None
    # signed: the record count and every chain's head as of a moment; keep a copy elsewhere
    checkpoint: str | None = None
    # when a checkpoint was handed back: ok | forged (not signed with this key) | truncated
    expected: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None and self.expected in (None, "ok")


async def _in_chain_order(session: AsyncSession) -> AsyncIterator[AuditRecord]:
    query = select(AuditRecord).order_by(col(AuditRecord.patient_id), col(AuditRecord.seq))
    result = await session.stream_scalars(query.execution_options(yield_per=500))
    async for record in result:
        yield record


def _erasure_problem(record: AuditRecord, key: bytes) -> str | None:
    if record.erased_at is None:
        if record.payload_digest is not None and payload_digest(record) != record.payload_digest:
            return "hash_mismatch"  # the digest an erasure would keep no longer fits the payload
        return None
    if not _blank(record):
        return "erasure_incomplete"
    if not hmac.compare_digest(record.erasure_mac or "", erasure_mac(record, key)):
        return "erasure_mac_mismatch"
    return None


def _record_problem(
    record: AuditRecord, expected_seq: int, expected_prev: str, key: bytes
) -> str | None:
    if record.seq != expected_seq:
        return "seq_gap"
    if record.prev_hash != expected_prev:
        return "prev_hash_mismatch"
    # an erased record from before 0014 has nothing left to re-hash: its seal vouches for it
    rehashable = record.erased_at is None or record.payload_digest is not None
    if rehashable and record_hash(record) != record.hash:
        return "hash_mismatch"
    if record.mac is not None and not hmac.compare_digest(record.mac, record_mac(record.hash, key)):
        return "mac_mismatch"
    return _erasure_problem(record, key) or ("mac_missing" if record.mac is None else None)


async def verify(
    session: AsyncSession,
    *,
    expect: str | None = None,
    settle: timedelta = timedelta(seconds=60),
    key: bytes | None = None,
    unsigned_ok: bool = False,
) -> Verification:
    """Walk every chain: recompute each hash, check each link and each record's HMAC.

    A changed field breaks that record's hash; a deleted record leaves a gap in seq; a forger
    who re-hashes without the key fails the HMAC. Deleting the newest records leaves a shorter
    valid chain: `expect`, a checkpoint from an earlier run, catches that. The new checkpoint
    covers records older than `settle`, so that a write still in flight is not left out of it
    and found later as if it had been slipped in."""
    key = _key(key)
    records = 0
    patients = 0
    current: uuid.UUID | None = None
    expected_seq, expected_prev = 1, GENESIS_HASH
    now = clock.now_utc()
    tally = _Tally(now - settle)
    earlier = _read_checkpoint(expect, key) if expect is not None else None
    async for record in _in_chain_order(session):
        records += 1
        if record.patient_id != current:
            current, patients = record.patient_id, patients + 1
            expected_seq, expected_prev = 1, GENESIS_HASH
        problem = _record_problem(record, expected_seq, expected_prev, key)
        if problem == "mac_missing" and unsigned_ok:
            problem = None
        if problem is not None:
            return Verification(
                records, patients, Break(record.patient_id, record.seq, record.id, problem)
            )
        expected_seq, expected_prev = record.seq + 1, record.hash
        tally.add(record)
        if earlier is not None:
            earlier[0].add(record)
    outcome = None
    if expect is not None:
        if earlier is None:
            outcome = "forged"
        else:
            then, count, digest = earlier
            same = then.count == count and hmac.compare_digest(then.digest(), digest)
            outcome = "ok" if same else "truncated"
    return Verification(records, patients, None, _checkpoint(tally, key), outcome)


async def sign_unsigned(session: AsyncSession, *, key: bytes | None = None) -> int:
    """Sign the records written before records were signed, once their chains check out."""
    result = await verify(session, key=key, unsigned_ok=True)
    if result.broken is not None:
        return -1
    rows = list(await session.scalars(select(AuditRecord).where(col(AuditRecord.mac).is_(None))))
    for record in rows:
        record.mac = record_mac(record.hash, key)
    await session.flush()
    return len(rows)
