"""Login floods: attempts are limited per account and per address, and Argon2 stays off the
event loop, at most password_hash_concurrency at a time."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from app import security
from app.config import Settings
from app.main import attach_database, create_app
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, create_person, login, unique_email


def _settings(**limits: Any) -> Settings:
    defaults = {
        "login_rate_limit_account": "100000/minute",
        "login_rate_limit_address": "100000/minute",
        "register_rate_limit_address": "100000/minute",
    }
    return Settings(
        environment="test", secret_key=TEST_SECRET, database_url="sqlite://", **defaults | limits
    )


@pytest.fixture
def make_client(engine: Any, sessionmaker: Any) -> Callable[[Settings, str], httpx.AsyncClient]:
    """A client for an app with its own settings (and limiter), calling from `address`."""
    apps: dict[int, FastAPI] = {}

    def make(settings: Settings, address: str = "127.0.0.1") -> httpx.AsyncClient:
        app = apps.get(id(settings))
        if app is None:
            app = apps[id(settings)] = create_app(settings, manage_database=False)
            attach_database(app, engine, sessionmaker)
        transport = httpx.ASGITransport(app=app, client=(address, 1234))
        return httpx.AsyncClient(transport=transport, base_url="http://regimen.test")

    return make


def _wrong(email: str) -> dict[str, str]:
    return {"grant_type": "password", "username": email, "password": "wrong-password"}


async def test_login_attempts_per_account_are_limited_with_retry_after(client, make_client):
    victim, other = await create_person(client), await create_person(client)
    limited = make_client(_settings(login_rate_limit_account="3/minute"))
    async with limited:
        statuses = [
            (await limited.post("/v1/auth/token", data=_wrong(victim.email))).status_code
            for _ in range(3)
        ]
        refused = await limited.post("/v1/auth/token", data=_wrong(victim.email))
        # the same account spelled differently is the same account
        shouted = await limited.post("/v1/auth/token", data=_wrong(victim.email.upper()))
        other_login = await limited.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": other.email, "password": PASSWORD},
        )
    assert statuses == [400, 400, 400]  # invalid_grant (RFC 6749 5.2)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert shouted.status_code == 429
    assert other_login.status_code == 200


async def test_login_attempts_per_address_are_limited_and_other_addresses_are_not(
    client, make_client
):
    person = await create_person(client)
    settings = _settings(login_rate_limit_address="2/minute")
    async with (
        make_client(settings, "203.0.113.7") as attacker,
        make_client(settings, "198.51.100.1") as neighbour,
    ):
        for _ in range(2):
            await attacker.post("/v1/auth/token", data=_wrong(unique_email()))
        refused = await attacker.post("/v1/auth/token", data=_wrong(unique_email()))
        allowed = await neighbour.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": person.email, "password": PASSWORD},
        )
        reads = await neighbour.get(
            "/v1/me/profile", headers={"Authorization": f"Bearer {allowed.json()['access_token']}"}
        )
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "Retry-After" in refused.headers
    assert allowed.status_code == 200
    assert reads.status_code in (200, 404)  # not limited: whether a profile exists is beside it


async def test_registrations_per_address_are_limited(make_client):
    async with make_client(_settings(register_rate_limit_address="2/minute")) as limited:
        statuses = [
            (
                await limited.post(
                    "/v1/auth/register", json={"email": unique_email(), "password": PASSWORD}
                )
            ).status_code
            for _ in range(3)
        ]
        refused = await limited.post(
            "/v1/auth/register", json={"email": unique_email(), "password": PASSWORD}
        )
    assert statuses[:2] == [201, 201]
    assert statuses[2] == refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


async def test_limits_are_shared_through_redis(client, make_client):
    if not _redis_reachable():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    victim = await create_person(client)
    settings = _settings(
        login_rate_limit_account="2/minute", rate_limit_storage="redis://127.0.0.1:6379"
    )
    # two apps, as two workers: each its own limiter, one count in Redis
    first = make_client(settings)
    second = make_client(settings.model_copy())
    async with first, second:
        assert (await first.post("/v1/auth/token", data=_wrong(victim.email))).status_code == 400
        assert (await second.post("/v1/auth/token", data=_wrong(victim.email))).status_code == 400
        refused = await first.post("/v1/auth/token", data=_wrong(victim.email))
        refused_too = await second.post("/v1/auth/token", data=_wrong(victim.email))
    assert refused.status_code == refused_too.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


class _SlowHasher:
    """Stands in for Argon2: blocks its thread for a while and records how many run at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def _work(self) -> None:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1

    def verify(self, _password: str, _hash: str) -> bool:
        self._work()
        return False

    def hash(self, _password: str) -> str:
        self._work()
        return "hash"


@pytest_asyncio.fixture(loop_scope="session")
async def slow_hasher(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[_SlowHasher]:
    hasher = _SlowHasher(0.2)
    monkeypatch.setattr(security, "_hasher", hasher)
    yield hasher


async def test_password_hashing_leaves_the_event_loop_free_and_is_bounded(slow_hasher):
    # five logins at once (through the security module: concurrent requests in one test would
    # share the test's single connection)
    security.configure_hashing(concurrency=2)
    logins = [
        asyncio.create_task(security.verify_password("guess", None if i % 2 else "stored"))
        for i in range(5)
    ]
    # while five verifications are under way, the loop still turns over quickly
    lags = []
    for _ in range(10):
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - started)
    responses = await asyncio.gather(*logins)
    assert responses == [False] * 5
    assert max(lags) < 0.15
    assert slow_hasher.peak == 2


async def test_a_login_still_works_with_the_real_hasher(client):
    person = await create_person(client)
    assert await login(client, person.email)
