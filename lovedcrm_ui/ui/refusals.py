"""Errors in the viewer's language: a service's refusal by its ``code``, a form's validation by pydantic's ``type``.

Services speak API English (API-CONTRACT §7); the UI never reads that text. A refusal's stable
``ErrorCode`` and a validation error's ``type`` and field pick the catalog entry instead.
"""

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..services.errors import DomainError, ErrorCode
from .i18n import Translate

# every code → catalog key; a unit test checks that no code is missing and that each key exists in both languages
CODE_KEYS: dict[ErrorCode, str] = {
    ErrorCode.BAD_REQUEST: 'error.generic',
    ErrorCode.UNAUTHORIZED: 'login.expired',
    ErrorCode.FORBIDDEN: 'error.forbidden',
    ErrorCode.NOT_FOUND: 'error.not_found',
    ErrorCode.CONFLICT: 'error.generic',
    ErrorCode.INVALID: 'error.invalid',
    ErrorCode.TOO_MANY_REQUESTS: 'login.too_many',
    ErrorCode.SERVICE_UNAVAILABLE: 'error.busy',
    ErrorCode.METHOD_NOT_ALLOWED: 'error.generic',
    ErrorCode.HTTP_ERROR: 'error.generic',
    ErrorCode.REQUEST_TOO_LARGE: 'error.generic',
    ErrorCode.TEXT_INVALID: 'form.text_invalid',
    ErrorCode.VALIDATION_ERROR: 'error.invalid',
    ErrorCode.AUTHORIZATION_MISSING: 'login.expired',
    ErrorCode.NOT_AUTHENTICATED: 'login.expired',
    ErrorCode.AUTHENTICATION_REQUIRED: 'login.expired',
    ErrorCode.TOKEN_MISSING: 'login.expired',
    ErrorCode.TOKEN_INVALID: 'login.expired',
    ErrorCode.TOKEN_EXPIRED: 'login.expired',
    ErrorCode.TOKEN_TYPE_INVALID: 'login.expired',
    ErrorCode.TOKEN_WITHOUT_ORGANIZATION: 'login.expired',
    ErrorCode.REFRESH_TOKEN_REQUIRED: 'login.expired',
    ErrorCode.REFRESH_TOKEN_REUSED: 'login.expired',
    ErrorCode.REFRESH_TOKEN_SUPERSEDED: 'login.expired',
    ErrorCode.SESSION_INVALID: 'login.expired',
    ErrorCode.SESSION_EXPIRED: 'login.expired',
    ErrorCode.INVALID_CREDENTIALS: 'login.invalid',
    ErrorCode.ACCOUNT_DISABLED: 'invite.account_disabled',
    ErrorCode.ORG_HEADER_MISSING: 'error.generic',
    ErrorCode.ORG_ID_INVALID: 'error.generic',
    ErrorCode.ORGANIZATION_MISMATCH: 'error.forbidden',
    ErrorCode.NOT_A_MEMBER: 'noaccess.body',
    ErrorCode.LOGIN_RATE_LIMITED: 'login.too_many',
    ErrorCode.REGISTRATION_RATE_LIMITED: 'login.too_many',
    ErrorCode.PASSWORD_CHECK_RATE_LIMITED: 'login.too_many',
    ErrorCode.PASSWORD_WORK_BUSY: 'error.busy',
    ErrorCode.TOO_MANY_CONNECTIONS: 'error.too_many_connections',
    ErrorCode.HANDSHAKE_RATE_LIMITED: 'login.too_many',
    ErrorCode.SESSION_NOT_FOUND: 'sessions.gone',
    ErrorCode.DATABASE_UNAVAILABLE: 'error.database_unavailable',
    ErrorCode.DATABASE_BUSY: 'error.busy',
    ErrorCode.ORIGIN_NOT_ALLOWED: 'error.forbidden',
    ErrorCode.TERMS_NOT_ACCEPTED: 'register.terms_required',
    ErrorCode.EMAIL_TAKEN: 'register.email_taken',
    ErrorCode.NAME_TOO_LONG: 'register.name_too_long',
    ErrorCode.PASSWORD_TOO_SHORT: 'password.short',
    ErrorCode.PASSWORD_NEEDS_DIGIT: 'password.digit',
    ErrorCode.PASSWORD_NEEDS_UPPERCASE: 'password.upper',
    ErrorCode.PASSWORD_NEEDS_LOWERCASE: 'password.lower',
    ErrorCode.PASSWORD_CONFIRMATION_MISMATCH: 'profile.password_mismatch',
    ErrorCode.CURRENT_PASSWORD_WRONG: 'profile.current_wrong',
    ErrorCode.RESET_TOKEN_INVALID: 'reset.invalid_link',
    ErrorCode.PASSWORD_RESET_RATE_LIMITED: 'login.too_many',
    ErrorCode.SLUG_UNAVAILABLE: 'error.generic',
    ErrorCode.USER_NOT_FOUND: 'error.not_found',
    ErrorCode.ORGANIZATION_NOT_FOUND: 'error.not_found',
    ErrorCode.ORGANIZATION_NAME_EMPTY: 'settings.name_length',
    ErrorCode.ORGANIZATION_NAME_TOO_SHORT: 'settings.name_length',
    ErrorCode.IDLE_DAYS_ORDER: 'settings.idle_order',
    ErrorCode.MEMBER_NOT_FOUND: 'team.member_gone',
    ErrorCode.MANAGERS_ONLY: 'team.managers_only',
    ErrorCode.OWNER_ONLY: 'team.owner_only',
    ErrorCode.ADMIN_ROLE_OWNER_ONLY: 'team.admin_owner_only',
    ErrorCode.LAST_OWNER_DEMOTE: 'team.last_owner_demote',
    ErrorCode.LAST_OWNER_REMOVE: 'team.last_owner_remove',
    ErrorCode.INVITE_OWNER_ROLE: 'invite.no_owner_role',
    ErrorCode.INVITE_ADMIN_OWNER_ONLY: 'invite.admin_owner_only',
    ErrorCode.ALREADY_MEMBER: 'invite.already_member',
    ErrorCode.INVITE_ALREADY_PENDING: 'invite.already_pending',
    ErrorCode.INVITE_NOT_FOUND: 'invite.gone',
    ErrorCode.INVITE_INVALID: 'invite.not_pending',
    ErrorCode.INVITE_ALREADY_ANSWERED: 'invite.already_answered',
    ErrorCode.INVITE_EXPIRED: 'invite.expired_now',
    ErrorCode.INVITE_EMAIL_MISMATCH: 'invite.other_email',
    ErrorCode.INVITE_ACCOUNT_MISSING: 'invite.register_first',
    ErrorCode.INVITE_TOKEN_MISMATCH: 'invite.unknown',
    ErrorCode.VIEWER_READ_ONLY: 'board.viewer_notice',
    ErrorCode.LEAD_NOT_FOUND: 'error.not_found',
    ErrorCode.LEAD_NAME_EMPTY: 'lead.name_required',
    ErrorCode.VERSION_CONFLICT: 'error.version_conflict',
    ErrorCode.LEAD_EXISTS: 'undo.lead_exists',
    ErrorCode.ASSIGNEE_NOT_MEMBER: 'lead.not_member',
    ErrorCode.NOTES_TOO_LONG: 'lead.notes_too_long',
    ErrorCode.NOTE_NOT_FOUND: 'notes.gone',
    ErrorCode.NOTE_AUTHOR_ONLY: 'notes.author_only',
    ErrorCode.ACTIVITY_NOT_FOUND: 'activity.gone',
    ErrorCode.ACTIVITY_VERSION_CONFLICT: 'activity.changed',
    ErrorCode.CUSTOM_FIELD_UNKNOWN: 'lead.custom_field_invalid',
    ErrorCode.CUSTOM_FIELD_INVALID: 'lead.custom_field_invalid',
    ErrorCode.OUTCOME_NEEDS_CLOSED_STAGE: 'error.outcome_needs_closed_stage',
    ErrorCode.LOST_REASON_NEEDS_LOST: 'error.lost_reason_needs_lost',
    ErrorCode.LOST_REASON_DUPLICATE: 'settings.lost_duplicate',
    ErrorCode.IMPORT_TOO_LARGE: 'csv.too_large',
    ErrorCode.IMPORT_TOO_MANY_ROWS: 'csv.too_many_rows',
    ErrorCode.CSV_EMPTY: 'csv.empty',
    ErrorCode.CSV_UNREADABLE: 'csv.unreadable',
    ErrorCode.CSV_MAPPING_INVALID: 'csv.mapping_invalid',
    ErrorCode.CSV_NAME_COLUMN_MISSING: 'csv.name_missing',
    ErrorCode.CSV_NO_ROWS: 'csv.no_rows',
    ErrorCode.CSV_ROWS_INVALID: 'csv.rows_invalid',
    ErrorCode.DATE_RANGE_INVERTED: 'error.invalid',
    ErrorCode.VALUE_RANGE_INVERTED: 'error.invalid',
}
RETRY_KEY = 'login.too_many'  # the one message that says when to try again (from ``Retry-After``)


