"""Liveness, readiness and metrics for operators."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.config import Settings
from app.errors import RETRY_AFTER_S
from app.problems import problem

router = APIRouter(tags=["operations"])


_LIVE = b'{"status":"ok"}'


@router.get("/healthz", response_model=dict[str, str])
async def healthz() -> Response:
    """Alive: answers without the database (bytes made once, nothing validated or encoded)."""
    return Response(_LIVE, media_type="application/json")


@router.get("/readyz", response_model=None)
async def readyz(request: Request) -> dict[str, str] | Response:
    """Ready when the database answers a trivial query within the readiness timeout: a load
    balancer's probe must hear "not ready" in time, not hang with the database."""
    settings: Settings = request.app.state.settings
    try:
        async with asyncio.timeout(settings.readiness_timeout_s):
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:  # TimeoutError is an OSError
        return problem(
            503,
            "database_unavailable",
            f"database check failed: {type(exc).__name__}",
            title="Service unavailable",
            headers={"Retry-After": RETRY_AFTER_S},
        )
    return {"status": "ready"}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
