"""Opaque keyset cursors: base64 of the last row's sort key.

A cursor comes back from the client, so it is input like any other: decode_cursor refuses
anything this service could not have issued (wrong shape, a number beyond a 64-bit column, text
with control characters), and the cursor_* helpers turn each element into the one type its query
needs, or refuse it. Every refusal is the same 422 invalid_cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime
from typing import Any, NoReturn

from app.errors import Unprocessable
from app.validation import MAX_DATE, MIN_DATE, clean_text

MAX_LIMIT = 200
_MAX_INT = 2**63 - 1  # a PostgreSQL bigint


def _refuse(cause: Exception | None = None) -> NoReturn:
    raise Unprocessable("cursor is not one this service issued", code="invalid_cursor") from cause


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        _refuse(exc)
    if not isinstance(key, list) or len(key) != arity:
        _refuse()
    for part in key:
        if isinstance(part, bool) or not isinstance(part, str | int):
            _refuse()
        if isinstance(part, int) and not -_MAX_INT <= part <= _MAX_INT:
            _refuse()
        if isinstance(part, str):
            try:
                clean_text(part)
            except ValueError as exc:
                _refuse(exc)
    return key


def cursor_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _refuse()
    return value


def cursor_text(value: Any) -> str:
    if not isinstance(value, str):
        _refuse()
    return value


def cursor_uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(cursor_text(value))
    except ValueError as exc:
        _refuse(exc)


def cursor_instant(value: Any) -> datetime:
    """An aware instant in the years the service stores, in UTC."""
    try:
        instant = datetime.fromisoformat(cursor_text(value))
        if instant.tzinfo is None:
            _refuse()
        instant = instant.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        _refuse(exc)
    if not MIN_DATE <= instant.date() <= MAX_DATE:
        _refuse()
    return instant
