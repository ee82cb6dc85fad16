"""Domain errors: one base class with an HTTP status and a stable machine code.

Services raise these; app/problems.py renders every one as RFC 9457 problem+json.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

# seconds a client should wait before retrying a 503
RETRY_AFTER_S = "1"


# tests/test_problem_codes.py reads app/ and fails when a code raised anywhere is missing here:
# a new code is added to this enum (with a word on its meaning) before it can ship.
class ProblemCode(StrEnum):
    """The stable machine code of a problem: what went wrong, for programs to branch on."""

    # the bases' defaults (a subclass or a raise site usually names a more precise code)
    bad_request = "bad_request"  # also a body FastAPI could not parse (a malformed form)
    not_found = "not_found"  # also a path no route serves
    conflict = "conflict"
    not_authenticated = "not_authenticated"  # no bearer token sent
    forbidden = "forbidden"
    precondition_failed = "precondition_failed"
    precondition_required = "precondition_required"  # a guarded write without If-Match
    unprocessable = "unprocessable"
    database_unavailable = "database_unavailable"  # retry after Retry-After seconds
    method_not_allowed = "method_not_allowed"
    internal_error = "internal_error"
    # the edge: bodies, parameters, limits, caching
    validation_error = "validation_error"  # `errors` lists each problem with its `loc`
    payload_too_large = "payload_too_large"  # `max_bytes`
    rate_limited = "rate_limited"  # `retry_after` (seconds), as the Retry-After header
    stale_version = "stale_version"  # If-Match names an old version; `current_etag`
    concurrent_update = "concurrent_update"  # another request won a race; retry
    invalid_cursor = "invalid_cursor"
    invalid_range = "invalid_range"
    range_too_long = "range_too_long"  # `max_days`
    # accounts and tokens
    email_taken = "email_taken"
    invalid_credentials = "invalid_credentials"
    invalid_client = "invalid_client"
    invalid_request = "invalid_request"
    invalid_scope = "invalid_scope"
    invalid_token = "invalid_token"
    user_required = "user_required"  # a service token on a route for people
    role_required = "role_required"  # e.g. a user on a dermatologist's route
    scope = "scope"  # a token without the route's scope
    # the caller's own things
    profile_not_found = "profile_not_found"
    product_not_found = "product_not_found"
    shelf_item_not_found = "shelf_item_not_found"
    procedure_not_found = "procedure_not_found"
    calendar_feed_not_found = "calendar_feed_not_found"
    # care team and overrides
    invite_invalid = "invite_invalid"
    already_linked = "already_linked"
    patient_not_found = "patient_not_found"
    care_link_not_found = "care_link_not_found"
    override_not_found = "override_not_found"
    too_many_overrides = "too_many_overrides"
    # an override the engine refuses (RULES.md O2; app.scheduling.overrides.check_override):
    # `code` is the first of `violations`
    guard_not_overridable = "guard_not_overridable"
    warning_not_acknowledged = "warning_not_acknowledged"
    nothing_to_confirm = "nothing_to_confirm"
    missing_reason = "missing_reason"
    invalid_window = "invalid_window"  # also a reminder window whose `to` is not after `from`
    missing_product = "missing_product"
    missing_frequency = "missing_frequency"
    invalid_frequency = "invalid_frequency"
    missing_wait = "missing_wait"
    missing_position = "missing_position"
    missing_patch_test_days = "missing_patch_test_days"
    retinoid_in_am = "retinoid_in_am"
    exfoliant_in_am = "exfoliant_in_am"
    sunscreen_in_pm = "sunscreen_in_pm"
    spf_must_be_last = "spf_must_be_last"
    # procedures (PP1-PP6)
    date_out_of_range = "date_out_of_range"  # `earliest`, `latest`
    session_too_soon = "session_too_soon"  # `min_interval_days`, `conflicts_with`
    procedure_delayed_on_isotretinoin = "procedure_delayed_on_isotretinoin"
    too_many_procedures = "too_many_procedures"
    # reminders (push schedulers)
    invalid_instant = "invalid_instant"
    window_too_long = "window_too_long"  # `max_hours`
    invalid_lease = "invalid_lease"
    lease_too_long = "lease_too_long"  # `max_seconds`
    reminder_not_found = "reminder_not_found"
    lease_not_held = "lease_not_held"


Raised = tuple[int, ProblemCode]
_F = TypeVar("_F", bound=Callable[..., Any])


def raises(*problems: Raised, writes: tuple[Raised, ...] = ()) -> Callable[[_F], _F]:
    """Mark a dependency with the (status, code) problems it answers, and those it answers
    only to writes (POST, PUT, PATCH, DELETE). The OpenAPI document (app/openapi.py) lists
    them on every route whose dependencies include it: declared once, where they are raised,
    not on each route."""

    def mark(dependency: _F) -> _F:
        dependency.__problems__ = problems  # type: ignore[attr-defined]
        dependency.__write_problems__ = writes  # type: ignore[attr-defined]
        return dependency

    return mark


class RegimenError(Exception):
    status_code = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.headers = headers or {}
        self.extra = extra


class NotFound(RegimenError):
    status_code = 404
    code = "not_found"
    title = "Not found"


class Conflict(RegimenError):
    status_code = 409
    code = "conflict"
    title = "Conflict"


class Unauthorized(RegimenError):
    status_code = 401
    code = "not_authenticated"
    title = "Not authenticated"

    def __init__(self, detail: str, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(RegimenError):
    status_code = 403
    code = "forbidden"
    title = "Forbidden"


class PreconditionFailed(RegimenError):
    status_code = 412
    code = "precondition_failed"
    title = "Precondition failed"


class PreconditionRequired(RegimenError):
    status_code = 428
    code = "precondition_required"
    title = "Precondition required"


class Unprocessable(RegimenError):
    status_code = 422
    code = "unprocessable"
    title = "Unprocessable content"


class DatabaseUnavailable(RegimenError):
    """The database is down, does not answer in time, or is too busy: worth a retry."""

    status_code = 503
    code = "database_unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": RETRY_AFTER_S})
        super().__init__(detail, **kwargs)
