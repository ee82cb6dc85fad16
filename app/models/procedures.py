"""In-clinic procedures (RULES.md PP1-PP6): sessions a user had or has booked, and the series a
dermatologist plans. A session's date is a local date in the user's zone, like routine dates.
Withdrawn sessions keep their row (`deleted_at`), so the audit trail can name them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, model_validator
from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.models.base import Instant, UTCDateTime, created_at_field, described, id_field
from app.models.care_team import PersonOut
from app.scheduling import PeelDepth, ProcedureKind, WarningCode
from app.validation import Integral, MultilineText, SafeDate, StrictFlag, StrictInteger, Text

MAX_SESSIONS = 10

PROCEDURE = {
    "id": "The session's id",
    "kind": "What the session is",
    "on": "The local date of the session (past: had; future: booked)",
    "depth": "Chemical peels only; a peel without it is read as medium",
    "clinic": "The clinic's name",
    "notes": "Anything to remember about it",
    "clinic_exosome": "The clinic applied or recommends an exosome serum afterwards (PP5)",
    "healing_days": "The clinic's healing window in days, if longer than the usual (PP5)",
    "reason": "Why, for the patient (a dermatologist's booking)",
    "acknowledge_warning": "Book despite PP6's minimum spacing or PP2's wait (recorded)",
    "source": "Who recorded it",
    "author": "The dermatologist who booked it; null for the user's own",
    "pause_from": "Retinoids and exfoliants stop from this day (PP1)",
    "healing_until": "The last day of the bland-only routine (PP5)",
    "resume_on": "Products return; the retinoid on a shortened ramp",
    "exfoliants_resume_on": "Exfoliants return (a week after the others)",
    "series_id": "The series it belongs to; null for a single session",
    "series_index": "Its place in the series, from 1",
    "series_sessions": "How many sessions the series has",
    "interval_days": "Days between the series' sessions (PP6 sets a minimum per kind)",
    "maintenance_months": "Months between maintenance sessions after the series",
    "created_at": "When it was recorded",
    "sessions": "How many sessions, 1-10",
    "starts_on": "The local date of the first session",
}


class ProcedureSource(StrEnum):
    """Who recorded a session: the user, or a dermatologist."""

    user = "user"
    dermatologist = "dermatologist"


class ProcedureRecord(SQLModel, table=True):
    __tablename__ = "procedures"
    __table_args__ = (Index(None, "user_id", "deleted_at", "on"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(sa_type=String(30))
    on: date
    depth: str | None = Field(default=None, sa_type=String(12))
    clinic: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=1000)
    clinic_exosome: bool = False
    healing_days: int | None = None
    source: str = Field(default=ProcedureSource.user, sa_type=String(15))
    # no foreign key: a session a dermatologist planned outlives their account and stays in the
    # patient's plan (services/privacy.py)
    author_id: uuid.UUID | None = None
    series_id: uuid.UUID | None = None
    series_index: int | None = None
    series_sessions: int | None = None
    interval_days: int | None = None
    maintenance_months: int | None = None
    acknowledge_warning: bool = False
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_by: uuid.UUID | None = None  # no foreign key, like author_id


class ProcedureIn(SQLModel):
    """One session you had or booked. Your routine pauses around it (PP1, PP5)."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra=described(
            PROCEDURE,
            {
                "kind": "chemical_peel",
                "on": "2026-12-04",
                "depth": "superficial",
                "clinic": "Riverside Dermatology",
            },
        ),
    )

    kind: ProcedureKind = Field(description="What the session is")
    on: SafeDate = Field(description="The local date of the session (past: had; future: booked)")
    depth: PeelDepth | None = Field(
        default=None, description="Chemical peels only; a peel without it is read as medium"
    )
    clinic: Text | None = Field(default=None, min_length=1, max_length=200)
    notes: MultilineText | None = Field(default=None, max_length=1000)
    clinic_exosome: StrictFlag = Field(
        default=False,
        description="The clinic applied or recommends an exosome serum afterwards (PP5)",
    )

    @model_validator(mode="after")
    def _depth_only_for_peels(self) -> ProcedureIn:
        if self.depth is not None and self.kind is not ProcedureKind.chemical_peel:
            raise ValueError(f"depth applies to chemical_peel only, not to {self.kind.value}")
        return self


