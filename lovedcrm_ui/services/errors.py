"""Domain errors; one API handler maps them to HTTP, the UI maps them to a notification.

Every error carries a stable machine ``code`` (an ``ErrorCode``, listed in docs/API-ERRORS.md) beside
its English ``detail``: clients and the UI tell errors apart by the code, never by the text.
"""

from enum import StrEnum
from typing import Any

from models.types import is_plain_text


class ErrorCode(StrEnum):
    """The stable codes of every error body (``{"detail": …, "code": …}``)."""

    # one per kind of error: what an error without a more specific code says
    BAD_REQUEST = 'bad_request'
    UNAUTHORIZED = 'unauthorized'
    FORBIDDEN = 'forbidden'
    NOT_FOUND = 'not_found'
    CONFLICT = 'conflict'
    INVALID = 'invalid'
    TOO_MANY_REQUESTS = 'too_many_requests'
    SERVICE_UNAVAILABLE = 'service_unavailable'
    METHOD_NOT_ALLOWED = 'method_not_allowed'
    HTTP_ERROR = 'http_error'
    REQUEST_TOO_LARGE = 'request_too_large'  # a body over MAX_REQUEST_BYTES (413, api/limits.py)
    VALIDATION_ERROR = 'validation_error'  # the request did not match its schema (422, ``detail`` is a list)
    TEXT_INVALID = 'text_invalid'  # text with a NUL character (or a lone surrogate) given to a service directly
    # credentials, tokens and the tenancy guard
    AUTHORIZATION_MISSING = 'authorization_missing'
    NOT_AUTHENTICATED = 'not_authenticated'
    AUTHENTICATION_REQUIRED = 'authentication_required'
    TOKEN_MISSING = 'token_missing'
    TOKEN_INVALID = 'token_invalid'
    TOKEN_EXPIRED = 'token_expired'
    TOKEN_TYPE_INVALID = 'token_type_invalid'
    TOKEN_WITHOUT_ORGANIZATION = 'token_without_organization'
    REFRESH_TOKEN_REQUIRED = 'refresh_token_required'
    REFRESH_TOKEN_REUSED = 'refresh_token_reused'
    REFRESH_TOKEN_SUPERSEDED = 'refresh_token_superseded'
    SESSION_INVALID = 'session_invalid'
    SESSION_EXPIRED = 'session_expired'
    INVALID_CREDENTIALS = 'invalid_credentials'
    ACCOUNT_DISABLED = 'account_disabled'
    ORG_HEADER_MISSING = 'org_header_missing'
    ORG_ID_INVALID = 'org_id_invalid'
    ORGANIZATION_MISMATCH = 'organization_mismatch'
    NOT_A_MEMBER = 'not_a_member'
    LOGIN_RATE_LIMITED = 'login_rate_limited'
    REGISTRATION_RATE_LIMITED = 'registration_rate_limited'
    PASSWORD_CHECK_RATE_LIMITED = 'password_check_rate_limited'
    PASSWORD_WORK_BUSY = 'password_work_busy'
    TOO_MANY_CONNECTIONS = 'too_many_connections'
    HANDSHAKE_RATE_LIMITED = 'handshake_rate_limited'  # refused WebSocket handshakes repeated from one address
    SESSION_NOT_FOUND = 'session_not_found'  # not one of the caller's live sessions
    # the database: unreachable (connection refused, lost, timed out) or busy (no pooled connection free in time)
    DATABASE_UNAVAILABLE = 'database_unavailable'
    DATABASE_BUSY = 'database_busy'
    ORIGIN_NOT_ALLOWED = 'origin_not_allowed'
    # registration and passwords
    TERMS_NOT_ACCEPTED = 'terms_not_accepted'
    EMAIL_TAKEN = 'email_taken'
    NAME_TOO_LONG = 'name_too_long'
    PASSWORD_TOO_SHORT = 'password_too_short'
    PASSWORD_NEEDS_DIGIT = 'password_needs_digit'
    PASSWORD_NEEDS_UPPERCASE = 'password_needs_uppercase'
    PASSWORD_NEEDS_LOWERCASE = 'password_needs_lowercase'
    CURRENT_PASSWORD_WRONG = 'current_password_wrong'
    RESET_TOKEN_INVALID = 'reset_token_invalid'  # unknown, used or expired password-reset link
    PASSWORD_RESET_RATE_LIMITED = 'password_reset_rate_limited'
    PASSWORD_CONFIRMATION_MISMATCH = 'password_confirmation_mismatch'
    SLUG_UNAVAILABLE = 'slug_unavailable'
    USER_NOT_FOUND = 'user_not_found'
    # organizations and their members
    ORGANIZATION_NOT_FOUND = 'organization_not_found'
    ORGANIZATION_NAME_EMPTY = 'organization_name_empty'
    ORGANIZATION_NAME_TOO_SHORT = 'organization_name_too_short'
    IDLE_DAYS_ORDER = 'idle_days_order'
    MEMBER_NOT_FOUND = 'member_not_found'
    MANAGERS_ONLY = 'managers_only'
    OWNER_ONLY = 'owner_only'
    ADMIN_ROLE_OWNER_ONLY = 'admin_role_owner_only'
    LAST_OWNER_DEMOTE = 'last_owner_demote'
    LAST_OWNER_REMOVE = 'last_owner_remove'
    # invites
    INVITE_OWNER_ROLE = 'invite_owner_role'
    INVITE_ADMIN_OWNER_ONLY = 'invite_admin_owner_only'
    ALREADY_MEMBER = 'already_member'
    INVITE_ALREADY_PENDING = 'invite_already_pending'
    INVITE_NOT_FOUND = 'invite_not_found'
    INVITE_INVALID = 'invite_invalid'
    INVITE_ALREADY_ANSWERED = 'invite_already_answered'
    INVITE_EXPIRED = 'invite_expired'
    INVITE_EMAIL_MISMATCH = 'invite_email_mismatch'
    INVITE_ACCOUNT_MISSING = 'invite_account_missing'
    INVITE_TOKEN_MISMATCH = 'invite_token_mismatch'
    # leads
    VIEWER_READ_ONLY = 'viewer_read_only'
    LEAD_NOT_FOUND = 'lead_not_found'
    LEAD_NAME_EMPTY = 'lead_name_empty'
    VERSION_CONFLICT = 'version_conflict'
    LEAD_EXISTS = 'lead_exists'  # restore: the lead is there (never deleted, or restored already)
    ASSIGNEE_NOT_MEMBER = 'assignee_not_member'
    NOTES_TOO_LONG = 'notes_too_long'
    NOTE_NOT_FOUND = 'note_not_found'  # no such note on this lead (or the lead is another organization's)
    NOTE_AUTHOR_ONLY = 'note_author_only'  # only a note's author edits or deletes it (403)
    ACTIVITY_NOT_FOUND = 'activity_not_found'  # no such activity (or it is another organization's)
    ACTIVITY_VERSION_CONFLICT = 'activity_version_conflict'  # a stale expected_version of an activity (409)
    CUSTOM_FIELD_UNKNOWN = 'custom_field_unknown'  # custom_fields names a field no plugin of this server declares
    CUSTOM_FIELD_INVALID = 'custom_field_invalid'  # a plugin field's value breaks its rule (not a choice, too long)
    OUTCOME_NEEDS_CLOSED_STAGE = 'outcome_needs_closed_stage'  # won / lost on a lead that is not (staying) in fechado
    LOST_REASON_NEEDS_LOST = 'lost_reason_needs_lost'  # a lost_reason without outcome "lost"
    LOST_REASON_DUPLICATE = 'lost_reason_duplicate'  # the organization's list names a reason twice (ignoring case)
    # pipeline metrics
    DATE_RANGE_INVERTED = 'date_range_inverted'
    VALUE_RANGE_INVERTED = 'value_range_inverted'
    # CSV import (services/lead_csv.py)
    IMPORT_TOO_LARGE = 'import_too_large'  # a file over MAX_IMPORT_BYTES (413)
    IMPORT_TOO_MANY_ROWS = 'import_too_many_rows'  # more data rows than one import takes (413)
    CSV_EMPTY = 'csv_empty'  # no header row
    CSV_UNREADABLE = 'csv_unreadable'  # not CSV text (NUL bytes, a cell over the csv module's field limit)
    CSV_MAPPING_INVALID = 'csv_mapping_invalid'  # the mapping names an unknown column or field, or a field twice
    CSV_NAME_COLUMN_MISSING = 'csv_name_column_missing'  # no column is mapped to the lead's name
    CSV_NO_ROWS = 'csv_no_rows'  # a header and no data row: nothing to import
    CSV_ROWS_INVALID = 'csv_rows_invalid'  # rows break the lead rules: nothing imported (``errors`` lists them)


