"""Domain errors: one base class with an HTTP status and a stable machine code.

Services raise these; app/problems.py renders every one as RFC 9457 problem+json.
"""

from __future__ import annotations

from typing import Any

# seconds a client should wait before retrying a 503
RETRY_AFTER_S = "1"


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


class OAuthError(RegimenError):
    """An RFC 6749 5.2 error of the token and revocation endpoints: `code` is the RFC's `error`
    value, and app/problems.py renders it as `{error, error_description}` (with the problem
    members beside them). Its detail is RFC 6749's error_description: printable ASCII without
    quotes or backslashes."""

    status_code = 400
    code = "invalid_request"
    title = "Invalid request"


class InvalidRequest(OAuthError):
    """A parameter is missing, repeated or malformed."""


class InvalidClient(OAuthError):
    """Client authentication failed (unknown client, wrong secret, none sent, bad Basic)."""

    status_code = 401
    code = "invalid_client"
    title = "Invalid client"

    def __init__(self, detail: str, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Basic realm="regimen"'})
        super().__init__(detail, **kwargs)


class InvalidGrant(OAuthError):
    """The password, or the refresh token, is wrong, expired, used or revoked."""

    code = "invalid_grant"
    title = "Invalid grant"


class UnauthorizedClient(OAuthError):
    """This client may not use this grant type."""

    code = "unauthorized_client"
    title = "Unauthorized client"


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"
    title = "Unsupported grant type"


class InvalidScope(OAuthError):
    code = "invalid_scope"
    title = "Invalid scope"


class UnsupportedTokenType(OAuthError):
    """RFC 7009 2.2.1: this kind of token cannot be revoked here."""

    code = "unsupported_token_type"
    title = "Unsupported token type"
