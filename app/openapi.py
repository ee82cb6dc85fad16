"""The OpenAPI document as the contract: what FastAPI generates, plus what it cannot see.

FastAPI knows each route's parameters, bodies, success responses and security schemes. It does
not know which problems a route answers, that they are problem+json, or which reads carry an
ETag. Those are added here, once, from what the routes are made of:

- every dependency marked with `app.errors.raises` (authentication, roles and scopes, "does
  it exist, is it yours", If-Match, rate limits, the database session) adds its problems to
  every route that depends on it, however deep;
- a request body adds 413 and 422, any parameter 422, an If-Match header 412;
- ROUTES (below) adds what a route's service raises, its operationId and summary, and whether
  it is a conditional read (ETag, If-None-Match, 304);
- FastAPI's default 422 (`HTTPValidationError`, which this app never sends) is replaced by the
  one `Problem` schema.
A route's own `responses=` entry for a status wins over all of this.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.errors import (
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ProblemCode,
    Raised,
    RegimenError,
    Unauthorized,
    Unprocessable,
)
from app.models.problems import Problem

DESCRIPTION = """\
Skincare routines that are safe, explained and step-ordered, for the mobile app, push-notification
schedulers and dermatologists.

**Errors** are RFC 9457 `application/problem+json` (the `Problem` schema): branch on `code`,
which is stable; `detail` is a sentence for people. A 422 `validation_error` lists every invalid
value in `errors`. Each operation lists the statuses and codes it can answer.

**Authentication**: people use the OAuth2 password flow, push schedulers the client credentials
flow with scope `reminders:read` (both at `POST /v1/auth/token`), and send
`Authorization: Bearer <access_token>`. You never see another person's data unless a care-team
link grants it: such objects answer 404, as if they did not exist.

**Caching and concurrency**: cacheable reads send a strong `ETag`; send it back as
`If-None-Match` for a 304. Writes to shared state take `If-Match` (412 `stale_version` when
another write came first; 428 where it is required).

