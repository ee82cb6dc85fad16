"""The hot reads' short road (app/hot_reads.py) answers exactly what the routes answer.

Each case is asked of the app as served and of the same app without the short road (the routes
alone): status, body and headers must match, whoever answered. And a cache hit must really be
answered by the short road, which names the route in metrics as the route would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from app import hot_reads
from app.hot_reads import HotReadsMiddleware
from app.main import attach_database, create_app
from tests.factories import (
    add_to_shelf,
    catalog_product,
    create_person,
    put_profile,
    scheduler_headers,
)

ROUTINE = "/v1/me/routine?date=2026-12-01"
PATHS = [ROUTINE, "/v1/me/routine", "/v1/me/profile", "/v1/me/shelf"]


@pytest_asyncio.fixture(loop_scope="session")
async def routes_only(settings, engine, sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    """The same app on the same (rolled-back) connection, without the short road."""
    app: FastAPI = create_app(settings, manage_database=False)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not HotReadsMiddleware]
    attach_database(app, engine, sessionmaker)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as client:
        yield client


@pytest.fixture
def answered(monkeypatch) -> list[str]:
    """The paths the short road answered itself (it raises _NotHere for the rest)."""
    paths: list[str] = []
    answer = hot_reads._answer

    async def spy(request: Any, read: Any) -> Any:
        response = await answer(request, read)
        paths.append(request.url.path)
        return response

    monkeypatch.setattr(hot_reads, "_answer", spy)
    return paths


def _same(served: httpx.Response, routed: httpx.Response) -> None:
    assert served.status_code == routed.status_code
    assert served.content == routed.content
    skip = {"x-request-id"}
    assert [(k, v) for k, v in served.headers.items() if k not in skip] == [
        (k, v) for k, v in routed.headers.items() if k not in skip
    ]


async def _person(client: httpx.AsyncClient, session: Any) -> Any:
    person = await create_person(client)
    await put_profile(client, person)
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    await add_to_shelf(client, person, cleanser.id, patch_test="passed")
    return person


async def test_a_cache_hit_and_its_304_are_the_routes_answers(
    client, routes_only, session, answered
):
    person = await _person(client, session)
    for path in PATHS:
        built = await client.get(path, headers=person.headers)  # a miss: the route builds it
        assert built.status_code == 200
        assert answered == []
        hit = await client.get(path, headers=person.headers)
        assert answered == [path.split("?")[0]]
        _same(hit, built)
        _same(hit, await routes_only.get(path, headers=person.headers))
        tagged = {**person.headers, "If-None-Match": hit.headers["etag"]}
        not_modified = await client.get(path, headers=tagged)
        assert not_modified.status_code == 304
        _same(not_modified, await routes_only.get(path, headers=tagged))
        answered.clear()


async def test_refusals_are_the_routes_refusals(client, routes_only, session, answered):
    person = await _person(client, session)
    for path in PATHS:
        await client.get(path, headers=person.headers)  # cached from here on
    scheduler = await scheduler_headers(client, session)
    cases: list[tuple[str, dict[str, str]]] = [
        ("/v1/me/profile", {}),  # no token
        ("/v1/me/profile", {"Authorization": "Bearer not.a.jwt"}),
        ("/v1/me/profile", {"Authorization": f"Basic {person.token}"}),  # not a bearer
        ("/v1/me/shelf", scheduler),  # a service's token
        ("/v1/me/routine?date=2026-13-01", person.headers),  # not a date
        ("/v1/me/routine?date=1800-01-01", person.headers),  # out of range
        ("/v1/me/routine?date=2026-12-01&date=2026-12-02", person.headers),  # the route: the last
    ]
    for path, headers in cases:
        served = await client.get(path, headers=headers)
        assert served.status_code in (200, 401, 403, 422), (path, served.text)
        _same(served, await routes_only.get(path, headers=headers))
    # the short road refuses as the route does, but leaves a query it does not read to the route
    assert answered == ["/v1/me/profile"] * 3 + ["/v1/me/shelf"]
    answered.clear()
    revoked = await client.post("/v1/auth/revoke", data={"token": person.token})
    assert revoked.status_code == 200
    for path in PATHS:
        served = await client.get(path, headers=person.headers)
        assert served.status_code == 401
        assert served.json()["code"] == "invalid_token"
        _same(served, await routes_only.get(path, headers=person.headers))
    assert answered == [path.split("?")[0] for path in PATHS]


async def test_liveness_is_the_routes_answer(client, routes_only):
    served = await client.get("/healthz")
    assert served.json() == {"status": "ok"}
    _same(served, await routes_only.get("/healthz"))
    assert (await client.head("/healthz")).status_code == (
        await routes_only.head("/healthz")
    ).status_code
    metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in metrics


async def test_metrics_name_the_route_whoever_answered(client, session, answered):
    person = await _person(client, session)
    for _ in range(3):
        assert (await client.get("/v1/me/shelf", headers=person.headers)).status_code == 200
    assert answered == ["/v1/me/shelf", "/v1/me/shelf"]
    metrics = (await client.get("/metrics")).text
    line = next(
        line
        for line in metrics.splitlines()
        if line.startswith("http_requests_total{")
        and 'route="/v1/me/shelf"' in line
        and 'status="200"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) >= 3
