"""Database fixtures: every database test runs on SQLite and, where reachable, PostgreSQL.

Each backend gets a fresh schema migrated to head and the seed catalog, once per session. Each
test then runs inside a connection-level transaction that is rolled back afterwards; the app's
own per-request commit only releases a savepoint inside it (join_transaction_mode).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app import security
from app.config import Settings
from app.db import create_engine
from app.main import attach_database, create_app
from app.services import catalog

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
POSTGRES_REQUIRED = os.environ.get("REGIMEN_REQUIRE_POSTGRES") == "1"
# One schema set per test process, so two runs on one server never drop each other's tables.
RUN_SUFFIX = f"{os.getpid()}"
TEST_SCHEMA = f"regimen_test_{RUN_SUFFIX}"


def run_schema(name: str) -> str:
    """A schema name private to this test process (dropped again by the fixture using it)."""
    return f"{name}_{RUN_SUFFIX}"


TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _postgres_reachable() -> bool:
    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


_PG_OK = _postgres_reachable()

# Argon2 at production cost dominates an API suite; the algorithm stays, the cost drops.
security._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


def alembic_config(connection: object | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def postgres_engine(schema: str) -> AsyncEngine:
    return create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})


async def drop_postgres_schema(schema: str) -> None:
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await admin.dispose()


async def reset_postgres_schema(schema: str) -> None:
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()


def require_postgres() -> None:
    if _PG_OK:
        return
    if POSTGRES_REQUIRED:
        pytest.fail(
            f"PostgreSQL is required (REGIMEN_REQUIRE_POSTGRES=1) but {POSTGRES_URL} "
            "is not reachable"
        )
    pytest.skip("PostgreSQL is not reachable here")


async def migrate_and_seed(engine: AsyncEngine) -> None:
    """Migrate a fresh database to head and seed the catalog, committed."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await catalog.seed_catalog(session)
        await session.commit()


@pytest_asyncio.fixture(scope="session", params=["sqlite", "postgresql"], loop_scope="session")
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgresql":
        require_postgres()
        await reset_postgres_schema(TEST_SCHEMA)
        engine = postgres_engine(TEST_SCHEMA)
    else:
        path = tmp_path_factory.mktemp("db") / "regimen.db"
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate_and_seed(engine)
    yield engine
    await engine.dispose()
    if request.param == "postgresql":
        await drop_postgres_schema(TEST_SCHEMA)


@pytest.fixture
def backend(engine: AsyncEngine) -> str:
    return engine.dialect.name


@pytest_asyncio.fixture(loop_scope="session")
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest_asyncio.fixture(loop_scope="session")
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="test",
        secret_key=TEST_SECRET,
        database_url="sqlite://",
        # the suite registers and logs in hundreds of people from one address; the limits
        # themselves are tested with their own settings (tests/api/test_rate_limits.py)
        login_rate_limit_account="100000/minute",
        login_rate_limit_address="100000/minute",
        register_rate_limit_address="100000/minute",
    )


@pytest.fixture
def app(
    settings: Settings, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> FastAPI:
    app = create_app(settings, manage_database=False)
    attach_database(app, engine, sessionmaker)
    return app


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as client:
        yield client
