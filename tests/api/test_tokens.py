"""Sign-ins as token families: refresh tokens that rotate, reuse that revokes the sign-in,
revocation (RFC 7009), HTTP Basic client credentials and the RFC 6749 5.2 error shapes.

Concurrent refreshes of one token race on committed databases: tests/db/test_refresh_races.py.
"""

from __future__ import annotations

import base64
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt
import pytest
from sqlalchemy import delete, func, select

from app.config import Settings
from app.models.accounts import User
from app.models.tokens import RefreshToken
from app.rate_limit import AttemptLimiter
from app.security import refresh_token_digest
from app.services import accounts
from tests.conftest import TEST_SECRET
from tests.factories import (
    PASSWORD,
    Person,
    add_to_shelf,
    catalog_product,
    create_person,
    freeze_clock,
    put_profile,
)

TOKEN = "/v1/auth/token"
REVOKE = "/v1/auth/revoke"
ROUTINE = "/v1/me/routine?date=2026-12-01"


async def sign_in(client: httpx.AsyncClient, person: Person) -> dict[str, Any]:
    response = await client.post(
        TOKEN, data={"grant_type": "password", "username": person.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


def sid(pair: dict[str, Any]) -> str:
    claims = jwt.decode(pair["access_token"], TEST_SECRET, algorithms=["HS256"])
    value: str = claims["sid"]
    return value


async def signed_in_statuses(client: httpx.AsyncClient, pair: dict[str, Any]) -> set[int]:
    """What a sign-in's access token gets now: from an ORM caller check (care team) and from
    the hot reads' one-statement check (a cached routine, the profile)."""
    responses = [
        await client.get("/v1/me/care-team", headers=bearer(pair)),
        await client.get(ROUTINE, headers=bearer(pair)),
        await client.get("/v1/me/profile", headers=bearer(pair)),
    ]
    for response in responses:
        if response.status_code == 401:
            assert response.json()["code"] == "invalid_token"
    return {response.status_code for response in responses}


async def person_with_routine(client: httpx.AsyncClient, session) -> Person:
    person = await create_person(client)
    await put_profile(client, person)
    cleanser = await catalog_product(session, "Gentle Hydrating Cream Cleanser")
    await add_to_shelf(client, person, cleanser.id, patch_test="passed")
    return person


async def service_client(session) -> tuple[str, str]:
    svc, secret = await accounts.create_service_client(
        session, name="push", scopes=frozenset({"reminders:read"})
    )
    await session.commit()
    return svc.client_id, secret


def basic(client_id: str, client_secret: str) -> dict[str, str]:
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


# --- refresh: rotation, reuse, expiry --------------------------------------------------------


async def test_a_refresh_rotates_the_pair_within_the_sign_in(client, session):
    person = await person_with_routine(client, session)
    first = await sign_in(client, person)
    second = (await refresh(client, first["refresh_token"])).json()
    third_response = await refresh(client, second["refresh_token"])
    assert third_response.status_code == 200, third_response.text
    third = third_response.json()
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert sid(first) == sid(second) == sid(third)
    assert third["token_type"] == "bearer"
    assert third["expires_in"] == 3600
    assert third["refresh_expires_in"] == 30 * 24 * 3600
    assert third_response.headers["cache-control"] == "no-store"
    assert third_response.headers["pragma"] == "no-cache"
    # every access token of the sign-in keeps working until it expires or the sign-in ends
    for pair in (first, second, third):
        assert await signed_in_statuses(client, pair) == {200}
    # only the hash is stored
    stored = await session.scalar(
        select(RefreshToken).where(
            RefreshToken.token_hash == refresh_token_digest(third["refresh_token"])
        )
    )
    assert stored is not None
    assert stored.used_at is None
    assert third["refresh_token"] not in stored.token_hash


async def test_a_used_refresh_token_presented_again_revokes_the_whole_sign_in(client, session):
    person = await person_with_routine(client, session)
    stolen = await sign_in(client, person)
    other_sign_in = await sign_in(client, person)  # another device of the same person
    assert await signed_in_statuses(client, stolen) == {200}  # the routine is cached now
    current = (await refresh(client, stolen["refresh_token"])).json()
    reused = await refresh(client, stolen["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert "already used" in reused.json()["error_description"]
    # the family's refresh tokens and access tokens, old and new, end with it
    after = await refresh(client, current["refresh_token"])
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"
    assert await signed_in_statuses(client, stolen) == {401}
    assert await signed_in_statuses(client, current) == {401}
    # the person's other sign-in is untouched
    assert await signed_in_statuses(client, other_sign_in) == {200}
    assert (await refresh(client, other_sign_in["refresh_token"])).status_code == 200


async def test_an_unknown_refresh_token_is_invalid_grant_and_revokes_nothing(client):
    person = await create_person(client)
    pair = await sign_in(client, person)
    for presented in (secrets.token_urlsafe(32), "x", pair["access_token"]):
        response = await refresh(client, presented)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    assert (await refresh(client, pair["refresh_token"])).status_code == 200


async def test_a_refresh_token_past_its_days_is_refused_without_revoking(client, app, monkeypatch):
    app.state.settings = app.state.settings.model_copy(update={"refresh_token_days": 2})
    now = datetime.now(UTC)
    freeze_clock(monkeypatch, now)
    person = await create_person(client)
    pair = await sign_in(client, person)
    assert pair["refresh_expires_in"] == 2 * 24 * 3600
    freeze_clock(monkeypatch, now + timedelta(days=1, hours=23))
    kept = await refresh(client, pair["refresh_token"])
    assert kept.status_code == 200  # each refresh token lives its days from its own issue
    freeze_clock(monkeypatch, now + timedelta(days=3, hours=22))
    assert (await refresh(client, kept.json()["refresh_token"])).status_code == 200
    late = now + timedelta(days=6)
    freeze_clock(monkeypatch, late)
    stale = (await sign_in(client, person))["refresh_token"]
    freeze_clock(monkeypatch, late + timedelta(days=2))
    expired = await refresh(client, stale)
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"
    assert "already used" not in expired.json()["error_description"]


async def test_rotation_prunes_the_sign_ins_expired_tokens(client, app, session, monkeypatch):
    app.state.settings = app.state.settings.model_copy(update={"refresh_token_days": 1})
    now = datetime.now(UTC)
    person = await create_person(client)
    freeze_clock(monkeypatch, now)
    token = (await sign_in(client, person))["refresh_token"]
    for hours in (20, 40, 60):  # each refresh within a day of the one before
        freeze_clock(monkeypatch, now + timedelta(hours=hours))
        token = (await refresh(client, token)).json()["refresh_token"]
    family_id = await session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == refresh_token_digest(token))
    )
    kept = await session.scalar(
        select(func.count()).select_from(RefreshToken).where(RefreshToken.family_id == family_id)
    )
    # issued at 0, 20, 40, 60 h: at 60 h the first two (expired at 24 h and 44 h) are gone
    assert kept == 2


async def test_a_refresh_for_a_deleted_account_is_invalid_grant(client, session):
    person = await create_person(client)
    pair = await sign_in(client, person)
    await session.execute(delete(User).where(User.id == person.id))
    await session.commit()
    response = await refresh(client, pair["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    left = await session.scalar(
        select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.token_hash == refresh_token_digest(pair["refresh_token"]))
    )
    assert left == 0  # the account took its sign-ins with it (ON DELETE CASCADE)


async def test_a_refresh_may_name_a_public_client_id_but_not_authenticate_a_client(client, session):
    person = await create_person(client)
    pair = await sign_in(client, person)
    named = await client.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": pair["refresh_token"],
            "client_id": "regimen-ios",
        },
    )
    assert named.status_code == 200, named.text
    client_id, secret = await service_client(session)
    machine = await client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": named.json()["refresh_token"]},
        headers=basic(client_id, secret),
    )
    assert machine.status_code == 400
    assert machine.json()["error"] == "unauthorized_client"
    # refused before the token was looked at: it is still unused
    assert (await refresh(client, named.json()["refresh_token"])).status_code == 200


