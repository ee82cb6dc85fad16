"""Concurrency and fault figures, in one process through the ASGI app (no network, no server):

- If-Match races: ROUNDS x 20 concurrent PATCH /v1/me/profile with the same If-Match, on a
  SQLite file and on PostgreSQL (a private schema, dropped afterwards): successes per round
  (exactly 1 is right; the rest should be 412, never 503 or 500);
- a write burst on SQLite: 100 concurrent POST /v1/me/shelf (10 users x 10): statuses;
- a database that is down (nothing listens) or hung (a TCP server that accepts and never
  answers): seconds until /readyz and an authenticated route answer, and with what.

    .venv/bin/python bench/concurrency.py [--postgres postgresql+asyncpg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession  # noqa: E402

from app import security  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import create_engine  # noqa: E402
from app.main import attach_database, create_app  # noqa: E402
from app.services import catalog  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"


def _settings(url: str = "sqlite://", **extra: Any) -> Settings:
    return Settings(environment="test", secret_key=SECRET, database_url=url, **extra)


async def _migrate(engine: AsyncEngine) -> None:
    def upgrade(sync: Any) -> None:
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["configure_logging"] = False
        config.attributes["connection"] = sync
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        await conn.run_sync(upgrade)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await catalog.seed_catalog(session)
        await session.commit()


@asynccontextmanager
async def _database(kind: str, postgres_url: str) -> AsyncIterator[AsyncEngine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
            await _migrate(engine)
            try:
                yield engine
            finally:
                await engine.dispose()
        return
    schema = f"regimen_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(postgres_url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await _migrate(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def _client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The app as production builds it (its own engine, a real commit per request)."""
    app = create_app(_settings(), manage_database=False)
    attach_database(app, engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        yield client


async def _person(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    response = await client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def if_match_rounds(engine: AsyncEngine, *, rounds: int, racers: int) -> list[Counter]:
    out = []
    async with _client(engine) as client:
        headers = await _person(client)
        response = await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=headers)
        assert response.status_code in (200, 201), response.text
        for n in range(rounds):
            etag = (await client.get("/v1/me/profile", headers=headers)).headers["etag"]
            responses = await asyncio.gather(
                *(
                    client.patch(
                        "/v1/me/profile",
                        json={"timezone": ("Europe/London", "Asia/Tokyo")[(n + i) % 2]},
                        headers={**headers, "If-Match": etag},
                    )
                    for i in range(racers)
                )
            )
            out.append(collections.Counter(r.status_code for r in responses))
    return out


async def shelf_burst(engine: AsyncEngine, *, users: int, per_user: int) -> Counter:
    async with _client(engine) as client:
        people = [await _person(client) for _ in range(users)]
        products = (await client.get("/v1/products?limit=50", headers=people[0])).json()["items"]
        responses = await asyncio.gather(
            *(
                client.post(
                    "/v1/me/shelf",
                    json={"product_id": products[i % len(products)]["id"]},
                    headers=headers,
                )
                for headers in people
                for i in range(per_user)
            )
        )
    return collections.Counter(r.status_code for r in responses)


async def _timed(call: Callable[[], Awaitable[httpx.Response]]) -> str:
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(call(), timeout=90)
    except Exception as exc:  # the app raised instead of answering (a 500 to a real client)
        return f"{type(exc).__name__} raised after {time.perf_counter() - started:.2f} s"
    code = response.json().get("code", "") if response.status_code >= 400 else ""
    return f"{response.status_code} {code} after {time.perf_counter() - started:.2f} s"


async def database_fault(*, hung: bool) -> dict[str, str]:
    """A server that accepts TCP connections and never says a word, or none at all."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    if not hung:
        server.close()
        await server.wait_closed()
    settings = _settings(f"postgresql+asyncpg://nobody@127.0.0.1:{port}/none")
    app = create_app(settings)
    token, _ = security.issue_token(
        settings, subject=uuid.uuid4(), kind="user", family_id=uuid.uuid4()
    )
    headers = {"Authorization": f"Bearer {token}"}
    results = {}
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                results["readyz"] = await _timed(lambda: client.get("/readyz"))
                results["GET /v1/me/profile"] = await _timed(
                    lambda: client.get("/v1/me/profile", headers=headers)
                )
    finally:
        for writer in held:
            writer.close()
        server.close()
    return results


Counter = collections.Counter[int]


def _show(counter: Counter) -> str:
    return ", ".join(f"{count} x {status}" for status, count in sorted(counter.items()))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-faults", action="store_true")
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql"):
        async with _database(kind, args.postgres) as engine:
            rounds = await if_match_rounds(engine, rounds=args.rounds, racers=20)
            wins = [counter[200] for counter in rounds]
            print(f"{kind}: 20 concurrent If-Match PATCHes, successes per round: {wins}")
            for counter in rounds:
                print(f"    {_show(counter)}")
            if kind == "sqlite":
                burst = await shelf_burst(engine, users=10, per_user=10)
                print(f"sqlite: 100 concurrent shelf adds: {_show(burst)}")
    if not args.skip_faults:
        for hung, name in ((False, "database down"), (True, "hung database")):
            for route, outcome in (await database_fault(hung=hung)).items():
                print(f"{name}: {route}: {outcome}")


if __name__ == "__main__":
    asyncio.run(main())
