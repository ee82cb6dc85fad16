"""Racing writers through the app, on a real committed database (a SQLite file, or a private
PostgreSQL schema), with the app's own sessionmaker: one connection and one commit per request,
as in production.

- Every write guarded by If-Match is atomic: of N writers naming the same version, exactly one
  wins and the others get 412, never a lost update, never a 503.
- SQLite makes writers wait their turn: a burst of writes all succeed.
"""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import Settings
from app.db import write_turn
from app.main import attach_database, create_app
from app.models import metadata
from app.models.accounts import Role
from app.models.audit import AuditRecord
from app.services import accounts, audit, privacy
from tests.conftest import (
    TEST_SECRET,
    run_schema,
)
from tests.factories import PASSWORD, Person, create_person, link_patient, login, unique_email

SCHEMA = run_schema("regimen_write_races")
RACERS = 20
TODAY = datetime.now(UTC).date()


@pytest.fixture
def racing_app(committed_engine) -> FastAPI:
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url="sqlite://")
    app = create_app(settings, manage_database=False)
    attach_database(app, committed_engine)
    return app


def statuses(responses: list[httpx.Response]) -> collections.Counter[int]:
    return collections.Counter(response.status_code for response in responses)


async def test_racing_profile_patches_with_one_if_match_have_one_winner(racing_client):
    client = racing_client
    person = await create_person(client)
    created = await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=person.headers)
    assert created.status_code == 201, created.text
    for round_ in range(3):
        etag = (await client.get("/v1/me/profile", headers=person.headers)).headers["ETag"]
        responses = await asyncio.gather(
            *(
                client.patch(
                    "/v1/me/profile",
                    json={"timezone": ("Europe/London", "Asia/Tokyo")[(round_ + n) % 2]},
                    headers={**person.headers, "If-Match": etag},
                )
                for n in range(RACERS)
            )
        )
        assert statuses(responses) == {200: 1, 412: RACERS - 1}, [r.text for r in responses]
        assert {r.json()["code"] for r in responses if r.status_code == 412} == {"stale_version"}


async def test_racing_profile_puts_with_one_if_match_have_one_winner(racing_client):
    client = racing_client
    person = await create_person(client)
    created = await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=person.headers)
    etag = created.headers["ETag"]
    zones = ["Europe/London", "Asia/Tokyo", "America/New_York", "Australia/Sydney"]
    responses = await asyncio.gather(
        *(
            client.put(
                "/v1/me/profile",
                json={"timezone": zones[n % len(zones)]},
                headers={**person.headers, "If-Match": etag},
            )
            for n in range(RACERS)
        )
    )
    assert statuses(responses) == {200: 1, 412: RACERS - 1}
    winner = next(r for r in responses if r.status_code == 200)
    now = await client.get("/v1/me/profile", headers=person.headers)
    assert now.json()["timezone"] == winner.json()["timezone"]


async def _dermatologist(client: httpx.AsyncClient, engine: AsyncEngine) -> Person:
    email = unique_email("derm")
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = await accounts.create_user(
            session, email=email, password=PASSWORD, role=Role.dermatologist
        )
        await session.commit()
    return Person(id=user.id, email=email, token=await login(client, email))


async def _product_id(client: httpx.AsyncClient, person: Person, name: str) -> str:
    page = (await client.get("/v1/products?limit=200", headers=person.headers)).json()
    return next(item["id"] for item in page["items"] if item["name"] == name)


async def test_racing_override_writes_with_one_if_match_have_one_winner(
    racing_client, committed_engine
):
    client = racing_client
    patient = await create_person(client)
    await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=patient.headers)
    derm = await _dermatologist(client, committed_engine)
    await link_patient(client, patient, derm)
    cleanser = await _product_id(client, derm, "Gentle Hydrating Cream Cleanser")
    url = f"/v1/patients/{patient.id}/overrides"

    async def list_etag() -> str:
        return (await client.get(url, headers=derm.headers)).headers["ETag"]

    def body(n: int) -> dict[str, object]:
        return {
            "action": "set_wait",
            "product_id": cleanser,
            "wait_after_seconds": 30 + n,
            "reason": f"writer {n}: let it settle before the next step",
            "starts_on": TODAY.isoformat(),
        }

    etag = await list_etag()
    created = await asyncio.gather(
        *(
            client.post(url, json=body(n), headers={**derm.headers, "If-Match": etag})
            for n in range(RACERS)
        )
    )
    assert statuses(created) == {201: 1, 412: RACERS - 1}, [r.text for r in created]

    second = await client.post(
        url, json=body(99), headers={**derm.headers, "If-Match": await list_etag()}
    )
    assert second.status_code == 201, second.text
    ids = [r.json()["id"] for r in created if r.status_code == 201] + [second.json()["id"]]
    etag = await list_etag()
    withdrawn = await asyncio.gather(
        *(
            client.delete(f"{url}/{ids[n % 2]}", headers={**derm.headers, "If-Match": etag})
            for n in range(RACERS)
        )
    )
    # one withdrawal wins; the rest either named a stale list (412) or an override gone (404)
    assert withdrawn[0].status_code in (204, 412, 404)
    counted = statuses(withdrawn)
    assert counted[204] == 1, [r.text for r in withdrawn]
    assert counted[204] + counted[412] + counted[404] == RACERS
    remaining = (await client.get(url, headers=derm.headers)).json()["items"]
    assert len(remaining) == 1


