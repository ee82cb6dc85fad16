"""Consent between a patient and their dermatologists: invites, links, revocation.

A patient creates a single-use invite code (valid for 72 hours) and hands it to one
dermatologist, who redeems it to become linked. Only linked dermatologists see the patient, and a
revocation ends that at once. Every change lands in the patient's audit chain.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.errors import Conflict, NotFound, Unprocessable
from app.models.accounts import User
from app.models.audit import AuditAction
from app.models.base import rfc3339
from app.models.care_team import CareInvite, CareLink
from app.pagination import cursor_instant, cursor_uuid, decode_cursor, encode_cursor
from app.services import audit, overrides

INVITE_TTL = timedelta(hours=72)
# Crockford base32 without I, L, O, U: easy to read aloud and to type; 16 symbols = 80 bits
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 16


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def _normalised(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    # 80 random bits need no slow hash: a database leak cannot be brute-forced back into codes
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


async def create_invite(session: AsyncSession, *, patient: User) -> tuple[CareInvite, str]:
    """A new invite and its code; the code is shown once and only its hash is kept."""
    code = _new_code()
    created = clock.now_utc()
    invite = CareInvite(
        patient_id=patient.id,
        code_hash=_code_hash(code),
        created_at=created,
        expires_at=created + INVITE_TTL,
    )
    session.add(invite)
    await session.flush()
    await audit.append(
        session,
        patient_id=patient.id,
        actor=patient,
        action=AuditAction.invite_created,
        subject_id=invite.id,
        after={"invite_id": str(invite.id), "expires_at": rfc3339(invite.expires_at)},
    )
    return invite, code


async def redeem_invite(
    session: AsyncSession, *, dermatologist: User, code: str
) -> tuple[User, CareLink]:
    """Consume the invite (atomically: a code is redeemed once even by racing requests) and link
    the dermatologist to its patient."""
    now = clock.now_utc()
    consumed = (
        await session.execute(
            update(CareInvite)
            .where(
                col(CareInvite.code_hash) == _code_hash(code),
                col(CareInvite.redeemed_at).is_(None),
                col(CareInvite.expires_at) > now,
                col(CareInvite.patient_id) != dermatologist.id,
            )
            .values(redeemed_at=now, redeemed_by=dermatologist.id)
            .returning(col(CareInvite.id), col(CareInvite.patient_id))
        )
    ).first()
    if consumed is None:
        raise Unprocessable(
            "This invite code is unknown, expired or already used: ask the patient for a new one",
            code="invite_invalid",
        )
    invite_id, patient_id = consumed
    patient = await session.get(User, patient_id)
    assert patient is not None  # the invite's foreign key cascades with the patient
    await audit.lock_chain(session, patient_id=patient_id)
    link = await session.scalar(
        select(CareLink).where(
            col(CareLink.patient_id) == patient_id,
            col(CareLink.dermatologist_id) == dermatologist.id,
        )
    )
    if link is not None and link.revoked_at is None:
        raise Conflict("You are already linked to this patient", code="already_linked")
    if link is None:
        link = CareLink(patient_id=patient_id, dermatologist_id=dermatologist.id, linked_at=now)
        session.add(link)
    else:
        link.linked_at, link.revoked_at = now, None
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent redemption for the same pair won
        raise Conflict("You are already linked to this patient", code="already_linked") from exc
    await audit.append(
        session,
        patient_id=patient_id,
        actor=dermatologist,
        action=AuditAction.link_created,
        subject_id=link.id,
        after={"dermatologist_id": str(dermatologist.id), "invite_id": str(invite_id)},
    )
    return patient, link


async def linked_patient(
    session: AsyncSession, *, dermatologist: User, patient_id: uuid.UUID
) -> User:
    """The patient, if this dermatologist is actively linked to them; otherwise not found."""
    patient = await session.scalar(
        select(User)
        .join(CareLink, col(CareLink.patient_id) == col(User.id))
        .where(
            col(User.id) == patient_id,
            col(CareLink.dermatologist_id) == dermatologist.id,
            col(CareLink.revoked_at).is_(None),
        )
    )
    if patient is None:
        raise NotFound("No such patient among yours", code="patient_not_found")
    return patient


async def list_patients(
    session: AsyncSession, *, dermatologist: User, limit: int, cursor: str | None
) -> tuple[list[tuple[User, datetime]], str | None]:
    """Actively linked patients, oldest link first; the cursor is the last (linked_at, link id)."""
    query = (
        select(User, CareLink)
        .join(CareLink, col(CareLink.patient_id) == col(User.id))
        .where(
            col(CareLink.dermatologist_id) == dermatologist.id,
            col(CareLink.revoked_at).is_(None),
        )
    )
    if cursor is not None:
        raw_at, raw_id = decode_cursor(cursor, arity=2)
        after_at, after_id = cursor_instant(raw_at), cursor_uuid(raw_id)
        query = query.where(
            or_(
                col(CareLink.linked_at) > after_at,
                and_(col(CareLink.linked_at) == after_at, col(CareLink.id) > after_id),
            )
        )
    rows = list(
        await session.execute(
            query.order_by(col(CareLink.linked_at), col(CareLink.id)).limit(limit + 1)
        )
    )
    page = [(user, link.linked_at) for user, link in rows[:limit]]
    if len(rows) <= limit:
        return page, None
    last = rows[limit - 1][1]
    return page, encode_cursor([last.linked_at.isoformat(), str(last.id)])


async def care_team(session: AsyncSession, *, patient: User) -> list[tuple[User, datetime]]:
    rows = await session.execute(
        select(User, col(CareLink.linked_at))
        .join(CareLink, col(CareLink.dermatologist_id) == col(User.id))
        .where(col(CareLink.patient_id) == patient.id, col(CareLink.revoked_at).is_(None))
        .order_by(col(CareLink.linked_at), col(CareLink.id))
    )
    return [(user, linked_at) for user, linked_at in rows]


async def revoke(session: AsyncSession, *, patient: User, dermatologist_id: uuid.UUID) -> None:
    """End the link now. The dermatologist's overrides are withdrawn with it: the patient no
    longer consents to that clinician shaping the plan (the guards keep applying regardless)."""
    await audit.lock_chain(session, patient_id=patient.id)
    link = await session.scalar(
        select(CareLink).where(
            col(CareLink.patient_id) == patient.id,
            col(CareLink.dermatologist_id) == dermatologist_id,
            col(CareLink.revoked_at).is_(None),
        )
    )
    if link is None:
        raise NotFound("No such dermatologist on your care team", code="care_link_not_found")
    link.revoked_at = clock.now_utc()
    await session.flush()
    await audit.append(
        session,
        patient_id=patient.id,
        actor=patient,
        action=AuditAction.link_revoked,
        subject_id=link.id,
        before={"dermatologist_id": str(dermatologist_id)},
    )
    await overrides.withdraw_authored(
        session, patient=patient, author_id=dermatologist_id, actor=patient
    )
