"""The document states the edge's input rules (app/validation.py, the profile's times and zone)
as JSON Schema, and each stated rule is the one the validator applies: a string matches the
documented pattern exactly when the validator accepts it."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from app.main import create_app
from app.models.profiles import LocalTime, TimeZoneName
from app.validation import MultilineText, SafeDate, Text

# every character but surrogates (JSON text cannot carry a lone one as UTF-8 anyway), with the
# control characters and line breaks well represented
CONTROLS = st.sampled_from("\x00\t\n\r\x1f\x7f\x85\x9f")
CHARACTERS = st.characters(exclude_categories=["Cs"]) | CONTROLS


@cache
def _probe(annotation: Any) -> type[BaseModel]:
    class Probe(BaseModel):
        value: annotation

    return Probe


def _documented(annotation: Any) -> str:
    pattern: str = _probe(annotation).model_json_schema()["properties"]["value"]["pattern"]
    return pattern


def _pattern(annotation: Any) -> re.Pattern[str]:
    """The documented pattern, compiled as ECMA-262 reads it: `$` is the end of the input
    (Python's `$` also matches before a final line break)."""
    pattern = _documented(annotation)
    return re.compile(re.sub(r"\$$", r"\\Z", pattern))


def _accepts(annotation: Any, value: str) -> bool:
    try:
        _probe(annotation).model_validate({"value": value})
    except ValidationError:
        return False
    return True


@given(st.text(CHARACTERS, max_size=12))
def test_the_text_patterns_are_the_validators(value: str) -> None:
    for annotation in (Text, MultilineText):
        assert bool(_pattern(annotation).search(value)) == _accepts(annotation, value), value


@given(st.from_regex(r"\A[0-9]{2}:[0-9]{2}\Z") | st.text(max_size=6))
def test_the_local_time_pattern_is_the_validator(value: str) -> None:
    assert bool(_pattern(LocalTime).search(value)) == _accepts(LocalTime, value), value


@given(st.dates())
def test_the_date_pattern_is_the_range(day: date) -> None:
    assert bool(_pattern(SafeDate).search(day.isoformat())) == _accepts(SafeDate, day.isoformat())


def test_every_zone_of_the_tz_database_is_accepted() -> None:
    assert all(_accepts(TimeZoneName, name) for name in available_timezones())
    assert not _accepts(TimeZoneName, "Mars/Olympus_Mons")


def test_the_document_carries_the_rules() -> None:
    schemas = create_app().openapi()["components"]["schemas"]
    profile = schemas["ProfileIn"]["properties"]
    assert profile["timezone"]["format"] == "iana-time-zone"
    assert profile["am_time"]["pattern"] == _documented(LocalTime)
    assert schemas["ProductCreate"]["properties"]["name"]["pattern"] == _documented(Text)
    starts_on = schemas["OverrideCreate"]["properties"]["starts_on"]
    assert (starts_on["format"], starts_on["pattern"]) == ("date", _documented(SafeDate))
