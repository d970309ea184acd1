"""Users and their login sessions."""

import re
import uuid
from datetime import datetime
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BeforeValidator
from pydantic import Field as Rule
from sqlalchemy import Column, ForeignKey, String, Text
from sqlmodel import Field, SQLModel

from .types import PUBLIC_CONFIG, TEXT_RULE, UTCDateTime, new_id, utcnow

USER_AGENT_MAX = 512  # longer User-Agent headers are cut
MARKUP = re.compile(r'<\s*/?\s*[a-z!]|javascript:|on\w+\s*=', re.IGNORECASE)


def reject_markup(value: str | None) -> str | None:
    """Trim a display name and refuse anything that looks like markup or script."""
    if value is None:
        return None
    value = value.strip()
    if MARKUP.search(value):
        raise ValueError('must not contain HTML or script')
    return value


def _clean_display_name(value: str | None) -> str | None:
    value = reject_markup(value)
    if value is not None and not value:
        raise ValueError('full_name must not be blank')
    return value


# Each profile field's rule, declared once: UserBase uses them as they are, UserUpdate makes them optional.
FULL_NAME_MAX = 255
FullName = Annotated[str | None, Rule(max_length=FULL_NAME_MAX), TEXT_RULE]
# a name a person types (registration, profile): trimmed, not blank, never markup
DisplayName = Annotated[
    str | None, Rule(min_length=1, max_length=FULL_NAME_MAX), TEXT_RULE, AfterValidator(_clean_display_name)
]
Location = Annotated[str | None, Rule(max_length=255), TEXT_RULE]
UserPhone = Annotated[str | None, Rule(max_length=50), TEXT_RULE]
Timezone = Annotated[str, Rule(max_length=64), TEXT_RULE]

# the per-user display preferences (issue 18): how dense the board is, light or dark (or as the system says)
Density = Literal['comfortable', 'compact']
Theme = Literal['light', 'dark', 'system']
DENSITIES: tuple[Density, ...] = ('comfortable', 'compact')
THEMES: tuple[Theme, ...] = ('light', 'dark', 'system')


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name this machine knows (Python's tz database, or the ``tzdata`` package)."""
    return frozenset(available_timezones() | {'UTC'})


def _known_time_zone(value: str | None) -> str | None:
    if value is not None and value.strip() not in time_zones():
        raise ValueError('must be an IANA time zone name, e.g. America/Sao_Paulo')
    return value.strip() if value is not None else None


KnownTimezone = Annotated[str | None, Rule(max_length=64), TEXT_RULE, AfterValidator(_known_time_zone)]


class UserBase(SQLModel):
    """What the API shows of a user, as stored (e-mail lower-cased)."""

    email: str = Field(sa_type=String(320), unique=True)
    full_name: FullName = None
    bio: str | None = Field(default=None, sa_type=Text)
    location: Location = None
    phone: UserPhone = None
    timezone: Timezone = 'UTC'
    language: str = Field(default='en', max_length=10)
    density: str = Field(default='comfortable', max_length=16)
    theme: str = Field(default='light', max_length=16)
    is_active: bool = True
    is_verified: bool = True
    is_superuser: bool = False


class User(UserBase, table=True):
    """A person who can log in; e-mail is stored lower-cased, so uniqueness is case-insensitive."""

    __tablename__ = 'users'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserPublic(UserBase):
    """The user object of API responses (never the password hash)."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    last_login: datetime | None
    density: Density = 'comfortable'  # the stored value, typed for the OpenAPI schema
    theme: Theme = 'light'


def _language_tag(value: object) -> object:
    # LovedCRM's web client sends regional tags ('en-US'); we keep one English and one Portuguese
    if isinstance(value, str):
        primary = value.replace('_', '-').split('-')[0].lower()
        return {'en': 'en', 'pt': 'pt-BR'}.get(primary, value)
    return value


Language = Annotated[Literal['en', 'pt-BR'], BeforeValidator(_language_tag)]


class UserUpdate(SQLModel):
    """Profile fields a user may change about themselves."""

    full_name: DisplayName = None
    bio: Annotated[str | None, Rule(max_length=2000), TEXT_RULE] = None
    location: Location = None
    phone: UserPhone = None
    timezone: KnownTimezone = None  # an IANA name ('America/Sao_Paulo'); anything else is a 422
    # a Literal, not Field(regex=…): SQLModel's ``regex`` is not enforced on pydantic 2
    language: Language | None = None  # 'en-US', 'en_GB', 'pt', 'pt-PT' are taken as 'en' / 'pt-BR'
    density: Density | None = None
    theme: Theme | None = None  # 'system' follows the browser's prefers-color-scheme


class AuthSession(SQLModel, table=True):
    """One login: access and refresh tokens carry its id (``sid``); revoking it revokes both.

    Each refresh rotates the refresh token (``refresh_token_id``); presenting an older one revokes the session.
    """

    __tablename__ = 'auth_sessions'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey('users.id', ondelete='CASCADE'), nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # refresh-token rotation: the ``jti`` of the one refresh token this session accepts next (NULL: a session
    # from before rotation, whose next refresh starts it) and when it was issued (the reuse grace window)
    refresh_token_id: str | None = Field(default=None, sa_type=String(64))
    refresh_rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # what the owner sees in their list of sessions: the client that signed in, and when it was last used
    # (written at sign-in and refresh, and at most once a minute on other use: services/sessions.py)
    user_agent: str | None = Field(default=None, sa_type=String(USER_AGENT_MAX))
    ip_address: str | None = Field(default=None, sa_type=String(64))
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSessionPublic(SQLModel):
    """One live session in ``GET /users/me/sessions``.

    Our names (``created_at``, ``last_used_at``, ``user_agent``, ``ip_address``, ``is_current``) and, with the
    same values, the names LovedCRM's web client reads on its security page (``device``, ``ip``, ``location``,
    ``last_active``, ``current``). We keep no location database: ``location`` is the address.
    """

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip_address: str | None
    is_current: bool
    device: str
    ip: str | None
    location: str
    last_active: datetime
    current: bool


class PasswordResetToken(SQLModel, table=True):
    """A password-reset link sent by e-mail: single use, short-lived; only a hash of its token is stored."""

    __tablename__ = 'password_reset_tokens'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey('users.id', ondelete='CASCADE'), nullable=False, index=True))
    token_hash: str = Field(sa_type=String(64), unique=True)  # SHA-256, hex: a leaked table opens no account
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def initials(name: str) -> str:
    """Up to two letters of a person's name (or e-mail) for an avatar: 'Ana Souza' → 'AS', 'bruno.lima@x' → 'BL'."""
    parts = [p for p in name.replace('@', ' ').replace('.', ' ').split() if p[:1].isalnum()]
    return ''.join(p[0] for p in parts[:2]).upper() or '?'
