"""The FastAPI application: wiring only (lifespan, middleware, error handlers, routers)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import openapi, problems
from app.body_limit import BodyLimitMiddleware
from app.config import Settings, get_settings
from app.db import create_read_sessionmaker, create_sessionmaker, engine_from_settings
from app.hot_reads import HotReadsMiddleware
from app.observability import Metrics, ObservabilityMiddleware, configure_logging
from app.rate_limit import AttemptLimiter
from app.routers import (
    account,
    auth,
    calendar,
    care_team,
    devices,
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
from app.services.callers import PooledCallers, callers_for

logger = logging.getLogger("regimen")
DOCS_ASSETS = "/docs/assets"


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> FastAPI:
    """Build the app. With manage_database=False the caller (tests) gives it its database with
    attach_database."""
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
        attach_database(app, engine)
        try:
            yield
        finally:
            app.state.callers.close()
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
        # Metrics and logs are this app's own (app/observability.py). FastAPI's OpenTelemetry
        # bridge, left on, asks the OpenTelemetry API for its providers on every request (and
        # it reads the environment each time): a tenth of a cached read under py-spy.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.attempt_limiter = AttemptLimiter(settings)
    configure_hashing(concurrency=settings.password_hash_concurrency)
    app.state.metrics = Metrics()
    # innermost first: the hot reads' short road runs inside the body cap and observability
    app.add_middleware(HotReadsMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics)
    problems.install(app)
    for module in (
        health,
        auth,
        account,
        profile,
        products,
        shelf,
        routines,
        care_team,
        patients,
        procedures,
        reminder_settings,
        reminder_feed,
        devices,
        calendar,
    ):
        app.include_router(module.router)
    app.include_router(auth.oauth_router)
    openapi.install(app)
    return app


def attach_database(
    app: FastAPI, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession] | None = None
) -> None:
    """The engine, the requests' sessionmaker, and the hot reads' read sessions and caller
    lookup (app/services/callers.py). Tests may pass a sessionmaker bound to a connection of
    their own (a transaction rolled back afterwards): the hot reads then read through it too."""
    app.state.engine = engine
    if sessionmaker is None:
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_read_sessionmaker(engine)
        app.state.callers = callers_for(engine, app.state.read_sessionmaker)
    else:
        app.state.sessionmaker = app.state.read_sessionmaker = sessionmaker
        app.state.callers = PooledCallers(sessionmaker)


def app_factory() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