async def test_a_burst_of_writes_all_succeed(racing_client, committed_engine):
    """100 concurrent shelf adds (10 people x 10): every one is stored, none is turned away."""
    client = racing_client
    people = [await create_person(client) for _ in range(10)]
    products = (await client.get("/v1/products?limit=50", headers=people[0].headers)).json()
    ids = [item["id"] for item in products["items"]]
    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/me/shelf", json={"product_id": ids[n % len(ids)]}, headers=person.headers
            )
            for person in people
            for n in range(10)
        )
    )
    assert statuses(responses) == {201: 100}, {r.text for r in responses if r.status_code != 201}
    for person in people:
        shelf = (await client.get("/v1/me/shelf", headers=person.headers)).json()
        assert len(shelf["items"]) == 10


async def test_a_writer_that_waits_too_long_for_its_turn_is_a_503(
    racing_client, racing_app, committed_engine
):
    """The write turn is bounded by the pool timeout; reads do not queue behind it."""
    if committed_engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers lock rows, not the database")
    client = racing_client
    person = await create_person(client)
    racing_app.state.settings.database_pool_timeout_s = 0.2
    async with write_turn(committed_engine, wait_s=1):
        blocked = await client.put(
            "/v1/me/profile", json={"timezone": "UTC"}, headers=person.headers
        )
        read = await client.get("/v1/products?limit=1", headers=person.headers)
    assert blocked.status_code == 503
    assert blocked.json()["code"] == "database_unavailable"
    assert blocked.headers["retry-after"]
    assert read.status_code == 200
    again = await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=person.headers)
    assert again.status_code == 201


async def _devices(client: httpx.AsyncClient, person: Person) -> list[dict[str, str]]:
    response = await client.get("/v1/me/devices", headers=person.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, str]] = response.json()["items"]
    return items


async def test_racing_registrations_of_one_device_make_one_row(racing_client):
    """An app that registers on every launch and on every token refresh at once: one device is
    created, every other PUT replaces it; none fails on the unique (user, device id)."""
    client = racing_client
    person = await create_person(client)
    for round_ in range(3):
        responses = await asyncio.gather(
            *(
                client.put(
                    f"/v1/me/devices/phone-{round_}",
                    json={"platform": "ios", "push_token": f"token-{round_}-{n % 3}"},
                    headers=person.headers,
                )
                for n in range(RACERS)
            )
        )
        assert statuses(responses) == {201: 1, 200: RACERS - 1}, [r.text for r in responses]
        # each PUT moved its token onto phone-{round_}; earlier phones keep none of these tokens
        assert len(await _devices(client, person)) == round_ + 1


