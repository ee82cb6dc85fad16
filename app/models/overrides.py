"""Dermatologist overrides of a patient's plan (RULES.md O1, O2): stored, never hard-deleted."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, model_validator
from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.models.base import JSONList, UTCDateTime, created_at_field, id_field
from app.models.care_team import PersonOut
from app.scheduling.inputs import Frequency, OverrideAction, Slot
from app.validation import MultilineText, SafeDate, StrictFlag, StrictInteger

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


class OverrideFields(SQLModel):
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
    # RESTRICT: removing an author must not silently change someone else's plan
    author_id: uuid.UUID = Field(foreign_key="users.id", ondelete="RESTRICT")
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
    deleted_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="RESTRICT")
    delete_reason: str | None = Field(default=None, max_length=500)


class OverrideCreate(OverrideFields):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    interval_days: StrictInteger | None = Field(default=None, ge=2, le=60)
    weekdays: list[Annotated[StrictInteger, Field(ge=1, le=7)]] | None = Field(
        default=None, min_length=1, max_length=7
    )
    wait_after_seconds: StrictInteger | None = Field(default=None, ge=0, le=3600)
    position: StrictInteger | None = Field(default=None, ge=1, le=30)
    patch_test_days: StrictInteger | None = Field(default=None, ge=0, le=21)
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
    id: uuid.UUID
    patient_id: uuid.UUID
    author: PersonOut
    weekdays: list[int] | None = None
    created_at: datetime
    deleted_at: datetime | None = None
    deleted_by: uuid.UUID | None = None
    delete_reason: str | None = None


class OverrideList(SQLModel):
    items: list[OverridePublic]
