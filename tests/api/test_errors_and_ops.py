"""Problem+json for every error, and the operator endpoints."""

import uuid

from tests.factories import create_person


async def test_unknown_route_and_method_are_problem_json(client):
    missing = await client.get("/v1/nothing-here")
    wrong_method = await client.delete("/v1/products")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


async def test_malformed_and_wrongly_typed_bodies_are_422_not_500(client):
    person = await create_person(client)
    bodies = [
        b"{not json",
        b"[]",
        b'"a string"',
        b'{"timezone": 12}',
        b'{"timezone": "UTC", "am_time": null}',
        b'{"timezone": "\\ud800"}',
        b'{"timezone": "UTC", "conditions": "acne"}',
        b'{"timezone": "UTC", "due_date": "99999-01-01"}',
        b'\xff\xfe{"timezone": "UTC"}',  # not UTF-8 (FastAPI alone answers 400)
        b'{"timezone": "Europe/London\xe9"}',
    ]
    for raw in bodies:
        response = await client.put(
            "/v1/me/profile",
            content=raw,
            headers={**person.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 422, raw
        problem = response.json()
        assert set(problem) >= {"type", "title", "status", "detail", "code", "errors"}
        assert problem["status"] == 422
        assert all(set(e) == {"loc", "msg"} for e in problem["errors"])


async def test_bad_ids_in_paths_are_422(client):
    person = await create_person(client)
    response = await client.get("/v1/products/not-a-uuid", headers=person.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "product_id"]


async def test_health_ready_and_metrics(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    await client.get("/v1/products/00000000-0000-4000-8000-000000000000")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert 'route="/v1/products/{product_id}"' in text
    assert "http_request_duration_seconds_bucket" in text


async def test_request_id_is_echoed_or_made(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    made = await client.get("/healthz")
    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32


async def test_readyz_reports_an_unreachable_database(app, client):
    from app.db import create_engine

    dead = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app.state.engine = dead
    try:
        response = await client.get("/readyz")
    finally:
        await dead.dispose()
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


async def test_a_lost_creation_race_is_a_409_not_a_500(client, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from app.services import profiles

    person = await create_person(client)

    async def racing_put(*args, **kwargs):
        raise IntegrityError("INSERT INTO profiles ...", {}, Exception("duplicate key"))

    monkeypatch.setattr(profiles, "put_profile", racing_put)
    response = await client.put("/v1/me/profile", json={"timezone": "UTC"}, headers=person.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_update"


async def test_a_locked_sqlite_database_is_a_503_with_retry_after(client, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from app.services import profiles

    person = await create_person(client)

    async def locked(*args, **kwargs):
        raise OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(profiles, "get_profile", locked)
    response = await client.get("/v1/me/profile", headers=person.headers)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "database_unavailable"


async def test_a_405_allows_every_method_the_path_is_served_with(client):
    """RFC 9110 15.5.6: Allow lists the target's methods, not those of one of its routes."""
    cases = {
        "/v1/me/profile": "GET, PATCH, PUT",
        "/v1/me/shelf": "GET, POST",
        "/v1/me/calendar/token": "DELETE, POST",
        f"/v1/me/shelf/{uuid.uuid4()}": "DELETE, PATCH",
    }
    for path, allowed in cases.items():
        response = await client.request("TRACE", path)
        assert response.status_code == 405, path
        assert response.headers["allow"] == allowed, path
        assert response.json()["code"] == "method_not_allowed"


async def test_a_literal_path_is_not_an_id_of_its_sibling_route(client):
    """DELETE /v1/me/care-team/invites is a method that path does not take (405, Allow: POST),
    not a malformed dermatologist id for DELETE /v1/me/care-team/{dermatologist_id} (422)."""
    person = await create_person(client)
    wrong_method = await client.delete("/v1/me/care-team/invites", headers=person.headers)
    assert wrong_method.status_code == 405, wrong_method.text
    assert wrong_method.headers["allow"] == "POST"
    malformed = await client.delete("/v1/me/care-team/not-an-id", headers=person.headers)
    assert malformed.status_code == 404
    assert malformed.headers["content-type"] == "application/problem+json"
    unknown = await client.delete(f"/v1/me/care-team/{uuid.uuid4()}", headers=person.headers)
    assert unknown.json()["code"] == "care_link_not_found"
