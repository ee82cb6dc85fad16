"""Fixtures of the database tests that need writes to commit (no per-test transaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import create_engine
from tests.conftest import (
    drop_postgres_schema,
    migrate_and_seed,
    postgres_engine,
    require_postgres,
    reset_postgres_schema,
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def committed_engine(request, tmp_path) -> AsyncIterator[AsyncEngine]:
    """A migrated, seeded database whose writes commit, as the app's own are: a SQLite file, or
    the PostgreSQL schema named by the test module's SCHEMA (run_schema), dropped afterwards."""
    schema = request.module.SCHEMA
    if request.param == "postgresql":
        require_postgres()
        await reset_postgres_schema(schema)
        engine = postgres_engine(schema)
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'committed.db'}")
    await migrate_and_seed(engine)
    yield engine
    await engine.dispose()
    if request.param == "postgresql":
        await drop_postgres_schema(schema)


@pytest.fixture
async def racing_client(racing_app) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the test module's `racing_app` (the app on committed_engine)."""
    transport = httpx.ASGITransport(app=racing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as client:
        yield client
