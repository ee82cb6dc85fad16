"""Migrations: upgrade -> downgrade -> upgrade round-trips, and no drift from the models."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import create_engine
from app.models import metadata
from tests.conftest import (
    alembic_config,
    drop_postgres_schema,
    postgres_engine,
    require_postgres,
    reset_postgres_schema,
    run_schema,
)

SCHEMA = run_schema("regimen_migration_check")


@pytest.fixture(params=["sqlite", "postgresql"])
async def blank_engine(request, tmp_path):
    if request.param == "postgresql":
        require_postgres()
        await reset_postgres_schema(SCHEMA)
        engine = postgres_engine(SCHEMA)
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")
    yield engine
    await engine.dispose()
    if request.param == "postgresql":
        await drop_postgres_schema(SCHEMA)


def _tables(sync_conn):
    return set(inspect(sync_conn).get_table_names()) - {"alembic_version"}


async def test_upgrade_downgrade_upgrade_round_trips(blank_engine):
    async with blank_engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
        assert await conn.run_sync(_tables) == set(metadata.tables)
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
        assert await conn.run_sync(_tables) == set()
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
        assert await conn.run_sync(_tables) == set(metadata.tables)


async def test_models_and_migrations_have_not_drifted(blank_engine):
    def diff(sync_conn):
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with blank_engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
        assert await conn.run_sync(diff) == []


def test_history_is_linear():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