async def test_racing_registrations_of_one_token_leave_one_holder(racing_client):
    """One phone passed between accounts faster than anyone would: every registration
    succeeds, and exactly one device holds the token afterwards (the last one to commit)."""
    client = racing_client
    people = [await create_person(client) for _ in range(RACERS // 2)]
    responses = await asyncio.gather(
        *(
            client.put(
                f"/v1/me/devices/d{n}",
                json={"platform": "android", "push_token": "one-phone"},
                headers=person.headers,
            )
            for person in people
            for n in range(2)
        )
    )
    assert statuses(responses) == {201: RACERS}, [r.text for r in responses]
    holders = [device for person in people for device in await _devices(client, person)]
    assert [device["push_token"] for device in holders] == ["one-phone"]


async def test_racing_token_swaps_do_not_deadlock(racing_client):
    """A's device moves to B's token while B's moves to A's: each waits for the other's token,
    in one fixed order, so neither deadlocks; both end with the other's old token."""
    client = racing_client
    a, b = await create_person(client), await create_person(client)
    for round_ in range(5):
        first, second = f"t{round_}-a", f"t{round_}-b"
        for person, token in ((a, first), (b, second)):
            response = await client.put(
                "/v1/me/devices/d",
                json={"platform": "web", "push_token": token},
                headers=person.headers,
            )
            assert response.status_code in (200, 201), response.text
        swapped = await asyncio.gather(
            client.put(
                "/v1/me/devices/d",
                json={"platform": "web", "push_token": second},
                headers=a.headers,
            ),
            client.put(
                "/v1/me/devices/d", json={"platform": "web", "push_token": first}, headers=b.headers
            ),
        )
        assert {r.status_code for r in swapped} <= {200, 201}, [r.text for r in swapped]
        assert [d["push_token"] for d in await _devices(client, a)] == [second]
        assert [d["push_token"] for d in await _devices(client, b)] == [first]


async def test_racing_registrations_never_pass_the_device_cap(racing_client):
    client = racing_client
    person = await create_person(client)
    for n in range(15):
        response = await client.put(
            f"/v1/me/devices/old{n}",
            json={"platform": "web", "push_token": f"old-{n}"},
            headers=person.headers,
        )
        assert response.status_code == 201, response.text
    responses = await asyncio.gather(
        *(
            client.put(
                f"/v1/me/devices/new{n}",
                json={"platform": "web", "push_token": f"new-{n}"},
                headers=person.headers,
            )
            for n in range(10)
        )
    )
    assert statuses(responses) == {201: 5, 409: 5}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"too_many_devices"}
    assert len(await _devices(client, person)) == 20


async def test_racing_deletes_and_registrations_of_one_device(racing_client):
    client = racing_client
    person = await create_person(client)
    url = "/v1/me/devices/flaky"
    body = {"platform": "ios", "push_token": "flaky-token"}
    assert (await client.put(url, json=body, headers=person.headers)).status_code == 201
    responses = await asyncio.gather(
        *(
            client.delete(url, headers=person.headers)
            if n % 2
            else client.put(url, json=body, headers=person.headers)
            for n in range(RACERS)
        )
    )
    assert set(statuses(responses)) <= {200, 201, 204, 404}, [r.text for r in responses]
    assert statuses(responses)[204] >= 1
    left = await _devices(client, person)
    assert len(left) <= 1


@pytest.mark.parametrize("erasure_first", [True, False])
async def test_an_erasure_racing_the_patients_and_a_dermatologists_writes_leaves_nothing(
    racing_client, committed_engine, erasure_first
):
    """DELETE /v1/me while the patient adds to their shelf and their dermatologist writes
    overrides (and the patient presses delete three times): one erasure, every other write
    either lands before it (and is erased with the account) or is refused with a 4xx, never a
    500; no row naming the patient is left, and every audit chain verifies."""
    client = racing_client
    patient = await create_person(client)
    await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=patient.headers)
    async with AsyncSession(committed_engine, expire_on_commit=False) as session:
        derm_user = await accounts.create_user(
            session, email=unique_email("derm"), password=PASSWORD, role=Role.dermatologist
        )
        await session.commit()
    derm = Person(derm_user.id, derm_user.email, await login(client, derm_user.email))
    await link_patient(client, patient, derm)
    products = (await client.get("/v1/products?limit=20", headers=patient.headers)).json()
    ids = [item["id"] for item in products["items"]]
    erase = [
        client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=patient.headers)
        for _ in range(3)
    ]
    shelf = [
        client.post("/v1/me/shelf", json={"product_id": ids[n]}, headers=patient.headers)
        for n in range(5)
    ]
    orders = [
        client.post(
            f"/v1/patients/{patient.id}/overrides",
            json={
                "action": "remove",
                "product_id": ids[n],
                "reason": f"order {n}",
                "starts_on": TODAY.isoformat(),
            },
            headers={**derm.headers, "If-Match": "*"},
        )  # fmt: skip
        for n in range(5)
    ]
    if erasure_first:  # the writers then wait for its locks and fail their foreign keys
        responses = await asyncio.gather(*erase, *shelf, *orders)
        erasures, adds, overrides = responses[:3], responses[3:8], responses[8:]
    else:  # some writes start first: the erasure waits for them, then erases what they wrote
        responses = await asyncio.gather(*shelf[:2], *orders[:2], *erase, *shelf[2:], *orders[2:])
        erasures = responses[4:7]
        adds = [*responses[:2], *responses[7:10]]
        overrides = [*responses[2:4], *responses[10:]]
    assert statuses(erasures) == {204: 1, 401: 2}, [r.text for r in erasures]
    assert set(statuses(adds)) <= {201, 401, 409}, [r.text for r in adds]
    assert set(statuses(overrides)) <= {201, 404, 409}, [r.text for r in overrides]

    async with AsyncSession(committed_engine) as session:
        for name, column in (*privacy.ERASED, *privacy.NULLED, ("users", "id")):
            table = metadata.tables[name]
            left = await session.scalar(
                select(func.count()).select_from(table).where(table.c[column] == patient.id)
            )
            assert left == 0, (name, column)
        records = list(
            await session.scalars(select(AuditRecord).where(AuditRecord.patient_id == patient.id))
        )
        assert records
        assert all(record.erased_at is not None for record in records)
        assert [r.action for r in records].count("account_erased") == 1
        assert (await audit.verify(session)).ok
