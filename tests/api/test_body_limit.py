"""Request bodies above max_body_bytes get 413 payload_too_large, declared or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.body_limit import BodyLimitMiddleware
from tests.factories import PASSWORD, unique_email

MiB = 1024 * 1024


def _assert_413(response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "payload_too_large"
    assert body["status"] == 413


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


@pytest.mark.parametrize("path", ["/v1/auth/register", "/v1/auth/token", "/v1/me/logs"])
async def test_a_declared_oversized_body_is_413(client, path):
    response = await client.post(
        path, content=b"x" * (MiB + 1), headers={"Content-Type": "application/json"}
    )
    _assert_413(response)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/v1/auth/register", "application/json"),
        ("/v1/auth/token", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_chunked_oversized_body_is_cut_off_with_413(client, path, content_type):
    response = await client.post(
        path, content=_chunks(3 * MiB), headers={"Content-Type": content_type}
    )
    assert "content-length" not in response.request.headers  # really streamed
    _assert_413(response)


async def test_a_body_under_the_cap_goes_through(client):
    response = await client.post(
        "/v1/auth/register", json={"email": unique_email(), "password": PASSWORD}
    )
    assert response.status_code == 201


async def test_a_declared_length_is_refused_before_the_body_is_read():
    reads = 0

    async def app(scope, receive, send):  # pragma: no cover - must not be reached
        raise AssertionError("the app was called")

    async def receive():
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    sent = []

    async def send(message):
        sent.append(message)

    middleware = BodyLimitMiddleware(app, max_bytes=MiB)
    scope = {"type": "http", "headers": [(b"content-length", str(10 * MiB).encode())]}
    await middleware(scope, receive, send)
    assert reads == 0
    assert sent[0]["status"] == 413
