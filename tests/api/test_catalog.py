"""The catalog: seed coverage, search, pagination, private and shared products."""

from app.models.accounts import Role
from app.scheduling.inputs import ActiveClass, Category
from app.scheduling.lexicon import flags_from_inci
from app.services.catalog import seed_products
from tests.factories import create_person


def test_seed_catalog_covers_every_category_and_active_class():
    products = seed_products()
    assert len(products) >= 40
    assert {p.category for p in products} == set(Category)
    assert {a.class_ for p in products for a in p.actives} == set(ActiveClass)
    names = [p.name for p in products]
    assert len(names) == len(set(names))
    exosomes = [p for p in products if p.category == Category.exosome_serum]
    assert len({p.exosome_source for p in exosomes}) >= 4
    assert any(p.batch_on_label is False or p.expiry_on_label is False for p in exosomes)


def test_seed_flags_agree_with_their_inci_lists():
    for product in seed_products():
        flags = flags_from_inci(product.inci)
        assert flags.fragrance == product.fragrance, product.name
        assert flags.alcohol_denat == product.alcohol_denat, product.name
        assert flags.essential_oils == product.essential_oils, product.name
        assert flags.physical_scrub == product.physical_scrub, product.name


async def test_search_by_text_and_category(client):
    person = await create_person(client)
    found = await client.get("/v1/products?q=TRETINOIN", headers=person.headers)
    assert found.status_code == 200
    names = [p["name"] for p in found.json()["items"]]
    assert names
    assert all("tretinoin" in n.lower() for n in names)
    sunscreens = await client.get("/v1/products?category=sunscreen", headers=person.headers)
    items = sunscreens.json()["items"]
    assert items
    assert all(p["category"] == "sunscreen" and p["spf"] for p in items)
    # LIKE wildcards in q are matched literally
    percent = (await client.get("/v1/products?q=%25", headers=person.headers)).json()["items"]
    assert percent
    assert all("%" in p["name"] + p["brand"] for p in percent)
    underscore = await client.get("/v1/products?q=_", headers=person.headers)
    assert underscore.json()["items"] == []


async def test_cursor_pagination_walks_everything_once(client):
    person = await create_person(client)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        url = "/v1/products?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=person.headers)).json()
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == len(seed_products())
    assert pages == -(-len(seen) // 7)


async def test_bad_limit_and_cursor_are_422(client):
    person = await create_person(client)
    too_many = await client.get("/v1/products?limit=201", headers=person.headers)
    bad_cursor = await client.get("/v1/products?cursor=garbage!!", headers=person.headers)
    forged = await client.get("/v1/products?cursor=WzEsMiwzXQ", headers=person.headers)
    assert too_many.status_code == 422
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["code"] == "invalid_cursor"
    assert forged.status_code == 422


async def test_a_users_product_is_private_and_flags_come_from_inci(client):
    owner = await create_person(client)
    other = await create_person(client)
    response = await client.post(
        "/v1/products",
        json={
            "name": "My Cousin's Night Cream",
            "category": "moisturiser",
            "inci": ["Aqua", "Glycerin", "Parfum", "Alcohol Denat.", "Lavandula Angustifolia Oil"],
            "actives": [{"class": "niacinamide", "name": "niacinamide", "percent": 4}],
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    product = response.json()
    assert product["shared"] is False
    assert product["fragrance"]
    assert product["alcohol_denat"]
    assert product["essential_oils"]
    assert product["actives"] == [{"class": "niacinamide", "name": "niacinamide", "percent": 4.0}]
    mine = await client.get(f"/v1/products/{product['id']}", headers=owner.headers)
    theirs = await client.get(f"/v1/products/{product['id']}", headers=other.headers)
    assert mine.status_code == 200
    assert theirs.status_code == 404
    listed = await client.get("/v1/products?q=cousin", headers=other.headers)
    assert listed.json()["items"] == []


async def test_an_admins_product_joins_the_shared_catalog(client, session):
    admin = await create_person(client, session, role=Role.admin)
    user = await create_person(client)
    response = await client.post(
        "/v1/products",
        json={"name": "Shared Barrier Balm", "category": "moisturiser", "inci": ["Petrolatum"]},
        headers=admin.headers,
    )
    assert response.json()["shared"] is True
    seen = await client.get(f"/v1/products/{response.json()['id']}", headers=user.headers)
    assert seen.status_code == 200


async def test_product_body_is_validated(client):
    person = await create_person(client)
    cases = [
        {"name": "X", "category": "potion"},
        {"name": "X", "category": "serum", "actives": [{"class": "magic", "name": "m"}]},
        {"name": "X", "category": "serum", "ph": 15},
        {"name": "X", "category": "sunscreen", "spf": 0},
        {"name": "X", "category": "serum", "id": "00000000-0000-0000-0000-000000000000"},
        {"name": "", "category": "serum"},
    ]
    for body in cases:
        response = await client.post("/v1/products", json=body, headers=person.headers)
        assert response.status_code == 422, body


async def test_rinse_off_reaches_the_api_and_the_engine(client, session):
    from app.services import routine_inputs
    from tests.factories import catalog_product

    person = await create_person(client)
    mask = await catalog_product(session, "Purifying Clay Mask")
    shown = (await client.get(f"/v1/products/{mask.id}", headers=person.headers)).json()
    assert shown["rinse_off"] is True
    assert routine_inputs.product(mask).rinse_off is True
    cream = await catalog_product(session, "Rich Nourishing Cream")
    assert routine_inputs.product(cream).rinse_off is None
