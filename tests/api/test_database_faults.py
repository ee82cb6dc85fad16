"""A database that is down, hung or too slow: every route answers 503 `database_unavailable`
with Retry-After within the configured timeouts, and /readyz says "not ready" within 2 s.

Each test builds the app as production does (its lifespan makes the engine from settings)."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app import security
from app.config import Settings
from app.main import create_app
from app.services import accounts, callers
from tests.conftest import POSTGRES_URL, TEST_SECRET, require_postgres


def _settings(url: str, **timeouts: Any) -> Settings:
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=url, **timeouts)


async def _serve(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    app = create_app(settings)
    token, _ = security.issue_token(
        settings, subject=uuid.uuid4(), kind="user", family_id=uuid.uuid4()
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as client:
            yield client, {"Authorization": f"Bearer {token}"}


def _closed_port() -> int:
    """A port nothing listens on (just released by the kernel)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
async def hung_server() -> AsyncIterator[int]:
    """Accepts TCP connections and never says a word, like a wedged database server."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


def _unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"
    assert int(response.headers["retry-after"]) >= 1


async def test_a_database_that_is_down_is_a_503_with_retry_after():
    settings = _settings(f"postgresql+asyncpg://nobody@127.0.0.1:{_closed_port()}/none")
    async for client, headers in _serve(settings):
        _unavailable(await client.get("/v1/me/profile", headers=headers))
        _unavailable(await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=headers))
        _unavailable(await client.get("/readyz"))
        assert (await client.get("/healthz")).status_code == 200  # the process itself is fine


async def test_a_hung_database_is_not_ready_within_two_seconds(hung_server):
    # the connect timeout is longer than the readiness budget: /readyz must not wait for it
    settings = _settings(
        f"postgresql+asyncpg://nobody@127.0.0.1:{hung_server}/none",
        database_connect_timeout_s=10,
    )
    async for client, _headers in _serve(settings):
        started = time.perf_counter()
        response = await client.get("/readyz")
        elapsed = time.perf_counter() - started
    _unavailable(response)
    assert elapsed < 2.0


async def test_a_hung_database_is_a_503_within_the_connect_timeout(hung_server):
    settings = _settings(
        f"postgresql+asyncpg://nobody@127.0.0.1:{hung_server}/none",
        database_connect_timeout_s=0.5,
    )
    async for client, headers in _serve(settings):
        started = time.perf_counter()
        response = await client.get("/v1/me/profile", headers=headers)
        elapsed = time.perf_counter() - started
    _unavailable(response)
    assert elapsed < 2.0


async def test_a_statement_past_the_statement_timeout_is_a_503(monkeypatch):
    require_postgres()
    settings = _settings(POSTGRES_URL, database_statement_timeout_s=0.3)

    async def slow_lookup(session: Any, **_ids: uuid.UUID) -> None:
        await session.execute(text("SELECT pg_sleep(5)"))

    # the ORM lookup (CurrentUser) and the hot reads' Core one (CurrentCaller)
    monkeypatch.setattr(accounts, "get_signed_in_user", slow_lookup)
    monkeypatch.setattr(
        callers,
        "CALLER",
        text(
            "SELECT 'user', 0 FROM pg_sleep(5) "
            "WHERE CAST(:user_id AS uuid) IS NOT NULL AND CAST(:family_id AS uuid) IS NOT NULL"
        ),
    )
    async for client, headers in _serve(settings):
        started = time.perf_counter()
        response = await client.get("/v1/me/profile", headers=headers)
        elapsed = time.perf_counter() - started
        # the pool stays usable afterwards
        assert (await client.get("/readyz")).json() == {"status": "ready"}
    _unavailable(response)
    assert elapsed < 2.0
