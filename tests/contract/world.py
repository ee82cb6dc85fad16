"""A small populated world for the contract tests: people with real data behind their tokens.

Three callers, each the right one for part of the API:
- `user`: a person with a profile, a shelf, a log, a procedure, reminder settings, a
  calendar feed (`calendar_token`) and a dermatologist (`spare_dermatologist`) on their care
  team, so the /v1/me/... reads
  return real data and the writes' path parameters can name real objects;
- `dermatologist`: linked to `patient` (who has a profile, a shelf and an override), for
  /v1/patients/...;
- `scheduler`: a service client with scope reminders:read, for /v1/reminders/...

`known_ids` maps each path parameter name of the API to ids that exist for its caller, so the
generated requests can hit real objects as well as random (404) ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.models.accounts import Role
from tests.factories import (
    Person,
    add_to_shelf,
    catalog_product,
    create_person,
    link_patient,
    put_profile,
    scheduler_headers,
)

SHELF = (
    "Gentle Hydrating Cream Cleanser",
    "Light Gel Moisturiser",
    "Mineral Sunscreen SPF 50",
    "Retinol 0.3% in Squalane Serum",
    "Niacinamide 10% + Zinc Serum",
)
# shelf items the fuzzer may delete (DELETE /v1/me/shelf/{item_id}) without emptying the plan
DISPOSABLE = ("Lactic Acid 10% Serum", "Pure Squalane Facial Oil", "Rich Nourishing Cream")


@dataclass
class World:
    user: Person
    patient: Person
    dermatologist: Person
    spare_dermatologist: Person
    scheduler: dict[str, str]
    calendar_token: str
    known_ids: dict[str, list[str]] = field(default_factory=dict)


async def _shelf(client: httpx.AsyncClient, person: Person, products: dict[str, str]) -> None:
    for name in SHELF:
        await add_to_shelf(client, person, products[name], patch_test="passed")


async def build_world(client: httpx.AsyncClient, session: AsyncSession) -> World:
    """`session` is a session of its own on the app's database (the app commits through
    others): it reads the catalog once and then only writes what the CLI would."""
    today = clock.now_utc().date()
    products = {
        name: str((await catalog_product(session, name)).id) for name in (*SHELF, *DISPOSABLE)
    }
    await session.rollback()  # no read transaction left open under the app's writes (SQLite)
    user = await create_person(client)
    await put_profile(client, user, retinoid_experience="beginner", skin_type="combination")
    await _shelf(client, user, products)
    disposable = []
    for name in DISPOSABLE:
        disposable.append((await add_to_shelf(client, user, products[name]))["id"])
    await _ok(client.post("/v1/me/logs", json=_log(today), headers=user.headers))
    procedure = await _ok(
        client.post(
            "/v1/me/procedures",
            json={"kind": "waxing", "on": (today + timedelta(days=30)).isoformat()},
            headers=user.headers,
        )
    )
    await _ok(client.put("/v1/me/reminders", json={"enabled": True}, headers=user.headers))
    feed = await _ok(client.post("/v1/me/calendar/token", headers=user.headers))
    devices = []
    for n, platform in enumerate(("ios", "android")):
        device = await _ok(
            client.put(
                f"/v1/me/devices/device-{n}",
                json={"platform": platform, "push_token": f"push-token-{n}", "locale": "en-GB"},
                headers=user.headers,
            )
        )
        devices.append(str(device["device_id"]))
    spare = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, user, spare)

    patient = await create_person(client)
    await put_profile(client, patient, retinoid_experience="experienced")
    await _shelf(client, patient, products)
    await _ok(client.put("/v1/me/reminders", json={"enabled": True}, headers=patient.headers))
    dermatologist = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, patient, dermatologist)
    override = await _ok(
        client.post(
            f"/v1/patients/{patient.id}/overrides",
            json={
                "action": "set_wait",
                "product_id": products["Niacinamide 10% + Zinc Serum"],
                "wait_after_seconds": 90,
                "reason": "Let it settle",
                "starts_on": today.isoformat(),
            },
            headers={
                **dermatologist.headers,
                "If-Match": await _etag(client, dermatologist, patient.id, "overrides"),
            },
        )
    )

    scheduler = await scheduler_headers(client, session)
    due = await _ok(
        client.get(
            "/v1/reminders/due",
            params={
                "from": clock.now_utc().isoformat(),
                "to": (clock.now_utc() + timedelta(hours=23)).isoformat(),
            },
            headers=scheduler,
        )
    )
    return World(
        user=user,
        patient=patient,
        dermatologist=dermatologist,
        spare_dermatologist=spare,
        scheduler=scheduler,
        calendar_token=str(feed["token"]),
        known_ids={
            "patient_id": [str(patient.id)],
            "item_id": disposable,
            "product_id": [products[name] for name in SHELF],
            "dermatologist_id": [str(spare.id)],
            "override_id": [override["id"]],
            "procedure_id": [procedure["id"]],
            "reminder_id": [item["id"] for item in due["items"][:3]],
            "device_id": devices,
        },
    )


def _log(on: date) -> dict[str, object]:
    return {"date": on.isoformat(), "slot": "am", "done": True, "irritation": "none"}


async def _etag(client: httpx.AsyncClient, derm: Person, patient_id: uuid.UUID, what: str) -> str:
    response = await client.get(f"/v1/patients/{patient_id}/{what}", headers=derm.headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def _ok(request: object) -> dict[str, object]:
    response = await request  # type: ignore[misc]
    assert response.status_code < 300, response.text
    return response.json() if response.content else {}