def refusal(exc: DomainError, t: Translate) -> str:
    """What to show when a service says no."""
    key = CODE_KEYS.get(exc.code, 'error.generic')
    if key == RETRY_KEY:
        return t(key, seconds=exc.headers.get('Retry-After', '60'))
    return t(key)


# a schema field → the catalog key of its label, for messages that name the field
FIELD_LABELS = {
    'name': 'lead.name',
    'email': 'lead.email',
    'phone': 'lead.phone',
    'estimated_value': 'lead.value',
    'source': 'lead.source',
    'tags': 'lead.tags',
    'notes': 'lead.notes',
    'body': 'notes.note',  # a note of the lead dialog's feed
    'title': 'activity.title',  # an activity's subject
    'due_at': 'activity.date',
    'assigned_user_id': 'lead.assignee',
    'stage': 'lead.stage',
    'probability': 'forecast.probability',
    'expected_close_date': 'forecast.close_date',
    'full_name': 'register.full_name',
    'password': 'login.password',
    'description': 'settings.description',
    'website': 'settings.website',
    'idle_warning_days': 'settings.idle_warning',
    'idle_alert_days': 'settings.idle_alert',
    'message': 'invite.message',
    'role': 'team.role',
    'language': 'profile.language',
}
# the types of models.types.check_text's errors (a NUL, a lone surrogate): say which text, not "invalid value"
TEXT_RULE_ERRORS = frozenset({'string_nul', 'string_unicode'})
CENT_PLACES = 2  # amounts typed in the UI have at most two decimal places (``parse_brl`` refuses more)


