"""Response shapes of routines. The service builds plain dicts and the routes send them
pre-encoded, so FastAPI never checks them: tests/api/test_response_shapes.py validates real
payloads against these models."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class StepProductOut(BaseModel):
    id: uuid.UUID
    name: str
    category: str


class OverrideNoteOut(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    reason: str


class StepOut(BaseModel):
    order: int
    kind: str
    product: StepProductOut
    amount: str
    wait_after_seconds: int
    instructions: str
    rule_ids: list[str]
    source: str
    override: OverrideNoteOut | None


class SlotOut(BaseModel):
    steps: list[StepOut]


class ExcludedProductOut(BaseModel):
    id: uuid.UUID
    name: str


class AlternativeOut(BaseModel):
    """A product that could take the excluded one's role safely (ALT1); never in the plan."""

    product: StepProductOut
    source: Literal["shelf", "catalog"]
    rule_id: str


class ExclusionOut(BaseModel):
    product: ExcludedProductOut
    reason: str
    rule_id: str
    guard: str
    slot: str | None
    override: OverrideNoteOut | None
    # an `introduction` wait (S5): the day its patch test starts, or it joins the routine
    available_on: date | None = None
    alternatives: list[AlternativeOut] = Field(default_factory=list, max_length=3)


class WarningOut(BaseModel):
    code: str
    message: str
    rule_id: str | None


class RuleOut(BaseModel):
    text: str
    source: str
    grade: str
    configurable_default: bool


class RoutineDay(BaseModel):
    date: str
    timezone: str
    night_type: str
    am: SlotOut
    pm: SlotOut
    excluded: list[ExclusionOut]
    warnings: list[WarningOut]
    rules: dict[str, RuleOut]
    version: str


class RoutineDays(BaseModel):
    days: list[RoutineDay]


class RuleCatalog(BaseModel):
    rules: dict[str, RuleOut]