async def test_refreshes_are_not_counted_as_login_attempts(client, app):
    person = await create_person(client)
    token = (await sign_in(client, person))["refresh_token"]
    app.state.attempt_limiter = AttemptLimiter(
        Settings(
            environment="test",
            secret_key=TEST_SECRET,
            database_url="sqlite://",
            login_rate_limit_account="2/minute",
            login_rate_limit_address="2/minute",
        )
    )
    for _ in range(4):
        response = await refresh(client, token)
        assert response.status_code == 200, response.text
        token = response.json()["refresh_token"]
    for _ in range(2):
        await client.post(
            TOKEN, data={"grant_type": "password", "username": person.email, "password": "nope"}
        )
    limited = await client.post(
        TOKEN, data={"grant_type": "password", "username": person.email, "password": PASSWORD}
    )
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited"


# --- revocation (RFC 7009) -------------------------------------------------------------------


async def test_revoking_a_refresh_token_ends_its_sign_in_on_the_next_request(client, session):
    person = await person_with_routine(client, session)
    pair = await sign_in(client, person)
    other = await sign_in(client, person)
    assert await signed_in_statuses(client, pair) == {200}
    rotated = (await refresh(client, pair["refresh_token"])).json()
    response = await client.post(
        REVOKE, data={"token": rotated["refresh_token"], "token_type_hint": "refresh_token"}
    )
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["cache-control"] == "no-store"
    assert await signed_in_statuses(client, pair) == {401}
    assert await signed_in_statuses(client, rotated) == {401}
    assert (await refresh(client, rotated["refresh_token"])).json()["error"] == "invalid_grant"
    assert await signed_in_statuses(client, other) == {200}


