"""Annotated dependencies: the session, who is calling, and "does it exist, is it theirs"."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote_plus

from fastapi import Depends, Header, Path, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import APIKeyQuery, OAuth2, OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import AfterValidator
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from app.config import Settings
from app.db import get_read_sessions, get_session
from app.errors import (
    Forbidden,
    InvalidClient,
    PreconditionRequired,
    ProblemCode,
    Unauthorized,
    raises,
)
from app.models.accounts import Role, ServiceClient, User
from app.models.devices import DEVICE_ID_PATTERN, MAX_DEVICE_ID, Device, not_a_dot_segment
from app.models.overrides import PlanOverride
from app.models.shelf import ShelfItem
from app.rate_limit import AttemptLimiter
from app.security import TokenClaims, read_token
from app.services import accounts, care_team, devices, overrides, shelf
from app.services.callers import FOUND_CALLER, Caller, Callers
from app.services.tokens import ClientCredentials
from app.validation import clean_text

SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# The hot reads (a routine, a profile, a shelf) open a session of their own only where their
# cache misses: no transaction, no commit (app/db.py)
ReadSessions = Annotated[async_sessionmaker[AsyncSession], Depends(get_read_sessions)]

TOKEN_URL = "/v1/auth/token"
SCOPES = {"reminders:read": "Read the due reminders, claim them and acknowledge them"}

# Who may call what, as the OpenAPI document tells it (FastAPI derives each operation's
# `security` from the scheme its dependencies use): people with the password flow, push
# schedulers with client credentials, a calendar app with its feed token.
_bearer = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    refreshUrl=TOKEN_URL,
    scheme_name="OAuth2Password",
    description="People (users, dermatologists, admins): `grant_type=password` at "
    "POST /v1/auth/token, then `Authorization: Bearer <access_token>`.",
    auto_error=False,
)


class _ClientCredentialsBearer(OAuth2):
    """A bearer token from the client credentials flow (read as OAuth2PasswordBearer reads
    its own)."""

    def __init__(self) -> None:
        flow = OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes=SCOPES)
        super().__init__(
            flows=OAuthFlows(clientCredentials=flow),
            scheme_name="OAuth2ClientCredentials",
            description="Machine clients (push schedulers): `grant_type=client_credentials` "
            "with `client_id`, `client_secret` and `scope` at POST /v1/auth/token, then "
            "`Authorization: Bearer <access_token>`.",
            auto_error=False,
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        scheme, token = get_authorization_scheme_param(authorization)
        return token if authorization and scheme.lower() == "bearer" else None


_client_bearer = _ClientCredentialsBearer()
_feed_token = APIKeyQuery(
    name="token",
    scheme_name="CalendarFeedToken",
    description="The personal feed token in the link from POST /v1/me/calendar/token "
    "(calendar apps cannot send a bearer token).",
    auto_error=False,
)
FeedToken = Annotated[str | None, Security(_feed_token)]

_UNAUTHENTICATED = (
    (401, ProblemCode.not_authenticated),
    (401, ProblemCode.invalid_token),
)


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def _attempt_limiter(request: Request) -> AttemptLimiter:
    limiter: AttemptLimiter = request.app.state.attempt_limiter
    return limiter


AttemptLimiterDep = Annotated[AttemptLimiter, Depends(_attempt_limiter)]


async def _client_address(request: Request) -> str:
    """The caller's address (behind a proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips so that this is the client, not the proxy)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(_client_address)]


def limit_per_address(rule: str) -> Any:
    """Count this request against the caller's address."""

    @raises((429, ProblemCode.rate_limited))
    async def check(address: ClientAddress, limiter: AttemptLimiterDep) -> None:
        await limiter.hit(rule, address)

    return Depends(check)


