"""Shared by the reminder tests: a seeded reminder user, the due feed read page by page, claim
and ack through HTTP, and the instants they are written around."""

from datetime import UTC, date, datetime

from tests.factories import add_to_shelf, catalog_product, create_person, put_profile

CLEANSER = "Gentle Hydrating Cream Cleanser"
MOISTURISER = "Light Gel Moisturiser"
SUNSCREEN = "Mineral Sunscreen SPF 50"
RETINOL = "Retinol 0.3% in Squalane Serum"
BASICS = (CLEANSER, MOISTURISER, SUNSCREEN)

D = date(2026, 3, 2)  # London is on GMT: local times are UTC times
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def iso(instant):
    return instant.isoformat().replace("+00:00", "Z")


async def reminder_user(
    client, session, *, products=BASICS, settings=None, timezone="Europe/London", **profile
):
    person = await create_person(client)
    await put_profile(client, person, timezone=timezone, **profile)
    for name in products:
        product = await catalog_product(session, name)
        await add_to_shelf(client, person, product.id, patch_test="passed")
    body = {"enabled": True} if settings is None else settings
    response = await client.put("/v1/me/reminders", json=body, headers=person.headers)
    assert response.status_code == 200, response.text
    return person


async def due(client, headers, start, end, *, user=None, limit=200):
    """Every page of the due feed for [start, end), optionally for one user."""
    items, cursor = [], None
    while True:
        params = {"from": iso(start), "to": iso(end), "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/reminders/due", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return [item for item in items if user is None or item["user_id"] == str(user.id)]


def slots(items):
    return [(item["local_date"], item["slot"], item["due_at"]) for item in items]


async def claim(client, headers, worker, until, maximum=50):
    response = await client.post(
        "/v1/reminders/claim",
        json={"worker_id": worker, "until": iso(until), "max": maximum},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def ack(client, headers, reminder_id, worker):
    return await client.post(
        f"/v1/reminders/{reminder_id}/ack", json={"worker_id": worker}, headers=headers
    )
