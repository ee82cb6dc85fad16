"""Registration, OAuth2 tokens (RFC 6749: password, refresh_token and client_credentials
grants) and revocation (RFC 7009)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app.deps import (
    AttemptLimiterDep,
    BasicClient,
    ClientAddress,
    SessionDep,
    SettingsDep,
    limit_per_address,
)
from app.errors import InvalidRequest, OAuthError
from app.models.accounts import Token, UserPublic, UserRegister
from app.models.tokens import RevokeRequest, TokenRequest
from app.problems import NO_STORE, oauth_error
from app.services import accounts, tokens

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class _OAuthRoute(APIRoute):
    """A route that answers like an OAuth2 endpoint: a malformed or repeated parameter is an
    RFC 6749 `invalid_request` (not this API's 422), and every answer is `no-store`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                await _single_valued(request)
                response = await handler(request)
            except RequestValidationError as exc:
                raise InvalidRequest(_described(exc)) from None
            response.headers.update(NO_STORE)
            return response

        return route


# the parameters these endpoints define (RFC 6749 4.3, 4.4, 6; RFC 7009 2.1)
_PARAMETERS = frozenset(TokenRequest.model_fields) | frozenset(RevokeRequest.model_fields)


async def _single_valued(request: Request) -> None:
    """RFC 6749 3.2: a parameter sent more than once is an invalid request. Only the defined
    ones: a parameter the endpoint does not know is ignored, however often it comes."""
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return  # not a form at all: the missing grant_type or token says so
    form = await request.form()  # parsed once: the handler reads the same form
    repeated = sorted({key for key in form if key in _PARAMETERS and len(form.getlist(key)) > 1})
    if repeated:
        raise InvalidRequest(f"Repeated parameter: {', '.join(repeated)}")


def _described(exc: RequestValidationError) -> str:
    """The first problem, as RFC 6749's error_description allows (printable ASCII, no quotes
    or backslashes)."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "malformed request"}
    where = str(first["loc"][-1]) if first["loc"] else "request"
    said = f"{where} is required" if first.get("type") == "missing" else f"{where}: {first['msg']}"
    text = said.encode("ascii", "replace").decode()
    return "".join(ch for ch in text if ch.isprintable() and ch not in '"\\')


@router.post(
    "/register",
    status_code=201,
    response_model=UserPublic,
    dependencies=[limit_per_address("register:address")],
)
async def register(body: UserRegister, session: SessionDep) -> UserPublic:
    user = await accounts.create_user(session, email=body.email, password=body.password)
    return UserPublic.model_validate(user, from_attributes=True)


# The OAuth2 endpoints (token and revoke), a router of their own for their route class; app/main.py
# includes both. (Not included into `router`: a nested router's routes keep their own path as
# the route template, so metrics and logs would name them "/token".) Their 400 and 401 are
# documented as RFC 6749 errors by app/openapi.py (ROUTES, oauth=True).
oauth_router = APIRouter(prefix="/v1/auth", tags=["auth"], route_class=_OAuthRoute)


@oauth_router.post("/token", response_model=Token, response_model_exclude_none=True)
async def token(
    form: Annotated[TokenRequest, Form()],
    basic: BasicClient,
    session: SessionDep,
    settings: SettingsDep,
    limiter: AttemptLimiterDep,
    address: ClientAddress,
) -> Token | JSONResponse:
    """Issue tokens (RFC 6749): `password` (a person signs in: an access token and a refresh
    token), `refresh_token` (rotates: the presented refresh token is used up, presenting it
    again revokes the sign-in), `client_credentials` (a machine client, in the form or as HTTP
    Basic; no refresh token).

    Errors follow RFC 6749 5.2: 400 (401 `invalid_client`, with `WWW-Authenticate: Basic`) as
    `application/json` with `error` and `error_description`; the body also carries this API's
    problem members (`type`, `title`, `status`, `detail`, `code` = `error`), so one error reader
    serves every route. Too many login attempts stay a 429 `rate_limited` problem.
    """
    try:
        return await tokens.grant(
            session, settings, form=form, basic=basic, limiter=limiter, address=address
        )
    except OAuthError as exc:
        # answered, not raised: the transaction commits, so that a reused refresh token's
        # revocation of its sign-in sticks (nothing else is written before such an error)
        return oauth_error(exc)


@oauth_router.post(
    "/revoke",
    response_class=Response,
    operation_id="revokeToken",
    summary="Revoke a sign-in by its refresh token or access token",
)
async def revoke(
    form: Annotated[RevokeRequest, Form()], session: SessionDep, settings: SettingsDep
) -> Response:
    """Revoke a refresh token or a person's access token (RFC 7009): the whole sign-in it
    belongs to ends, its access tokens on their next request. 200 with an empty body also for
    an unknown, malformed or already revoked token; `token_type_hint` is accepted and not
    needed. A machine client's access token cannot be revoked (400 `unsupported_token_type`)."""
    await tokens.revoke(session, settings, token=form.token)
    return Response(status_code=200)
