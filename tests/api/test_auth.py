"""Registration, password and client-credential tokens, and what a token lets you do.

Refresh tokens, revocation and the RFC 6749 error shapes: tests/api/test_tokens.py."""

import uuid
import warnings
from datetime import UTC, datetime, timedelta

import jwt

from app import security
from app.config import Settings
from app.models.accounts import Role
from app.services import accounts
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, create_person, unique_email


async def test_register_returns_the_new_user_with_the_user_role(client):
    email = unique_email()
    response = await client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == email
    assert body["role"] == "user"
    assert "password" not in response.text
    assert "hash" not in response.text


async def test_register_twice_is_a_conflict_whatever_the_case(client):
    email = unique_email()
    await client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    response = await client.post(
        "/v1/auth/register", json={"email": email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "email_taken"


async def test_register_refuses_a_role_in_the_body(client):
    response = await client.post(
        "/v1/auth/register",
        json={"email": unique_email(), "password": PASSWORD, "role": "admin"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "role"]


async def test_register_validates_email_and_password_length(client):
    bad_email = await client.post(
        "/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD}
    )
    short = await client.post("/v1/auth/register", json={"email": unique_email(), "password": "x"})
    assert bad_email.status_code == 422
    assert short.status_code == 422
    assert short.json()["code"] == "validation_error"


async def test_unknown_email_and_wrong_password_get_the_same_invalid_grant(client):
    person = await create_person(client)
    wrong = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": person.email, "password": "wrong-password"},
    )
    unknown = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": unique_email(), "password": PASSWORD},
    )
    # RFC 6749 5.2: a wrong resource owner password is invalid_grant, a 400
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "invalid_grant"
    assert wrong.headers["content-type"] == "application/json"
    assert "www-authenticate" not in wrong.headers


async def test_password_token_carries_an_expiry_its_sign_in_and_a_refresh_token(client):
    person = await create_person(client)
    response = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": person.email, "password": PASSWORD},
    )
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert len(body["refresh_token"]) >= 43  # 32 random bytes, base64url
    assert body["refresh_expires_in"] == 30 * 24 * 3600
    assert "scope" not in body
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(person.id)
    assert claims["exp"] > claims["iat"]
    assert uuid.UUID(claims["sid"])
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


async def test_expired_and_forged_tokens_are_refused(client):
    person = await create_person(client)
    # a live sign-in's id, so that each token below is refused for its own fault alone
    sid = jwt.decode(person.token, TEST_SECRET, algorithms=["HS256"])["sid"]
    now = datetime.now(UTC)
    expired = jwt.encode(
        {
            "sub": str(person.id),
            "kind": "user",
            "sid": sid,
            "iat": now - timedelta(hours=2),
            "exp": now - timedelta(hours=1),
        },
        TEST_SECRET,
    )
    forged = jwt.encode(
        {"sub": str(person.id), "kind": "user", "sid": sid, "exp": now + timedelta(hours=1)},
        "another-secret-that-is-at-least-32-bytes",
    )
    # signed with the right key, but from before sign-ins were revocable: no `sid`
    unrevocable = jwt.encode(
        {"sub": str(person.id), "kind": "user", "iat": now, "exp": now + timedelta(hours=1)},
        TEST_SECRET,
    )
    for token in (expired, forged, unrevocable, "not.a.jwt"):
        response = await client.get("/v1/me/profile", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
    missing = await client.get("/v1/me/profile")
    assert missing.status_code == 401
    assert missing.json()["code"] == "not_authenticated"


async def test_a_token_already_verified_is_refused_once_it_expires(client, monkeypatch):
    """Verified tokens are remembered by their text (app/security.py): the expiry is still
    checked on every request, and a token signed with another key is never taken for one."""
    person = await create_person(client)
    assert (await client.get("/v1/me/profile", headers=person.headers)).status_code in (200, 404)
    claims = jwt.decode(person.token, TEST_SECRET, algorithms=["HS256"])
    monkeypatch.setattr(security.time, "time", lambda: claims["exp"] + 1)
    late = await client.get("/v1/me/profile", headers=person.headers)
    assert late.status_code == 401
    assert late.json()["code"] == "invalid_token"
    settings = Settings(secret_key=TEST_SECRET)
    assert security.read_token(settings, person.token) is None
    assert security.read_token(settings, person.token, allow_expired=True) is not None
    other = Settings(secret_key="another-secret-that-is-at-least-32-bytes")
    assert security.read_token(other, person.token, allow_expired=True) is None


async def test_client_credentials_grant_gives_a_scoped_service_token(client, session):
    svc, secret = await accounts.create_service_client(
        session, name="push", scopes=frozenset({"reminders:read"})
    )
    await session.commit()
    response = await client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": svc.client_id,
            "client_secret": secret,
            "scope": "reminders:read",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "reminders:read"
    assert "refresh_token" not in body  # RFC 6749 4.4.3
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["kind"] == "service"
    assert "sid" not in claims
    # a service token is not a person: user routes refuse it
    me = await client.get(
        "/v1/me/profile", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 403


async def test_client_credentials_refuse_wrong_secret_and_ungranted_scope(client, session):
    svc, secret = await accounts.create_service_client(
        session, name="push", scopes=frozenset({"reminders:read"})
    )
    await session.commit()
    wrong = await client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": svc.client_id,
            "client_secret": "nope",
        },
    )
    greedy = await client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": svc.client_id,
            "client_secret": secret,
            "scope": "reminders:read admin",
        },
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"] == 'Basic realm="regimen"'
    assert greedy.status_code == 400
    assert greedy.json()["error"] == "invalid_scope"


async def test_token_request_without_credentials_is_a_clear_error(client):
    missing = await client.post("/v1/auth/token", data={"grant_type": "password"})
    unsupported = await client.post("/v1/auth/token", data={"grant_type": "implicit"})
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"


async def test_staff_roles_come_from_the_cli_path(client, session):
    derm = await create_person(client, session, role=Role.dermatologist)
    claims = jwt.decode(derm.token, TEST_SECRET, algorithms=["HS256"])
    user = await accounts.get_user(session, derm.id)
    assert user is not None
    assert user.role == "dermatologist"
    assert claims["kind"] == "user"


async def test_a_token_signed_with_the_public_placeholder_key_is_refused(
    client, engine, sessionmaker
):
    import httpx

    from app.config import PLACEHOLDER_SECRET, Settings
    from app.main import attach_database, create_app

    person = await create_person(client)
    # a development server started without REGIMEN_SECRET_KEY
    app = create_app(
        Settings(environment="development", secret_key=PLACEHOLDER_SECRET), manage_database=False
    )
    attach_database(app, engine, sessionmaker)
    now = datetime.now(UTC)
    sid = jwt.decode(person.token, TEST_SECRET, algorithms=["HS256"])["sid"]
    with warnings.catch_warnings():  # the placeholder is short, which is the point
        warnings.simplefilter("ignore")
        forged = jwt.encode(
            {
                "sub": str(person.id),
                "kind": "user",
                "sid": sid,
                "iat": now,
                "exp": now + timedelta(minutes=5),
            },
            PLACEHOLDER_SECRET,
            algorithm="HS256",
        )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://regimen.test") as dev:
        response = await dev.get("/v1/me/profile", headers={"Authorization": f"Bearer {forged}"})
        own = await dev.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": person.email, "password": PASSWORD},
        )
        mine = await dev.get(
            "/v1/me/care-team", headers={"Authorization": f"Bearer {own.json()['access_token']}"}
        )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert mine.status_code == 200  # its own tokens work while the process lives
