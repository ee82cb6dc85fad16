"""The one error body: RFC 9457 problem+json, as app/problems.py renders every error.

Never built by the app (the handlers write the JSON themselves); it is the document's
`Problem` schema, which every error response of every operation references.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from app.errors import ProblemCode


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _sometimes(description: str) -> Any:
    """A member only some problems carry: absent (never null) on the others."""
    return Field(default=None, description=description, json_schema_extra=_no_default)


class ValidationIssue(BaseModel):
    """One reason a request was refused as invalid."""

    loc: list[str | int] = Field(
        description="Where: `body`, `query`, `path` or `header`, then field names and list "
        'indexes down to the value (`["body", "inci", 3]`)'
    )
    msg: str = Field(description="What is wrong with that value, in English")


class Problem(BaseModel):
    """An error (RFC 9457 `application/problem+json`). Branch on `code`, not on `title` or
    `detail`, which are for people and may be reworded."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/patient_not_found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "No such patient among yours",
                    "code": "patient_not_found",
                },
                {
                    "type": "/problems/validation_error",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "body.password: String should have at least 8 characters",
                    "code": "validation_error",
                    "errors": [
                        {
                            "loc": ["body", "password"],
                            "msg": "String should have at least 8 characters",
                        }
                    ],
                },
            ]
        }
    )

    type: str = Field(
        description="A URI reference naming the kind of problem: `/problems/` and the `code`"
    )
    title: str = Field(description="A short summary of the kind of problem, for people")
    status: int = Field(description="The HTTP status code of this response")
    detail: str = Field(description="What went wrong this time and what to do, for people")
    code: ProblemCode = Field(description="The stable machine code: branch on this")
    errors: list[ValidationIssue] | SkipJsonSchema[None] = _sometimes(
        "Every invalid value (`validation_error` only)"
    )
    violations: list[ProblemCode] | SkipJsonSchema[None] = _sometimes(
        "Every reason the engine refuses an override, `code` being the first "
        "(an override refused under RULES.md O2)"
    )
    max_bytes: int | SkipJsonSchema[None] = _sometimes(
        "The largest request body accepted, in bytes (`payload_too_large`)"
    )
    retry_after: int | SkipJsonSchema[None] = _sometimes(
        "Seconds to wait before trying again, as in the Retry-After header (`rate_limited`)"
    )
    current_etag: str | SkipJsonSchema[None] = _sometimes(
        "The ETag of the current version, to read again before retrying (`stale_version`)"
    )
    max_days: int | SkipJsonSchema[None] = _sometimes(
        "The most days one range may cover (`range_too_long`)"
    )
    max_hours: int | SkipJsonSchema[None] = _sometimes(
        "The most hours one window may cover (`window_too_long`)"
    )
    max_seconds: int | SkipJsonSchema[None] = _sometimes(
        "The longest lease accepted, in seconds (`lease_too_long`)"
    )
    min_interval_days: int | SkipJsonSchema[None] = _sometimes(
        "The fewest days PP6 allows between two sessions of this kind (`session_too_soon`)"
    )
    conflicts_with: date | SkipJsonSchema[None] = _sometimes(
        "The date of the session that is too close (`session_too_soon`)"
    )
    earliest: date | SkipJsonSchema[None] = _sometimes(
        "The first date accepted (`date_out_of_range`)"
    )
    latest: date | SkipJsonSchema[None] = _sometimes("The last date accepted (`date_out_of_range`)")
