"""A cap on request bodies, before anything reads them whole.

Pure ASGI, so it sees the body as the server delivers it: a declared Content-Length above the cap
is refused before one byte is read, and a chunked body (or any over HTTP/2) is counted as it
streams and cut off at the cap. Either way the answer is 413 problem+json `payload_too_large`.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import PROBLEM_JSON


class _TooLarge(Exception):
    pass


def _problem(max_bytes: int) -> tuple[Message, Message]:
    body = json.dumps(
        {
            "type": "/problems/payload_too_large",
            "title": "Content too large",
            "status": 413,
            "detail": f"The request body is larger than {max_bytes} bytes",
            "code": "payload_too_large",
            "max_bytes": max_bytes,
        }
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        streamed = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0  # the server refuses a malformed length itself
                if declared > self.max_bytes:
                    for message in _problem(self.max_bytes):
                        await send(message)
                    return
            elif name == b"transfer-encoding":
                streamed = True
        if not streamed and scope.get("http_version", "1.1").startswith("1."):
            # HTTP/1.x without chunking: the body is the declared length, which the server
            # delivers and no more, or none at all (RFC 9112 6.3). Nothing to count: such a
            # request (every GET among them) passes untouched.
            await self.app(scope, receive, send)
            return

        received = 0
        exceeded = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # once the cap is hit, whatever the app makes of the aborted read (FastAPI turns it
            # into a 400) is replaced by the 413
            nonlocal answered
            if not exceeded:
                await send(message)
            elif not answered and message["type"] == "http.response.start":
                answered = True
                for problem in _problem(self.max_bytes):
                    await send(problem)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not answered:
                for problem in _problem(self.max_bytes):
                    await send(problem)