async def test_revoking_an_access_token_ends_the_sign_in_it_was_issued_with(client, session):
    person = await person_with_routine(client, session)
    pair = await sign_in(client, person)
    other = await sign_in(client, person)
    # a wrong hint does not stop the token being found (RFC 7009 2.1)
    response = await client.post(
        REVOKE, data={"token": pair["access_token"], "token_type_hint": "refresh_token"}
    )
    assert response.status_code == 200
    assert await signed_in_statuses(client, pair) == {401}
    assert (await refresh(client, pair["refresh_token"])).json()["error"] == "invalid_grant"
    assert await signed_in_statuses(client, other) == {200}


async def test_revoking_with_an_expired_access_token_still_signs_out(client):
    person = await create_person(client)
    pair = await sign_in(client, person)
    claims = jwt.decode(pair["access_token"], TEST_SECRET, algorithms=["HS256"])
    lapsed = jwt.encode(
        claims | {"exp": datetime.now(UTC) - timedelta(minutes=1)}, TEST_SECRET, "HS256"
    )
    assert (await client.post(REVOKE, data={"token": lapsed})).status_code == 200
    assert (await refresh(client, pair["refresh_token"])).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param(secrets.token_urlsafe(32), id="unknown_refresh_token"),
        pytest.param("a.b.c", id="not_a_jwt"),
        pytest.param("bad\x00value", id="nul"),
        pytest.param("é" * 100, id="non_ascii"),
    ],
)
async def test_revoking_an_unknown_or_malformed_token_is_200(client, token):
    person = await create_person(client)
    pair = await sign_in(client, person)
    response = await client.post(REVOKE, data={"token": token})
    assert response.status_code == 200, response.text
    assert response.content == b""
    assert await signed_in_statuses(client, pair) != {401}


async def test_revoking_an_already_revoked_sign_in_is_200(client):
    person = await create_person(client)
    pair = await sign_in(client, person)
    for token in (pair["access_token"], pair["access_token"], pair["refresh_token"]):
        assert (await client.post(REVOKE, data={"token": token})).status_code == 200
    assert (await refresh(client, pair["refresh_token"])).json()["error"] == "invalid_grant"


async def test_a_forged_access_token_revokes_nothing(client):
    person = await create_person(client)
    pair = await sign_in(client, person)
    claims = jwt.decode(pair["access_token"], TEST_SECRET, algorithms=["HS256"])
    forged = jwt.encode(claims, "another-secret-that-is-at-least-32-bytes", "HS256")
    assert (await client.post(REVOKE, data={"token": forged})).status_code == 200
    assert (await refresh(client, pair["refresh_token"])).status_code == 200


async def test_revoke_without_a_token_is_invalid_request(client):
    for data in ({}, {"token": ""}, {"token_type_hint": "access_token"}):
        response = await client.post(REVOKE, data=data)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert response.headers["content-type"] == "application/json"


async def test_a_machine_clients_access_token_cannot_be_revoked(client, session):
    client_id, secret = await service_client(session)
    issued = await client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    response = await client.post(REVOKE, data={"token": issued.json()["access_token"]})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_token_type"


