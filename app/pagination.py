"""Opaque keyset cursors: base64 of the last row's sort key."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from app.errors import Unprocessable

MAX_LIMIT = 200


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Unprocessable("cursor is not one this service issued", code="invalid_cursor") from exc
    if not isinstance(key, list) or len(key) != arity:
        raise Unprocessable("cursor is not one this service issued", code="invalid_cursor")
    return key
