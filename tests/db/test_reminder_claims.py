"""Leases under real concurrency: several schedulers claiming at once, on separate connections
with committed data, never get the same reminder and never lose one.

The shared test schema rolls every test back, which cannot show what other connections see, so
these tests build their own database (a fresh PostgreSQL schema, or a SQLite file), migrate it,
and drop it afterwards.
"""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import cli
from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.models.accounts import ServiceClient, User
from app.models.catalog import Product
from app.models.profiles import Profile
from app.models.reminders import Reminder, ReminderSettings
from app.models.shelf import ShelfItem
from app.scheduling.inputs import Slot
from app.services import catalog
from app.services.reminders import feed, schedule
from tests.conftest import (
    alembic_config,
    drop_postgres_schema,
    postgres_engine,
    require_postgres,
    reset_postgres_schema,
    run_schema,
)
from tests.factories import freeze_clock

SCHEMA = run_schema("regimen_reminder_claims")
NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
ROWS = 240
WORKERS = 4


async def _own_database(backend: str, tmp_path) -> AsyncEngine:
    if backend == "postgresql":
        require_postgres()
        await reset_postgres_schema(SCHEMA)
        engine = postgres_engine(SCHEMA)
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'claims.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
async def own_engine(request, tmp_path, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    engine = await _own_database(request.param, tmp_path)
    yield engine
    await engine.dispose()
    if request.param == "postgresql":
        await drop_postgres_schema(SCHEMA)


@pytest.fixture
async def postgres_only_engine(tmp_path, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    engine = await _own_database("postgresql", tmp_path)
    yield engine
    await engine.dispose()
    await drop_postgres_schema(SCHEMA)


async def _seed(engine: AsyncEngine, rows: int = ROWS) -> set[uuid.UUID]:
    """`rows` committed reminders due in the last half hour, for rows // 2 users."""
    ids = set()
    async with AsyncSession(engine, expire_on_commit=False) as session:
        users = [User(email=f"claims-{n}@example.com", password_hash="x") for n in range(rows // 2)]
        session.add_all(users)
        await session.flush()
        for n in range(rows):
            user, slot = users[n // 2], ("am", "pm")[n % 2]
            on = date(2026, 3, 2) - timedelta(days=n % 2)
            reminder = Reminder(
                id=schedule.reminder_id(user.id, on, Slot(slot)),
                user_id=user.id,
                local_date=on,
                slot=slot,
                due_at=NOW - timedelta(seconds=7 * n),
                timezone="UTC",
                local_time="07:30",
                title="Morning routine: 3 steps",
                body="1. Cleanser",
            )
            session.add(reminder)
            ids.add(reminder.id)
        await session.commit()
    return ids


def _service_client() -> ServiceClient:
    return ServiceClient(
        id=uuid.uuid4(), name="push", client_id="svc_test", secret_hash="x", scopes="reminders:read"
    )


async def test_concurrent_claimers_never_share_and_never_lose_a_reminder(own_engine):
    expected = await _seed(own_engine)
    sessionmaker = create_sessionmaker(own_engine)
    service = _service_client()
    start = asyncio.Event()
    claimed: dict[str, list[uuid.UUID]] = {f"w{n}": [] for n in range(WORKERS)}

    async def worker(name: str) -> None:
        await start.wait()
        while True:
            async with sessionmaker() as session, session.begin():
                out = await feed.claim(
                    session,
                    client=service,
                    worker_id=name,
                    until=NOW + timedelta(minutes=5),
                    max_items=7,
                )
            if not out.items:
                return
            claimed[name] += [item.id for item in out.items]
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(worker(name)) for name in claimed]
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)

    everything = [rid for ids in claimed.values() for rid in ids]
    assert len(everything) == len(set(everything)), "a reminder was handed out twice"
    assert set(everything) == expected, "a reminder was lost"
    assert sum(1 for ids in claimed.values() if ids) >= 2, "the claimers did not overlap"
    async with AsyncSession(own_engine) as session:
        owners = dict((await session.execute(select(Reminder.id, Reminder.lease_owner))).all())
    assert owners == {rid: name for name, ids in claimed.items() for rid in ids}


async def test_a_locked_batch_is_skipped_not_waited_for(postgres_only_engine):
    """FOR UPDATE SKIP LOCKED: while one claim is uncommitted, another takes the next rows at
    once; if the first rolls back, its rows are handed out again (nothing is lost)."""
    engine = postgres_only_engine
    expected = await _seed(engine, rows=20)
    sessionmaker = create_sessionmaker(engine)
    service = _service_client()
    until = NOW + timedelta(minutes=5)

    async with sessionmaker() as first:
        await first.begin()
        held = await feed.claim(first, client=service, worker_id="slow", until=until, max_items=5)
        async with sessionmaker() as second, second.begin():
            other = await asyncio.wait_for(
                feed.claim(second, client=service, worker_id="fast", until=until, max_items=5),
                timeout=5,
            )
        await first.rollback()  # the slow worker crashed before committing

    held_ids = {item.id for item in held.items}
    other_ids = {item.id for item in other.items}
    assert len(held_ids) == len(other_ids) == 5
    assert held_ids.isdisjoint(other_ids)
    async with sessionmaker() as third, third.begin():
        rest = await feed.claim(third, client=service, worker_id="next", until=until, max_items=200)
    rest_ids = {item.id for item in rest.items}
    assert held_ids <= rest_ids
    assert rest_ids | other_ids == expected


async def test_materialise_reminders_cli_tops_up_in_batches(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    freeze_clock(monkeypatch, NOW)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await catalog.seed_catalog(session)
            cleanser = await session.scalar(
                select(Product).where(Product.name == "Gentle Hydrating Cream Cleanser")
            )
            for n in range(3):
                user = User(email=f"cli-{n}@example.com", password_hash="x")
                session.add(user)
                await session.flush()
                session.add(Profile(user_id=user.id, timezone="Europe/London"))
                session.add(
                    ShelfItem(
                        user_id=user.id,
                        product_id=cleanser.id,
                        added_on=date(2026, 1, 1),
                        patch_test="passed",
                    )
                )
                # enabled, and its horizon has run out
                session.add(ReminderSettings(user_id=user.id, enabled=True, scheduled_until=NOW))
            session.add(User(email="off@example.com", password_hash="x"))
            await session.commit()

        # the CLI runs its own event loop: hand it to a thread
        code = await asyncio.to_thread(cli.main, ["materialise-reminders", "--batch", "2"])
        out = capsys.readouterr().out
        assert code == 0
        assert json.loads(out) == {"users": 3, "pruned": 0}
        async with AsyncSession(engine) as session:
            until = list(await session.scalars(select(ReminderSettings.scheduled_until)))
            count = len(list(await session.scalars(select(Reminder.id))))
        assert until == [datetime(2026, 3, 5, tzinfo=UTC)] * 3
        assert count == 3 * 5  # today's evening and two more days (the morning has passed)
        code = await asyncio.to_thread(cli.main, ["materialise-reminders"])
        assert json.loads(capsys.readouterr().out) == {"users": 0, "pruned": 0}
    finally:
        await engine.dispose()
        get_settings.cache_clear()
