"""Reminders for push schedulers: per-user settings, the materialised schedule, calendar feeds.

The schedule holds one row per (user, local date, slot) that should notify, with its instant in
UTC, so that the due feed and the claim are index range scans on `due_at`, never a walk over all
users (see app/services/reminders/schedule.py for how it is kept fresh).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator
from sqlalchemy import Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.models.base import NEXT_CURSOR, Instant, UTCDateTime, created_at_field, described, utcnow
from app.models.devices import PushTarget
from app.models.profiles import LocalTime
from app.scheduling.inputs import Slot
from app.validation import Integral, StrictFlag, StrictInteger, Text


class ReminderKind(StrEnum):
    """What a reminder is for: the AM/PM routine, preparing for a procedure, or its day."""

    routine = "routine"  # the AM/PM routine
    procedure_prep = "procedure_prep"  # "stop your retinoid tonight: peel on Friday" (PP1)
    procedure = "procedure"  # the morning of a session (PP5)


class ReminderStatus(StrEnum):
    """Where a reminder is in its delivery: pending, leased to a worker, or sent."""

    pending = "pending"  # scheduled, not handed out (or handed out and the lease expired)
    leased = "leased"  # handed to a worker until lease_until
    sent = "sent"  # acknowledged by the worker that held the lease


class QuietHours(BaseModel):
    """Local times [start, end) without reminders; may wrap midnight (22:00 -> 07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime = Field(description="From this local time (HH:MM), inclusive")
    end: LocalTime = Field(description="Until this local time (HH:MM), exclusive")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet_hours start and end must differ")
        return self


SETTINGS = {
    "enabled": "Whether reminders are sent (they are opt-in)",
    "am_time": "The morning reminder's local time, HH:MM; null: the profile's am_time",
    "pm_time": "The evening reminder's local time, HH:MM; null: the profile's pm_time",
    "am_time_from_profile": "am_time is the profile's (none of its own is set)",
    "pm_time_from_profile": "pm_time is the profile's (none of its own is set)",
    "quiet_hours": "Local times without reminders; null for none",
    "timezone": "The profile's time zone, in which the times are read",
}


class ReminderSettingsIn(SQLModel):
    """Your reminder settings, whole."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra=described(
            SETTINGS,
            {
                "enabled": True,
                "am_time": "07:00",
                "pm_time": None,
                "quiet_hours": {"start": "22:30", "end": "06:30"},
            },
        ),
    )

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
    """Your reminder settings, with the times in force."""

    model_config = ConfigDict(json_schema_extra=described(SETTINGS))

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


REMINDER = {
    "id": "Stable for (user, local date, slot, kind): use it as the idempotency key",
    "user_id": "Whom to remind",
    "kind": "What it is for",
    "slot": "The routine it is for",
    "due_at": "When to send it",
    "local_date": "The user's local date it is for",
    "local_time": "The user's local time it is due, HH:MM",
    "timezone": "The user's IANA time zone",
    "title": "The notification's title",
    "body": "The notification's text",
    "status": "Where it is in its delivery",
    "lease_until": "The lease ends then: ack before, or it is handed out again",
    "attempt": "How many times it has been handed out, this one included",
}


class ReminderFields(BaseModel):
    """A reminder's stored fields, as the feed and claims read them (plain columns)."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra=described(REMINDER),
    )

    id: uuid.UUID
    user_id: uuid.UUID
    kind: ReminderKind = ReminderKind.routine
    slot: Slot
    due_at: Instant
    local_date: date
    local_time: str
    timezone: str
    title: str
    body: str
    status: ReminderStatus


class ReminderOut(ReminderFields):
    """A reminder to send, with where to send it."""

    devices: list[PushTarget] = Field(
        description="Where to send it: every device its user has registered (empty: none yet)"
    )


class ReminderPage(BaseModel):
    """A page of the due feed, in (due_at, id) order."""

    items: list[ReminderOut] = Field(description="This page's reminders")
    next_cursor: str | None = Field(description=NEXT_CURSOR)


class ClaimIn(BaseModel):
    """Lease due reminders to one worker: no other worker receives them until the lease ends."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"worker_id": "push-1", "until": "2027-03-01T07:05:00Z", "max": 50}]
        },
    )

    worker_id: Text = Field(
        min_length=1, max_length=64, description="The worker's own name (it acks with it)"
    )
    until: AwareDatetime = Field(
        description="When the lease ends, with an offset: in the future, at most 15 minutes away"
    )
    max: Annotated[StrictInteger, Field(ge=1, le=200), Integral] = Field(
        default=50, description="The most reminders to lease"
    )
    kind: list[ReminderKind] | None = Field(
        default=None,
        min_length=1,
        max_length=3,
        description="Only these kinds (e.g. a scheduler that sends routine reminders only); "
        "all when absent",
    )


class ClaimedReminder(ReminderOut):
    """A reminder leased to the worker that claimed it."""

    lease_until: Instant
    attempt: int


class ClaimOut(BaseModel):
    """The reminders leased to the worker, by due_at."""

    items: list[ClaimedReminder] = Field(description="The leased reminders")
    lease_until: Instant = Field(description="When the lease on all of them ends")


class AckIn(BaseModel):
    """The worker that sent a leased reminder."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"worker_id": "push-1"}]}
    )

    worker_id: Text = Field(
        min_length=1, max_length=64, description="The worker that holds the lease"
    )


class AckOut(BaseModel):
    """A reminder marked sent."""

    id: uuid.UUID = Field(description="The reminder's id")
    status: ReminderStatus = Field(description="`sent`")
    sent_at: Instant = Field(description="When the first ack for it arrived")


class CalendarFeed(SQLModel, table=True):
    """A personal calendar feed token; only its SHA-256 is stored."""

    __tablename__ = "calendar_feeds"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created_at_field()


class CalendarFeedOut(BaseModel):
    """Your personal calendar link (a new one replaces the old)."""

    token: str = Field(description="The feed token, shown once")
    url: str = Field(description="The feed's URL, to subscribe to in a calendar app")
    created_at: Instant = Field(description="When the link was made")
