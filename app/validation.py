"""Input types every edge shares: text without control characters, dates in a sane range, strict
booleans and numbers, and the one email normalisation.

They are used on request models, query and form parameters only, never on stored or public
models: a value stored before these rules existed must still read back.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StrictBool

# PostgreSQL text cannot hold NUL; lone surrogates cannot be encoded as UTF-8; other C0/C1
# controls have no business in names, terms or codes. Free text may keep tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def clean_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def clean_multiline(value: str) -> str:
    if _CONTROL_MULTILINE.search(value):
        raise ValueError("must not contain control characters other than tab and line breaks")
    return value


def _iso_date_only(value: Any) -> Any:
    """Only YYYY-MM-DD (or a date): pydantic would read 0 or "0" as 1970-01-01."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


def _in_range(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"must be between {MIN_DATE} and {MAX_DATE}")
    return value


def _integral(value: Any) -> Any:
    """2.0 is the integer 2 in JSON Schema; a strict int alone refuses it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _strict_bool(value: Any) -> Any:
    """A query string's true/false (FastAPI's lax bool reads 1, on, yes as well)."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("expected true or false")


# The document states each rule as a JSON Schema pattern (ECMA-262), so clients and fuzzers
# know it; the validators above stay the rule (and word the error).
_NO_CONTROL = {"pattern": r"^[^\x00-\x1F\x7F-\x9F]*$"}
_NO_CONTROL_MULTILINE = {"pattern": r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"}
_YEARS_1900_TO_2100 = {"pattern": r"^(19[0-9]{2}|20[0-9]{2}|2100)-"}

Text = Annotated[str, AfterValidator(clean_text), Field(json_schema_extra=_NO_CONTROL)]
"""One line of text: a name, a term, a code, a password."""
MultilineText = Annotated[
    str, AfterValidator(clean_multiline), Field(json_schema_extra=_NO_CONTROL_MULTILINE)
]
"""Free text a person writes (a note, a reason): tab and line breaks allowed."""
SafeDate = Annotated[
    date,
    BeforeValidator(_iso_date_only),
    AfterValidator(_in_range),
    Field(json_schema_extra=_YEARS_1900_TO_2100),
]
"""A calendar date written YYYY-MM-DD, between 1900-01-01 and 2100-12-31."""
StrictFlag = Annotated[StrictBool, Field()]
"""A JSON boolean: true or false, never 0, 1 or "yes"."""
# Strict: pydantic's lax int and float read true as 1, false as 0 and "5" as 5.
StrictInteger = Annotated[int, Strict()]
"""A JSON integer: never true, false or "5"; 2.0 only with `Integral` after it."""
Integral = BeforeValidator(_integral)
"""After a StrictInteger's limits: 2.0 is read as 2, as JSON Schema reads it (2.5 stays refused).
Last, because limits declared after a validator reach the document as pydantic's own ge/le keys,
not as minimum/maximum: `Annotated[StrictInteger, Field(ge=1, le=7), Integral]`."""
StrictNumber = Annotated[float, Strict()]
"""A JSON number: never true, false or "5.5"."""
QueryFlag = Annotated[bool, BeforeValidator(_strict_bool)]
"""A query-string boolean: true or false."""


def null_not_offered(schema: dict[str, Any]) -> None:
    """json_schema_extra of an optional field that refuses null (absent keeps its value): the
    document offers the value alone. Typed `X | None` all the same, so that an invalid value is
    reported at the field's own loc, not at each member of a union."""
    options = [option for option in schema.pop("anyOf") if option != {"type": "null"}]
    (option,) = options
    schema.update(option)


def normalise_email(email: str) -> str:
    """One spelling per mailbox: NFKC folds fullwidth and compatibility forms, casefold folds case
    (beyond lower()). Applied at registration, login and the CLI, so each compares the same."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()
