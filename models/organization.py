"""Organizations (tenants) and their memberships."""

import uuid
from datetime import datetime

from pydantic import field_validator
from sqlalchemy import BigInteger, Column, ForeignKey, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import Role, UTCDateTime, new_id, utcnow


class OrganizationBase(SQLModel):
    name: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    website: str | None = Field(default=None, max_length=255)


class Organization(OrganizationBase, table=True):
    """A tenant: every lead, membership, invite and event belongs to exactly one."""

    __tablename__ = 'organizations'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    is_active: bool = True
    owner_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey('users.id', ondelete='SET NULL'), nullable=True)
    )
    # last pipeline event number handed out; bumped in the same transaction as every lead write
    event_seq: int = Field(default=0, sa_type=BigInteger)
    idle_warning_days: int = 7
    idle_alert_days: int = 14
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrganizationPublic(SQLModel):
    """The organization object of auth responses."""

    id: uuid.UUID
    name: str
    slug: str
    description: str | None
    website: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class OrganizationDetail(OrganizationPublic):
    """``GET /organizations/current``; also carries the board's idle thresholds."""

    owner_id: uuid.UUID | None
    idle_warning_days: int
    idle_alert_days: int


class OrganizationUpdate(SQLModel):
    """Partial update of the current organization (owner/admin)."""

    name: str | None = Field(default=None, min_length=2, max_length=255)
    description: str | None = Field(default=None, max_length=2000)
    website: str | None = Field(default=None, max_length=255)
    idle_warning_days: int | None = Field(default=None, ge=1, le=365)
    idle_alert_days: int | None = Field(default=None, ge=1, le=365)

    @field_validator('name', mode='before')
    @classmethod
    def _trim_name(cls, value: object) -> object:
        # runs only when the key is sent: leaving it out keeps the name, null is an error, and the
        # length limits apply to the trimmed name ('  A ' is a one-letter name)
        if value is None:
            raise ValueError('name cannot be null')
        return value.strip() if isinstance(value, str) else value


class Membership(SQLModel, table=True):
    """A user's role in an organization; inactive rows are removed members."""

    __tablename__ = 'memberships'
    __table_args__ = (UniqueConstraint('organization_id', 'user_id', name='uq_memberships_org_user'),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), nullable=False, index=True)
    )
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey('users.id', ondelete='CASCADE'), nullable=False, index=True))
    role: str = Field(default=Role.MEMBER, sa_type=String(20))
    is_active: bool = True
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoleUpdate(SQLModel):
    """``PUT /organizations/members/{user_id}``."""

    role: Role
