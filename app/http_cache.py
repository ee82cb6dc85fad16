"""Strong ETags over a representation's JSON, If-None-Match (304) and If-Match (412)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from app.errors import PreconditionFailed


def etag_of(payload: Any) -> str:
    canonical = json.dumps(
        jsonable_encoder(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:40] + '"'


def _listed(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _matches_weakly(header: str, etag: str) -> bool:
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in _listed(header))


def cached_json(request: Request, payload: Any, *, status_code: int = 200) -> Response:
    """The payload with its strong ETag, or 304 when the client already holds it."""
    body = jsonable_encoder(payload)
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    inm = request.headers.get("if-none-match")
    if inm is not None and _matches_weakly(inm, etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(body, status_code=status_code, headers=headers)


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
