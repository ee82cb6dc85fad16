"""Concurrent refreshes through the app, on a real committed database (a SQLite file, or a private
PostgreSQL schema) with the app's own sessionmaker: one connection and one commit per request.

- Of N requests presenting one refresh token at once, exactly one gets a new pair; the others are
  reuse, answered invalid_grant, and reuse revokes the sign-in (the winner's new pair included).
- Refreshes of different sign-ins at once all succeed: one winner is not everyone failing.
"""

from __future__ import annotations

import asyncio
import collections

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import attach_database, create_app
from tests.conftest import (
    TEST_SECRET,
    run_schema,
)
from tests.factories import PASSWORD, create_person

SCHEMA = run_schema("regimen_refresh_races")
RACERS = 12


@pytest.fixture
def racing_app(committed_engine) -> FastAPI:
    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        database_url="sqlite://",
        login_rate_limit_account="100000/minute",
        login_rate_limit_address="100000/minute",
        register_rate_limit_address="100000/minute",
    )
    app = create_app(settings, manage_database=False)
    attach_database(app, committed_engine)
    return app


async def _sign_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": token}
    )


async def test_concurrent_refreshes_of_one_token_have_one_winner(racing_client):
    client = racing_client
    person = await create_person(client)
    for _round in range(3):
        pair = await _sign_in(client, person.email)
        responses = await asyncio.gather(
            *(_refresh(client, pair["refresh_token"]) for _ in range(RACERS))
        )
        statuses = collections.Counter(response.status_code for response in responses)
        assert statuses == {200: 1, 400: RACERS - 1}, [r.text for r in responses]
        assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}
        winner = next(r.json() for r in responses if r.status_code == 200)
        # the losers were reuse: the sign-in is revoked, the winner's new pair with it
        assert (await _refresh(client, winner["refresh_token"])).status_code == 400
        profile = await client.get(
            "/v1/me/profile", headers={"Authorization": f"Bearer {winner['access_token']}"}
        )
        assert profile.status_code == 401
        assert profile.json()["code"] == "invalid_token"


async def test_concurrent_refreshes_of_different_sign_ins_all_succeed(racing_client):
    client = racing_client
    person = await create_person(client)
    pairs = [await _sign_in(client, person.email) for _ in range(RACERS)]
    responses = await asyncio.gather(*(_refresh(client, p["refresh_token"]) for p in pairs))
    assert [r.status_code for r in responses] == [200] * RACERS, [r.text for r in responses]
    again = await asyncio.gather(*(_refresh(client, r.json()["refresh_token"]) for r in responses))
    assert [r.status_code for r in again] == [200] * RACERS
