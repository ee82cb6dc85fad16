"""Procedures: a user records a session they had or have booked; a linked dermatologist records
one or plans a series for a patient (RULES.md PP1-PP6). The engine reads them through
routines.load_inputs (`engine_procedures`) and turns them into windows.

A patient's list of active procedures is one versioned resource for dermatologists (a strong
ETag, like overrides): their writes name the version they were made against (If-Match), take
the patient's chain lock before reading the list, and are audited in the patient's hash chain.
A booked session closer than PP6's minimum to another of its family is refused
(`session_too_soon`, with `min_interval_days`) unless a dermatologist acknowledges it; on oral
isotretinoin a booked ablative laser, dermabrasion, waxing or medium/deep peel is refused the
same way (PP2, P10). Sessions in the past are history: recorded as told, never refused for
spacing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app import clock
from app.errors import NotFound, Unprocessable
from app.http_cache import etag_of, require_current
from app.models.accounts import User
from app.models.audit import AuditAction
from app.models.care_team import PersonOut
from app.models.procedures import (
    AdviceOut,
    PatientProcedureIn,
    ProcedureIn,
    ProcedureList,
    ProcedurePublic,
    ProcedureRecord,
    ProcedureSeriesIn,
    ProcedureSeriesOut,
    ProcedureSource,
)
from app.models.profiles import Profile
from app.scheduling import (
    PeelDepth,
    Procedure,
    ProcedureKind,
    WarningCode,
    min_interval_days,
    series_advice,
    series_dates,
    too_close,
    window,
)
from app.scheduling import inputs as engine
from app.scheduling.guards import facts
from app.scheduling.procedures import isotretinoin_delays
from app.services import audit, routine_changes, routine_inputs

# a date further than this from today (either way) is a typo, not a plan or a history
MAX_DAYS_AWAY = 2 * 366
# an active list longer than this is a plan nobody can read
MAX_ACTIVE = 200


class ProcedureRefused(Unprocessable):
    title = "Procedure refused"


async def _profile_row(session: AsyncSession, user_id: uuid.UUID) -> Profile | None:
    return await session.get(Profile, user_id)


def _engine_profile(row: Profile | None) -> engine.Profile:
    return routine_inputs.profile(row) if row is not None else engine.Profile()


def public(row: ProcedureRecord, profile: engine.Profile, author: str | None) -> ProcedurePublic:
    w = window(routine_inputs.procedure(row), profile)
    return ProcedurePublic(
        id=row.id,
        kind=ProcedureKind(row.kind),
        on=row.on,
        depth=PeelDepth(row.depth) if row.depth else None,
        clinic=row.clinic,
        notes=row.notes,
        clinic_exosome=row.clinic_exosome,
        source=ProcedureSource(row.source),
        author=PersonOut(id=row.author_id, email=author)
        if row.author_id is not None and author is not None
        else None,
        pause_from=w.pause_from,
        healing_until=w.healing_until,
        resume_on=w.resume_on,
        exfoliants_resume_on=w.exfoliants_resume_on,
        reason=w.describe(),
        series_id=row.series_id,
        series_index=row.series_index,
        series_sessions=row.series_sessions,
        interval_days=row.interval_days,
        maintenance_months=row.maintenance_months,
        acknowledge_warning=row.acknowledge_warning,
        created_at=row.created_at,
    )


async def _rows(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[ProcedureRecord, str | None]]:
    """The user's active sessions with their authors' emails, in date order."""
    result = await session.execute(
        select(ProcedureRecord, col(User.email))
        .outerjoin(User, col(User.id) == col(ProcedureRecord.author_id))
        .where(col(ProcedureRecord.user_id) == user_id, col(ProcedureRecord.deleted_at).is_(None))
        .order_by(col(ProcedureRecord.on), col(ProcedureRecord.created_at), col(ProcedureRecord.id))
    )
    return [(row, email) for row, email in result]


async def list_procedures(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
) -> ProcedureList:
    if start is not None and end is not None and end < start:
        raise Unprocessable("'to' must not be before 'from'", code="invalid_range")
    profile = _engine_profile(await _profile_row(session, user_id))
    return ProcedureList(
        items=[
            public(row, profile, email)
            for row, email in await _rows(session, user_id)
            if (start is None or row.on >= start) and (end is None or row.on <= end)
        ]
    )


def _today(profile: Profile | None) -> date:
    return clock.today_in(profile.timezone if profile is not None else "UTC")


def _check_dates(dates: Sequence[date], today: date) -> None:
    low, high = today - timedelta(days=MAX_DAYS_AWAY), today + timedelta(days=MAX_DAYS_AWAY)
    for on in dates:
        if not low <= on <= high:
            raise Unprocessable(
                f"A procedure date must be within two years of today ({low} to {high}); got {on}",
                code="date_out_of_range",
                earliest=low.isoformat(),
                latest=high.isoformat(),
            )


def _check_clinical(
    *,
    kind: ProcedureKind,
    depth: PeelDepth | None,
    dates: Sequence[date],
    existing: Sequence[ProcedureRecord],
    profile: engine.Profile,
    today: date,
    acknowledged: bool,
) -> list[str]:
    """Refuse what PP6 and PP2 refuse for booked sessions, unless acknowledged; returns the
    codes the acknowledgement lifted (for the audit record)."""
    booked = [on for on in dates if on >= today]
    lifted: list[str] = []
    if booked and facts(profile).oral_retinoid:
        probe = Procedure(uuid.UUID(int=0), kind, booked[0], depth)
        if isotretinoin_delays(probe):
            if not acknowledged:
                raise ProcedureRefused(
                    "On oral isotretinoin this procedure waits until 6 months after the last "
                    "dose (PP2); a dermatologist may book it with acknowledge_warning",
                    code="procedure_delayed_on_isotretinoin",
                )
            lifted.append("procedure_delayed_on_isotretinoin")
    others = [
        (ProcedureKind(row.kind), PeelDepth(row.depth) if row.depth else None, row.on)
        for row in existing
    ]
    close = too_close(kind, depth, booked, others) if booked else []
    if close:
        minimum = min_interval_days(kind, depth)
        if not acknowledged:
            new, other = close[0]
            raise ProcedureRefused(
                f"Sessions of this kind are at least {minimum} days apart (PP6): {new} is "
                f"{abs((new - other).days)} days from the session on {other}",
                code="session_too_soon",
                min_interval_days=minimum,
                conflicts_with=other.isoformat(),
            )
        lifted.append("session_too_soon")
    return lifted


def _check_size(existing: Sequence[ProcedureRecord], adding: int) -> None:
    if len(existing) + adding > MAX_ACTIVE:
        raise Unprocessable(
            f"At most {MAX_ACTIVE} active procedures: delete some first",
            code="too_many_procedures",
        )


# --- the user ---------------------------------------------------------------------------------


async def record_procedure(
    session: AsyncSession, *, user: User, data: ProcedureIn
) -> ProcedurePublic:
    profile_row = await _profile_row(session, user.id)
    profile = _engine_profile(profile_row)
    today = _today(profile_row)
    _check_dates([data.on], today)
    existing = [row for row, _ in await _rows(session, user.id)]
    _check_size(existing, 1)
    _check_clinical(
        kind=data.kind,
        depth=data.depth,
        dates=[data.on],
        existing=existing,
        profile=profile,
        today=today,
        acknowledged=False,
    )
    row = ProcedureRecord(
        **data.model_dump(),
        user_id=user.id,
        source=ProcedureSource.user,
        created_at=clock.now_utc(),
    )
    session.add(row)
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=user.id)
    return public(row, profile, None)


async def get_own(
    session: AsyncSession, *, user_id: uuid.UUID, procedure_id: uuid.UUID
) -> ProcedureRecord:
    row = await session.scalar(
        select(ProcedureRecord).where(
            col(ProcedureRecord.id) == procedure_id,
            col(ProcedureRecord.user_id) == user_id,
            col(ProcedureRecord.deleted_at).is_(None),
        )
    )
    if row is None:
        raise NotFound("No such procedure", code="procedure_not_found")
    return row


async def delete_procedure(session: AsyncSession, *, user: User, procedure_id: uuid.UUID) -> None:
    """The user withdraws a session (cancelled, or recorded by mistake). One a dermatologist
    booked is withdrawn in the patient's audit trail."""
    await audit.lock_chain(session, patient_id=user.id)
    row = await get_own(session, user_id=user.id, procedure_id=procedure_id)
    row.deleted_at = clock.now_utc()
    row.deleted_by = user.id
    await session.flush()
    if row.source == ProcedureSource.dermatologist:
        await audit.append(
            session,
            patient_id=user.id,
            actor=user,
            action=AuditAction.procedure_deleted,
            subject_id=row.id,
            before=_audit_body(row),
            reason="withdrawn by the patient",
        )
    await routine_changes.inputs_changed(session, user_id=user.id)


