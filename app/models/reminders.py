"""Reminders for push schedulers: per-user settings, the materialised schedule, calendar feeds.

The schedule holds one row per (user, local date, slot) that should notify, with its instant in
UTC, so that the due feed and the claim are index range scans on `due_at`, never a walk over all
users (see app/services/reminders/schedule.py for how it is kept fresh).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator
from sqlalchemy import Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, utcnow
from app.models.profiles import LocalTime
from app.scheduling.inputs import Slot
from app.validation import StrictFlag, StrictInteger, Text


class ReminderKind(StrEnum):
    routine = "routine"  # the AM/PM routine
    procedure_prep = "procedure_prep"  # "stop your retinoid tonight: peel on Friday" (PP1)
    procedure = "procedure"  # the morning of a session (PP5)


class ReminderStatus(StrEnum):
    pending = "pending"  # scheduled, not handed out (or handed out and the lease expired)
    leased = "leased"  # handed to a worker until lease_until
    sent = "sent"  # acknowledged by the worker that held the lease


class QuietHours(BaseModel):
    """Local times [start, end) without reminders; may wrap midnight (22:00 -> 07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet_hours start and end must differ")
        return self


class ReminderSettingsIn(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    enabled: StrictFlag
    # null or absent: follow the profile's am_time / pm_time
    am_time: LocalTime | None = None
    pm_time: LocalTime | None = None
    quiet_hours: QuietHours | None = None


class ReminderSettings(SQLModel, table=True):
    __tablename__ = "reminder_settings"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    enabled: bool = False
    am_time: str | None = Field(default=None, max_length=5)
    pm_time: str | None = Field(default=None, max_length=5)
    quiet_start: str | None = Field(default=None, max_length=5)
    quiet_end: str | None = Field(default=None, max_length=5)
    # the instant up to which this user's rows are materialised; null while disabled. The
    # top-up (python -m app.cli materialise-reminders) walks this index, oldest first.
    scheduled_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReminderSettingsPublic(BaseModel):
    enabled: bool
    am_time: str
    pm_time: str
    am_time_from_profile: bool
    pm_time_from_profile: bool
    quiet_hours: QuietHours | None
    timezone: str


class Reminder(SQLModel, table=True):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "local_date", "slot", "kind"),
        # the due feed: a range scan in (due_at, id) order, which is also the cursor's key
        Index("ix_reminders_due_at_id", "due_at", "id"),
        # the claim: only rows still to deliver, so delivered ones never slow it down
        Index(
            "ix_reminders_open_due_at",
            "due_at",
            "id",
            postgresql_where=text("status <> 'sent'"),
            sqlite_where=text("status <> 'sent'"),
        ),
    )

    # uuid5 of (user, local date, slot[, kind]): the same id whenever the row is recomputed
    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    local_date: date
    slot: str = Field(sa_type=String(2))
    kind: str = Field(
        default=ReminderKind.routine,
        sa_type=String(20),
        sa_column_kwargs={"server_default": "routine"},
    )
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    timezone: str = Field(max_length=64)
    local_time: str = Field(max_length=5)
    title: str = Field(max_length=200)
    body: str = Field(max_length=1000)
    status: str = Field(default=ReminderStatus.pending, sa_type=String(10))
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_client_id: uuid.UUID | None = None
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()


class ReminderOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    kind: ReminderKind = ReminderKind.routine
    slot: Slot
    due_at: datetime
    local_date: date
    local_time: str
    timezone: str
    title: str
    body: str
    status: ReminderStatus


class ReminderPage(BaseModel):
    items: list[ReminderOut]
    next_cursor: str | None


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: Text = Field(min_length=1, max_length=64)
    until: AwareDatetime
    max: StrictInteger = Field(default=50, ge=1, le=200)
    # only these kinds (a scheduler that sends routine reminders only); all when absent
    kind: list[ReminderKind] | None = Field(default=None, min_length=1, max_length=3)


class ClaimedReminder(ReminderOut):
    lease_until: datetime
    attempt: int


class ClaimOut(BaseModel):
    items: list[ClaimedReminder]
    lease_until: datetime


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: Text = Field(min_length=1, max_length=64)


class AckOut(BaseModel):
    id: uuid.UUID
    status: ReminderStatus
    sent_at: datetime


class CalendarFeed(SQLModel, table=True):
    """A personal calendar feed token; only its SHA-256 is stored."""

    __tablename__ = "calendar_feeds"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created_at_field()


class CalendarFeedOut(BaseModel):
    token: str
    url: str
    created_at: datetime
