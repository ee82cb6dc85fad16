"""Every route that takes an id: another user gets 404 (never 200, never a hint)."""

from datetime import UTC, datetime

from app.main import create_app
from tests.factories import add_to_shelf, catalog_product, create_person


def test_every_id_route_is_listed_here():
    paths = create_app().openapi()["paths"]
    templated = {
        f"{method.upper()} {path}" for path, ops in paths.items() if "{" in path for method in ops
    }
    assert templated, "the OpenAPI schema lists no templated routes"
    assert templated == ID_ROUTES | OTHER_ID_ROUTES


ID_ROUTES = {
    "GET /v1/products/{product_id}",
    "PATCH /v1/me/shelf/{item_id}",
    "DELETE /v1/me/shelf/{item_id}",
    "DELETE /v1/me/procedures/{procedure_id}",
    "GET /v1/me/devices/{device_id}",
    "DELETE /v1/me/devices/{device_id}",
}
# id routes covered by their own access-matrix tests (dermatologists, reminders)
OTHER_ID_ROUTES: set[str] = {
    # tests/api/test_dermatologists.py::test_access_matrix
    "DELETE /v1/me/care-team/{dermatologist_id}",
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
    # tests/api/reminders/test_feed.py: scheduler-only (a person gets 403), and only the worker
    # holding the lease may ack (test_ack_by_another_worker_or_before_a_claim_is_refused)
    "POST /v1/reminders/{reminder_id}/ack",
    # tests/api/test_devices.py::test_another_users_device_id_is_invisible: a device id is
    # private to its user, so another user's PUT of it registers a device of their own
    "PUT /v1/me/devices/{device_id}",
}


async def test_another_user_gets_404_on_every_id_route(client, session):
    owner = await create_person(client)
    stranger = await create_person(client)
    private = await client.post(
        "/v1/products", json={"name": "Own Serum", "category": "serum"}, headers=owner.headers
    )
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    item = await add_to_shelf(client, owner, cleanser.id)
    procedure = await client.post(
        "/v1/me/procedures",
        json={"kind": "ipl", "on": str(datetime.now(UTC).date())},
        headers=owner.headers,
    )
    device = await client.put(
        "/v1/me/devices/owners-phone",
        json={"platform": "ios", "push_token": "owners-token"},
        headers=owner.headers,
    )
    assert device.status_code == 201, device.text
    calls = {
        "GET /v1/products/{product_id}": ("GET", f"/v1/products/{private.json()['id']}", None),
        "PATCH /v1/me/shelf/{item_id}": ("PATCH", f"/v1/me/shelf/{item['id']}", {"batch": "x"}),
        "DELETE /v1/me/shelf/{item_id}": ("DELETE", f"/v1/me/shelf/{item['id']}", None),
        "DELETE /v1/me/procedures/{procedure_id}": (
            "DELETE",
            f"/v1/me/procedures/{procedure.json()['id']}",
            None,
        ),
        "GET /v1/me/devices/{device_id}": ("GET", "/v1/me/devices/owners-phone", None),
        "DELETE /v1/me/devices/{device_id}": ("DELETE", "/v1/me/devices/owners-phone", None),
    }
    assert set(calls) == ID_ROUTES
    for name, (method, url, body) in calls.items():
        response = await client.request(method, url, json=body, headers=stranger.headers)
        assert response.status_code == 404, name
    # and nothing was changed on the owner's side
    assert (
        await client.get(calls["GET /v1/products/{product_id}"][1], headers=owner.headers)
    ).status_code == 200
    shelf = (await client.get("/v1/me/shelf", headers=owner.headers)).json()["items"]
    assert [(i["id"], i["batch"]) for i in shelf] == [(item["id"], None)]
    devices = (await client.get("/v1/me/devices", headers=owner.headers)).json()["items"]
    assert [d["device_id"] for d in devices] == ["owners-phone"]