# --- dermatologists ---------------------------------------------------------------------------


async def _require_current_list(
    session: AsyncSession, *, patient_id: uuid.UUID, if_match: str
) -> list[ProcedureRecord]:
    """Lock the patient's plan for this transaction, then refuse a write against a stale list."""
    await audit.lock_chain(session, patient_id=patient_id)
    current = await list_procedures(session, user_id=patient_id)
    require_current(if_match, etag_of(current))
    return [row for row, _ in await _rows(session, patient_id)]


def _audit_body(row: ProcedureRecord) -> dict[str, object]:
    return {
        "procedure_id": str(row.id),
        "kind": row.kind,
        "on": row.on.isoformat(),
        "depth": row.depth,
        "clinic_exosome": row.clinic_exosome,
        "healing_days": row.healing_days,
        "series_id": str(row.series_id) if row.series_id else None,
        "series_index": row.series_index,
        "acknowledge_warning": row.acknowledge_warning,
    }


async def _audit_created(
    session: AsyncSession,
    *,
    patient: User,
    author: User,
    rows: Sequence[ProcedureRecord],
    lifted: list[str],
    reason: str | None,
    series: dict[str, object] | None = None,
) -> None:
    action = AuditAction.procedure_series_created if series else AuditAction.procedure_created
    await audit.append(
        session,
        patient_id=patient.id,
        actor=author,
        action=action,
        subject_id=rows[0].series_id if series else rows[0].id,
        after={**(series or {}), "sessions": [_audit_body(row) for row in rows]},
        reason=reason,
    )
    if lifted:
        await audit.append(
            session,
            patient_id=patient.id,
            actor=author,
            action=AuditAction.procedure_warning_acknowledged,
            subject_id=rows[0].series_id if series else rows[0].id,
            after={"acknowledged": lifted, "acknowledge_warning": True},
            reason=reason,
        )


