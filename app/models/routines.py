"""Response shapes of routines. The service builds plain dicts and the routes send them
pre-encoded, so FastAPI never checks them: tests/api/test_response_shapes.py validates real
payloads against these models."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from app.scheduling import (
    RULES,
    AlternativeSource,
    Category,
    Guard,
    NightType,
    Slot,
    StepKind,
    StepSource,
    WarningCode,
)

# The evidence grades the rule catalogue uses: A, B, C, U (a configurable default) or policy,
# or two where sources differ ("A/C") and a minus for weaker evidence ("B-"); see RULES.md.
GRADES = tuple(sorted({rule.grade for rule in RULES.values()}))


def _known_grade(value: str) -> str:
    if value not in GRADES:
        raise ValueError(f"not a grade the rule catalogue uses: {value!r}")
    return value


GradeLabel = Annotated[
    str,
    AfterValidator(_known_grade),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(GRADES),
            "description": "The evidence grade (RULES.md): A a regulator's label or a guideline, "
            "B a peer-reviewed study, C a society's patient page or a textbook, U common "
            "practice (a configurable default), policy this service's own rule; two grades "
            "(A/C) where sources differ, a minus for weaker evidence",
        }
    ),
]


class StepProductOut(BaseModel):
    id: uuid.UUID
    name: str
    category: Category


class OverrideNoteOut(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    reason: str


class StepOut(BaseModel):
    order: int
    kind: StepKind
    product: StepProductOut
    amount: str
    wait_after_seconds: int
    instructions: str
    rule_ids: list[str]
    source: StepSource
    override: OverrideNoteOut | None


class SlotOut(BaseModel):
    steps: list[StepOut]


class ExcludedProductOut(BaseModel):
    id: uuid.UUID
    name: str


class AlternativeOut(BaseModel):
    """A product that could take the excluded one's role safely (ALT1); never in the plan."""

    product: StepProductOut
    source: AlternativeSource
    rule_id: str


class ExclusionOut(BaseModel):
    product: ExcludedProductOut
    reason: str
    rule_id: str
    guard: Guard
    slot: Slot | None
    override: OverrideNoteOut | None
    # an `introduction` wait (S5): the day its patch test starts, or it joins the routine
    available_on: date | None = None
    alternatives: list[AlternativeOut] = Field(default_factory=list, max_length=3)


class WarningOut(BaseModel):
    code: WarningCode
    message: str
    rule_id: str | None


class RuleOut(BaseModel):
    text: str
    source: str
    grade: GradeLabel
    configurable_default: bool


class RoutineDay(BaseModel):
    date: date
    timezone: str
    night_type: NightType
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