**Dates** are `YYYY-MM-DD` in the user's own time zone; **instants** are RFC 3339 in UTC with
whole seconds (`2027-03-01T07:00:00Z`). Lists take `limit` and an opaque `cursor` and answer
`next_cursor` (null on the last page).
"""

PROBLEM_JSON = "application/problem+json"
_SCHEMAS = "#/components/schemas/"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_P = ProblemCode


@dataclass(frozen=True)
class Route:
    """What the document says about one route beyond what FastAPI derives."""

    operation_id: str
    summary: str
    raises: tuple[Raised, ...] = ()
    # a read with a strong ETag that answers If-None-Match with 304 (app.http_cache)
    conditional: bool = False
    # a write whose answer carries the new version's ETag (app.http_cache.cached_json)
    etag: bool = False
    # False for a POST that stores nothing (so it loses no race to a unique constraint)
    writes: bool = True
    # the operation's description where the route's docstring gives none
    description: str = ""


_OVERRIDE_REFUSED = tuple(
    (422, code)
    for code in (
        _P.too_many_overrides,
        _P.guard_not_overridable,
        _P.warning_not_acknowledged,
        _P.nothing_to_confirm,
        _P.retinoid_in_am,
        _P.exfoliant_in_am,
        _P.sunscreen_in_pm,
        _P.spf_must_be_last,
    )
)
_PROCEDURE_REFUSED = tuple(
    (422, code)
    for code in (
        _P.date_out_of_range,
        _P.session_too_soon,
        _P.procedure_delayed_on_isotretinoin,
        _P.too_many_procedures,
    )
)
_RANGE = ((422, _P.invalid_range), (422, _P.range_too_long))
_NO_PROFILE = ((404, _P.profile_not_found),)
_CURSOR = ((422, _P.invalid_cursor),)

# By the route's function name. Routes declared with their own `operation_id=` need no entry
# (their summary is their docstring's first line); tests/api/test_openapi.py checks that every
# operationId is camelCase and unique.
ROUTES: dict[str, Route] = {
    route.operation_id: route
    for route in (
        Route("getHealth", "Liveness: the process is up"),
        Route(
            "getReadiness",
            "Readiness: the database answers in time",
            ((503, _P.database_unavailable),),
        ),
        Route("getMetrics", "Prometheus metrics"),
        Route("registerUser", "Create an account (role user)", ((409, _P.email_taken),)),
        Route(
            "createToken",
            "Get an access token (OAuth2 password or client credentials grant)",
            (
                (400, _P.bad_request),
                (400, _P.invalid_request),
                (400, _P.invalid_scope),
                (401, _P.invalid_credentials),
                (401, _P.invalid_client),
                (429, _P.rate_limited),
            ),
            writes=False,
            description="A form (`application/x-www-form-urlencoded`), as OAuth2 has it. People "
            "send `grant_type=password` with `username` (their email) and `password`; machine "
            "clients send `grant_type=client_credentials` with `client_id`, `client_secret` and "
            "`scope` (space-separated; all the client's scopes when empty). Refusals are "
            "problem+json like every error here: 400 `invalid_request` (a grant's fields "
            "missing) or `invalid_scope`, 401 `invalid_credentials` (the same for an unknown "
            "email and a wrong password) or `invalid_client`, 429 `rate_limited` with "
            "Retry-After (attempts are limited per account and per client address).",
        ),
        Route("getProfile", "Your skin profile", _NO_PROFILE, conditional=True),
        Route("replaceProfile", "Create or replace your skin profile", etag=True),
        Route("updateProfile", "Change some fields of your skin profile", _NO_PROFILE, etag=True),
        Route("listProducts", "Search the catalog (shared products and your own)", _CURSOR),
        Route("getProduct", "One product", ((404, _P.product_not_found),)),
        Route("createProduct", "Add a product (your own; an admin's joins the shared catalog)"),
        Route("getShelf", "Your shelf: the products you own", conditional=True),
        Route("addShelfItem", "Put a product on your shelf", ((404, _P.product_not_found),)),
        Route("updateShelfItem", "Change a shelf item (batch, dates, patch test)"),
        Route("deleteShelfItem", "Take a product off your shelf"),
        Route("getRoutine", "Your routine for one day", _NO_PROFILE, conditional=True),
        Route(
            "listRoutineDays",
            "Your routine for a range of days (at most 62)",
            _NO_PROFILE + _RANGE,
            conditional=True,
        ),
        Route(
            "listRules", "Every rule the engine cites, with its source and grade", conditional=True
        ),
        Route("createLog", "Log a morning or evening: done or not, and any irritation"),
        Route("listLogs", "Your logs for a range of days", _RANGE),
        Route("createCareTeamInvite", "Invite a dermatologist: a single-use code"),
        Route("getCareTeam", "The dermatologists who can see your plan"),
        Route(
            "deleteCareTeamMember",
            "Revoke a dermatologist's access (their overrides end with it)",
            ((404, _P.care_link_not_found),),
        ),
        Route("listMyOverrides", "Your dermatologists' overrides of your plan"),
        Route("listMyAudit", "The audit trail of your plan, newest first", _CURSOR),
        Route(
            "linkPatient",
            "Redeem a patient's invite code (dermatologists)",
            ((422, _P.invite_invalid), (409, _P.already_linked)),
        ),
        Route("listPatients", "Your linked patients (dermatologists)", _CURSOR),
        Route("getPatientProfile", "A linked patient's profile", _NO_PROFILE, conditional=True),
        Route(
            "getPatientRoutine",
            "A linked patient's routine for one day",
            _NO_PROFILE,
            conditional=True,
        ),
        Route(
            "listPatientRoutineDays",
            "A linked patient's routine for a range of days",
            _NO_PROFILE + _RANGE,
            conditional=True,
        ),
        Route("listPatientOverrides", "A linked patient's active overrides", conditional=True),
        Route(
            "createOverride",
            "Override a linked patient's plan (If-Match: the overrides list's ETag)",
            ((404, _P.product_not_found), *_OVERRIDE_REFUSED),
        ),
        Route("deleteOverride", "Withdraw an override (If-Match: the overrides list's ETag)"),
        Route("listPatientAudit", "A linked patient's audit trail, newest first", _CURSOR),
        Route(
            "createProcedure", "Record an in-clinic session you had or booked", _PROCEDURE_REFUSED
        ),
        Route(
            "listProcedures",
            "Your sessions and series",
            ((422, _P.invalid_range),),
            conditional=True,
        ),
        Route("deleteProcedure", "Withdraw a session", ((404, _P.procedure_not_found),)),
        Route("listPatientProcedures", "A linked patient's active sessions", conditional=True),
        Route(
            "createPatientProcedure",
            "Book a session for a linked patient (If-Match: the procedures list's ETag)",
            _PROCEDURE_REFUSED,
        ),
        Route(
            "createPatientProcedureSeries",
            "Plan a series of sessions for a linked patient (If-Match as for one session)",
            _PROCEDURE_REFUSED,
        ),
        Route("getReminderSettings", "Your reminder settings", _NO_PROFILE),
        Route("replaceReminderSettings", "Set your reminders", _NO_PROFILE),
        Route(
            "listDueReminders",
            "Reminders due in a window of at most 24 hours (push schedulers)",
            (
                (422, _P.invalid_instant),
                (422, _P.invalid_window),
                (422, _P.window_too_long),
                *_CURSOR,
            ),
        ),
        Route(
            "claimReminders",
            "Lease due reminders to one worker (push schedulers)",
            ((422, _P.invalid_instant), (422, _P.invalid_lease), (422, _P.lease_too_long)),
        ),
        Route(
            "ackReminder",
            "Mark a leased reminder sent (push schedulers)",
            ((404, _P.reminder_not_found), (409, _P.lease_not_held)),
        ),
        Route(
            "createCalendarToken", "A new personal calendar link (the old one stops)", _NO_PROFILE
        ),
        Route("deleteCalendarToken", "Revoke your calendar link"),
        Route(
            "getCalendarFeed",
            "Your coming routine as an RFC 5545 calendar",
            ((404, _P.calendar_feed_not_found),),
        ),
    )
}
# the route functions' names, as FastAPI knows each route
_BY_NAME = {
    "healthz": "getHealth",
    "readyz": "getReadiness",
    "metrics": "getMetrics",
    "register": "registerUser",
    "token": "createToken",
    "read_profile": "getProfile",
    "replace_profile": "replaceProfile",
    "update_profile": "updateProfile",
    "list_products": "listProducts",
    "read_product": "getProduct",
    "add_product": "createProduct",
    "read_shelf": "getShelf",
    "add_to_shelf": "addShelfItem",
    "update_shelf_item": "updateShelfItem",
    "remove_from_shelf": "deleteShelfItem",
    "read_routine": "getRoutine",
    "read_routine_days": "listRoutineDays",
    "read_rules": "listRules",
    "log_routine": "createLog",
    "read_logs": "listLogs",
    "create_invite": "createCareTeamInvite",
    "read_care_team": "getCareTeam",
    "revoke": "deleteCareTeamMember",
    "read_my_overrides": "listMyOverrides",
    "read_my_audit": "listMyAudit",
    "redeem_invite": "linkPatient",
    "list_patients": "listPatients",
    "read_patient_profile": "getPatientProfile",
    "read_patient_routine": "getPatientRoutine",
    "read_patient_routine_days": "listPatientRoutineDays",
    "read_overrides": "listPatientOverrides",
    "create_override": "createOverride",
    "delete_override": "deleteOverride",
    "read_patient_audit": "listPatientAudit",
    "record_procedure": "createProcedure",
    "list_my_procedures": "listProcedures",
    "delete_my_procedure": "deleteProcedure",
    "read_patient_procedures": "listPatientProcedures",
    "create_patient_procedure": "createPatientProcedure",
    "create_patient_procedure_series": "createPatientProcedureSeries",
    "read_reminder_settings": "getReminderSettings",
    "replace_reminder_settings": "replaceReminderSettings",
    "read_due_reminders": "listDueReminders",
    "claim_reminders": "claimReminders",
    "ack_reminder": "ackReminder",
    "issue_calendar_token": "createCalendarToken",
    "revoke_calendar_token": "deleteCalendarToken",
    "read_calendar_feed": "getCalendarFeed",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def operation_id(route: APIRoute) -> str:
    """FastAPI's generate_unique_id_function: the camelCase id of a route without its own
    `operation_id=` (by its function name; a name not listed is camelCased)."""
    return _BY_NAME.get(route.name) or _camel(route.name)


# the titles app/errors.py gives: by status, then where a code's class says otherwise
_STATUS_TITLES = {
    error.status_code: error.title
    for error in (
        RegimenError,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        Unprocessable,
        PreconditionRequired,
        DatabaseUnavailable,
    )
}
_TITLES: dict[ProblemCode, str] = {
    _P.validation_error: "Invalid request",
    _P.payload_too_large: "Content too large",
    _P.rate_limited: "Too many requests",
    _P.invalid_scope: "Invalid scope",
    _P.invalid_request: "Invalid token request",
    **{code: "Override refused" for _status, code in _OVERRIDE_REFUSED[1:]},
    _P.session_too_soon: "Procedure refused",
    _P.procedure_delayed_on_isotretinoin: "Procedure refused",
}
# an example `detail` for each code a route lists (the wording may change; the code will not)
_DETAILS: dict[ProblemCode, str] = {
    _P.bad_request: "There was an error parsing the body",
    _P.not_authenticated: "Send a bearer token in the Authorization header",
    _P.invalid_token: "The token is invalid or has expired",
    _P.user_required: "This route is for people, not service clients",
    _P.role_required: "This route is for dermatologist accounts",
    _P.scope: "This route needs a service token with scope reminders:read",
    _P.database_unavailable: "The database is unavailable or too slow right now; retry shortly",
    _P.validation_error: "body.email: value is not a valid email address",
    _P.payload_too_large: "The request body is larger than 1048576 bytes",
    _P.rate_limited: "Too many attempts; retry later",
    _P.stale_version: "The resource changed since you read it; fetch it again and retry",
    _P.precondition_required: "Send If-Match with the ETag of the list you read",
    _P.concurrent_update: "Another request changed this at the same moment; fetch it again "
    "and retry",
    _P.invalid_cursor: "cursor is not one this service issued",
    _P.invalid_range: "'to' must not be before 'from'",
    _P.range_too_long: "A range covers at most 62 days",
    _P.email_taken: "An account with this email already exists",
    _P.invalid_credentials: "Incorrect email or password",
    _P.invalid_client: "Unknown client or wrong secret",
    _P.invalid_request: "The password grant needs username and password",
    _P.invalid_scope: "This client may not request: reminders:write",
    _P.profile_not_found: "No profile yet: its owner creates it with PUT /v1/me/profile",
    _P.product_not_found: "No such product",
    _P.shelf_item_not_found: "No such item on your shelf",
    _P.procedure_not_found: "No such procedure",
    _P.calendar_feed_not_found: "No calendar feed for this link",
    _P.invite_invalid: "This invite code is unknown, expired or already used: ask the patient "
    "for a new one",
    _P.already_linked: "You are already linked to this patient",
    _P.patient_not_found: "No such patient among yours",
    _P.care_link_not_found: "No such dermatologist on your care team",
    _P.override_not_found: "No such active override for this patient",
    _P.too_many_overrides: "A patient has at most 100 active overrides: withdraw some first",
    _P.guard_not_overridable: "A safety guard keeps this product out and no override can lift "
    "it (RULES.md O2)",
    _P.warning_not_acknowledged: "This guard may be overridden only with an explicit, recorded "
    "warning: resend with acknowledge_warning: true",
    _P.nothing_to_confirm: "No guard keeps this product out: there is nothing to confirm",
    _P.retinoid_in_am: "The engine refuses this override: retinoid_in_am",
    _P.exfoliant_in_am: "The engine refuses this override: exfoliant_in_am",
    _P.sunscreen_in_pm: "The engine refuses this override: sunscreen_in_pm",
    _P.spf_must_be_last: "The engine refuses this override: spf_must_be_last",
    _P.date_out_of_range: "A procedure date must be within two years of today",
    _P.session_too_soon: "Sessions of this kind are at least 28 days apart (PP6)",
    _P.procedure_delayed_on_isotretinoin: "On oral isotretinoin this procedure waits until 6 "
    "months after the last dose (PP2)",
    _P.too_many_procedures: "At most 200 active procedures: delete some first",
    _P.invalid_instant: "'from' is outside the supported range",
    _P.invalid_window: "'to' must be after 'from'",
    _P.window_too_long: "A window covers at most 24 hours",
    _P.invalid_lease: "'until' must be in the future",
    _P.lease_too_long: "A lease lasts at most 15 minutes",
    _P.reminder_not_found: "No such reminder",
    _P.lease_not_held: "This worker does not hold the lease on this reminder; claim it first",
}

_HEADERS = {
    "ETag": {
        "description": "The strong entity tag of this representation: send it back as "
        "If-None-Match (a 304 when unchanged) or as If-Match on a write",
        "schema": {"type": "string", "examples": ['"3f2a9c0e5b7d41a8c6e0f9b2d4a1c3e5f7a9b0c2"']},
    },
    "CacheControl": {
        "description": "`private, no-cache`: keep it, but revalidate with If-None-Match",
        "schema": {"type": "string"},
    },
    "RetryAfter": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 1},
    },
    "WWWAuthenticate": {
        "description": "The authentication scheme to use: `Bearer`",
        "schema": {"type": "string"},
    },
}
# what a parameter means wherever a route takes it (a route's own description wins)
_PARAMETERS = {
    "patient_id": "A linked patient's account id",
    "product_id": "The product's id",
    "item_id": "The shelf item's id",
    "override_id": "The override's id",
    "procedure_id": "The session's id",
    "reminder_id": "The reminder's id",
    "dermatologist_id": "The dermatologist's account id",
    "q": "Text the product's name or brand contains (case-insensitive)",
    "category": "Only products of this category",
    "include_deleted": "Also list withdrawn overrides",
    "reason": "Why, for the patient and the audit trail",
    "kind": "Only reminders of these kinds (repeat the parameter for several)",
}
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag you hold: 304 Not Modified, with no body, when it is still current",
    "schema": {"type": "string"},
}
_IF_MATCH = (
    "The ETag of the version you read (RFC 9110 If-Match): 412 `stale_version` when another "
    "write came first"
)
_RESPONSE_HEADERS: dict[int, dict[str, str]] = {
    401: {"WWW-Authenticate": "WWWAuthenticate"},
    429: {"Retry-After": "RetryAfter"},
    503: {"Retry-After": "RetryAfter"},
}
# the form bodies FastAPI names Body_<operationId>, named and described here
_FORMS: dict[str, tuple[str, str, dict[str, str]]] = {
    "createToken": (
        "TokenRequest",
        "An OAuth2 token request (RFC 6749 4.3 and 4.4), as a form",
        {
            "grant_type": "`password` (people) or `client_credentials` (machine clients)",
            "username": "The account's email (password grant)",
            "password": "The account's password (password grant)",
            "client_id": "The service client's id (client credentials grant)",
            "client_secret": "The service client's secret (client credentials grant)",
            "scope": "Space-separated scopes to request (client credentials grant; all the "
            "client's scopes when empty)",
        },
    ),
}


def install(app: FastAPI) -> None:
    """Serve this document at app.openapi_url (built once, on the first request for it)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template=_SCHEMAS + "{model}", mode="serialization")
    schemas.update(problem.pop("$defs"))
    schemas["Problem"] = problem
    components["headers"] = copy.deepcopy(_HEADERS)
    for route in _api_routes(app):
        for method in sorted(route.methods or ()):
            operation = document["paths"][route.path_format][method.lower()]
            _document(operation, route, method, schemas)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["schemas"] = dict(sorted(schemas.items()))
    return document