async def create_for_patient(
    session: AsyncSession,
    *,
    patient: User,
    author: User,
    data: PatientProcedureIn,
    if_match: str,
) -> ProcedurePublic:
    existing = await _require_current_list(session, patient_id=patient.id, if_match=if_match)
    profile_row = await _profile_row(session, patient.id)
    profile = _engine_profile(profile_row)
    today = _today(profile_row)
    _check_dates([data.on], today)
    _check_size(existing, 1)
    lifted = _check_clinical(
        kind=data.kind,
        depth=data.depth,
        dates=[data.on],
        existing=existing,
        profile=profile,
        today=today,
        acknowledged=data.acknowledge_warning,
    )
    row = ProcedureRecord(
        **data.model_dump(exclude={"reason", "acknowledge_warning"}),
        acknowledge_warning=bool(lifted),
        user_id=patient.id,
        source=ProcedureSource.dermatologist,
        author_id=author.id,
        created_at=clock.now_utc(),
    )
    session.add(row)
    await session.flush()
    await _audit_created(
        session, patient=patient, author=author, rows=[row], lifted=lifted, reason=data.reason
    )
    await routine_changes.inputs_changed(session, user_id=patient.id)
    return public(row, profile, author.email)


async def create_series(
    session: AsyncSession,
    *,
    patient: User,
    author: User,
    data: ProcedureSeriesIn,
    if_match: str,
) -> ProcedureSeriesOut:
    existing = await _require_current_list(session, patient_id=patient.id, if_match=if_match)
    profile_row = await _profile_row(session, patient.id)
    profile = _engine_profile(profile_row)
    today = _today(profile_row)
    dates = series_dates(data.starts_on, data.sessions, data.interval_days)
    _check_dates([dates[0], dates[-1]], today)
    _check_size(existing, len(dates))
    lifted = _check_clinical(
        kind=data.kind,
        depth=data.depth,
        dates=dates,
        existing=existing,
        profile=profile,
        today=today,
        acknowledged=data.acknowledge_warning,
    )
    series_id = uuid.uuid4()
    rows = [
        ProcedureRecord(
            user_id=patient.id,
            kind=data.kind.value,
            on=on,
            depth=data.depth.value if data.depth else None,
            clinic=data.clinic,
            clinic_exosome=data.clinic_exosome,
            healing_days=data.healing_days,
            source=ProcedureSource.dermatologist,
            author_id=author.id,
            series_id=series_id,
            series_index=index,
            series_sessions=data.sessions,
            interval_days=data.interval_days,
            maintenance_months=data.maintenance_months,
            acknowledge_warning=bool(lifted),
            created_at=clock.now_utc(),
        )
        for index, on in enumerate(dates, start=1)
    ]
    session.add_all(rows)
    await session.flush()
    advice = series_advice(data.kind, data.sessions, data.interval_days, data.maintenance_months)
    maintenance_due_on = (
        _add_months(dates[-1], data.maintenance_months) if data.maintenance_months else None
    )
    await _audit_created(
        session,
        patient=patient,
        author=author,
        rows=rows,
        lifted=lifted,
        reason=data.reason,
        series={
            "series_id": str(series_id),
            "kind": data.kind.value,
            "sessions_planned": data.sessions,
            "interval_days": data.interval_days,
            "maintenance_months": data.maintenance_months,
        },
    )
    await routine_changes.inputs_changed(session, user_id=patient.id)
    return ProcedureSeriesOut(
        series_id=series_id,
        kind=data.kind,
        interval_days=data.interval_days,
        maintenance_months=data.maintenance_months,
        maintenance_due_on=maintenance_due_on,
        sessions=[public(row, profile, author.email) for row in rows],
        advice=[
            AdviceOut(code=WarningCode(w.code), message=w.message, rule_id=w.rule_id)
            for w in advice
        ],
    )


def _add_months(on: date, months: int) -> date:
    month = on.month - 1 + months
    year, month = on.year + month // 12, month % 12 + 1
    for day in (on.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
