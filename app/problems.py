"""RFC 9457 problem+json for every error response, from one place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.errors import DatabaseUnavailable, OAuthError, RegimenError

logger = logging.getLogger("regimen.errors")

PROBLEM_JSON = "application/problem+json"
# RFC 6749 5.1: token responses (and, here, their errors and RFC 7009's answers) are not cached
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"/problems/{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def oauth_error(exc: OAuthError) -> JSONResponse:
    """An RFC 6749 5.2 error: `application/json` with `error` and `error_description`, as OAuth
    clients read it, and the problem members (`type`, `title`, `status`, `detail`, `code`) as
    every other error of this API carries them (RFC 6749 5.1: clients ignore unknown members)."""
    body = {
        "error": exc.code,
        "error_description": exc.detail,
        "type": f"/problems/{exc.code}",
        "title": exc.title,
        "status": exc.status_code,
        "detail": exc.detail,
        "code": exc.code,
    }
    return JSONResponse(body, status_code=exc.status_code, headers={**exc.headers, **NO_STORE})


async def _oauth_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)
    return oauth_error(exc)


def _loc(loc: tuple[int | str, ...]) -> list[int | str]:
    return list(loc)


async def _regimen_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegimenError)
    return problem(
        exc.status_code, exc.code, exc.detail, title=exc.title, headers=exc.headers, **exc.extra
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """Bad input, whether FastAPI caught it at the edge or a service re-validated a merge."""
    assert isinstance(exc, RequestValidationError | ValidationError)
    errors = [{"loc": _loc(err["loc"]), "msg": err["msg"]} for err in exc.errors()]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"])
    return problem(
        422,
        "validation_error",
        f"{where}: {first['msg']}" if where else str(first["msg"]),
        title="Invalid request",
        errors=errors,
    )


# the statuses Starlette and FastAPI raise themselves (400: a body they could not parse)
_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_NOT_UTF8 = {"type": "json_invalid", "loc": ("body",), "msg": "JSON body is not valid UTF-8"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's 400 for a JSON body that is not UTF-8: as malformed as one that is not JSON,
        # so the same 422 (a form it cannot parse stays a 400)
        return await _validation_error(request, RequestValidationError([_NOT_UTF8]))
    fallback = "internal_error" if exc.status_code >= 500 else "bad_request"
    code = _HTTP_CODES.get(exc.status_code, fallback)
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
    return problem(exc.status_code, code, str(exc.detail), headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method the path is served with (RFC 9110 15.5.6). Starlette's 405 names only the
    methods of the first route whose path matched, and FastAPI makes one route per method; so
    ask the router which methods it would serve here."""
    routes = request.app.router.routes
    served = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    return ", ".join(served)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """A constraint the service did not pre-check: in practice two requests racing to create
    the same thing (services check first, so the loser of the race lands here)."""
    logger.warning("integrity error on %s %s: %s", request.method, request.url.path, exc)
    return problem(
        409,
        "concurrent_update",
        "Another request changed this at the same moment; fetch it again and retry",
        title="Conflict",
    )


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error means the database cannot serve us now (retry later), not a bug.

    The database is the app's only network peer, so a bare OSError (refused, reset, and the
    TimeoutError of a connect or statement timeout) is the database's. A DBAPI error counts when
    the driver dropped the connection, or SQLite stayed locked past its busy timeout.
    """
    if isinstance(exc, OSError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc.orig, OSError):
            return True
        return "database is locked" in str(exc.orig)  # SQLite: busy past the busy timeout
    return False


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if not database_unavailable(exc):
        return await _unexpected(request, exc)
    logger.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return await _regimen_error(
        request,
        DatabaseUnavailable("The database is unavailable or too slow right now; retry shortly"),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal_error", "Something went wrong on our side; it was logged.")


_Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]
# Which exception becomes which problem: registered with FastAPI (install), and looked up the
# same way by the code that answers below FastAPI's routing (response_for).
_HANDLERS: dict[type[Exception], _Handler] = {
    RegimenError: _regimen_error,
    OAuthError: _oauth_error,
    RequestValidationError: _validation_error,
    ValidationError: _validation_error,
    StarletteHTTPException: _http_error,
    IntegrityError: _integrity_error,
    DBAPIError: _database_error,
    PoolTimeout: _database_error,
    OSError: _database_error,
    Exception: _unexpected,
}


def install(app: FastAPI) -> None:
    for exception, handler in _HANDLERS.items():
        app.add_exception_handler(exception, handler)


async def response_for(request: Request, exc: Exception) -> JSONResponse:
    """The problem FastAPI's handlers would answer for `exc` (the most specific class wins)."""
    handler = next(_HANDLERS[cls] for cls in type(exc).__mro__ if cls in _HANDLERS)
    return await handler(request, exc)