def _api_routes(app: FastAPI) -> Iterator[Any]:
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _document(operation: dict[str, Any], route: Any, method: str, schemas: dict[str, Any]) -> None:
    facts = ROUTES.get(operation["operationId"])
    if facts is not None and route.summary is None:
        operation["summary"] = facts.summary
    if facts is not None and facts.description and not operation.get("description"):
        operation["description"] = facts.description
    responses = operation.setdefault("responses", {})
    default_422 = responses.get("422", {}).get("content", {}).get("application/json", {})
    if default_422.get("schema", {}).get("$ref") == _SCHEMAS + "HTTPValidationError":
        del responses["422"]
    own = {str(status) for status in route.responses}

    writes = method not in _SAFE_METHODS and (facts is None or facts.writes)
    problems = list(_problems(route, writes=writes))
    if facts is not None:
        problems += facts.raises
    by_status: dict[int, list[ProblemCode]] = {}
    for status, code in problems:
        codes = by_status.setdefault(status, [])
        if code not in codes:
            codes.append(code)
    for status, codes in by_status.items():
        if str(status) not in own:
            responses[str(status)] = _problem_response(status, codes)

    parameters = operation.get("parameters", [])
    for parameter in parameters:
        if parameter["name"] in _PARAMETERS:
            parameter.setdefault("description", _PARAMETERS[parameter["name"]])
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
            parameter["description"] = _IF_MATCH
            if 428 in by_status:  # a route that refuses a write without it requires it
                parameter["required"] = True
                parameter["schema"] = {"type": "string"}
    if facts is not None and facts.conditional:
        parameters.append(copy.deepcopy(_IF_NONE_MATCH))
        responses["304"] = {
            "description": "Not Modified: the ETag sent as If-None-Match is still current",
            "headers": _header_refs(("ETag", "ETag"), ("Cache-Control", "CacheControl")),
        }
    if facts is not None and (facts.conditional or facts.etag):
        for status, response in responses.items():
            if status.startswith("2"):
                response.setdefault("headers", {}).update(
                    _header_refs(("ETag", "ETag"), ("Cache-Control", "CacheControl"))
                )
    if parameters:
        operation["parameters"] = parameters
    _name_form(operation, schemas)
    operation["responses"] = dict(sorted(responses.items()))