def validation_messages(exc: ValidationError, t: Translate) -> list[str]:
    """Each problem of a pydantic validation in the viewer's language (by error type and field), without repeats."""
    messages: list[str] = []
    for error in exc.errors():
        message = validation_message(error, t)
        if message not in messages:
            messages.append(message)
    return messages or [t('error.invalid')]


def validation_message(error: ErrorDetails, t: Translate) -> str:
    """One pydantic error (its ``type``, field, ``ctx`` and input) in the viewer's language."""
    kind = error['type']
    context: dict[str, Any] = error.get('ctx') or {}
    field = str(error['loc'][0]) if error['loc'] else ''
    if kind in ('decimal_max_digits', 'decimal_whole_digits'):
        whole = context.get('whole_digits', int(context.get('max_digits', 0)) - CENT_PLACES)
        return t('form.value_whole_digits', n=whole)
    if kind in ('decimal_max_places', 'decimal_parsing', 'decimal_type'):
        return t('form.invalid_value')
    if field == 'estimated_value' and kind in ('greater_than_equal', 'greater_than'):
        return t('form.negative_value')
    if field == 'email' and kind == 'value_error':
        return t('form.invalid_email')
    label_key = FIELD_LABELS.get(field)
    if kind in TEXT_RULE_ERRORS:
        return t('form.field_text_invalid', field=t(label_key)) if label_key else t('form.text_invalid')
    if label_key is None:
        return t('error.invalid')
    label = t(label_key)
    blank = isinstance(error.get('input'), str) and not str(error.get('input')).strip()
    if kind == 'missing' or (kind in ('string_too_short', 'value_error') and blank):
        return t('form.field_required', field=label)
    if kind == 'string_too_long':
        return t('form.field_too_long', field=label, n=context.get('max_length'))
    if kind == 'string_too_short':
        return t('form.field_too_short', field=label, n=context.get('min_length'))
    if kind == 'greater_than_equal':
        return t('form.field_min', field=label, n=context.get('ge'))
    if kind == 'less_than_equal':
        return t('form.field_max', field=label, n=context.get('le'))
    return t('form.field_invalid', field=label)
