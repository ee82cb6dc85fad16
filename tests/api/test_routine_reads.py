"""Routine reads: a constant number of SQL statements whatever the shelf, one on a cache hit,
and a fresh plan as soon as any input changes (in this process or another)."""

from contextlib import contextmanager
from datetime import date

from sqlalchemy import delete, event

from app.models.accounts import User
from app.models.shelf import ShelfItem
from app.services import routine_changes
from tests.factories import add_to_shelf, catalog_product, create_person, put_profile

SHELF = [
    "Gentle Hydrating Cream Cleanser",
    "Hydrating First Essence",
    "Vitamin C 15% L-Ascorbic Acid Serum",
    "Niacinamide 10% + Zinc Serum",
    "Retinol 0.3% in Squalane Serum",
    "Lactic Acid 10% Serum",
    "Peptide Firming Night Cream",
    "Ceramide Barrier Repair Cream",
    "Caffeine Peptide Eye Cream",
    "Pure Squalane Facial Oil",
    "Mineral Sunscreen SPF 50",
    "Human MSC Exosome Recovery Serum",
]


@contextmanager
def counted(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _user_with_shelf(client, session, names):
    person = await create_person(client)
    await put_profile(client, person)
    for name in names:
        await add_to_shelf(client, person, (await catalog_product(session, name)).id)
    return person


async def test_statements_do_not_grow_with_the_shelf(client, session, engine):
    small = await _user_with_shelf(client, session, SHELF[:1])
    large = await _user_with_shelf(client, session, SHELF)
    # the shared catalog's products are read once per catalog version per process (ALT1):
    # read it first, so the count does not depend on which test ran before
    warm = await _user_with_shelf(client, session, SHELF[:1])
    assert (await client.get("/v1/me/routine", headers=warm.headers)).status_code == 200
    counts = []
    for person in (small, large):
        with counted(engine) as statements:
            response = await client.get("/v1/me/routine?date=2026-12-01", headers=person.headers)
        assert response.status_code == 200
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1]
    # the caller, profile, shelf with products, overrides with products, plan-shaping logs,
    # the catalog's version (its products are read once per version: ALT1 alternatives),
    # procedures
    assert counts[0] == 7


def _own(statements: list[str]) -> list[str]:
    """The request's statements, without the savepoint that joins it to the test's rolled-back
    transaction (a served request has no such savepoint)."""
    harness = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [s for s in statements if not s.lstrip().upper().startswith(harness)]


async def test_an_unchanged_routine_is_served_with_one_statement(client, session, engine):
    person = await _user_with_shelf(client, session, SHELF[:4])
    url = "/v1/me/routine?date=2026-12-01"
    first = await client.get(url, headers=person.headers)
    with counted(engine) as statements:
        again = await client.get(url, headers=person.headers)
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    # exactly one, of any kind (no BEGIN, no COMMIT): the caller's own row with its revision
    assert len(_own(statements)) == 1, statements
    assert "plan_revision" in _own(statements)[0]
    with counted(engine) as statements:
        not_modified = await client.get(
            url, headers={**person.headers, "If-None-Match": first.headers["etag"]}
        )
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == first.headers["etag"]
    assert len(_own(statements)) == 1, statements


async def test_the_cache_never_serves_one_users_plan_to_another(client, session):
    url = "/v1/me/routine?date=2026-12-01"
    plain = await _user_with_shelf(client, session, SHELF[:1])
    sunscreen_user = await _user_with_shelf(client, session, [*SHELF[:1], SHELF[10]])
    for _ in range(2):  # the second round is served from the cache
        mine = await client.get(url, headers=plain.headers)
        theirs = await client.get(url, headers=sunscreen_user.headers)
        assert not any(s["kind"] == "spf" for s in mine.json()["am"]["steps"])
        assert any(s["kind"] == "spf" for s in theirs.json()["am"]["steps"])
        assert mine.headers["etag"] != theirs.headers["etag"]


async def test_a_removed_account_is_refused_on_the_next_cached_read(client, session):
    person = await _user_with_shelf(client, session, SHELF[:1])
    url = "/v1/me/routine?date=2026-12-01"
    first = await client.get(url, headers=person.headers)
    assert first.status_code == 200
    await session.execute(delete(User).where(User.id == person.id))  # another process, say
    await session.commit()
    for path in (url, "/v1/me/profile", "/v1/me/shelf"):
        refused = await client.get(
            path, headers={**person.headers, "If-None-Match": first.headers["etag"]}
        )
        assert refused.status_code == 401, path
        assert refused.json()["code"] == "invalid_token"


async def test_every_input_change_is_seen_at_once(client, session):
    person = await _user_with_shelf(client, session, SHELF[:1])
    url = "/v1/me/routine?date=2026-12-01"
    before = await client.get(url, headers=person.headers)
    sunscreen = await catalog_product(session, "Mineral Sunscreen SPF 50")
    item = await add_to_shelf(client, person, sunscreen.id, patch_test="passed")
    after_shelf = await client.get(
        url, headers={**person.headers, "If-None-Match": before.headers["etag"]}
    )
    assert after_shelf.status_code == 200
    assert any(s["kind"] == "spf" for s in after_shelf.json()["am"]["steps"])
    await client.patch("/v1/me/profile", json={"pregnancy": "pregnant"}, headers=person.headers)
    after_profile = await client.get(url, headers=person.headers)
    assert after_profile.headers["etag"] != after_shelf.headers["etag"]
    await client.delete(f"/v1/me/shelf/{item['id']}", headers=person.headers)
    after_delete = await client.get(url, headers=person.headers)
    assert not any(s["kind"] == "spf" for s in after_delete.json()["am"]["steps"])


async def test_a_change_made_by_another_process_is_seen(client, session):
    """Another worker writes and bumps the revision in the database; this process obeys."""
    person = await _user_with_shelf(client, session, SHELF[:1])
    url = "/v1/me/routine?date=2026-12-01"
    before = await client.get(url, headers=person.headers)
    assert not any(s["kind"] == "spf" for s in before.json()["am"]["steps"])
    sunscreen = await catalog_product(session, "Mineral Sunscreen SPF 50")
    session.add(
        ShelfItem(user_id=person.id, product_id=sunscreen.id, added_on=date(2026, 11, 1),
                  patch_test="passed")
    )  # fmt: skip
    await session.flush()
    await routine_changes.inputs_changed(session, user_id=person.id)
    await session.commit()
    after = await client.get(url, headers=person.headers)
    assert any(s["kind"] == "spf" for s in after.json()["am"]["steps"])
