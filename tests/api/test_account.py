"""The caller's own account (GDPR): GET /v1/me, DELETE /v1/me (erasure, Art. 17) and
GET /v1/me/export (portability, Art. 20), and the completeness of erasure over every table."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.main import attach_database, create_app
from app.models import metadata
from app.models.accounts import Role, User
from app.models.audit import AuditRecord
from app.models.care_team import ERASED_ACCOUNT
from app.models.privacy import AccountExport
from app.services import audit, privacy, profiles, routines, shelf
from tests.conftest import TEST_SECRET
from tests.factories import (
    PASSWORD,
    Person,
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    link_patient,
    login,
    put_profile,
    scheduler_headers,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
REASON = "Zephyr Night Elixir stung on the second night: leave it out"
WITHDRAWN_BECAUSE = "Her skin settled after the barrier cream"
PRIVATE_PRODUCT = "Zephyr Night Elixir"
LOG_NOTE = "cheeks felt tight after the evening routine"


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    freeze_clock(monkeypatch, NOW)


async def delete_me(client: httpx.AsyncClient, person: Person, body: Any = None, **kwargs: Any):
    if body is None and "content" not in kwargs:
        body = {"password": PASSWORD}
    return await client.request("DELETE", "/v1/me", json=body, headers=person.headers, **kwargs)


async def _etag(client: httpx.AsyncClient, derm: Person, url: str) -> str:
    response = await client.get(url, headers=derm.headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def _override(
    client: httpx.AsyncClient, derm: Person, patient: Person, body: dict[str, Any]
) -> dict[str, Any]:
    url = f"/v1/patients/{patient.id}/overrides"
    response = await client.post(
        url,
        json={"reason": REASON, "starts_on": TODAY.isoformat(), **body},
        headers={**derm.headers, "If-Match": await _etag(client, derm, url)},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


PHONE = "iphone-15.a1b2"
PUSH_TOKEN = "apns-token-0123456789abcdef"


async def _populated(client: httpx.AsyncClient, session: AsyncSession) -> tuple[Person, Person]:
    """A patient with something in every area, and the dermatologist linked to them."""
    patient = await create_person(client)
    await put_profile(client, patient, skin_type="dry", avoid_ingredients=["lanolin"])
    for name in (
        "Gentle Hydrating Cream Cleanser",
        "Ceramide Barrier Repair Cream",
        "Mineral Sunscreen SPF 50",
    ):
        await add_to_shelf(
            client, patient, (await catalog_product(session, name)).id, patch_test="passed"
        )
    private = await client.post(
        "/v1/products",
        json={"name": PRIVATE_PRODUCT, "brand": "Nightjar", "category": "serum"},
        headers=patient.headers,
    )
    assert private.status_code == 201, private.text
    await add_to_shelf(client, patient, private.json()["id"], batch="ZN-0042")
    log = await client.post(
        "/v1/me/logs",
        json={"date": TODAY.isoformat(), "slot": "am", "done": True, "irritation": "mild",
              "note": LOG_NOTE},
        headers=patient.headers,
    )  # fmt: skip
    assert log.status_code == 201, log.text
    procedure = await client.post(
        "/v1/me/procedures",
        json={"kind": "ipl", "on": (TODAY + timedelta(days=20)).isoformat(), "clinic": "Harbour"},
        headers=patient.headers,
    )
    assert procedure.status_code == 201, procedure.text
    reminders = await client.put(
        "/v1/me/reminders", json={"enabled": True}, headers=patient.headers
    )
    assert reminders.status_code == 200, reminders.text
    feed = await client.post("/v1/me/calendar/token", headers=patient.headers)
    assert feed.status_code == 201, feed.text
    unused_invite = await client.post("/v1/me/care-team/invites", headers=patient.headers)
    assert unused_invite.status_code == 201

    derm = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, patient, derm)
    kept = await _override(
        client, derm, patient, {"action": "remove", "product_id": private.json()["id"]}
    )
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    withdrawn = await _override(
        client,
        derm,
        patient,
        {"action": "set_wait", "product_id": str(cleanser.id), "wait_after_seconds": 90},
    )
    url = f"/v1/patients/{patient.id}/overrides"
    gone = await client.delete(
        f"{url}/{withdrawn['id']}",
        params={"reason": WITHDRAWN_BECAUSE},
        headers={**derm.headers, "If-Match": await _etag(client, derm, url)},
    )
    assert gone.status_code == 204, gone.text
    assert kept["author"]["email"] == derm.email
    device = await client.put(
        f"/v1/me/devices/{PHONE}",
        json={"platform": "ios", "push_token": PUSH_TOKEN, "locale": "en-GB"},
        headers=patient.headers,
    )
    assert device.status_code == 201, device.text
    return patient, derm


async def _bystander(client: httpx.AsyncClient, session: AsyncSession) -> Person:
    """Another user with a profile, a shelf and a private product of their own."""
    other = await create_person(client)
    await put_profile(client, other)
    product = await client.post(
        "/v1/products", json={"name": "Bystander Balm", "category": "moisturiser"},
        headers=other.headers,
    )  # fmt: skip
    await add_to_shelf(client, other, product.json()["id"])
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    await add_to_shelf(client, other, cleanser.id, patch_test="passed")
    return other


# --- GET /v1/me -------------------------------------------------------------------------------


async def test_get_me_for_a_user_a_dermatologist_and_a_service_client(client, session):
    user = await create_person(client)
    me = await client.get("/v1/me", headers=user.headers)
    assert me.status_code == 200, me.text
    body = me.json()
    assert set(body) == {"id", "email", "role", "created_at"}
    assert (body["id"], body["email"], body["role"]) == (str(user.id), user.email, "user")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created_at"])

    derm = await create_person(client, session, role=Role.dermatologist)
    assert (await client.get("/v1/me", headers=derm.headers)).json()["role"] == "dermatologist"

    machine = await client.get("/v1/me", headers=await scheduler_headers(client, session))
    assert machine.status_code == 403
    assert machine.headers["content-type"] == "application/problem+json"
    assert machine.json()["code"] == "user_required"
    assert (await client.get("/v1/me")).status_code == 401


# --- DELETE /v1/me: refusals lose nothing -----------------------------------------------------


async def test_a_wrong_password_is_403_and_nothing_is_erased(client, session):
    patient, derm = await _populated(client, session)
    before = (await client.get("/v1/me/export", headers=patient.headers)).json()

    refused = await delete_me(client, patient, {"password": "not the password"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "password_incorrect"

    after = (await client.get("/v1/me/export", headers=patient.headers)).json()
    assert after == before
    assert (
        await client.get(f"/v1/patients/{patient.id}/profile", headers=derm.headers)
    ).status_code == 200
    assert await login(client, patient.email)


@pytest.mark.parametrize(
    ("body", "content"),
    [
        (None, ""),  # no body at all
        ({}, None),
        ({"password": None}, None),
        ({"password": 12345678}, None),
        ({"password": ""}, None),
        ({"password": "x" * 129}, None),
        ({"password": PASSWORD, "confirm": True}, None),
        (None, "password=correct horse battery"),  # a form, not JSON
        (None, "{not json"),
    ],
)
async def test_a_missing_or_malformed_body_is_a_422_problem_and_nothing_is_erased(
    client, body, content
):
    person = await create_person(client)
    await put_profile(client, person)
    if content is None:
        response = await delete_me(client, person, body)
    else:
        response = await client.request(
            "DELETE",
            "/v1/me",
            content=content,
            headers={**person.headers, "Content-Type": "application/json"},
        )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"]
    assert all({"loc", "msg"} <= set(e) for e in problem["errors"])
    assert (await client.get("/v1/me", headers=person.headers)).status_code == 200
    assert (await client.get("/v1/me/profile", headers=person.headers)).status_code == 200


@pytest.fixture
def limited_client(engine: Any, sessionmaker: Any) -> Callable[[], httpx.AsyncClient]:
    """A client of an app that allows three login attempts per account a minute."""
    app: FastAPI = create_app(
        Settings(
            environment="test",
            secret_key=TEST_SECRET,
            database_url="sqlite://",
            login_rate_limit_account="3/minute",
            login_rate_limit_address="100000/minute",
            register_rate_limit_address="100000/minute",
        ),
        manage_database=False,
    )
    attach_database(app, engine, sessionmaker)

    def make() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        return httpx.AsyncClient(transport=transport, base_url="http://regimen.test")

    return make


async def test_password_guesses_count_against_the_accounts_login_limit(client, limited_client):
    """A stolen token is no way around the login limit: guesses through DELETE /v1/me and
    through the token endpoint share one count per account."""
    person = await create_person(client)
    async with limited_client() as limited:
        guesses = [
            (await delete_me(limited, person, {"password": f"guess {n}"})).status_code
            for n in range(3)
        ]
        refused = await delete_me(limited, person)  # even the right password, for now
        login_refused = await limited.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": person.email, "password": PASSWORD},
        )
    assert guesses == [403, 403, 403]
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert login_refused.status_code == 429
    assert (await client.get("/v1/me", headers=person.headers)).status_code == 200


# --- DELETE /v1/me: erasure -------------------------------------------------------------------

HOT_READS = (f"/v1/me/routine?date={TODAY}", "/v1/me/profile", "/v1/me/shelf")


async def _rows_naming(session: AsyncSession, person_id: uuid.UUID) -> dict[str, int]:
    """For every column erasure deletes or clears: how many rows still name the person."""
    counts = {}
    for name, column in (*privacy.ERASED, *privacy.NULLED, ("users", "id")):
        table = metadata.tables[name]
        count = await session.scalar(
            select(func.count()).select_from(table).where(table.c[column] == person_id)
        )
        counts[f"{name}.{column}"] = count or 0
    return counts


async def test_deletion_erases_the_account_and_its_health_data(client, session):
    patient, derm = await _populated(client, session)
    other = await _bystander(client, session)
    other_before = [
        (await client.get(path, headers=other.headers)).json()
        for path in ("/v1/me/profile", "/v1/me/shelf", "/v1/me/export")
    ]
    # warm every cached read of the patient's, and keep the ETags a client would hold
    etags = {}
    for path in HOT_READS:
        warm = await client.get(path, headers=patient.headers)
        assert warm.status_code == 200, (path, warm.text)
        etags[path] = warm.headers["ETag"]
    assert any(key[0] == patient.id for key in routines._days._entries)
    assert sum(count for count in (await _rows_naming(session, patient.id)).values()) > 12

    erased = await delete_me(client, patient)
    assert erased.status_code == 204, erased.text
    assert erased.content == b""

    # the token stops at once, on the cached hot reads too (with or without an ETag)
    for path in (*HOT_READS, "/v1/me", "/v1/me/export", "/v1/me/reminders", "/v1/me/audit"):
        response = await client.get(path, headers=patient.headers)
        assert response.status_code == 401, path
        assert response.json()["code"] == "invalid_token"
        if path in etags:
            again = await client.get(
                path, headers={**patient.headers, "If-None-Match": etags[path]}
            )
            assert again.status_code == 401, path
    assert (await delete_me(client, patient)).status_code == 401
    signed_in = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": patient.email, "password": PASSWORD},
    )
    assert (signed_in.status_code, signed_in.json()["error"]) == (400, "invalid_grant")
    # and nothing of theirs is left in this process's caches
    for cache in (routines._days, routines._zones, profiles._encoded, shelf._encoded):
        assert not [key for key in cache._entries if key[0] == patient.id]

    # every row keyed by them is gone
    assert set((await _rows_naming(session, patient.id)).values()) == {0}
    # the dermatologist no longer sees them
    for path in ("profile", "routine", "overrides", "audit", "procedures"):
        response = await client.get(f"/v1/patients/{patient.id}/{path}", headers=derm.headers)
        assert response.status_code == 404, path
    assert (await client.get("/v1/patients", headers=derm.headers)).json()["items"] == []

    # the audit chain about them stays, blank, and still verifies
    records = list(
        await session.scalars(select(AuditRecord).where(AuditRecord.patient_id == patient.id))
    )
    assert records
    assert all(r.erased_at is not None for r in records)
    assert records[-1].action == "account_erased"
    stored = json.dumps([r.model_dump(mode="json") for r in records])
    for secret in (patient.email, derm.email, REASON, WITHDRAWN_BECAUSE, PRIVATE_PRODUCT):
        assert secret not in stored
    assert (await audit.verify(session)).ok

    # other people's data is untouched
    other_after = [
        (await client.get(path, headers=other.headers)).json()
        for path in ("/v1/me/profile", "/v1/me/shelf", "/v1/me/export")
    ]
    other_after[2]["exported_at"] = other_before[2]["exported_at"]
    assert other_after == other_before
    assert (await client.get("/v1/me", headers=derm.headers)).status_code == 200

    # the email is free again: a new, empty account
    again = await client.post(
        "/v1/auth/register", json={"email": patient.email, "password": PASSWORD}
    )
    assert again.status_code == 201, again.text
    assert again.json()["id"] != str(patient.id)
    newcomer = Person(
        uuid.UUID(again.json()["id"]), patient.email, await login(client, patient.email)
    )
    assert (await client.get("/v1/me/profile", headers=newcomer.headers)).status_code == 404
    assert (await client.get("/v1/me/shelf", headers=newcomer.headers)).json() == {"items": []}
    assert (await client.get("/v1/me/audit", headers=newcomer.headers)).json()["items"] == []


async def test_an_account_without_any_data_is_erased_too(client, session):
    person = await create_person(client)
    assert (await delete_me(client, person)).status_code == 204
    assert set((await _rows_naming(session, person.id)).values()) == {0}
    # no chain was started just to say so
    assert not list(
        await session.scalars(select(AuditRecord).where(AuditRecord.patient_id == person.id))
    )
    assert (await client.get("/v1/me", headers=person.headers)).status_code == 401


async def test_a_dermatologist_deleting_their_account_ends_links_but_not_their_orders(
    client, session
):
    patient, derm = await _populated(client, session)
    [active] = (await client.get("/v1/me/overrides", headers=patient.headers)).json()["items"]
    url = f"/v1/patients/{patient.id}/procedures"
    planned = await client.post(
        url,
        json={"kind": "chemical_peel", "depth": "superficial",
              "on": (TODAY + timedelta(days=40)).isoformat()},
        headers={**derm.headers, "If-Match": await _etag(client, derm, url)},
    )  # fmt: skip
    assert planned.status_code == 201, planned.text
    day = f"/v1/me/routine?date={TODAY}"
    before = await client.get(day, headers=patient.headers)
    [excluded] = [e for e in before.json()["excluded"] if e["guard"] == "override"]
    assert excluded["override"]["author_name"] == derm.email

    assert (await delete_me(client, derm)).status_code == 204
    assert (await client.get("/v1/patients", headers=derm.headers)).status_code == 401
    assert (await client.get("/v1/me/care-team", headers=patient.headers)).json()["items"] == []

    # the patient's plan keeps what the dermatologist ordered (safer than it silently changing),
    # under a name that no longer identifies anyone, and the cached day was re-rendered
    overrides = (await client.get("/v1/me/overrides", headers=patient.headers)).json()["items"]
    assert [(o["id"], o["author"]) for o in overrides] == [
        (active["id"], {"id": str(derm.id), "email": ERASED_ACCOUNT})
    ]
    after = await client.get(
        day, headers={**patient.headers, "If-None-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200
    [excluded] = [e for e in after.json()["excluded"] if e["guard"] == "override"]
    assert excluded["override"]["author_name"] == ERASED_ACCOUNT
    sessions = (await client.get("/v1/me/procedures", headers=patient.headers)).json()["items"]
    assert [s["author"] for s in sessions if s["source"] == "dermatologist"] == [
        {"id": str(derm.id), "email": ERASED_ACCOUNT}
    ]
    # the patient's trail says the link ended, and why
    trail = (await client.get("/v1/me/audit", headers=patient.headers)).json()["items"]
    assert (trail[0]["action"], trail[0]["actor_id"]) == ("link_revoked", str(derm.id))
    assert "account was deleted" in trail[0]["reason"]
    assert (await audit.verify(session)).ok

    # the patient withdraws what was left, as on revoking a link
    withdrawn = await client.delete(f"/v1/me/care-team/{derm.id}", headers=patient.headers)
    assert withdrawn.status_code == 204
    assert (await client.get("/v1/me/overrides", headers=patient.headers)).json()["items"] == []
    cleared = (await client.get(day, headers=patient.headers)).json()
    assert all(e["guard"] != "override" for e in cleared["excluded"])
    again = await client.delete(f"/v1/me/care-team/{derm.id}", headers=patient.headers)
    assert (again.status_code, again.json()["code"]) == (404, "care_link_not_found")
    # a dermatologist who still exists is not reachable that way without a link
    other_derm = await create_person(client, session, role=Role.dermatologist)
    refused = await client.delete(f"/v1/me/care-team/{other_derm.id}", headers=patient.headers)
    assert refused.status_code == 404


# --- GET /v1/me/export ------------------------------------------------------------------------


async def test_the_export_holds_everything_about_the_caller_and_nothing_else(client, session):
    patient, derm = await _populated(client, session)
    other = await _bystander(client, session)
    response = await client.get("/v1/me/export", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="regimen-export-{TODAY.isoformat()}.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    AccountExport.model_validate(body)
    assert body["format"] == "regimen-export/1"
    assert body["exported_at"] == "2026-11-21T12:00:00Z"
    assert body["account"] == (await client.get("/v1/me", headers=patient.headers)).json()
    assert body["profile"] == (await client.get("/v1/me/profile", headers=patient.headers)).json()
    assert {"items": body["shelf"]} == (
        await client.get("/v1/me/shelf", headers=patient.headers)
    ).json()
    assert [p["name"] for p in body["products"]] == [PRIVATE_PRODUCT]
    assert [(log["date"], log["note"]) for log in body["logs"]] == [(TODAY.isoformat(), LOG_NOTE)]
    assert [p["kind"] for p in body["procedures"]] == ["ipl"]
    overrides = {o["reason"]: o for o in body["overrides"]}
    assert overrides[REASON]["author"] == {"id": str(derm.id), "email": derm.email}
    [withdrawn] = [o for o in body["overrides"] if o["deleted_at"]]
    assert (withdrawn["deleted_by"], withdrawn["delete_reason"]) == (
        str(derm.id),
        WITHDRAWN_BECAUSE,
    )
    [link] = body["care_team"]["links"]
    assert link["role"] == "patient"
    assert link["dermatologist"] == {"id": str(derm.id), "email": derm.email}
    assert len(body["care_team"]["invites"]) == 2
    assert [r["seq"] for r in body["audit"]] == list(range(1, len(body["audit"]) + 1))
    assert body["reminders"]["settings"]["enabled"] is True
    assert body["reminders"]["items"]
    assert {r["user_id"] for r in body["reminders"]["items"]} == {str(patient.id)}
    assert body["reminders"]["calendar_feed"] is not None
    assert {"items": body["devices"]} == (
        await client.get("/v1/me/devices", headers=patient.headers)
    ).json()
    assert [d["push_token"] for d in body["devices"]] == [PUSH_TOKEN]
    for key, value in body.items():
        assert value, f"the export's {key} is empty for a populated account"

    text = response.text
    stored = await session.get(User, patient.id)
    assert stored is not None
    assert "password" not in text
    assert stored.password_hash not in text
    assert "$argon2" not in text
    for foreign in (other.email, str(other.id), "Bystander Balm"):
        assert foreign not in text

    # the dermatologist's own export: the link, but not the patient's data
    mine = await client.get("/v1/me/export", headers=derm.headers)
    assert mine.status_code == 200
    derm_body = mine.json()
    assert [
        (x["role"], x["patient_id"], x["dermatologist"]) for x in derm_body["care_team"]["links"]
    ] == [("dermatologist", str(patient.id), None)]
    assert derm_body["audit"] == []
    assert derm_body["overrides"] == []
    for foreign in (patient.email, REASON, PRIVATE_PRODUCT, LOG_NOTE):
        assert foreign not in mine.text


async def test_a_new_account_exports_an_empty_document(client, session):
    person = await create_person(client)
    body = (await client.get("/v1/me/export", headers=person.headers)).json()
    assert body["profile"] is None
    assert body["reminders"] == {"settings": None, "items": [], "calendar_feed": None}
    assert all(
        body[key] == [] for key in ("shelf", "products", "logs", "procedures", "audit", "devices")
    )
    machine = await client.get("/v1/me/export", headers=await scheduler_headers(client, session))
    assert machine.status_code == 403


# --- completeness: every table that names a person --------------------------------------------


def test_every_foreign_key_to_users_is_erased_cleared_or_exempted():
    """A new table with a foreign key to users must be named in app/services/privacy.py: erased
    with the person, its reference cleared, or kept for a stated reason."""
    handled = {*privacy.ERASED, *privacy.NULLED, *privacy.KEPT}
    referencing = {
        (table.name, fk.parent.name)
        for table in metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "users"
    }
    assert referencing - handled == set(), "add these to ERASED, NULLED or KEPT"
    for name, column in handled:  # and every entry names a real column
        assert column in metadata.tables[name].c, (name, column)
    for name, column in privacy.KEPT:
        # a column kept past erasure cannot have a foreign key: it would cascade or block
        assert (name, column) not in referencing, (name, column)
    assert not set(privacy.ERASED) & set(privacy.NULLED)
