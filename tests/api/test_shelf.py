"""The shelf: add, read, change and remove items; nobody touches another's."""

from app.main import create_app
from tests.factories import add_to_shelf, catalog_product, create_person, put_profile


async def test_shelf_round_trip(client, session):
    person = await create_person(client)
    await put_profile(client, person, timezone="Pacific/Auckland")
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    item = await add_to_shelf(
        client, person, cleanser.id, batch="B123", expires_on="2027-06-30", pao_months=12
    )
    assert item["product"]["name"] == "Gentle Hydrating Cream Cleanser"
    assert item["patch_test"] == "pending"
    assert item["added_on"]
    shelf = await client.get("/v1/me/shelf", headers=person.headers)
    assert [i["id"] for i in shelf.json()["items"]] == [item["id"]]
    patched = await client.patch(
        f"/v1/me/shelf/{item['id']}",
        json={"opened_on": "2026-11-01", "patch_test": "passed"},
        headers=person.headers,
    )
    assert patched.status_code == 200
    assert patched.json()["opened_on"] == "2026-11-01"
    assert patched.json()["batch"] == "B123"
    deleted = await client.delete(f"/v1/me/shelf/{item['id']}", headers=person.headers)
    assert deleted.status_code == 204
    assert (await client.get("/v1/me/shelf", headers=person.headers)).json()["items"] == []


async def test_shelf_etag_and_304(client, session):
    person = await create_person(client)
    first = await client.get("/v1/me/shelf", headers=person.headers)
    cached = await client.get(
        "/v1/me/shelf", headers={**person.headers, "If-None-Match": first.headers["etag"]}
    )
    assert cached.status_code == 304
    await add_to_shelf(
        client, person, (await catalog_product(session, "Pure Squalane Facial Oil")).id
    )
    changed = await client.get(
        "/v1/me/shelf", headers={**person.headers, "If-None-Match": first.headers["etag"]}
    )
    assert changed.status_code == 200


async def test_another_users_item_is_404_and_left_untouched(client, session):
    owner = await create_person(client)
    intruder = await create_person(client)
    product = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    item = await add_to_shelf(client, owner, product.id, batch="MINE")
    url = f"/v1/me/shelf/{item['id']}"
    patched = await client.patch(url, json={"batch": "STOLEN"}, headers=intruder.headers)
    deleted = await client.delete(url, headers=intruder.headers)
    assert patched.status_code == deleted.status_code == 404
    assert patched.json()["code"] == "shelf_item_not_found"
    shelf = (await client.get("/v1/me/shelf", headers=owner.headers)).json()["items"]
    assert [(i["id"], i["batch"]) for i in shelf] == [(item["id"], "MINE")]


async def test_shelf_bodies_are_validated(client, session):
    person = await create_person(client)
    product = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    item = await add_to_shelf(client, person, product.id)
    bad_posts = [
        {"product_id": "not-a-uuid"},
        {"product_id": str(product.id), "pao_months": 0},
        {"product_id": str(product.id), "patch_test": "maybe"},
        {"product_id": str(product.id), "user_id": str(person.id)},
        {"product_id": str(product.id), "expires_on": "2027-02-30"},
    ]
    for body in bad_posts:
        response = await client.post("/v1/me/shelf", json=body, headers=person.headers)
        assert response.status_code == 422, body
    bad_patches = [
        {"product_id": str(product.id)},
        {"patch_test": None},
        {"added_on": "2020-01-01"},
    ]
    for body in bad_patches:
        response = await client.patch(
            f"/v1/me/shelf/{item['id']}", json=body, headers=person.headers
        )
        assert response.status_code == 422, body
    unknown = await client.post(
        "/v1/me/shelf",
        json={"product_id": "00000000-0000-4000-8000-000000000000"},
        headers=person.headers,
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "product_not_found"


async def test_cannot_shelve_someone_elses_private_product(client):
    owner = await create_person(client)
    other = await create_person(client)
    private = await client.post(
        "/v1/products", json={"name": "Secret Serum", "category": "serum"}, headers=owner.headers
    )
    response = await client.post(
        "/v1/me/shelf", json={"product_id": private.json()["id"]}, headers=other.headers
    )
    assert response.status_code == 404


async def test_a_null_patch_test_is_refused_on_the_field_and_not_offered(client, session):
    """The document offered null for patch_test, which the server refuses (schemathesis)."""
    person = await create_person(client)
    product = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    item = await add_to_shelf(client, person, product.id)
    refused = await client.patch(
        f"/v1/me/shelf/{item['id']}", json={"patch_test": None}, headers=person.headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "patch_test"]
    schema = create_app().openapi()["components"]["schemas"]["ShelfItemUpdate"]
    assert schema["properties"]["patch_test"]["$ref"] == "#/components/schemas/PatchTest"
