"""Routine reads send pre-encoded JSON (app.http_cache.cached_json), so FastAPI never checks
them against their declared response models. These tests do: real payloads, built through HTTP
for differently seeded users, must validate against RoutineDay / RoutineDays / RuleCatalog and
round-trip through them unchanged (no field the model does not declare, none it lacks).
"""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from app.models.accounts import Role
from app.models.routines import RoutineDay, RoutineDays, RuleCatalog
from tests.factories import (
    Person,
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    link_patient,
    put_profile,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
RANGE = (TODAY, TODAY + timedelta(days=13))  # two weeks: every night type of a rotation

BASICS = ("Gentle Hydrating Cream Cleanser", "Light Gel Moisturiser", "Mineral Sunscreen SPF 50")


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    freeze_clock(monkeypatch, NOW)


def conforms(model: type[BaseModel], body: bytes) -> Any:
    """The payload validates against `model`, and the model gives back exactly the payload."""
    parsed = model.model_validate_json(body)
    sent = json.loads(body)
    assert parsed.model_dump(mode="json") == sent
    return sent


async def shelf_of(client, session, person: Person, *names: str, tested: bool = True) -> None:
    for name in names:
        product = await catalog_product(session, name)
        fields = {"patch_test": "passed"} if tested else {}
        await add_to_shelf(client, person, product.id, **fields)


async def new_user(client, session) -> Person:
    """A profile and nothing else: an empty routine."""
    person = await create_person(client)
    await put_profile(client, person)
    return person


async def beginner_with_an_untested_shelf(client, session) -> Person:
    person = await create_person(client)
    await put_profile(client, person, retinoid_experience="none", sensitivity="high")
    await shelf_of(
        client, session, person, *BASICS, "Milk Exosome Glow Serum", "Lactic Acid 10% Serum"
    )
    await shelf_of(client, session, person, "Retinol 0.3% in Squalane Serum", tested=False)
    return person


async def pregnant_user(client, session) -> Person:
    person = await create_person(client)
    await put_profile(client, person, pregnancy="pregnant", due_date="2027-03-01")
    await shelf_of(
        client,
        session,
        person,
        *BASICS,
        "Tretinoin 0.05% Cream",
        "Hydroquinone 4% Cream",
        "Human MSC Exosome Recovery Serum",
        "Vitamin C 15% L-Ascorbic Acid Serum",
    )
    return person


async def retinoid_user(client, session) -> Person:
    person = await create_person(client)
    await put_profile(client, person, retinoid_experience="experienced", skin_type="oily")
    await shelf_of(
        client,
        session,
        person,
        "Melting Balm Cleanser",
        *BASICS,
        "Tretinoin 0.05% Cream",
        "Benzoyl Peroxide 2.5% Gel",
        "Vitamin C 15% L-Ascorbic Acid Serum",
        "Glycolic Acid 7% Toning Solution",
        "Platelet Exosome Renewal Serum",
        "AHA 30% + BHA 2% Peel Mask",
        "Pure Squalane Facial Oil",
    )
    return person


async def patient_with_overrides(client, session) -> tuple[Person, Person]:
    patient = await create_person(client)
    await put_profile(client, patient, retinoid_experience="experienced")
    await shelf_of(
        client, session, patient, *BASICS, "Retinol 0.3% in Squalane Serum", "Lactic Acid 10% Serum"
    )
    await shelf_of(client, session, patient, "Ceramide Barrier Repair Cream", tested=False)
    derm = await create_person(client, session, role=Role.dermatologist)
    await link_patient(client, patient, derm)
    serum = await catalog_product(session, "Niacinamide 10% + Zinc Serum")
    retinol = await catalog_product(session, "Retinol 0.3% in Squalane Serum")
    lactic = await catalog_product(session, "Lactic Acid 10% Serum")
    cream = await catalog_product(session, "Ceramide Barrier Repair Cream")
    bodies = [
        {"action": "add", "product_id": str(serum.id), "slot": "am", "frequency": "daily"},
        {"action": "remove", "product_id": str(lactic.id)},
        {"action": "set_frequency", "product_id": str(retinol.id), "frequency": "every_n_days",
         "interval_days": 3},
        {"action": "shorten_patch_test", "product_id": str(cream.id), "patch_test_days": 2},
        {"action": "set_wait", "product_id": str(retinol.id), "wait_after_seconds": 120},
    ]  # fmt: skip
    for body in bodies:
        listed = await client.get(f"/v1/patients/{patient.id}/overrides", headers=derm.headers)
        response = await client.post(
            f"/v1/patients/{patient.id}/overrides",
            json={"reason": "Dermatologist's plan", "starts_on": TODAY.isoformat(), **body},
            headers={**derm.headers, "If-Match": listed.headers["ETag"]},
        )
        assert response.status_code == 201, (body, response.text)
    return patient, derm


async def routine_payloads(client, headers, base: str) -> list[dict[str, Any]]:
    """Every day of RANGE through the range route, and each day through the one-day route."""
    start, end = RANGE
    response = await client.get(
        f"{base}/routine/days",
        params={"from": start.isoformat(), "to": end.isoformat()},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    days = conforms(RoutineDays, response.content)["days"]
    for day in days:
        one = await client.get(f"{base}/routine", params={"date": day["date"]}, headers=headers)
        assert one.status_code == 200, one.text
        assert conforms(RoutineDay, one.content) == day
    today = await client.get(f"{base}/routine", headers=headers)  # the default date
    assert conforms(RoutineDay, today.content)["date"] == date.isoformat(TODAY)
    return days


async def test_routine_payloads_validate_against_the_declared_models(client, session):
    seen: list[dict[str, Any]] = []
    for seed in (new_user, beginner_with_an_untested_shelf, pregnant_user, retinoid_user):
        person = await seed(client, session)
        seen += await routine_payloads(client, person.headers, "/v1/me")
    patient, derm = await patient_with_overrides(client, session)
    seen += await routine_payloads(client, patient.headers, "/v1/me")
    as_patient = await routine_payloads(client, patient.headers, "/v1/me")
    as_dermatologist = await routine_payloads(client, derm.headers, f"/v1/patients/{patient.id}")
    assert as_dermatologist == as_patient
    seen += as_dermatologist

    # the seeds reach the optional parts of the model, so the check above is not vacuous
    steps = [step for day in seen for slot in ("am", "pm") for step in day[slot]["steps"]]
    assert any(not day["am"]["steps"] and not day["pm"]["steps"] for day in seen)
    assert any(step["override"] is not None for step in steps)
    assert any(exclusion["override"] is not None for day in seen for exclusion in day["excluded"])
    assert any(exclusion["slot"] is None for day in seen for exclusion in day["excluded"])
    assert any(day["warnings"] for day in seen)
    assert len({day["night_type"] for day in seen}) >= 3
    assert any(rule["configurable_default"] for day in seen for rule in day["rules"].values())


async def test_the_rule_catalogue_validates_against_its_model(client):
    response = await client.get("/v1/rules")
    assert response.status_code == 200
    assert conforms(RuleCatalog, response.content)["rules"]
