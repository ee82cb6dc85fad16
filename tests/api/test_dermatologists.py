"""Dermatologists: consent (invites, links, revocation), the patient view, overrides under the
guards (RULES.md O1, O2), If-Match on the override list, and the access matrix."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from app.main import create_app
from app.models.accounts import Role
from app.scheduling.inputs import Frequency, OverrideAction, Slot
from app.services import routine_inputs
from tests.factories import (
    Person,
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    invite_code,
    link_patient,
    put_profile,
    scheduler_headers,
)

# The clock stands still for every test here (London is on GMT then), so no run crosses midnight.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    freeze_clock(monkeypatch, NOW)


REASON = "Barrier is compromised: stop the retinoid for now"


async def dermatologist(client, session) -> Person:
    return await create_person(client, session, role=Role.dermatologist)


async def list_etag(client, derm: Person, patient_id: uuid.UUID) -> str:
    response = await client.get(f"/v1/patients/{patient_id}/overrides", headers=derm.headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


async def post_override(
    client, derm: Person, patient_id: uuid.UUID, body: dict[str, Any], *, etag: str | None = None
):
    etag = etag or await list_etag(client, derm, patient_id)
    return await client.post(
        f"/v1/patients/{patient_id}/overrides",
        json={"reason": REASON, "starts_on": TODAY.isoformat(), **body},
        headers={**derm.headers, "If-Match": etag},
    )


# --- consent ----------------------------------------------------------------------------------


async def test_invite_then_redeem_links_both_sides(client, session):
    patient = await create_person(client)
    derm = await dermatologist(client, session)
    invite = await client.post("/v1/me/care-team/invites", headers=patient.headers)
    assert invite.status_code == 201
    body = invite.json()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", body["code"])
    assert body["expires_at"].endswith(("+00:00", "Z"))

    # the code is forgiving about case and separators
    code = body["code"].lower().replace("-", " ")
    redeemed = await client.post("/v1/patients", json={"code": code}, headers=derm.headers)
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["id"] == str(patient.id)
    assert redeemed.json()["email"] == patient.email

    patients = (await client.get("/v1/patients", headers=derm.headers)).json()
    assert [p["id"] for p in patients["items"]] == [str(patient.id)]
    assert patients["next_cursor"] is None
    team = (await client.get("/v1/me/care-team", headers=patient.headers)).json()
    assert [m["dermatologist"] for m in team["items"]] == [
        {"id": str(derm.id), "email": derm.email}
    ]


async def test_an_invite_is_single_use(client, session):
    patient = await create_person(client)
    first, second = await dermatologist(client, session), await dermatologist(client, session)
    code = await invite_code(client, patient)
    ok = await client.post("/v1/patients", json={"code": code}, headers=first.headers)
    again = await client.post("/v1/patients", json={"code": code}, headers=second.headers)
    assert ok.status_code == 201
    assert again.status_code == 422
    assert again.json()["code"] == "invite_invalid"
    assert again.headers["content-type"] == "application/problem+json"


async def test_an_invite_expires_after_72_hours(client, session, monkeypatch):
    patient = await create_person(client)
    derm = await dermatologist(client, session)
    code = await invite_code(client, patient)
    freeze_clock(monkeypatch, NOW + timedelta(hours=72, minutes=1))
    expired = await client.post("/v1/patients", json={"code": code}, headers=derm.headers)
    assert expired.status_code == 422
    assert expired.json()["code"] == "invite_invalid"


async def test_unknown_own_and_duplicate_codes_are_refused(client, session):
    patient = await create_person(client)
    derm, other = await dermatologist(client, session), await dermatologist(client, session)
    unknown = await client.post("/v1/patients", json={"code": "NOPE"}, headers=derm.headers)
    assert unknown.json()["code"] == "invite_invalid"
    # a dermatologist cannot consent on their own behalf
    own = await invite_code(client, derm)
    assert (await client.post("/v1/patients", json={"code": own}, headers=derm.headers)).json()[
        "code"
    ] == "invite_invalid"
    await link_patient(client, patient, derm)
    code = await invite_code(client, patient)
    twice = await client.post("/v1/patients", json={"code": code}, headers=derm.headers)
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_linked"
    # the refused redemption did not use the code up
    assert (
        await client.post("/v1/patients", json={"code": code}, headers=other.headers)
    ).status_code == 201
    bad = await client.post("/v1/patients", json={"code": code, "x": 1}, headers=other.headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_error"


async def test_patients_are_paginated(client, session):
    derm = await dermatologist(client, session)
    people = [await create_person(client) for _ in range(3)]
    for person in people:
        await link_patient(client, person, derm)
    first = (await client.get("/v1/patients?limit=2", headers=derm.headers)).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = (
        await client.get(
            "/v1/patients",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=derm.headers,
        )
    ).json()
    assert rest["next_cursor"] is None
    seen = [p["id"] for p in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(str(p.id) for p in people)
    broken = await client.get("/v1/patients?cursor=garbage", headers=derm.headers)
    assert broken.status_code == 422
    assert broken.json()["code"] == "invalid_cursor"


async def test_revocation_ends_access_at_once_and_withdraws_the_overrides(client, session):
    patient = await create_person(client)
    await put_profile(client, patient)
    derm = await dermatologist(client, session)
    await link_patient(client, patient, derm)
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    created = await post_override(
        client,
        derm,
        patient.id,
        {"action": "set_wait", "product_id": str(cleanser.id), "wait_after_seconds": 60},
    )
    assert created.status_code == 201, created.text

    gone = await client.delete(f"/v1/me/care-team/{derm.id}", headers=patient.headers)
    assert gone.status_code == 204
    assert (
        await client.get(f"/v1/patients/{patient.id}/profile", headers=derm.headers)
    ).status_code == 404
    assert (await client.get("/v1/patients", headers=derm.headers)).json()["items"] == []
    assert (await client.get("/v1/me/care-team", headers=patient.headers)).json()["items"] == []
    assert (await client.get("/v1/me/overrides", headers=patient.headers)).json()["items"] == []
    history = (
        await client.get("/v1/me/overrides?include_deleted=true", headers=patient.headers)
    ).json()["items"]
    assert [(o["id"], o["deleted_by"]) for o in history] == [
        (created.json()["id"], str(patient.id))
    ]
    again = await client.delete(f"/v1/me/care-team/{derm.id}", headers=patient.headers)
    assert again.status_code == 404
    assert again.json()["code"] == "care_link_not_found"

    # consent can be given again with a new invite
    await link_patient(client, patient, derm)
    assert (
        await client.get(f"/v1/patients/{patient.id}/profile", headers=derm.headers)
    ).status_code == 200


# --- overrides: shape, guards, concurrency ----------------------------------------------------


@pytest.fixture
async def linked(client, session):
    patient = await create_person(client)
    await put_profile(client, patient)
    derm = await dermatologist(client, session)
    await link_patient(client, patient, derm)
    return patient, derm


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"action": "remove"}, "needs product_id"),
        ({"action": "remove", "product_id": None, "reason": "   "}, "reason"),
        ({"action": "pause"}, "needs ends_on"),
        ({"action": "reorder", "product_id": "P", "slot": "am"}, "needs position"),
        ({"action": "remove", "product_id": "P", "wait_after_seconds": 5}, "does not take"),
        ({"action": "set_frequency", "product_id": "P", "frequency": "every_n_days"}, "interval"),
        ({"action": "remove", "product_id": "P", "ends_on": "2000-01-01"}, "ends_on"),
        ({"action": "remove", "product_id": "P", "author_id": "x"}, "Extra inputs"),
        ({"action": "explode", "product_id": "P"}, "action"),
    ],
)
async def test_malformed_overrides_are_422_with_a_location(client, session, linked, body, needle):
    patient, derm = linked
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    if body.get("product_id") == "P":
        body = {**body, "product_id": str(cleanser.id)}
    response = await post_override(client, derm, patient.id, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert needle in str(problem["errors"])


async def test_an_override_names_a_product_the_patient_can_see(client, session, linked):
    patient, derm = linked
    stranger = await create_person(client)
    private = await client.post(
        "/v1/products",
        json={"name": "Secret Serum", "category": "serum"},
        headers=stranger.headers,
    )
    for product_id in (private.json()["id"], str(uuid.uuid4())):
        response = await post_override(
            client, derm, patient.id, {"action": "remove", "product_id": product_id}
        )
        assert response.status_code == 404
        assert response.json()["code"] == "product_not_found"


@pytest.mark.parametrize(
    ("pregnancy", "medication"),
    [("pregnant", "isotretinoin"), ("trying_to_conceive", "acitretin")],
)
async def test_p1_is_never_overridable(client, session, pregnancy, medication):
    patient = await create_person(client)
    await put_profile(client, patient, pregnancy=pregnancy, oral_medications=[medication])
    derm = await dermatologist(client, session)
    await link_patient(client, patient, derm)
    retinol = await catalog_product(session, "Retinol 0.3% in Squalane Serum")
    await add_to_shelf(client, patient, retinol.id, patch_test="passed")
    for body in (
        {"action": "confirm", "product_id": str(retinol.id), "acknowledge_warning": True},
        {"action": "confirm", "product_id": str(retinol.id)},
        {
            "action": "add",
            "product_id": str(retinol.id),
            "slot": "pm",
            "acknowledge_warning": True,
        },
    ):
        response = await post_override(client, derm, patient.id, body)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "guard_not_overridable"
        assert "guard_not_overridable" in response.json()["violations"]
    assert (await client.get("/v1/me/overrides", headers=patient.headers)).json()["items"] == []
    trail = (await client.get("/v1/me/audit", headers=patient.headers)).json()["items"]
    assert [r["action"] for r in trail] == ["link_created", "invite_created"]


async def test_no_override_lifts_a_condition_guard(client, session):
    patient = await create_person(client)
    await put_profile(client, patient, conditions=["rosacea"])
    derm = await dermatologist(client, session)
    await link_patient(client, patient, derm)
    irritant = await catalog_product(session, "Cooling Menthol & Camphor Moisturiser")
    response = await post_override(
        client,
        derm,
        patient.id,
        {
            "action": "add",
            "product_id": str(irritant.id),
            "slot": "pm",
            "acknowledge_warning": True,
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "guard_not_overridable"


async def test_a_shaped_step_names_its_author_and_reason(client, session, linked):
    patient, derm = linked
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    await add_to_shelf(client, patient, cleanser.id)
    made = await post_override(
        client,
        derm,
        patient.id,
        {"action": "set_wait", "product_id": str(cleanser.id), "wait_after_seconds": 120},
    )
    assert made.status_code == 201, made.text
    routine = (await client.get(f"/v1/me/routine?date={TODAY}", headers=patient.headers)).json()
    steps = [s for slot in ("am", "pm") for s in routine[slot]["steps"]]
    shaped = [s for s in steps if s["product"]["id"] == str(cleanser.id)]
    assert shaped
    for step in shaped:
        assert step["source"] == "override"
        assert step["wait_after_seconds"] == 120
        assert step["override"]["author_name"] == derm.email
        assert step["override"]["reason"] == REASON


@pytest.mark.parametrize(
    "name",
    ["Retinol 0.3% in Squalane Serum", "Hydroquinone 4% Cream", "Human MSC Exosome Recovery Serum"],
)
async def test_p2_p3_p9_need_an_acknowledged_warning(client, session, name):
    patient = await create_person(client)
    await put_profile(client, patient, pregnancy="pregnant")
    derm = await dermatologist(client, session)
    await link_patient(client, patient, derm)
    product = await catalog_product(session, name)
    await add_to_shelf(client, patient, product.id, patch_test="passed")
    body = {"action": "confirm", "product_id": str(product.id)}
    refused = await post_override(client, derm, patient.id, body)
    assert refused.status_code == 422
    assert refused.json()["code"] == "warning_not_acknowledged"

    accepted = await post_override(client, derm, patient.id, {**body, "acknowledge_warning": True})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["acknowledge_warning"] is True
    routine = (await client.get(f"/v1/me/routine?date={TODAY}", headers=patient.headers)).json()
    confirmed = [w for w in routine["warnings"] if w["code"] == "override_confirmed"]
    assert confirmed, routine["warnings"]
    assert derm.email in confirmed[0]["message"]
    trail = (await client.get("/v1/me/audit", headers=patient.headers)).json()["items"]
    assert trail[0]["action"] == "guard_confirmed"
    assert trail[0]["subject_id"] == accepted.json()["id"]
    assert trail[0]["after"]["product_id"] == str(product.id)
    assert trail[0]["after"]["acknowledge_warning"] is True
    assert trail[1]["action"] == "override_created"


async def test_a_confirm_needs_something_to_confirm(client, session, linked):
    patient, derm = linked
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    response = await post_override(
        client, derm, patient.id, {"action": "confirm", "product_id": str(cleanser.id)}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "nothing_to_confirm"


async def test_writes_need_a_current_if_match(client, session, linked):
    patient, derm = linked
    other = await dermatologist(client, session)
    await link_patient(client, patient, other)
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    url = f"/v1/patients/{patient.id}/overrides"
    body = {
        "action": "set_wait",
        "product_id": str(cleanser.id),
        "wait_after_seconds": 45,
        "reason": "Let it settle",
        "starts_on": TODAY.isoformat(),
    }
    missing = await client.post(url, json=body, headers=derm.headers)
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"

    seen = await list_etag(client, derm, patient.id)
    # both read the same version; the second writer must not overwrite the first
    first = await client.post(url, json=body, headers={**other.headers, "If-Match": seen})
    assert first.status_code == 201
    stale = await client.post(url, json=body, headers={**derm.headers, "If-Match": seen})
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    current = await list_etag(client, derm, patient.id)
    assert current != seen
    assert stale.json()["current_etag"] == current

    item = f"{url}/{first.json()['id']}"
    assert (await client.delete(item, headers=derm.headers)).status_code == 428
    assert (
        await client.delete(item, headers={**derm.headers, "If-Match": seen})
    ).status_code == 412
    deleted = await client.delete(
        item, params={"reason": "not needed"}, headers={**derm.headers, "If-Match": current}
    )
    assert deleted.status_code == 204
    again = await client.delete(item, headers={**derm.headers, "If-Match": "*"})
    assert again.status_code == 404
    assert again.json()["code"] == "override_not_found"

    cached = await client.get(
        url, headers={**derm.headers, "If-None-Match": await list_etag(client, derm, patient.id)}
    )
    assert cached.status_code == 304


async def test_an_override_id_of_another_patient_is_404(client, session, linked):
    patient, derm = linked
    second = await create_person(client)
    await put_profile(client, second)
    await link_patient(client, second, derm)
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    theirs = await post_override(
        client, derm, second.id, {"action": "remove", "product_id": str(cleanser.id)}
    )
    response = await client.delete(
        f"/v1/patients/{patient.id}/overrides/{theirs.json()['id']}",
        headers={**derm.headers, "If-Match": "*"},
    )
    assert response.status_code == 404


# --- the end-to-end story -----------------------------------------------------------------------


async def test_a_dermatologist_shapes_the_plan_and_the_patient_sees_who_and_why(client, session):
    patient = await create_person(client)
    await put_profile(client, patient, skin_type="normal")
    for name in (
        "Gentle Hydrating Cream Cleanser",
        "Ceramide Barrier Repair Cream",
        "Mineral Sunscreen SPF 50",
    ):
        await add_to_shelf(
            client, patient, (await catalog_product(session, name)).id, patch_test="passed"
        )
    retinol = await catalog_product(session, "Retinol 0.3% in Squalane Serum")
    await add_to_shelf(client, patient, retinol.id, patch_test="passed")

    derm = await dermatologist(client, session)
    await link_patient(client, patient, derm)
    view = await client.get(f"/v1/patients/{patient.id}/routine?date={TODAY}", headers=derm.headers)
    own = await client.get(f"/v1/me/routine?date={TODAY}", headers=patient.headers)
    assert view.status_code == 200, view.text
    assert view.json() == own.json()
    assert view.headers["ETag"] == own.headers["ETag"]
    assert (
        await client.get(
            f"/v1/patients/{patient.id}/routine?date={TODAY}",
            headers={**derm.headers, "If-None-Match": view.headers["ETag"]},
        )
    ).status_code == 304

    etag = await list_etag(client, derm, patient.id)
    removed = await post_override(
        client, derm, patient.id, {"action": "remove", "product_id": str(retinol.id)}, etag=etag
    )
    assert removed.status_code == 201, removed.text
    assert removed.json()["author"] == {"id": str(derm.id), "email": derm.email}

    routine = (await client.get(f"/v1/me/routine?date={TODAY}", headers=patient.headers)).json()
    steps = [s["product"]["id"] for slot in ("am", "pm") for s in routine[slot]["steps"]]
    assert str(retinol.id) not in steps
    [excluded] = [e for e in routine["excluded"] if e["product"]["id"] == str(retinol.id)]
    assert excluded["guard"] == "override"
    assert REASON in excluded["reason"]
    assert excluded["override"] == {
        "id": removed.json()["id"],
        "author_id": str(derm.id),
        "author_name": derm.email,
        "reason": REASON,
    }
    assert routine["version"] != own.json()["version"]
    derm_view = await client.get(
        f"/v1/patients/{patient.id}/routine/days?from={TODAY}&to={TODAY + timedelta(days=1)}",
        headers=derm.headers,
    )
    assert derm_view.json()["days"][0] == routine

    mine = (await client.get("/v1/me/overrides", headers=patient.headers)).json()["items"]
    assert [(o["action"], o["reason"], o["author"]["email"]) for o in mine] == [
        ("remove", REASON, derm.email)
    ]

    stale = await post_override(
        client, derm, patient.id, {"action": "remove", "product_id": str(retinol.id)}, etag=etag
    )
    assert stale.status_code == 412

    trail = (await client.get(f"/v1/patients/{patient.id}/audit", headers=derm.headers)).json()
    assert [r["action"] for r in trail["items"]] == [
        "override_created",
        "link_created",
        "invite_created",
    ]
    assert trail["items"][0]["reason"] == REASON
    assert trail["items"][0]["actor_id"] == str(derm.id)
    assert trail["items"][0]["prev_hash"] == trail["items"][1]["hash"]
    assert trail["items"][2]["prev_hash"] == "0" * 64
    assert (await client.get("/v1/me/audit", headers=patient.headers)).json() == trail

    assert (
        await client.delete(f"/v1/me/care-team/{derm.id}", headers=patient.headers)
    ).status_code == 204
    for path in ("profile", "routine", "overrides", "audit"):
        response = await client.get(f"/v1/patients/{patient.id}/{path}", headers=derm.headers)
        assert response.status_code == 404, path
    trail = (await client.get("/v1/me/audit", headers=patient.headers)).json()["items"]
    assert [r["action"] for r in trail[:2]] == ["override_deleted", "link_revoked"]
    routine = (await client.get(f"/v1/me/routine?date={TODAY}", headers=patient.headers)).json()
    assert all(e["guard"] != "override" for e in routine["excluded"])


# --- the access matrix --------------------------------------------------------------------------

PATIENT_ROUTES = {
    "GET /v1/patients/{patient_id}/profile",
    "GET /v1/patients/{patient_id}/routine",
    "GET /v1/patients/{patient_id}/routine/days",
    "GET /v1/patients/{patient_id}/overrides",
    "POST /v1/patients/{patient_id}/overrides",
    "DELETE /v1/patients/{patient_id}/overrides/{override_id}",
    "GET /v1/patients/{patient_id}/audit",
    "GET /v1/patients/{patient_id}/procedures",
    "POST /v1/patients/{patient_id}/procedures",
    "POST /v1/patients/{patient_id}/procedure-series",
}
CARE_TEAM_ID_ROUTES = {"DELETE /v1/me/care-team/{dermatologist_id}"}
ID_ROUTES = PATIENT_ROUTES | CARE_TEAM_ID_ROUTES


def test_the_matrix_covers_every_dermatologist_route():
    paths = create_app().openapi()["paths"]
    routes = {
        f"{method.upper()} {path}"
        for path, ops in paths.items()
        if path.startswith(("/v1/patients", "/v1/me/care-team"))
        or path in ("/v1/me/overrides", "/v1/me/audit")
        for method in ops
    }
    assert routes == ID_ROUTES | {
        "GET /v1/patients",
        "POST /v1/patients",
        "POST /v1/me/care-team/invites",
        "GET /v1/me/care-team",
        "GET /v1/me/overrides",
        "GET /v1/me/audit",
    }


async def test_access_matrix(client, session):
    patient = await create_person(client)
    await put_profile(client, patient)
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    await add_to_shelf(client, patient, cleanser.id)
    linked = await dermatologist(client, session)
    unlinked = await dermatologist(client, session)
    revoked = await dermatologist(client, session)
    await link_patient(client, patient, linked)
    await link_patient(client, patient, revoked)
    assert (
        await client.delete(f"/v1/me/care-team/{revoked.id}", headers=patient.headers)
    ).status_code == 204
    plain = await create_person(client)
    service = await scheduler_headers(client, session)
    made = await post_override(
        client, linked, patient.id, {"action": "remove", "product_id": str(cleanser.id)}
    )
    assert made.status_code == 201

    base = f"/v1/patients/{patient.id}"
    body = {
        "action": "set_wait",
        "product_id": str(cleanser.id),
        "wait_after_seconds": 30,
        "reason": "r",
        "starts_on": TODAY.isoformat(),
    }
    calls = {
        "GET /v1/patients/{patient_id}/profile": ("GET", f"{base}/profile", None, 200),
        "GET /v1/patients/{patient_id}/routine": ("GET", f"{base}/routine", None, 200),
        "GET /v1/patients/{patient_id}/routine/days": (
            "GET",
            f"{base}/routine/days?from={TODAY}&to={TODAY}",
            None,
            200,
        ),
        "GET /v1/patients/{patient_id}/overrides": ("GET", f"{base}/overrides", None, 200),
        "POST /v1/patients/{patient_id}/overrides": ("POST", f"{base}/overrides", body, 201),
        "GET /v1/patients/{patient_id}/audit": ("GET", f"{base}/audit", None, 200),
        "GET /v1/patients/{patient_id}/procedures": ("GET", f"{base}/procedures", None, 200),
        "POST /v1/patients/{patient_id}/procedures": (
            "POST",
            f"{base}/procedures",
            {"kind": "ipl", "on": TODAY.isoformat()},
            201,
        ),
        "POST /v1/patients/{patient_id}/procedure-series": (
            "POST",
            f"{base}/procedure-series",
            {"kind": "prp", "sessions": 3, "interval_days": 21, "starts_on": TODAY.isoformat()},
            201,
        ),
        "DELETE /v1/patients/{patient_id}/overrides/{override_id}": (
            "DELETE",
            f"{base}/overrides/{made.json()['id']}",
            None,
            204,
        ),
    }
    assert set(calls) == PATIENT_ROUTES
    write = {"If-Match": "*"}
    denied = {
        "unlinked dermatologist": (unlinked.headers, 404),
        "revoked dermatologist": (revoked.headers, 404),
        "the patient": (patient.headers, 403),
        "a plain user": (plain.headers, 403),
        "a service token": (service, 403),
        "nobody": ({}, 401),
    }
    for who, (headers, status) in denied.items():
        for name, (method, url, payload, _ok) in calls.items():
            response = await client.request(method, url, json=payload, headers={**headers, **write})
            assert response.status_code == status, (who, name, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        # the same answer for a patient that does not exist: no oracle
        ghost = await client.get(f"/v1/patients/{uuid.uuid4()}/profile", headers=headers)
        assert ghost.status_code == status, who
        listing = await client.get("/v1/patients", headers=headers)
        redeem = await client.post("/v1/patients", json={"code": "X"}, headers=headers)
        if status == 404:  # dermatologists: their own (empty) list, and a bad code
            assert listing.status_code == 200
            assert str(patient.id) not in listing.text
            assert redeem.status_code == 422
        else:
            assert (listing.status_code, redeem.status_code) == (status, status), who

    for name, (method, url, payload, ok) in calls.items():
        response = await client.request(
            method, url, json=payload, headers={**linked.headers, **write}
        )
        assert response.status_code == ok, (name, response.text)

    # the patient's own routes: people only
    own = [
        ("POST", "/v1/me/care-team/invites", 201),
        ("GET", "/v1/me/care-team", 200),
        ("GET", "/v1/me/overrides", 200),
        ("GET", "/v1/me/audit", 200),
        ("DELETE", f"/v1/me/care-team/{linked.id}", 204),
    ]
    for method, url, _ok in own:
        assert (await client.request(method, url, headers=service)).status_code == 403, url
        assert (await client.request(method, url)).status_code == 401, url
    # someone else's dermatologist is not on my team
    other = await client.delete(f"/v1/me/care-team/{linked.id}", headers=plain.headers)
    assert other.status_code == 404
    for method, url, ok in own:
        assert (await client.request(method, url, headers=patient.headers)).status_code == ok


async def test_stored_overrides_become_engine_overrides_in_one_query(client, session, linked):
    patient, derm = linked
    retinol = await catalog_product(session, "Retinol 0.3% in Squalane Serum")
    serum = await catalog_product(session, "Niacinamide 10% + Zinc Serum")
    cream = await catalog_product(session, "Ceramide Barrier Repair Cream")
    await add_to_shelf(client, patient, retinol.id, patch_test="passed")
    await add_to_shelf(client, patient, cream.id)
    later = (TODAY + timedelta(days=10)).isoformat()
    bodies = [
        {
            "action": "add",
            "product_id": str(serum.id),
            "slot": "am",
            "frequency": "weekdays",
            "weekdays": [5, 1, 3],
        },
        {"action": "pause", "ends_on": later},
        {"action": "shorten_patch_test", "product_id": str(cream.id), "patch_test_days": 2},
        {
            "action": "set_frequency",
            "product_id": str(retinol.id),
            "frequency": "every_n_days",
            "interval_days": 3,
        },
        {"action": "reorder", "product_id": str(cream.id), "slot": "pm", "position": 1},
    ]
    for body in bodies:
        response = await post_override(client, derm, patient.id, body)
        assert response.status_code == 201, (body, response.text)

    statements = []
    sync_engine = session.bind.sync_engine

    def count(*_args):
        statements.append(1)

    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        stored = await routine_inputs.active_overrides(session, patient_id=patient.id)
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    by_action = {o.action: o for o in stored}
    assert set(by_action) == {
        OverrideAction.add,
        OverrideAction.pause,
        OverrideAction.shorten_patch_test,
        OverrideAction.set_frequency,
        OverrideAction.reorder,
    }
    add = by_action[OverrideAction.add]
    assert add.product is not None
    assert (add.product.id, add.product.name) == (serum.id, serum.name)
    assert (add.slot, add.frequency, add.weekdays) == (Slot.am, Frequency.weekdays, (1, 3, 5))
    assert add.author == derm.email
    assert by_action[OverrideAction.pause].ends_on.isoformat() == later
    assert by_action[OverrideAction.pause].product_id is None
    assert by_action[OverrideAction.shorten_patch_test].patch_test_days == 2
    assert by_action[OverrideAction.set_frequency].interval_days == 3
    assert by_action[OverrideAction.reorder].position == 1
    assert all(o.product is None for o in stored if o.action is not OverrideAction.add)

    routine = (await client.get(f"/v1/me/routine?date={TODAY}", headers=patient.headers)).json()
    paused = [e for e in routine["excluded"] if e["product"]["id"] == str(retinol.id)]
    assert [e["guard"] for e in paused] == ["procedure"]
    assert paused[0]["override"]["author_name"] == derm.email