def _problems(route: Any, *, writes: bool) -> Iterator[Raised]:
    """What the route's request and dependencies alone may answer."""
    for dependency in _dependencies(route.dependant):
        yield from getattr(dependency.call, "__problems__", ())
        if writes:
            yield from getattr(dependency.call, "__write_problems__", ())
    if route.body_field is not None:
        yield 413, ProblemCode.payload_too_large
        yield 422, ProblemCode.validation_error
    params = get_flat_params(route.dependant)
    if params:
        yield 422, ProblemCode.validation_error
    if any(param.alias.lower() == "if-match" for param in params):
        yield 412, ProblemCode.stale_version


def _problem_response(status: int, codes: Iterable[ProblemCode]) -> dict[str, Any]:
    codes = sorted(codes)
    phrase = _STATUS_TITLES.get(status) or HTTPStatus(status).phrase
    examples = {
        code.value: {
            "summary": code.value,
            "value": {
                "type": f"/problems/{code.value}",
                "title": _TITLES.get(code, phrase),
                "status": status,
                "detail": _DETAILS.get(code, phrase),
                "code": code.value,
                **_example_members(code),
            },
        }
        for code in codes
    }
    response: dict[str, Any] = {
        "description": f"{phrase}: " + ", ".join(f"`{code.value}`" for code in codes),
        "content": {PROBLEM_JSON: {"schema": {"$ref": _SCHEMAS + "Problem"}, "examples": examples}},
    }
    if status in _RESPONSE_HEADERS:
        response["headers"] = _header_refs(*_RESPONSE_HEADERS[status].items())
    return response


