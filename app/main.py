"""The FastAPI application: wiring only (lifespan, middleware, error handlers, routers)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app import openapi, problems
from app.body_limit import BodyLimitMiddleware
from app.config import Settings, get_settings
from app.db import create_sessionmaker, engine_from_settings
from app.observability import Metrics, ObservabilityMiddleware, configure_logging
from app.rate_limit import AttemptLimiter
from app.routers import (
    auth,
    calendar,
    care_team,
    health,
    patients,
    procedures,
    products,
    profile,
    reminder_feed,
    reminder_settings,
    routines,
    shelf,
)
from app.security import configure_hashing

logger = logging.getLogger("regimen")
DOCS_ASSETS = "/docs/assets"


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> FastAPI:
    """Build the app. With manage_database=False the caller (tests) sets app.state.engine and
    app.state.sessionmaker itself."""
    settings = settings or get_settings()
    if settings.ephemeral_secret:
        logger.warning(
            "REGIMEN_SECRET_KEY is not set: signing tokens with a random key made by this "
            "process. Tokens stop working when it exits and are not accepted by other workers. "
            "Set REGIMEN_SECRET_KEY (production refuses to start without it)."
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        engine = engine_from_settings(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    # /docs and /redoc with their assets served by the app itself (no CDN): they work offline
    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        title="Regimen",
        version="1.0.0",
        summary="Safe, explained, step-ordered skincare routines.",
        description=openapi.DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
        # no validator badge: it would fetch from the internet
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.attempt_limiter = AttemptLimiter(settings)
    configure_hashing(concurrency=settings.password_hash_concurrency)
    app.state.metrics = Metrics()
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics)
    problems.install(app)
    for module in (
        health,
        auth,
        profile,
        products,
        shelf,
        routines,
        care_team,
        patients,
        procedures,
        reminder_settings,
        reminder_feed,
        calendar,
    ):
        app.include_router(module.router)
    openapi.install(app)
    return app


def app_factory() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
