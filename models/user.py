"""Users and their login sessions."""

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import field_validator
from sqlalchemy import Column, ForeignKey, String, Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, new_id, utcnow

MARKUP = re.compile(r'<\s*/?\s*[a-z!]|javascript:|on\w+\s*=', re.IGNORECASE)


def reject_markup(value: str | None) -> str | None:
    """Trim a display name and refuse anything that looks like markup or script."""
    if value is None:
        return None
    value = value.strip()
    if MARKUP.search(value):
        raise ValueError('must not contain HTML or script')
    return value


class User(SQLModel, table=True):
    """A person who can log in; e-mail is stored lower-cased, so uniqueness is case-insensitive."""

    __tablename__ = 'users'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    email: str = Field(sa_type=String(320), unique=True)
    full_name: str | None = Field(default=None, max_length=255)
    password_hash: str = Field(max_length=255)
    bio: str | None = Field(default=None, sa_type=Text)
    location: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=50)
    timezone: str = Field(default='UTC', max_length=64)
    language: str = Field(default='en', max_length=10)
    is_active: bool = True
    is_verified: bool = True
    is_superuser: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserPublic(SQLModel):
    """The user object of API responses (never the password hash)."""

    id: uuid.UUID
    email: str
    full_name: str | None
    bio: str | None
    location: str | None
    phone: str | None
    timezone: str
    language: str
    is_active: bool
    is_verified: bool
    is_superuser: bool
    created_at: datetime
    updated_at: datetime
    last_login: datetime | None


class UserUpdate(SQLModel):
    """Profile fields a user may change about themselves."""

    full_name: str | None = Field(default=None, min_length=1, max_length=255)
    bio: str | None = Field(default=None, max_length=2000)
    location: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=50)
    timezone: str | None = Field(default=None, max_length=64)
    # a Literal, not Field(regex=…): SQLModel's ``regex`` is not enforced on pydantic 2
    language: Literal['en', 'pt-BR'] | None = None

    @field_validator('full_name')
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        # the same rule as at registration: a display name is never markup
        value = reject_markup(value)
        if value is not None and not value:
            raise ValueError('full_name must not be blank')
        return value


class AuthSession(SQLModel, table=True):
    """One login: access and refresh tokens carry its id (``sid``); revoking it revokes both."""

    __tablename__ = 'auth_sessions'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey('users.id', ondelete='CASCADE'), nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
