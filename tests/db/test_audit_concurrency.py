"""Racing appends to one patient's audit chain on PostgreSQL: the chain lock serialises them, so
every append succeeds and the chain stays one unbroken line (no fork, no gap)."""

import asyncio

import pytest
from alembic import command
from sqlalchemy import select

from app.db import create_sessionmaker
from app.models.accounts import Role
from app.models.audit import AuditAction, AuditRecord
from app.services import accounts, audit
from tests.conftest import (
    alembic_config,
    drop_postgres_schema,
    postgres_engine,
    require_postgres,
    reset_postgres_schema,
    run_schema,
)

SCHEMA = run_schema("regimen_audit_race")
WRITERS = 12


@pytest.fixture
async def race_engine():
    require_postgres()
    await reset_postgres_schema(SCHEMA)
    engine = postgres_engine(SCHEMA)
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
    yield engine
    await engine.dispose()
    await drop_postgres_schema(SCHEMA)


async def test_racing_appends_neither_fork_nor_fail(race_engine):
    sessionmaker = create_sessionmaker(race_engine)
    async with sessionmaker() as session, session.begin():
        patient = await accounts.create_user(
            session, email="p@example.com", password="long-enough-pw"
        )
        derm = await accounts.create_user(
            session, email="d@example.com", password="long-enough-pw", role=Role.dermatologist
        )

    async def append(n: int) -> None:
        async with sessionmaker() as session, session.begin():
            await audit.append(
                session,
                patient_id=patient.id,
                actor=derm,
                action=AuditAction.override_created,
                reason=f"writer {n}",
            )
            await asyncio.sleep(0.01)  # hold the lock a moment: the others must wait

    await asyncio.gather(*(append(n) for n in range(WRITERS)))

    async with sessionmaker() as session:
        seqs = list(await session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))
        result = await audit.verify(session)
    assert seqs == list(range(1, WRITERS + 1))
    assert result.ok, result.broken