class PatientProcedureIn(ProcedureIn):
    """A session a dermatologist books for a patient."""

    model_config = ConfigDict(
        json_schema_extra=described(
            PROCEDURE,
            {
                "kind": "microneedling",
                "on": "2026-12-04",
                "clinic": "Riverside Dermatology",
                "reason": "First of three sessions for acne scars",
            },
        ),
    )

    healing_days: Annotated[StrictInteger, Field(ge=1, le=60), Integral] | None = Field(
        default=None, description="The clinic's healing window, if longer (PP5)"
    )
    reason: MultilineText | None = Field(default=None, min_length=1, max_length=500)
    acknowledge_warning: StrictFlag = Field(
        default=False, description="Book despite PP6's minimum spacing or PP2 (recorded)"
    )


class ProcedureSeriesIn(SQLModel):
    """A series of sessions a dermatologist plans for a patient (PP3, PP6)."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra=described(
            PROCEDURE,
            {
                "kind": "microneedling",
                "sessions": 3,
                "interval_days": 28,
                "starts_on": "2026-12-04",
                "maintenance_months": 6,
                "reason": "Acne scars: three sessions a month apart",
            },
        ),
    )

    kind: ProcedureKind
    depth: PeelDepth | None = None
    sessions: Annotated[StrictInteger, Field(ge=1, le=MAX_SESSIONS), Integral]
    interval_days: Annotated[StrictInteger, Field(ge=1, le=365), Integral]
    starts_on: SafeDate
    maintenance_months: Annotated[StrictInteger, Field(ge=1, le=24), Integral] | None = None
    clinic: Text | None = Field(default=None, min_length=1, max_length=200)
    clinic_exosome: StrictFlag = False
    healing_days: Annotated[StrictInteger, Field(ge=1, le=60), Integral] | None = None
    reason: MultilineText | None = Field(default=None, min_length=1, max_length=500)
    acknowledge_warning: StrictFlag = False

    @model_validator(mode="after")
    def _depth_only_for_peels(self) -> ProcedureSeriesIn:
        if self.depth is not None and self.kind is not ProcedureKind.chemical_peel:
            raise ValueError(f"depth applies to chemical_peel only, not to {self.kind.value}")
        return self


class AdviceOut(SQLModel):
    """Where a planned series departs from the published protocol (PP3): allowed, and said."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra=described(
            {
                "code": "What the advice is about",
                "message": "The advice, for people",
                "rule_id": "The rule it cites",
            }
        )
    )

    code: WarningCode
    message: str
    rule_id: str | None


class ProcedurePublic(SQLModel):
    """An in-clinic session, with what it pauses and until when."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_serialization_defaults_required=True,
        json_schema_extra=described(PROCEDURE),
    )

    id: uuid.UUID
    kind: ProcedureKind
    on: date
    depth: PeelDepth | None
    clinic: str | None
    notes: str | None
    clinic_exosome: bool
    source: ProcedureSource
    author: PersonOut | None = None
    pause_from: date = Field(description="Retinoids and exfoliants stop (PP1)")
    healing_until: date = Field(description="The last day of the bland-only routine (PP5)")
    resume_on: date = Field(description="Products return; the retinoid on a shortened ramp")
    exfoliants_resume_on: date
    reason: str = Field(description="Why and until when things are paused, as the user reads it")
    series_id: uuid.UUID | None = None
    series_index: int | None = None
    series_sessions: int | None = None
    interval_days: int | None = None
    maintenance_months: int | None = None
    acknowledge_warning: bool = False
    created_at: Instant


class ProcedureList(SQLModel):
    """Sessions: one versioned list (its ETag is the If-Match of a dermatologist's bookings)."""

    items: list[ProcedurePublic] = Field(description="The sessions, by date")


class ProcedureSeriesOut(SQLModel):
    """A planned series: its sessions, and where it departs from the protocol."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_serialization_defaults_required=True,
        json_schema_extra=described(
            {
                **PROCEDURE,
                "series_id": "The series' id (each session names it)",
                "sessions": "The sessions, by date",
            }
        ),
    )

    series_id: uuid.UUID
    kind: ProcedureKind
    interval_days: int
    maintenance_months: int | None
    maintenance_due_on: date | None = Field(
        description="When the first maintenance session is due, if maintenance is planned"
    )
    sessions: list[ProcedurePublic]
    advice: list[AdviceOut] = Field(description="PP3: where the plan departs from the protocol")