# --- client credentials as HTTP Basic (RFC 6749 2.3.1) ---------------------------------------


async def test_client_credentials_as_http_basic(client, session):
    client_id, secret = await service_client(session)
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": "reminders:read"},
        headers=basic(client_id, secret),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "reminders:read"
    assert "refresh_token" not in body
    assert response.headers["cache-control"] == "no-store"
    due = await client.get(
        "/v1/reminders/due",
        params={"from": "2026-12-01T00:00:00Z", "to": "2026-12-01T01:00:00Z"},
        headers=bearer(body),
    )
    assert due.status_code == 200, due.text


async def test_basic_credentials_are_form_urlencoded_before_base64(client, session):
    client_id, secret = await service_client(session)
    # every byte of the id percent-encoded: decoded before it is compared
    percent = "".join(f"%{byte:02X}" for byte in client_id.encode())
    escaped = base64.b64encode(f"{percent}:{secret}".encode()).decode()
    decoded = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"basic {escaped}"},  # the scheme is case-insensitive
    )
    assert decoded.status_code == 200, decoded.text
    # "+" is an encoded space: "svc+x" is the id "svc x", not a literal plus
    plus = base64.b64encode(f"{client_id}+:{secret}".encode()).decode()
    other = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {plus}"},
    )
    assert other.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Basic !!!not-base64!!!", id="not_base64"),
        pytest.param("Basic " + base64.b64encode(b"no-colon").decode(), id="no_colon"),
        pytest.param("Basic " + base64.b64encode(b":secret").decode(), id="no_id"),
        pytest.param("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), id="not_utf8"),
        pytest.param("Basic " + base64.b64encode(b"svc%00:x").decode(), id="nul"),
        pytest.param("Basic " + base64.b64encode(b"a" * 65 + b":x").decode(), id="long_id"),
        pytest.param("Basic", id="empty"),
    ],
)
async def test_a_malformed_basic_header_is_invalid_client(client, header):
    response = await client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": header}
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"] == 'Basic realm="regimen"'


async def test_basic_with_a_wrong_secret_is_invalid_client(client, session):
    client_id, _secret = await service_client(session)
    response = await client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic(client_id, "wrong")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"] == 'Basic realm="regimen"'


async def test_basic_and_form_credentials_at_once_are_invalid_request(client, session):
    client_id, secret = await service_client(session)
    for form in ({"client_id": client_id, "client_secret": secret}, {"client_id": client_id}):
        response = await client.post(
            TOKEN,
            data={"grant_type": "client_credentials", **form},
            headers=basic(client_id, secret),
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"


async def test_a_bearer_header_on_the_token_endpoint_is_not_client_authentication(client):
    person = await create_person(client)
    response = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": person.email, "password": PASSWORD},
        headers=person.headers,
    )
    assert response.status_code == 200, response.text


# --- the RFC 6749 5.2 error shapes -------------------------------------------------------------


