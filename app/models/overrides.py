"""Dermatologist overrides of a patient's plan (RULES.md O1, O2): stored, never hard-deleted."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, model_validator
from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.models.base import Instant, JSONList, UTCDateTime, created_at_field, described, id_field
from app.models.care_team import PersonOut
from app.scheduling.inputs import Frequency, OverrideAction, Slot
from app.validation import Integral, MultilineText, SafeDate, StrictFlag, StrictInteger

Action = OverrideAction

# The fields each action reads besides reason, dates and acknowledge_warning: (required, optional).
# Anything else sent with the action is refused rather than silently stored.
ACTION_FIELDS: dict[OverrideAction, tuple[frozenset[str], frozenset[str]]] = {
    Action.add: (
        frozenset({"product_id", "slot"}),
        frozenset({"frequency", "interval_days", "weekdays", "wait_after_seconds"}),
    ),
    Action.remove: (frozenset({"product_id"}), frozenset({"slot"})),
    Action.set_frequency: (
        frozenset({"product_id", "frequency"}),
        frozenset({"slot", "interval_days", "weekdays"}),
    ),
    Action.set_wait: (frozenset({"product_id", "wait_after_seconds"}), frozenset({"slot"})),
    Action.reorder: (frozenset({"product_id", "slot", "position"}), frozenset()),
    Action.confirm: (frozenset({"product_id"}), frozenset()),
    # a procedure window (PP1): without a product it pauses every retinoid and exfoliant
    Action.pause: (frozenset({"ends_on"}), frozenset({"product_id"})),
    Action.shorten_patch_test: (frozenset({"product_id", "patch_test_days"}), frozenset()),
}
_SHAPED = frozenset(
    {
        "product_id",
        "slot",
        "frequency",
        "interval_days",
        "weekdays",
        "wait_after_seconds",
        "position",
        "patch_test_days",
    }
)

IsoWeekday = Annotated[int, Field(ge=1, le=7)]


OVERRIDE = {
    "id": "The override's id",
    "patient_id": "Whose plan it shapes",
    "author": "The dermatologist who wrote it",
    "action": "What it does; each action takes its own fields (add: product_id and slot; "
    "remove, confirm: product_id; set_frequency: product_id and frequency; set_wait: "
    "product_id and wait_after_seconds; reorder: product_id, slot and position; pause: "
    "ends_on; shorten_patch_test: product_id and patch_test_days)",
    "product_id": "The product it acts on (for add: one the patient can see)",
    "slot": "The routine it acts on; for add, where the product goes",
    "frequency": "How often the product is used",
    "interval_days": "Days between uses (frequency every_n_days), 2-60",
    "weekdays": "ISO weekdays of use, 1 (Monday) to 7 (frequency weekdays)",
    "wait_after_seconds": "Seconds to wait after the step before the next one",
    "position": "The step's place in the routine, from 1",
    "patch_test_days": "Days the product's patch test lasts (0: it joins at once, skipping "
    "the introduction queue)",
    "reason": "Why, for the patient, who reads it beside the step it shapes",
    "starts_on": "The first day it applies (the patient's local date)",
    "ends_on": "The last day it applies; open-ended when null",
    "acknowledge_warning": "Lift a guard that may be confirmed only with a recorded warning "
    "(P2, P3, P9; RULES.md O2)",
    "created_at": "When it was written",
    "deleted_at": "When it was withdrawn; null while active",
    "deleted_by": "Who withdrew it",
    "delete_reason": "Why it was withdrawn",
}


class OverrideFields(SQLModel):
    model_config = ConfigDict(json_schema_extra=described(OVERRIDE))  # type: ignore[assignment]

    action: OverrideAction
    product_id: uuid.UUID | None = None
    slot: Slot | None = None
    frequency: Frequency | None = None
    interval_days: int | None = Field(default=None, ge=2, le=60)
    weekdays: list[IsoWeekday] | None = Field(default=None, min_length=1, max_length=7)
    wait_after_seconds: int | None = Field(default=None, ge=0, le=3600)
    position: int | None = Field(default=None, ge=1, le=30)
    patch_test_days: int | None = Field(default=None, ge=0, le=21)
    reason: str = Field(min_length=1, max_length=500)
    starts_on: date
    ends_on: date | None = None
    acknowledge_warning: bool = False


class PlanOverride(SQLModel, table=True):
    """One instruction; `deleted_at` set means withdrawn (kept so history remains readable)."""

    __tablename__ = "overrides"
    __table_args__ = (Index(None, "patient_id", "deleted_at"),)

    id: uuid.UUID = id_field()
    patient_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    # no foreign key: the override outlives its author's account and stays in force, since
    # erasing a dermatologist must not silently change a patient's plan (services/privacy.py)
    author_id: uuid.UUID
    action: str = Field(sa_type=String(20))
    product_id: uuid.UUID | None = Field(
        default=None, foreign_key="products.id", ondelete="RESTRICT"
    )
    slot: str | None = Field(default=None, sa_type=String(2))
    frequency: str | None = Field(default=None, sa_type=String(20))
    interval_days: int | None = None
    weekdays: list[int] = Field(default_factory=list, sa_type=JSONList)
    wait_after_seconds: int | None = None
    position: int | None = None
    patch_test_days: int | None = None
    reason: str = Field(max_length=500)
    starts_on: date
    ends_on: date | None = None
    acknowledge_warning: bool = False
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_by: uuid.UUID | None = None  # no foreign key, like author_id
    delete_reason: str | None = Field(default=None, max_length=500)


class OverrideCreate(OverrideFields):
    """A dermatologist's instruction for a patient's plan. The engine refuses one no override
    may give (RULES.md O2) with 422, and re-checks every override each day."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=described(
            OVERRIDE,
            {
                "action": "set_frequency",
                "product_id": "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
                "frequency": "every_n_days",
                "interval_days": 3,
                "reason": "Your skin is dry this month: every third night for now",
                "starts_on": "2026-11-21",
                "ends_on": "2026-12-19",
            },
        ),
    )

    interval_days: Annotated[StrictInteger, Field(ge=2, le=60), Integral] | None = None
    weekdays: list[Annotated[StrictInteger, Field(ge=1, le=7), Integral]] | None = Field(
        default=None, min_length=1, max_length=7
    )
    wait_after_seconds: Annotated[StrictInteger, Field(ge=0, le=3600), Integral] | None = None
    position: Annotated[StrictInteger, Field(ge=1, le=30), Integral] | None = None
    patch_test_days: Annotated[StrictInteger, Field(ge=0, le=21), Integral] | None = None
    reason: MultilineText = Field(min_length=1, max_length=500)
    starts_on: SafeDate
    ends_on: SafeDate | None = None
    acknowledge_warning: StrictFlag = False

    @model_validator(mode="after")
    def _consistent(self) -> OverrideCreate:
        self.reason = self.reason.strip()
        if not self.reason:
            raise ValueError("reason must not be blank: say why, the patient reads it")
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        required, optional = ACTION_FIELDS[self.action]
        sent = {name for name in _SHAPED if getattr(self, name) is not None}
        if missing := sorted(name for name in required if getattr(self, name) is None):
            raise ValueError(f"action {self.action.value} needs {', '.join(missing)}")
        if extra := sorted(sent - required - optional):
            raise ValueError(f"action {self.action.value} does not take {', '.join(extra)}")
        if self.frequency is Frequency.every_n_days and self.interval_days is None:
            raise ValueError("frequency every_n_days needs interval_days")
        if self.frequency is Frequency.weekdays and not self.weekdays:
            raise ValueError("frequency weekdays needs weekdays (ISO 1-7)")
        if self.interval_days is not None and self.frequency is not Frequency.every_n_days:
            raise ValueError("interval_days goes with frequency every_n_days")
        if self.weekdays is not None and self.frequency is not Frequency.weekdays:
            raise ValueError("weekdays goes with frequency weekdays")
        if self.weekdays is not None:
            self.weekdays = sorted(set(self.weekdays))
        return self


class OverridePublic(OverrideFields):
    """A dermatologist's override of a patient's plan."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    author: PersonOut
    weekdays: list[int] | None = None
    created_at: Instant
    deleted_at: Instant | None = None
    deleted_by: uuid.UUID | None = None
    delete_reason: str | None = None


class OverrideList(SQLModel):
    """A patient's overrides: one versioned list (its ETag is the If-Match of writes)."""

    items: list[OverridePublic] = Field(description="The overrides, by start date")
