"""The hot reads' short road: a cached routine, profile or shelf (and liveness) answered
before FastAPI's routing and dependency solving.

GET /v1/me/routine, /v1/me/profile and /v1/me/shelf are FastAPI routes (app/routers), and
they stay the contract: the document, the validation, every error. This middleware answers a
request the way its route would, with the route's own functions: the caller dependency
(deps.current_caller: the token, the caller's row, the request's one statement), the services'
cached bytes, the ETag rules (http_cache.send_encoded), and the problems FastAPI's handlers
would send (problems.response_for) for a refusal or a database fault. What the cache does not
hold goes on to the route, as does a query the short road does not read exactly as the route
does (a second `date`, an invalid one); the caller found travels on with it, so that the row
is read once.

Why: with the caller's row cached nowhere and read on every request (so revocations and plan
changes apply at once), what was left of a cache hit was FastAPI's per-request machinery
(routing through the included routers, solving four dependencies, a request and a response
object per layer): py-spy put it at most of the event loop's time (bench/profile_hot.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app import problems
from app.deps import bearer_token, current_caller
from app.http_cache import Encoded, send_encoded
from app.routers import health, profile, routines, shelf
from app.services import profiles
from app.services import routines as routine_service
from app.services import shelf as shelf_service
from app.services.callers import FOUND_CALLER, Caller
from app.validation import SafeDate

_safe_date: TypeAdapter[date] = TypeAdapter(SafeDate)


class _NotHere(Exception):
    """The route reads this request differently: let it answer."""


def _routine(caller: Caller, request: Request) -> Encoded | None:
    dates = request.query_params.getlist("date")
    if len(dates) > 1:
        raise _NotHere
    try:
        on = _safe_date.validate_python(dates[0]) if dates else None
    except ValidationError:
        raise _NotHere from None  # the route words the 422
    return routine_service.cached_day(user_id=caller.id, revision=caller.plan_revision, on=on)


def _profile(caller: Caller, _request: Request) -> Encoded | None:
    return profiles.cached(user_id=caller.id, revision=caller.plan_revision)


def _shelf(caller: Caller, _request: Request) -> Encoded | None:
    return shelf_service.cached(user_id=caller.id, revision=caller.plan_revision)


@dataclass(frozen=True, slots=True)
class _Read:
    route: APIRoute  # what metrics and logs name the request by
    cached: Callable[[Caller, Request], Encoded | None]


def _route(router_routes: Sequence[object], endpoint: Callable[..., object]) -> APIRoute:
    return next(r for r in router_routes if isinstance(r, APIRoute) and r.endpoint is endpoint)


_READS = {
    read.route.path: read
    for read in (
        _Read(_route(routines.router.routes, routines.read_routine), _routine),
        _Read(_route(profile.router.routes, profile.read_profile), _profile),
        _Read(_route(shelf.router.routes, shelf.read_shelf), _shelf),
    )
}


# Liveness: polled all day by load balancers and orchestrators. Its endpoint takes nothing
# and reads nothing, so it is called as it is, below the routing every other request needs.
_LIVENESS = _route(health.router.routes, health.healthz)


class HotReadsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if scope["path"] == _LIVENESS.path:
            scope["route"] = _LIVENESS
            await (await health.healthz())(scope, receive, send)
            return
        read = _READS.get(scope["path"])
        if read is not None:
            request = Request(scope, receive)
            try:
                response = await _answer(request, read)
            except _NotHere:
                pass
            else:
                scope["route"] = read.route
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _answer(request: Request, read: _Read) -> Response:
    """The route's answer from its cache, or _NotHere."""
    token = await bearer_token(request)
    try:
        caller = await current_caller(request, token)
    except Exception as exc:  # refused, or the database's trouble: as the route answers it
        return await problems.response_for(request, exc)
    encoded = read.cached(caller, request)
    if encoded is None:
        # the route builds it, and does not read the caller's row a second time
        request.scope[FOUND_CALLER] = (token, caller)
        raise _NotHere
    return send_encoded(request, encoded)