def _errors(
    person: Person, client_id: str, secret: str
) -> dict[str, tuple[dict[str, Any], int, str]]:
    """name -> (request keyword arguments, status, error)."""
    password = {"grant_type": "password", "username": person.email, "password": PASSWORD}
    machine = {"grant_type": "client_credentials"}
    return {
        "no_grant_type": ({"data": {"username": person.email}}, 400, "invalid_request"),
        "json_body": ({"json": password}, 400, "invalid_request"),
        "missing_password": (
            {"data": {"grant_type": "password", "username": person.email}},
            400,
            "invalid_request",
        ),
        "missing_refresh_token": (
            {"data": {"grant_type": "refresh_token"}},
            400,
            "invalid_request",
        ),
        "repeated_parameter": (
            {
                "content": "grant_type=password&grant_type=password&username=a&password=b",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            400,
            "invalid_request",
        ),
        "nul_in_username": (
            {"data": password | {"username": "a\x00@example.com"}},
            400,
            "invalid_request",
        ),
        "long_password": ({"data": password | {"password": "x" * 129}}, 400, "invalid_request"),
        "half_form_credentials": (
            {"data": machine | {"client_id": client_id}},
            400,
            "invalid_request",
        ),
        "no_client_credentials": ({"data": machine}, 401, "invalid_client"),
        "wrong_client_secret": (
            {"data": machine | {"client_id": client_id, "client_secret": "nope"}},
            401,
            "invalid_client",
        ),
        "unknown_client": (
            {"data": machine | {"client_id": "svc_unknown", "client_secret": secret}},
            401,
            "invalid_client",
        ),
        "wrong_password": (
            {"data": password | {"password": "wrong-password"}},
            400,
            "invalid_grant",
        ),
        "unknown_refresh_token": (
            {"data": {"grant_type": "refresh_token", "refresh_token": "nope"}},
            400,
            "invalid_grant",
        ),
        "password_grant_with_client_secret": (
            {"data": password | {"client_id": client_id, "client_secret": secret}},
            400,
            "unauthorized_client",
        ),
        "password_grant_with_basic": (
            {"data": password, "headers": basic(client_id, secret)},
            400,
            "unauthorized_client",
        ),
        "implicit": ({"data": {"grant_type": "implicit"}}, 400, "unsupported_grant_type"),
        "authorization_code": (
            {"data": {"grant_type": "authorization_code", "code": "x"}},
            400,
            "unsupported_grant_type",
        ),
        "scope_not_granted": (
            {
                "data": machine | {"scope": "reminders:read admin"},
                "headers": basic(client_id, secret),
            },
            400,
            "invalid_scope",
        ),
        "scope_on_a_persons_token": (
            {"data": password | {"scope": "reminders:read"}},
            400,
            "invalid_scope",
        ),
    }


ERROR_CASES = [
    "no_grant_type",
    "json_body",
    "missing_password",
    "missing_refresh_token",
    "repeated_parameter",
    "nul_in_username",
    "long_password",
    "half_form_credentials",
    "no_client_credentials",
    "wrong_client_secret",
    "unknown_client",
    "wrong_password",
    "unknown_refresh_token",
    "password_grant_with_client_secret",
    "password_grant_with_basic",
    "implicit",
    "authorization_code",
    "scope_not_granted",
    "scope_on_a_persons_token",
]
_DESCRIPTION_CHARS = set(string.printable) - set('"\\\t\n\r\x0b\x0c')


@pytest.mark.parametrize("name", ERROR_CASES)
async def test_token_errors_have_the_rfc_6749_shape(client, session, name):
    person = await create_person(client)
    client_id, secret = await service_client(session)
    kwargs, status, error = _errors(person, client_id, secret)[name]
    response = await client.post(TOKEN, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert set(body["error_description"]) <= _DESCRIPTION_CHARS  # RFC 6749 5.2
    # and the problem members every other error of this API carries
    assert body["code"] == error
    assert body["status"] == status
    assert body["detail"] == body["error_description"]
    assert body["type"] == f"/problems/{error}"
    assert body["title"]
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="regimen"'


def test_every_rfc_6749_error_is_exercised():
    errors = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client"}
    errors |= {"unsupported_grant_type", "invalid_scope"}
    person = Person(id=None, email="x@example.com", token="")  # type: ignore[arg-type]
    assert {error for _kwargs, _status, error in _errors(person, "c", "s").values()} == errors
    assert sorted(_errors(person, "c", "s")) == sorted(ERROR_CASES)


async def test_metrics_and_logs_name_the_oauth_routes_by_their_full_template(client):
    """The token and revoke routes live on a router of their own (for their route class); they
    are still labelled /v1/auth/token and /v1/auth/revoke, not /token."""
    await client.post("/v1/auth/token", data={"grant_type": "password"})
    await client.post("/v1/auth/revoke", data={"token": "not-a-token"})
    metrics = (await client.get("/metrics")).text
    assert 'route="/v1/auth/token"' in metrics
    assert 'route="/v1/auth/revoke"' in metrics
    assert 'route="/token"' not in metrics


async def test_an_unknown_parameter_is_ignored_even_when_repeated(client):
    """RFC 6749 3.2: the server ignores parameters it does not know; only a defined parameter
    sent twice is invalid_request (found by schemathesis: extra form fields are allowed)."""
    person = await create_person(client)
    form = f"grant_type=password&username={person.email}&password={PASSWORD}&x=1&x=2"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = await client.post(TOKEN, content=form.replace("@", "%40"), headers=headers)
    assert response.status_code == 200, response.text
    revoked = await client.post(REVOKE, content="token=nope&extra=a&extra=b", headers=headers)
    assert revoked.status_code == 200, revoked.text
