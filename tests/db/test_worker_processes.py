"""Several worker processes on one PostgreSQL database stay consistent.

Two real server processes (uvicorn, each with its own engine, pool and in-process routine
cache), as `--workers 2` or two containers would run them, against a fresh database:
- a write through one is seen on the next read through the other, cached routine included
  (the cache is keyed by users.plan_revision, read from the database on every request);
- a reminder leased through one cannot be claimed through the other, also when both claim at
  once (row locks, FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import create_engine
from app.models.accounts import User
from app.models.reminders import Reminder
from app.scheduling.inputs import Slot
from app.services import accounts, catalog
from app.services.reminders import schedule
from tests.conftest import POSTGRES_URL, ROOT, TEST_SECRET, alembic_config, require_postgres
from tests.factories import PASSWORD

DATABASE = f"regimen_workers_{os.getpid()}"
DUE = 30


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh database (not a schema: the servers take a plain DATABASE_URL), migrated."""
    require_postgres()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}"'))
        await conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = make_url(POSTGRES_URL).set(database=DATABASE).render_as_string(hide_password=False)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await catalog.seed_catalog(session)
        await session.commit()
    await engine.dispose()
    yield url
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    await admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def servers(database_url: str) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REGIMEN_SECRET_KEY": TEST_SECRET,
        "REGIMEN_ENVIRONMENT": "test",
        "REGIMEN_LOG_LEVEL": "WARNING",
    }
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app_factory", "--factory"]
            + ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 30
        for base, process in zip(bases, processes, strict=True):
            while True:
                assert process.poll() is None, "the server exited"
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not become ready"
                time.sleep(0.2)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


async def _register(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"worker-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    response = await client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _step_products(routine: dict[str, object]) -> set[str]:
    names = set()
    for slot in ("am", "pm"):
        for step in routine[slot]["steps"]:  # type: ignore[index]
            names.add(step["product"]["name"])
    return names


async def test_a_write_through_one_worker_is_read_through_the_other(servers):
    one, other = (httpx.AsyncClient(base_url=base, timeout=10) for base in servers)
    async with one, other:
        headers = await _register(one)
        put = await one.put("/v1/me/profile", json={"timezone": "UTC"}, headers=headers)
        assert put.status_code == 201, put.text
        # the other worker sees the profile and honours its ETag
        assert (await other.get("/v1/me/profile", headers=headers)).headers["ETag"] == put.headers[
            "ETag"
        ]
        products = (await one.get("/v1/products?limit=200", headers=headers)).json()["items"]
        by_name = {item["name"]: item["id"] for item in products}
        for name in ("Gentle Hydrating Cream Cleanser", "Niacinamide 10% + Zinc Serum"):
            response = await one.post(
                "/v1/me/shelf",
                json={"product_id": by_name[name], "patch_test": "passed"},
                headers=headers,
            )
            assert response.status_code == 201, response.text

        before = await other.get("/v1/me/routine", headers=headers)  # now in the other's cache
        assert "Niacinamide + Panthenol Barrier Moisturiser" not in _step_products(before.json())
        added = await one.post(
            "/v1/me/shelf",
            json={
                "product_id": by_name["Niacinamide + Panthenol Barrier Moisturiser"],
                "patch_test": "passed",
            },
            headers=headers,
        )
        assert added.status_code == 201
        after = await other.get("/v1/me/routine", headers=headers)
        assert after.headers["ETag"] != before.headers["ETag"]
        assert "Niacinamide + Panthenol Barrier Moisturiser" in _step_products(after.json())

        # and an If-Match race across the two workers still has exactly one winner
        etag = (await other.get("/v1/me/profile", headers=headers)).headers["ETag"]
        racing = await asyncio.gather(
            *(
                client.patch(
                    "/v1/me/profile",
                    json={"timezone": zone},
                    headers={**headers, "If-Match": etag},
                )
                for client in (one, other)
                for zone in ("Europe/London", "Asia/Tokyo", "America/Chicago")
            )
        )
        assert sorted(r.status_code for r in racing) == [200, 412, 412, 412, 412, 412]


async def _seed_due_reminders(database_url: str) -> set[uuid.UUID]:
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    ids = set()
    async with AsyncSession(engine, expire_on_commit=False) as session:
        for n in range(DUE):
            user = User(email=f"due-{n}-{uuid.uuid4().hex[:6]}@example.com", password_hash="x")
            session.add(user)
            await session.flush()
            on = date(2026, 3, 2) + timedelta(days=n)
            reminder = Reminder(
                id=schedule.reminder_id(user.id, on, Slot.am),
                user_id=user.id,
                local_date=on,
                slot="am",
                due_at=now - timedelta(minutes=1, seconds=n),
                timezone="UTC",
                local_time="07:30",
                title="Morning routine",
                body="1. Cleanser",
            )
            session.add(reminder)
            ids.add(reminder.id)
        await session.commit()
    await engine.dispose()
    return ids


async def test_a_lease_taken_through_one_worker_is_not_claimable_through_the_other(
    servers, database_url
):
    expected = await _seed_due_reminders(database_url)
    engine = create_engine(database_url)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        service, secret = await accounts.create_service_client(
            session, name="push", scopes=frozenset({"reminders:read"})
        )
        await session.commit()
    await engine.dispose()
    one, other = (httpx.AsyncClient(base_url=base, timeout=10) for base in servers)
    async with one, other:
        token = await one.post(
            "/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": service.client_id,
                "client_secret": secret,
                "scope": "reminders:read",
            },
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        until = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()

        async def claim(client: httpx.AsyncClient, worker: str, most: int) -> list[str]:
            response = await client.post(
                "/v1/reminders/claim",
                json={"worker_id": worker, "until": until, "max": most},
                headers=headers,
            )
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

        first = await claim(one, "w-one", 5)
        second = await claim(other, "w-other", 5)
        assert len(first) == len(second) == 5
        assert set(first).isdisjoint(second)
        # then both workers claim at once, in small batches, until nothing is left
        claimed = {"w-one": first, "w-other": second}

        async def drain(client: httpx.AsyncClient, worker: str) -> None:
            while batch := await claim(client, worker, 3):
                claimed[worker] += batch

        await asyncio.gather(drain(one, "w-one"), drain(other, "w-other"))
    everything = [rid for ids in claimed.values() for rid in ids]
    assert len(everything) == len(set(everything)), "a reminder was leased twice"
    assert {uuid.UUID(rid) for rid in everything} == expected
