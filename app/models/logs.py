"""What a user did each morning and evening, and how their skin reacted."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, ConfigDict
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import now_utc
from app.models.base import Instant, UTCDateTime, created_at_field, described, id_field, utcnow
from app.scheduling.inputs import Irritation, Slot
from app.validation import MultilineText, SafeDate, StrictFlag

LOG = {
    "id": "The log's id",
    "date": "The local date the routine was for (today, or earlier)",
    "slot": "The morning or evening routine",
    "done": "Whether the routine was done (an evening not done moves the next retinoid night)",
    "irritation": "How the skin reacted (moderate: a recovery night; severe: actives pause)",
    "note": "Anything the user wants to add",
    "updated_at": "When the log was last written (a later report for the same date and slot "
    "replaces it)",
}


class RoutineLogFields(SQLModel):
    model_config = ConfigDict(json_schema_extra=described(LOG))  # type: ignore[assignment]

    on: date = Field(alias="date")
    slot: Slot
    done: bool
    irritation: Irritation = Irritation.none
    note: str | None = Field(default=None, max_length=500)


class RoutineLog(SQLModel, table=True):
    __tablename__ = "routine_logs"
    __table_args__ = (UniqueConstraint("user_id", "on", "slot"),)

    id: uuid.UUID = id_field()
    # the unique (user_id, on, slot) index also serves per-user range reads
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    on: date
    slot: str = Field(sa_type=String(2))
    done: bool
    irritation: str = Field(default=Irritation.none, sa_type=String(10))
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# a log is for a day that has begun somewhere: today, or tomorrow east of UTC
LOG_HORIZON = timedelta(days=1)


def _not_in_the_future(value: date) -> date:
    if value > now_utc().date() + LOG_HORIZON:
        raise ValueError("cannot log a day that has not begun")
    return value


class RoutineLogIn(RoutineLogFields):
    """What happened to one routine: done or not, and how the skin reacted."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=False,
        json_schema_extra=described(
            LOG, {"date": "2026-11-21", "slot": "pm", "done": True, "irritation": "mild"}
        ),
    )

    on: Annotated[SafeDate, AfterValidator(_not_in_the_future)] = Field(alias="date")
    done: StrictFlag
    note: MultilineText | None = Field(default=None, max_length=500)


class RoutineLogPublic(RoutineLogFields):
    """A routine log."""

    model_config = ConfigDict(
        serialize_by_alias=True,
        populate_by_name=True,
        json_schema_serialization_defaults_required=True,
    )

    id: uuid.UUID
    updated_at: Instant


class RoutineLogList(SQLModel):
    """Routine logs."""

    items: list[RoutineLogPublic] = Field(description="The logs, by date, morning first")
