"""Response shapes of routines. The service builds plain dicts and the routes send them
pre-encoded, so FastAPI never checks them: tests/api/test_response_shapes.py validates real
payloads against these models."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

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


def _grade_name(grade: str) -> str:
    """A grade as a name a generated client can give its enum member: B- is B_MINUS, A/C is A_OR_C
    (left to themselves, generators read B- as B and keep one of the two)."""
    return grade.replace("-", "_MINUS").replace("/", "_OR_").upper()


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
            "x-enum-varnames": [_grade_name(grade) for grade in GRADES],
            "description": "The evidence grade (RULES.md): A a regulator's label or a guideline, "
            "B a peer-reviewed study, C a society's patient page or a textbook, U common "
            "practice (a configurable default), policy this service's own rule; two grades "
            "(A/C) where sources differ, a minus for weaker evidence",
        }
    ),
]


_CLEANSER: dict[str, Any] = {
    "id": "007f6bf0-205d-5266-a52a-589b320f6419",
    "name": "Gentle Cream Cleanser",
    "category": "cleanser",
}
_CLEANSE: dict[str, Any] = {
    "order": 1,
    "kind": "cleanse",
    "product": _CLEANSER,
    "amount": "a hazelnut-sized amount",
    "wait_after_seconds": 30,
    "instructions": "Massage onto damp skin for about 30 s, rinse with lukewarm water and pat "
    "dry. Wait 30 s before the next step (a common default, not a cited rule).",
    "rule_ids": ["L1", "L3"],
    "source": "engine",
    "override": None,
}
_DAY_EXAMPLE: dict[str, Any] = {
    "date": "2027-03-01",
    "timezone": "Europe/London",
    "night_type": "basic",
    "am": {
        "steps": [
            _CLEANSE,
            {
                "order": 2,
                "kind": "spf",
                "product": {
                    "id": "be940f38-8439-58bb-b639-6b7ab7148166",
                    "name": "Mineral Sunscreen SPF 50",
                    "category": "sunscreen",
                },
                "amount": "just over 1/2 teaspoon (about 2.5-3 ml) for face and neck together, "
                "or two finger lengths for the face",
                "wait_after_seconds": 900,
                "instructions": "The last step of the morning. Reapply at least every 2 h "
                "outdoors and after swimming or sweating. Apply it 15 min before going out.",
                "rule_ids": ["L5", "SUN1", "SUN2"],
                "source": "engine",
                "override": None,
            },
        ]
    },
    "pm": {
        "steps": [
            _CLEANSE,
            {
                "order": 2,
                "kind": "moisturiser",
                "product": {
                    "id": "5f3bc3f2-fece-5816-a7a0-b51ce20685f4",
                    "name": "Light Gel Moisturiser",
                    "category": "moisturiser",
                },
                "amount": "a fingertip-sized amount",
                "wait_after_seconds": 0,
                "instructions": "Seal in the layers before it.",
                "rule_ids": ["L1"],
                "source": "engine",
                "override": None,
            },
        ]
    },
    "excluded": [
        {
            "product": {"id": "c41e02fb-b971-5ca1-a594-2aafaeee8d66", "name": "Retinol 0.3% Serum"},
            "reason": "No retinol while trying to conceive (safer reading: UKTIS and "
            "MotherToBaby advise stopping first).",
            "rule_id": "P2",
            "guard": "pregnancy",
            "slot": None,
            "override": None,
            "available_on": None,
            "alternatives": [],
        }
    ],
    "warnings": [
        {
            "code": "ttc_safer_reading",
            "message": "Trying to conceive: retinoids and hydroquinone are left out.",
            "rule_id": "P2",
        }
    ],
    "rules": {
        rule_id: {
            "text": "...",
            "source": "...",
            "grade": grade,
            "configurable_default": grade == "U",
        }
        for rule_id, grade in (
            ("L1", "C"),
            ("L3", "U"),
            ("L5", "A"),
            ("P2", "B"),
            ("SUN1", "A/C"),
            ("SUN2", "C"),
        )
    },
    "version": "5d41402abc4b2a76b9719d911017c592",
}


class StepProductOut(BaseModel):
    """A product as a routine names it."""

    id: uuid.UUID = Field(description="The product's id")
    name: str = Field(description="The product's name")
    category: Category = Field(description="What kind of product it is")


class OverrideNoteOut(BaseModel):
    """The dermatologist's override behind a step or an exclusion, and why."""

    id: uuid.UUID = Field(description="The override's id")
    author_id: uuid.UUID = Field(description="The dermatologist's account id")
    author_name: str = Field(description="How the dermatologist is named to the patient")
    reason: str = Field(description="Why, in the dermatologist's words")


