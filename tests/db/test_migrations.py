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


async def test_s5_shelf_items_in_use_keep_their_place_after_the_introduced_on_migration(
    blank_engine,
):
    """0007: an item in use (patch test passed or skipped, or a pending test that has run its
    days) joined on the day it was added; one still inside its test is left to the engine."""
    import uuid
    from datetime import UTC, date, datetime, timedelta

    import sqlalchemy as sa

    now = datetime.now(UTC)
    today = now.date()
    user_id, product_id = uuid.uuid4(), uuid.uuid4()
    users = sa.table(
        "users",
        sa.column("id", sa.Uuid()),
        sa.column("email", sa.String()),
        sa.column("password_hash", sa.String()),
        sa.column("role", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    products = sa.table(
        "products",
        *(sa.column(name, sa.String()) for name in ("brand", "name", "category")),
        *(sa.column(name, sa.JSON()) for name in ("inci", "actives")),
        *(
            sa.column(name, sa.Boolean())
            for name in ("fragrance", "essential_oils", "alcohol_denat", "physical_scrub")
        ),
        sa.column("id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    shelf = sa.table(
        "shelf_items",
        sa.column("id", sa.Uuid()),
        sa.column("user_id", sa.Uuid()),
        sa.column("product_id", sa.Uuid()),
        sa.column("patch_test", sa.String()),
        sa.column("added_on", sa.Date()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = {
        "passed": ("passed", today),
        "skipped": ("skipped", today - timedelta(days=1)),
        "elapsed": ("pending", today - timedelta(days=7)),
        "testing": ("pending", today - timedelta(days=2)),
    }
    ids = {name: uuid.uuid4() for name in rows}

    def seed(sync_conn):
        command.upgrade(alembic_config(sync_conn), "0006")
        sync_conn.execute(
            users.insert().values(
                id=user_id, email="m@example.com", password_hash="x", role="user", created_at=now
            )
        )
        sync_conn.execute(
            products.insert().values(
                id=product_id,
                brand="",
                name="Serum",
                category="serum",
                inci=[],
                actives=[],
                fragrance=False,
                essential_oils=False,
                alcohol_denat=False,
                physical_scrub=False,
                created_at=now,
            )
        )
        for name, (patch, added) in rows.items():
            sync_conn.execute(
                shelf.insert().values(
                    id=ids[name],
                    user_id=user_id,
                    product_id=product_id,
                    patch_test=patch,
                    added_on=added,
                    created_at=now,
                )
            )
        command.upgrade(alembic_config(sync_conn), "head")
        found = sa.table("shelf_items", sa.column("id", sa.Uuid()), sa.column("introduced_on"))
        return {
            row.id: row.introduced_on
            for row in sync_conn.execute(sa.select(found.c.id, found.c.introduced_on))
        }

    async with blank_engine.begin() as conn:
        introduced = await conn.run_sync(seed)
    as_date = {
        k: v if v is None or isinstance(v, date) else date.fromisoformat(v)
        for k, v in introduced.items()
    }
    assert as_date[ids["passed"]] == rows["passed"][1]
    assert as_date[ids["skipped"]] == rows["skipped"][1]
    assert as_date[ids["elapsed"]] == rows["elapsed"][1]
    assert as_date[ids["testing"]] is None
