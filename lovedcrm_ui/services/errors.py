"""Domain errors; one API handler maps them to HTTP, the UI maps them to a notification."""

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose; ``detail`` is safe to show."""

    status_code = 400

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Invalid(DomainError):
    """Input that passed the schema but breaks a rule (a 422 with a string detail)."""

    status_code = 422


class TooManyRequests(DomainError):
    status_code = 429