class DomainError(Exception):
    """Base of every error a service raises on purpose; ``detail`` is safe to show, ``code`` is stable."""

    status_code = 400
    default_code = ErrorCode.BAD_REQUEST

    def __init__(
        self,
        detail: str,
        *,
        code: ErrorCode | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(DomainError):
    status_code = 400
    default_code = ErrorCode.BAD_REQUEST


class Unauthorized(DomainError):
    status_code = 401
    default_code = ErrorCode.UNAUTHORIZED


class Forbidden(DomainError):
    status_code = 403
    default_code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    status_code = 404
    default_code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    status_code = 409
    default_code = ErrorCode.CONFLICT


class Invalid(DomainError):
    """Input that passed the schema but breaks a rule (a 422 with a string detail)."""

    status_code = 422
    default_code = ErrorCode.INVALID


class TooLarge(DomainError):
    """More than a limit takes (a file, a number of rows)."""

    status_code = 413
    default_code = ErrorCode.REQUEST_TOO_LARGE


class TooManyRequests(DomainError):
    status_code = 429
    default_code = ErrorCode.TOO_MANY_REQUESTS


class ServiceUnavailable(DomainError):
    """The server cannot take this work right now (overloaded or a dependency down); retry later."""

    status_code = 503
    default_code = ErrorCode.SERVICE_UNAVAILABLE


def require_plain_text(value: str, field: str) -> str:
    """``value`` if it keeps the models' text rule (``models.types.check_text``), else an ``Invalid`` (422).

    For the services the UI calls with typed text that no request model checked first.
    """
    if not is_plain_text(value):
        raise Invalid(f'{field} must not contain NUL characters', code=ErrorCode.TEXT_INVALID)
    return value


# the code an HTTP error raised by the framework (an unknown path, a wrong method) carries, by status
STATUS_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    422: ErrorCode.INVALID,
    429: ErrorCode.TOO_MANY_REQUESTS,
    503: ErrorCode.SERVICE_UNAVAILABLE,
    413: ErrorCode.REQUEST_TOO_LARGE,
}