class StepOut(BaseModel):
    """One step of a routine, in the order to apply it."""

    order: int = Field(description="Its place in the routine, from 1")
    kind: StepKind = Field(description="What the step does")
    product: StepProductOut = Field(description="The product to use")
    amount: str = Field(description="How much to use, in plain words")
    wait_after_seconds: int = Field(description="Seconds to wait before the next step")
    instructions: str = Field(description="How to apply it, in plain words (no rule ids: L8)")
    rule_ids: list[str] = Field(description="The rules behind this step (see `rules`)")
    source: StepSource = Field(description="Who placed it: the engine or an override")
    override: OverrideNoteOut | None = Field(
        description="The override that placed or shaped it; null for the engine's own"
    )


class SlotOut(BaseModel):
    """A morning or evening routine."""

    steps: list[StepOut] = Field(description="The steps, in order (empty: nothing to do)")


class ExcludedProductOut(BaseModel):
    """A product kept out of the routine."""

    id: uuid.UUID = Field(description="The product's id")
    name: str = Field(description="The product's name")


class AlternativeOut(BaseModel):
    """A product that could take the excluded one's role safely (ALT1); never in the plan."""

    product: StepProductOut = Field(description="The alternative product")
    source: AlternativeSource = Field(description="Whether it is on the shelf or in the catalog")
    rule_id: str = Field(description="The rule that proposes it (ALT1)")


class ExclusionOut(BaseModel):
    """A product on the shelf that this day's routine leaves out, and why."""

    product: ExcludedProductOut = Field(description="The product left out")
    reason: str = Field(description="Why, in plain words")
    rule_id: str = Field(description="The rule that excludes it (see `rules`)")
    guard: Guard = Field(description="The kind of rule that excludes it")
    slot: Slot | None = Field(description="The routine it is kept out of; null: both")
    override: OverrideNoteOut | None = Field(
        description="The override that removed it; null when a rule did"
    )
    available_on: dt.date | None = Field(
        default=None,
        description="For an `introduction` wait (S5): the day its patch test starts or it "
        "joins the routine",
    )
    alternatives: list[AlternativeOut] = Field(
        default_factory=list,
        max_length=3,
        description="Products that could take its role safely, best first (ALT1)",
    )


class WarningOut(BaseModel):
    """Something the user should know about this day's routine."""

    code: WarningCode = Field(description="What the warning is about: stable, for programs")
    message: str = Field(description="The warning, for people")
    rule_id: str | None = Field(description="The rule it cites; null for none")


class RuleOut(BaseModel):
    """A rule the engine applies: what it says, its source and how strong the evidence is."""

    text: str = Field(description="The rule in one plain sentence")
    source: str = Field(description="Where it comes from")
    grade: GradeLabel
    configurable_default: bool = Field(
        description="A common default (grade U) rather than a cited rule: a clinic may change it"
    )


class RoutineDay(BaseModel):
    """One day's routine: the morning and evening steps, what is left out and why, the day's
    warnings, and every rule cited."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra={"examples": [_DAY_EXAMPLE]},
    )

    date: dt.date = Field(description="The day, in the user's time zone")
    timezone: str = Field(description="The user's IANA time zone")
    night_type: NightType = Field(description="What this evening is in the rotation")
    am: SlotOut = Field(description="The morning routine")
    pm: SlotOut = Field(description="The evening routine")
    excluded: list[ExclusionOut] = Field(description="Shelf products left out today, and why")
    warnings: list[WarningOut] = Field(description="What the user should know today")
    rules: dict[str, RuleOut] = Field(description="Every rule cited in this day, by id")
    version: str = Field(
        description="A digest of everything this day's plan depends on: it changes when the plan "
        "may have"
    )


class RoutineDays(BaseModel):
    """A routine for each day of a range."""

    days: list[RoutineDay] = Field(description="One routine per day, in date order")


class RuleCatalog(BaseModel):
    """Every rule the engine applies."""

    rules: dict[str, RuleOut] = Field(description="The rules, by id")