def _example_members(code: ProblemCode) -> dict[str, Any]:
    members: dict[ProblemCode, dict[str, Any]] = {
        _P.validation_error: {
            "errors": [{"loc": ["body", "email"], "msg": "value is not a valid email address"}]
        },
        _P.payload_too_large: {"max_bytes": 1048576},
        _P.rate_limited: {"retry_after": 42},
        _P.stale_version: {"current_etag": '"3f2a9c0e5b7d41a8c6e0f9b2d4a1c3e5f7a9b0c2"'},
        _P.range_too_long: {"max_days": 62},
        _P.window_too_long: {"max_hours": 24},
        _P.lease_too_long: {"max_seconds": 900},
        _P.session_too_soon: {"min_interval_days": 28, "conflicts_with": "2027-03-01"},
        _P.date_out_of_range: {"earliest": "2025-02-27", "latest": "2029-03-03"},
    }
    if code in members:
        return members[code]
    if code in {c for _s, c in _OVERRIDE_REFUSED[1:]}:
        return {"violations": [code.value]}
    return {}


def _header_refs(*names: tuple[str, str]) -> dict[str, Any]:
    return {name: {"$ref": "#/components/headers/" + ref} for name, ref in names}


def _name_form(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Give a form body FastAPI named `Body_<operationId>` a name and descriptions."""
    if operation["operationId"] not in _FORMS:
        return
    name, description, fields = _FORMS[operation["operationId"]]
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        generated = ref.removeprefix(_SCHEMAS)
        if not re.fullmatch(r"Body_\w+", generated) or generated not in schemas:
            continue
        schema = schemas.pop(generated)
        schema["title"] = name
        schema["description"] = description
        for field, text in fields.items():
            if field in schema.get("properties", {}):
                schema["properties"][field]["description"] = text
        schemas[name] = schema
        media["schema"] = {"$ref": _SCHEMAS + name}