async def _basic_client(request: Request) -> ClientCredentials | None:
    """A machine client's credentials sent as HTTP Basic (RFC 6749 2.3.1: the id and the secret
    each form-urlencoded, then joined by a colon), or None without `Authorization: Basic`.
    Another scheme is not client authentication and is ignored (an app may send its bearer
    token with every request). Read from the request, not declared as a header parameter: the
    token endpoint's form is its documented interface."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        raw_id, colon, raw_secret = decoded.partition(":")
        client_id, client_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if not colon or not client_id or len(client_id) > 64 or len(client_secret) > 128:
            raise ValueError("not an id and a secret")
        clean_text(client_id)
        clean_text(client_secret)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidClient("The Basic Authorization header is malformed") from None
    return ClientCredentials(client_id=client_id, client_secret=client_secret)


BasicClient = Annotated[ClientCredentials | None, Depends(_basic_client)]


def _verified(settings: Settings, token: str | None) -> TokenClaims:
    if token is None:
        raise Unauthorized("Send a bearer token in the Authorization header")
    claims = read_token(settings, token)
    if claims is None:
        raise Unauthorized("The token is invalid or has expired", code="invalid_token")
    return claims


@raises(*_UNAUTHENTICATED)
async def _claims(
    settings: SettingsDep, token: Annotated[str | None, Depends(_bearer)]
) -> TokenClaims:
    return _verified(settings, token)


Claims = Annotated[TokenClaims, Depends(_claims)]


_Row = TypeVar("_Row", User, Caller)


def _person(claims: TokenClaims) -> tuple[uuid.UUID, uuid.UUID]:
    """The person and their sign-in (token family) behind a token."""
    if claims.kind != "user":
        raise Forbidden("This route is for people, not service clients", code="user_required")
    assert claims.family_id is not None  # read_token refuses a person's token without one
    return claims.subject, claims.family_id


def _exists(row: _Row | None) -> _Row:
    if row is None:
        raise Unauthorized(
            "The account behind this token no longer exists, or its sign-in was revoked",
            code="invalid_token",
        )
    return row


@raises((403, ProblemCode.user_required), (401, ProblemCode.invalid_token))
async def _current_user(claims: Claims, session: SessionDep) -> User:
    user_id, family_id = _person(claims)
    return _exists(await accounts.get_signed_in_user(session, user_id=user_id, family_id=family_id))


CurrentUser = Annotated[User, Depends(_current_user)]


async def bearer_token(request: Request) -> str | None:
    """The bearer token of the Authorization header, read as the routes' security scheme
    reads it (None without one)."""
    return await _bearer(request)


@raises(
    *_UNAUTHENTICATED,
    (403, ProblemCode.user_required),
    (503, ProblemCode.database_unavailable),
)
async def current_caller(
    request: Request, token: Annotated[str | None, Depends(_bearer)]
) -> Caller:
    """CurrentUser for the hot reads: the same checks, in one flat dependency with no session,
    and one statement for the caller's row (role, plan revision, and that the sign-in stands)
    instead of an ORM load (app/services/callers.py). app/hot_reads.py calls it as well."""
    found: tuple[str, Caller] | None = request.scope.get(FOUND_CALLER)
    if found is not None and token is not None and found[0] == token:
        return found[1]  # read already on this request, for this token (app/hot_reads.py)
    claims = _verified(request.app.state.settings, token)
    user_id, family_id = _person(claims)
    callers: Callers = request.app.state.callers
    return _exists(await callers.find(user_id, family_id))


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def _role(*allowed: Role) -> object:
    @raises((403, ProblemCode.role_required))
    async def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(
                f"This route is for {' or '.join(allowed)} accounts", code="role_required"
            )
        return user

    return check


Dermatologist = Annotated[User, Depends(_role(Role.dermatologist))]


def _scoped(scope: str) -> object:
    @raises(*_UNAUTHENTICATED, (403, ProblemCode.scope))
    async def check(
        settings: SettingsDep,
        session: SessionDep,
        # a default, not an Annotated alias: the annotation could not name this closure's scope
        token: str | None = Security(_client_bearer, scopes=[scope]),
    ) -> ServiceClient:
        claims = _verified(settings, token)
        if claims.kind != "service" or scope not in claims.scopes:
            raise Forbidden(f"This route needs a service token with scope {scope}", code="scope")
        client = await accounts.get_service_client(session, claims.subject)
        if client is None or scope not in client.scope_set:
            raise Unauthorized("The client behind this token was removed", code="invalid_token")
        return client

    return check


SchedulerClient = Annotated[ServiceClient, Depends(_scoped("reminders:read"))]


@raises((404, ProblemCode.shelf_item_not_found))
async def _owned_shelf_item(
    item_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> ShelfItem:
    return await shelf.get_owned_item(session, user=user, item_id=item_id)


OwnedShelfItem = Annotated[ShelfItem, Depends(_owned_shelf_item)]

# Path first, then the validator: so the pattern stays in the OpenAPI document
DeviceId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_DEVICE_ID,
        pattern=DEVICE_ID_PATTERN,
        description="The app's own id for this install: 1-128 of A-Z a-z 0-9 . _ : -",
        examples=["5E1F6A5C-7B8D-4C2E-9A0B-3D4E5F607182"],
    ),
    AfterValidator(not_a_dot_segment),
]


@raises((404, ProblemCode.device_not_found))
async def _owned_device(device_id: DeviceId, user: CurrentUser, session: SessionDep) -> Device:
    return await devices.get_owned_device(session, user_id=user.id, device_id=device_id)


OwnedDevice = Annotated[Device, Depends(_owned_device)]


@raises((404, ProblemCode.patient_not_found))
async def _linked_patient(
    patient_id: uuid.UUID, dermatologist: Dermatologist, session: SessionDep
) -> User:
    """The one consent check: the caller is a dermatologist actively linked to this patient."""
    return await care_team.linked_patient(
        session, dermatologist=dermatologist, patient_id=patient_id
    )


LinkedPatient = Annotated[User, Depends(_linked_patient)]


@raises((404, ProblemCode.override_not_found))
async def _patient_override(
    override_id: uuid.UUID, patient: LinkedPatient, session: SessionDep
) -> PlanOverride:
    return await overrides.get_active_override(
        session, patient_id=patient.id, override_id=override_id
    )


PatientOverride = Annotated[PlanOverride, Depends(_patient_override)]


@raises((428, ProblemCode.precondition_required), (412, ProblemCode.stale_version))
async def _if_match_required(
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> str:
    """Writes to shared state must name the version they were made against."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Send If-Match with the ETag of the list you read", code="precondition_required"
        )
    return if_match


IfMatchRequired = Annotated[str, Depends(_if_match_required)]
