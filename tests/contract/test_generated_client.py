"""The document is good enough to build a client from: openapi-python-client generates one from
the app's own /openapi.json, and the mobile app's flow runs through it, in-process, on SQLite and
on PostgreSQL. Nothing generated is patched; every response is read as the generated model of
its status (a Problem for errors), so a status, a field or a type the document gets wrong fails
here as it would fail in the app.

Operations are named by method and path (the contract), and found in the generated package by
the operationId the document gives them. MobileFlow is the app's journey, one method a step, in
the order the app takes them.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openapi_python_client.strings import snake_case

from app.config import Settings
from app.main import create_app
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, freeze_clock, unique_email

pytestmark = pytest.mark.contract

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
BASE_URL = "http://regimen.test"
DEVICE_ID = "iphone-15.a1b2"
PACKAGE = "regimen_client"
BASICS = ("Gentle Hydrating Cream Cleanser", "Light Gel Moisturiser", "Mineral Sunscreen SPF 50")


@dataclass
class Generated:
    """The generated package, and the document it was generated from."""

    package: ModuleType
    document: dict[str, Any]

    def operation(self, route: str) -> ModuleType:
        """The generated module of an operation, e.g. operation("GET /v1/me/routine")."""
        method, path = route.split(" ", 1)
        operation_id = self.document["paths"][path][method.lower()]["operationId"]
        name = snake_case(operation_id)
        root = Path(self.package.__file__).parent / "api"
        (module,) = root.glob(f"*/{name}.py")
        return importlib.import_module(f"{PACKAGE}.api.{module.parent.name}.{name}")

    def body(self, route: str, data: dict[str, Any]) -> Any:
        """The operation's request body as its generated model, read from plain JSON."""
        parameter = inspect.signature(self.operation(route).asyncio_detailed).parameters["body"]
        return parameter.annotation.from_dict(data)

    @property
    def models(self) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.models")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The client, generated once per session from the app's own document."""
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url="sqlite://")
    document = create_app(settings, manage_database=False).openapi()
    root = tmp_path_factory.mktemp("generated")
    (root / "spec.json").write_text(json.dumps(document))
    binary = Path(sys.executable).parent / "openapi-python-client"
    bin_dir = str(binary.parent)
    result = subprocess.run(
        [binary, "generate", "--path", "spec.json", "--output-path", PACKAGE, "--meta", "none"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        # its post-generation hooks run ruff from PATH: the venv's
        env={"PATH": bin_dir, "HOME": str(root)},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    return Generated(package=importlib.import_module(PACKAGE), document=document)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch, NOW)


@dataclass
class MobileFlow:
    """The mobile app's journey through the generated client, step by step."""

    api: Generated
    app: FastAPI
    email: str = field(default_factory=lambda: unique_email("mobile"))
    # the generated Client until sign-in, then an AuthenticatedClient with the access token
    client: Any = None
    refresh_token: str = ""
    user_id: Any = None
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def _httpx(self, headers: dict[str, str]) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        client = httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)
        self._clients.append(client)
        return client

    def __post_init__(self) -> None:
        anonymous = self.api.package.Client(base_url=BASE_URL)
        self.client = anonymous.set_async_httpx_client(self._httpx({}))

    def sign_in(self, access_token: str) -> None:
        """The generated AuthenticatedClient adds its token only to an httpx client it builds
        itself; this one is built here (ASGI transport), so it carries the header."""
        client = self.api.package.AuthenticatedClient(base_url=BASE_URL, token=access_token)
        headers = {"Authorization": f"Bearer {access_token}"}
        self.client = client.set_async_httpx_client(self._httpx(headers))

    async def call(self, route: str, **kwargs: Any) -> Any:
        """An operation by its method and path, with a body given as plain JSON."""
        operation = self.api.operation(route)
        if "body" in kwargs and isinstance(kwargs["body"], dict):
            kwargs["body"] = self.api.body(route, kwargs["body"])
        return await operation.asyncio_detailed(client=self.client, **kwargs)

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    # --- the steps ---------------------------------------------------------------------------

    async def register_and_sign_in(self) -> None:
        registered = await self.call(
            "POST /v1/auth/register", body={"email": self.email, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.content
        assert registered.parsed.email == self.email
        assert _value(registered.parsed.role) == "user"
        token = await self.call(
            "POST /v1/auth/token",
            body={"grant_type": "password", "username": self.email, "password": PASSWORD},
        )
        assert token.status_code == 200, token.content
        assert _value(token.parsed.token_type) == "bearer"
        assert token.parsed.expires_in > 0
        assert token.parsed.refresh_token
        self.refresh_token = token.parsed.refresh_token
        self.sign_in(token.parsed.access_token)

    async def refresh_and_learn_who_i_am(self) -> None:
        """An hour later: the refresh token is exchanged for a new pair (it rotates), and the
        app learns its user's id and role from GET /v1/me, not by decoding the token."""
        wrong = await self.call(
            "POST /v1/auth/token",
            body={"grant_type": "password", "username": self.email, "password": "not-it-at-all"},
        )
        assert wrong.status_code == 400, wrong.content
        assert isinstance(wrong.parsed, self.api.models.OAuthErrorBody), wrong.parsed
        assert _value(wrong.parsed.error) == "invalid_grant"
        rotated = await self.call(
            "POST /v1/auth/token",
            body={"grant_type": "refresh_token", "refresh_token": self.refresh_token},
        )
        assert rotated.status_code == 200, rotated.content
        assert rotated.parsed.refresh_token not in ("", self.refresh_token)
        self.refresh_token = rotated.parsed.refresh_token
        self.sign_in(rotated.parsed.access_token)
        me = await self.call("GET /v1/me")
        assert me.status_code == 200, me.content
        assert me.parsed.email == self.email
        assert _value(me.parsed.role) == "user"
        assert me.parsed.created_at.tzinfo is not None
        self.user_id = me.parsed.id

    async def set_up_profile(self) -> None:
        body = {
            "timezone": "Europe/London",
            "skin_type": "combination",
            "sensitivity": "medium",
            "am_time": "07:00",
            "pm_time": "21:30",
        }
        put = await self.call("PUT /v1/me/profile", body=body)
        assert put.status_code == 201, put.content
        read = await self.call("GET /v1/me/profile")
        assert read.status_code == 200, read.content
        assert read.parsed.timezone == "Europe/London"
        assert _value(read.parsed.skin_type) == "combination"
        assert read.headers["ETag"]

    async def fill_the_shelf(self) -> None:
        for name in BASICS:
            found = await self.call("GET /v1/products", q=name)
            assert found.status_code == 200, found.content
            (product,) = [p for p in found.parsed.items if p.name == name]
            added = await self.call(
                "POST /v1/me/shelf", body={"product_id": str(product.id), "patch_test": "passed"}
            )
            assert added.status_code == 201, added.content
            assert added.parsed.product.name == name
        shelf = await self.call("GET /v1/me/shelf")
        assert shelf.status_code == 200, shelf.content
        assert sorted(item.product.name for item in shelf.parsed.items) == sorted(BASICS)

    async def read_today_and_the_week(self) -> None:
        today = await self.call("GET /v1/me/routine")
        assert today.status_code == 200, today.content
        day = today.parsed
        assert day.date == TODAY
        assert day.timezone == "Europe/London"
        assert [_value(step.kind) for step in day.am.steps][-1] == "spf"
        etag = today.headers["ETag"]
        unchanged = await self.call("GET /v1/me/routine", if_none_match=etag)
        assert unchanged.status_code == 304, unchanged.content
        assert unchanged.content == b""
        week = await self.call("GET /v1/me/routine/days", from_=TODAY, to=TODAY + timedelta(days=6))
        assert week.status_code == 200, week.content
        assert [d.date for d in week.parsed.days] == [TODAY + timedelta(days=n) for n in range(7)]

    async def log_the_morning(self) -> None:
        logged = await self.call(
            "POST /v1/me/logs",
            body={"date": TODAY.isoformat(), "slot": "am", "done": True, "irritation": "none"},
        )
        assert logged.status_code == 201, logged.content
        assert logged.parsed.date == TODAY
        assert logged.parsed.done is True

    async def set_reminders(self) -> None:
        body = {"enabled": True, "am_time": "07:15", "pm_time": "21:45"}
        saved = await self.call("PUT /v1/me/reminders", body=body)
        assert saved.status_code == 200, saved.content
        read = await self.call("GET /v1/me/reminders")
        assert read.status_code == 200, read.content
        assert read.parsed.enabled is True
        assert read.parsed.am_time == "07:15"

    async def register_this_phone(self) -> None:
        device = {"platform": "ios", "push_token": "apns-0123456789abcdef", "locale": "en-GB"}
        created = await self.call(
            "PUT /v1/me/devices/{device_id}", device_id=DEVICE_ID, body=device
        )
        assert created.status_code == 201, created.content
        assert _value(created.parsed.platform) == "ios"
        again = await self.call(
            "PUT /v1/me/devices/{device_id}",
            device_id=DEVICE_ID,
            body={**device, "app_version": "2.4.1"},
        )
        assert again.status_code == 200, again.content
        listed = await self.call("GET /v1/me/devices")
        assert listed.status_code == 200, listed.content
        assert [(d.device_id, d.app_version) for d in listed.parsed.items] == [(DEVICE_ID, "2.4.1")]

    async def export_then_delete_the_account(self) -> None:
        exported = await self.call("GET /v1/me/export")
        assert exported.status_code == 200, exported.content
        document = exported.parsed
        assert document.account.email == self.email
        assert sorted(item.product.name for item in document.shelf) == sorted(BASICS)
        assert [log.date for log in document.logs] == [TODAY]
        assert [d.device_id for d in document.devices] == [DEVICE_ID]
        refused = await self.call("DELETE /v1/me", body={"password": "not-it-at-all"})
        assert refused.status_code == 403, refused.content
        assert refused.parsed.code.value == "password_incorrect"
        erased = await self.call("DELETE /v1/me", body={"password": PASSWORD})
        assert erased.status_code == 204, erased.content
        gone = await self.call("GET /v1/me")
        assert gone.status_code == 401, gone.content
        assert isinstance(gone.parsed, self.api.models.Problem), gone.parsed
        assert gone.parsed.code.value == "invalid_token"

    async def see_problems_as_problems(self) -> None:
        invalid = await self.call("PATCH /v1/me/profile", body={"timezone": "Mars/Olympus_Mons"})
        assert invalid.status_code == 422, invalid.content
        problem = invalid.parsed
        assert isinstance(problem, self.api.models.Problem), problem
        assert isinstance(problem.detail, str)
        assert isinstance(problem.code, enum.Enum)
        assert problem.code.value == "validation_error"
        assert [list(issue.loc) for issue in problem.errors] == [["body", "timezone"]]
        missing = await self.call("GET /v1/products/{product_id}", product_id=uuid.uuid4())
        assert missing.status_code == 404, missing.content
        assert isinstance(missing.parsed, self.api.models.Problem), missing.parsed
        assert missing.parsed.code.value == "product_not_found"
        assert isinstance(missing.parsed.detail, str)


def _value(member: Any) -> Any:
    return member.value if isinstance(member, enum.Enum) else member


async def test_the_mobile_flow_through_the_generated_client(generated, app):
    flow = MobileFlow(api=generated, app=app)
    try:
        await flow.register_and_sign_in()
        await flow.refresh_and_learn_who_i_am()
        await flow.set_up_profile()
        await flow.fill_the_shelf()
        await flow.read_today_and_the_week()
        await flow.log_the_morning()
        await flow.set_reminders()
        await flow.register_this_phone()
        await flow.see_problems_as_problems()
        await flow.export_then_delete_the_account()
    finally:
        await flow.close()


def test_the_generated_client_is_the_documents(generated):
    """Every operation of the document has its generated function, found by its operationId,
    and every generated enum has all the values of the document's enum (a generator names its
    members from the values: without x-enum-varnames, B- and B were both B, and one was lost)."""
    for path, operations in generated.document["paths"].items():
        for method in operations:
            module = generated.operation(f"{method.upper()} {path}")
            assert callable(module.asyncio_detailed), (method, path)
    documented = {frozenset(values) for values in _enums(generated.document)}
    models = generated.models
    enums = [c for c in vars(models).values() if isinstance(c, type) and issubclass(c, enum.Enum)]
    assert enums
    for generated_enum in enums:
        values = frozenset(member.value for member in generated_enum)
        assert values in documented, generated_enum


def _enums(node: Any) -> Iterator[list[str]]:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            yield node["enum"]
        for value in node.values():
            yield from _enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value)
