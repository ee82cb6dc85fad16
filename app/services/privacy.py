"""The caller's own account: read it, erase it (GDPR Art. 17), export it (Art. 20).

Erasure deletes every row keyed by the person (ERASED, in an order that deletes children before
the rows they restrict), clears the references that may outlive them (NULLED), and keeps, for
stated reasons, the columns listed in KEPT. tests/api/test_account.py walks the metadata: a
table with a foreign key to users that none of these lists names fails it, so a new table is
covered here before it ships. The deletes are explicit rather than left to ON DELETE CASCADE,
so both databases (and any table whose cascade was forgotten) erase the same rows.

The audit chain about the person stays, redacted (audit.erase_chain): every chain, HMAC and
earlier checkpoint still verifies, and no reason, product name or email about them is left.

A dermatologist's erasure ends their links at once. The overrides and sessions they wrote into
their patients' plans stay in force (shown as written by ERASED_ACCOUNT), because that is the
safer reading for the patients: a "remove" that took out a product the patient reacted to, or a
pause before a peel, would otherwise vanish from a plan because of an event the patient neither
chose nor saw. Each patient's chain records that the link ended; the patient (or another linked
dermatologist) withdraws what was left with the usual routes, the patient with
DELETE /v1/me/care-team/{dermatologist_id}. The engine's guards keep applying either way.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import clock
from app.errors import Conflict, Forbidden, Unauthorized
from app.models import metadata
from app.models.accounts import User
from app.models.audit import AuditAction, AuditRecord, AuditRecordPublic
from app.models.care_team import ERASED_ACCOUNT, CareInvite, CareLink, PersonOut
from app.models.catalog import Product
from app.models.logs import RoutineLog, RoutineLogPublic
from app.models.overrides import PlanOverride
from app.models.privacy import (
    AccountExport,
    AccountPublic,
    CalendarFeedExport,
    CareInviteExport,
    CareLinkExport,
    CareTeamExport,
    ProcedureExport,
    RemindersExport,
)
from app.models.procedures import ProcedureRecord
from app.models.profiles import Profile
from app.models.reminders import CalendarFeed, Reminder, ReminderFields
from app.rate_limit import AttemptLimiter
from app.scheduling import inputs as engine
from app.security import verify_password
from app.services import (
    audit,
    catalog,
    devices,
    overrides,
    procedures,
    profiles,
    routine_changes,
    routine_inputs,
    routines,
    shelf,
)
from app.services.reminders import settings as reminder_settings
from app.validation import normalise_email

# (table, column): rows whose column names the erased person are deleted, in this order
ERASED: tuple[tuple[str, str], ...] = (
    ("token_families", "user_id"),  # sign-ins; their refresh tokens go with them (FK cascade)
    ("devices", "user_id"),
    ("reminders", "user_id"),
    ("reminder_settings", "user_id"),
    ("calendar_feeds", "user_id"),
    ("routine_logs", "user_id"),
    ("procedures", "user_id"),
    ("overrides", "patient_id"),  # before products: an override may name a private product
    ("shelf_items", "user_id"),  # likewise
    ("products", "owner_id"),  # the person's private products (the shared catalog has none)
    ("profiles", "user_id"),
    ("care_links", "patient_id"),
    ("care_links", "dermatologist_id"),  # their links to patients end
    ("care_invites", "patient_id"),
)
# (table, column): references to the person set to null, the row itself staying
NULLED: tuple[tuple[str, str], ...] = (
    ("care_invites", "redeemed_by"),  # another patient's used invite
)
# (table, column): columns naming the person that outlive the account (no foreign key), and why
KEPT: dict[tuple[str, str], str] = {
    ("audit_records", "patient_id"): "the erased patient's chain stays, its payload blanked",
    ("audit_records", "actor_id"): "another patient's record of who acted (a clinical record)",
    ("overrides", "author_id"): "an erased dermatologist's overrides stay in force (see above)",
    ("overrides", "deleted_by"): "who withdrew an override in another patient's history",
    ("procedures", "author_id"): "a session an erased dermatologist planned stays planned",
    ("procedures", "deleted_by"): "who withdrew a session in another patient's history",
}

_LINK_ENDED = (
    "The dermatologist's account was deleted. What they wrote into your plan stays in force "
    "until you or another dermatologist withdraw it."
)


def account(user: User) -> AccountPublic:
    return AccountPublic.model_validate(user, from_attributes=True)


async def _check_password(user: User, password: str, limiter: AttemptLimiter) -> None:
    # counted against the account's login limit before the hash, so this route is no side door
    # for guessing a password that a stolen token's holder does not know
    await limiter.hit("login:account", normalise_email(user.email))
    if not await verify_password(password, user.password_hash):
        raise Forbidden(
            "The password is not this account's: nothing was deleted", code="password_incorrect"
        )


async def _patients_shaped_by(session: AsyncSession, author_id: uuid.UUID) -> set[uuid.UUID]:
    """Patients whose plan this person is linked to or wrote into (overrides, sessions)."""
    linked = select(col(CareLink.patient_id)).where(
        col(CareLink.dermatologist_id) == author_id, col(CareLink.revoked_at).is_(None)
    )
    overridden = select(col(PlanOverride.patient_id)).where(
        col(PlanOverride.author_id) == author_id, col(PlanOverride.deleted_at).is_(None)
    )
    planned = select(col(ProcedureRecord.user_id)).where(
        col(ProcedureRecord.author_id) == author_id, col(ProcedureRecord.deleted_at).is_(None)
    )
    result = await session.scalars(linked.union(overridden, planned))
    return set(result) - {author_id}


async def _end_links_as_dermatologist(
    session: AsyncSession, *, user: User, patients: set[uuid.UUID]
) -> None:
    active = set(
        await session.scalars(
            select(col(CareLink.patient_id)).where(
                col(CareLink.dermatologist_id) == user.id, col(CareLink.revoked_at).is_(None)
            )
        )
    )
    for patient_id in sorted(patients):
        if patient_id in active:
            await audit.append(
                session,
                patient_id=patient_id,
                actor=user,
                action=AuditAction.link_revoked,
                before={"dermatologist_id": str(user.id)},
                reason=_LINK_ENDED,
            )
        # the author's name in the patient's routine and lists changes: new plan revision
        await routine_changes.inputs_changed(session, user_id=patient_id)


async def delete_account(
    session: AsyncSession, *, user: User, password: str, limiter: AttemptLimiter
) -> None:
    """Erase the account and everything keyed by it, after the password is entered again."""
    await _check_password(user, password, limiter)
    # On PostgreSQL (SQLite writers already take turns): first the chains this erasure writes
    # to, in one order, as every other chain writer takes its one chain before touching rows;
    # then the person's row, so that a request of theirs still running finishes before the
    # deletes read, and one arriving later waits and then fails its foreign key (a 409) instead
    # of leaving a row behind.
    patients = await _patients_shaped_by(session, user.id)
    for chain in sorted(patients | {user.id}):
        await audit.lock_chain(session, patient_id=chain)
    locked = await session.scalar(
        select(col(User.id)).where(col(User.id) == user.id).with_for_update()
    )
    if locked is None:  # erased by a request that held the locks first
        raise Unauthorized("The account behind this token no longer exists", code="invalid_token")
    if await _patients_shaped_by(session, user.id) - patients:
        # a link or an order of theirs committed in between: their chain is not locked
        raise Conflict(
            "The account changed while it was being deleted; retry", code="concurrent_update"
        )
    await _end_links_as_dermatologist(session, user=user, patients=patients)
    await audit.erase_chain(session, patient_id=user.id, actor=user)
    for name, column in NULLED:
        table = metadata.tables[name]
        await session.execute(
            update(table).where(table.c[column] == user.id).values({column: None})
        )
    for name, column in ERASED:
        table = metadata.tables[name]
        await session.execute(delete(table).where(table.c[column] == user.id))
    users = metadata.tables["users"]
    await session.execute(delete(users).where(users.c.id == user.id))
    # this process's encoded reads of theirs: unreachable already (the caller's row is gone and
    # ids are never reused), dropped so that erased health data does not linger in memory
    routines.forget(user.id)
    profiles.forget(user.id)
    shelf.forget(user.id)


async def _procedures(
    session: AsyncSession, *, user_id: uuid.UUID, profile: Profile | None
) -> list[ProcedureExport]:
    engine_profile = routine_inputs.profile(profile) if profile is not None else engine.Profile()
    rows = await session.execute(
        select(ProcedureRecord, col(User.email))
        .outerjoin(User, col(User.id) == col(ProcedureRecord.author_id))
        .where(col(ProcedureRecord.user_id) == user_id)
        .order_by(col(ProcedureRecord.on), col(ProcedureRecord.created_at))
    )
    exported = []
    for row, email in rows:
        author = email if email is not None or row.author_id is None else ERASED_ACCOUNT
        shown = procedures.public(row, engine_profile, author)
        exported.append(
            ProcedureExport(
                **shown.model_dump(), deleted_at=row.deleted_at, deleted_by=row.deleted_by
            )
        )
    return exported


async def _care_team(session: AsyncSession, *, user_id: uuid.UUID) -> CareTeamExport:
    rows = await session.execute(
        select(CareLink, User)
        .join(User, col(User.id) == col(CareLink.dermatologist_id))
        .where(or_(col(CareLink.patient_id) == user_id, col(CareLink.dermatologist_id) == user_id))
        .order_by(col(CareLink.linked_at), col(CareLink.id))
    )
    links = [
        CareLinkExport(
            role="patient",
            dermatologist=PersonOut(id=dermatologist.id, email=dermatologist.email),
            linked_at=link.linked_at,
            revoked_at=link.revoked_at,
        )
        if link.patient_id == user_id
        else CareLinkExport(
            role="dermatologist",
            patient_id=link.patient_id,
            linked_at=link.linked_at,
            revoked_at=link.revoked_at,
        )
        for link, dermatologist in rows
    ]
    invites = await session.scalars(
        select(CareInvite)
        .where(col(CareInvite.patient_id) == user_id)
        .order_by(col(CareInvite.created_at), col(CareInvite.id))
    )
    return CareTeamExport(
        links=links,
        invites=[CareInviteExport.model_validate(i, from_attributes=True) for i in invites],
    )


async def _reminders(
    session: AsyncSession, *, user: User, profile: Profile | None
) -> RemindersExport:
    items = await session.scalars(
        select(Reminder)
        .where(col(Reminder.user_id) == user.id)
        .order_by(col(Reminder.due_at), col(Reminder.id))
    )
    feed = await session.get(CalendarFeed, user.id)
    return RemindersExport(
        # the settings read the profile's zone and times; without a profile there are none
        settings=await reminder_settings.get_settings(session, user=user)
        if profile is not None
        else None,
        items=[ReminderFields.model_validate(r, from_attributes=True) for r in items],
        calendar_feed=CalendarFeedExport(created_at=feed.created_at) if feed else None,
    )


async def export(
    session: AsyncSession, *, user: User, now: datetime | None = None
) -> AccountExport:
    """Everything held about the caller: their own rows, the overrides of their plan (withdrawn
    ones too, with who and why), their audit chain. What they did as a dermatologist in other
    patients' plans is those patients' data, and is not in it; neither are secrets' hashes."""
    profile = await profiles.find_profile(session, user.id)
    products = await session.scalars(
        select(Product)
        .where(col(Product.owner_id) == user.id)
        .order_by(col(Product.created_at), col(Product.id))
    )
    logs = await session.scalars(
        select(RoutineLog)
        .where(col(RoutineLog.user_id) == user.id)
        .order_by(col(RoutineLog.on), col(RoutineLog.slot))
    )
    records = await session.scalars(
        select(AuditRecord)
        .where(col(AuditRecord.patient_id) == user.id)
        .order_by(col(AuditRecord.seq))
    )
    return AccountExport(
        exported_at=now or clock.now_utc(),
        account=account(user),
        profile=profiles.public(profile) if profile is not None else None,
        shelf=[shelf.public(item) for item in await shelf.list_items(session, user_id=user.id)],
        products=[catalog.public(product) for product in products],
        logs=[RoutineLogPublic.model_validate(log, from_attributes=True) for log in logs],
        procedures=await _procedures(session, user_id=user.id, profile=profile),
        overrides=(
            await overrides.list_overrides(session, patient_id=user.id, include_deleted=True)
        ).items,
        care_team=await _care_team(session, user_id=user.id),
        audit=[AuditRecordPublic.model_validate(r, from_attributes=True) for r in records],
        reminders=await _reminders(session, user=user, profile=profile),
        devices=(await devices.list_devices(session, user_id=user.id)).items,
    )
