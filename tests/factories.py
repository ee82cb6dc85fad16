"""Small factories for API tests: people with tokens, profiles, shelves."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.models.accounts import Role
from app.models.catalog import Product
from app.services import accounts

_counter = itertools.count()
PASSWORD = "correct horse battery"


@dataclass
class Person:
    id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{next(_counter)}-{uuid.uuid4().hex[:6]}@example.com"


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def create_person(
    client: httpx.AsyncClient, session: AsyncSession | None = None, *, role: Role = Role.user
) -> Person:
    """A registered user (over the API), or a dermatologist/admin (as the CLI makes them)."""
    email = unique_email(role.value)
    if role is Role.user:
        response = await client.post(
            "/v1/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        user_id = uuid.UUID(response.json()["id"])
    else:
        assert session is not None, "staff accounts are created directly, as the CLI does"
        user = await accounts.create_user(session, email=email, password=PASSWORD, role=role)
        await session.commit()
        user_id = user.id
    return Person(id=user_id, email=email, token=await login(client, email))


async def put_profile(client: httpx.AsyncClient, person: Person, **fields: Any) -> dict[str, Any]:
    body = {"timezone": "Europe/London", **fields}
    response = await client.put("/v1/me/profile", json=body, headers=person.headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def catalog_product(session: AsyncSession, name: str) -> Product:
    product = await session.scalar(select(Product).where(Product.name == name))
    assert product is not None, f"seed catalog has no {name!r}"
    return product


async def add_to_shelf(
    client: httpx.AsyncClient, person: Person, product_id: uuid.UUID | str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/me/shelf", json={"product_id": str(product_id), **fields}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def invite_code(client: httpx.AsyncClient, patient: Person) -> str:
    response = await client.post("/v1/me/care-team/invites", headers=patient.headers)
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


async def link_patient(client: httpx.AsyncClient, patient: Person, dermatologist: Person) -> None:
    """The patient invites, the dermatologist redeems: an active care link."""
    code = await invite_code(client, patient)
    response = await client.post("/v1/patients", json={"code": code}, headers=dermatologist.headers)
    assert response.status_code == 201, response.text


async def scheduler_headers(client: httpx.AsyncClient, session: AsyncSession) -> dict[str, str]:
    """A push scheduler's bearer header: a service client with scope reminders:read."""
    service, secret = await accounts.create_service_client(
        session, name="push", scopes=frozenset({"reminders:read"})
    )
    await session.commit()
    response = await client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": service.client_id,
            "client_secret": secret,
            "scope": "reminders:read",
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def freeze_clock(monkeypatch: Any, instant: datetime) -> None:
    """Make app.clock (the only clock the services read) stand still at `instant`."""
    monkeypatch.setattr(clock, "now_utc", lambda: instant)
