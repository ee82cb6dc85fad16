"""Strong ETags over a representation's JSON, If-None-Match (304) and If-Match (412)."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel

from app.errors import PreconditionFailed


def representation(payload: BaseModel | dict[str, Any]) -> bytes:
    """The JSON body, serialised once: the ETag is the hash of exactly these bytes.

    Models go through pydantic's serialiser (by alias, as FastAPI would); plain dicts must
    already hold only JSON types, which the services build them with, in a fixed order.
    """
    if isinstance(payload, BaseModel):
        return payload.model_dump_json(by_alias=True).encode()
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _tag(body: bytes, version: str) -> str:
    digest = hashlib.sha256(body)
    if version:
        digest.update(b"\0" + version.encode())
    return '"' + digest.hexdigest()[:40] + '"'


def etag_of(payload: BaseModel | dict[str, Any], *, version: str = "") -> str:
    return _tag(representation(payload), version)


@dataclass(frozen=True, slots=True)
class Encoded:
    """A representation serialised and tagged once: a cache can keep it and send it again (or
    answer 304 against its ETag) without rendering, encoding or hashing anything."""

    body: bytes
    etag: str


def encode(payload: BaseModel | dict[str, Any], *, version: str = "") -> Encoded:
    """The payload's bytes and ETag. `version` names what the bytes may not show (an instant
    finer than the whole seconds they are sent in): every write that changes it gives a new
    ETag, even when the representation reads the same (RFC 9110 8.8.1 allows that)."""
    body = representation(payload)
    return Encoded(body, _tag(body, version))


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """A bounded per-process map, least recently used out first. Its users key it by what
    makes an entry current (a user's plan revision, read from the database on every request),
    never by time, so every process serves the same version."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)


def _listed(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _matches_weakly(header: str, etag: str) -> bool:
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in _listed(header))


def cached_json(
    request: Request, payload: BaseModel | dict[str, Any], *, status_code: int = 200
) -> Response:
    """The payload with its strong ETag, or 304 when the client already holds it."""
    return send_encoded(request, encode(payload), status_code=status_code)


def send_encoded(request: Request, encoded: Encoded, *, status_code: int = 200) -> Response:
    """Stored bytes with their ETag, or 304 when the client already holds that version."""
    headers = {"ETag": encoded.etag, "Cache-Control": "private, no-cache"}
    inm = request.headers.get("if-none-match")
    if inm is not None and _matches_weakly(inm, encoded.etag):
        return Response(status_code=304, headers=headers)
    return Response(
        encoded.body, status_code=status_code, headers=headers, media_type="application/json"
    )


def require_current(if_match: str | None, current_etag: str | None) -> None:
    """Refuse a write made against a stale version (RFC 9110 13.1.1: strong comparison)."""
    if if_match is None:
        return
    tags = _listed(if_match)
    if current_etag is None:
        if tags:
            raise PreconditionFailed(
                "If-Match was sent but there is no current version", code="stale_version"
            )
        return
    if "*" in tags or current_etag in tags:
        return
    raise PreconditionFailed(
        "The resource changed since you read it; fetch it again and retry",
        code="stale_version",
        current_etag=current_etag,
    )
