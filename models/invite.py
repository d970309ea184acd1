"""Invitations to join an organization."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import EmailStr, field_validator
from pydantic import Field as Rule
from sqlalchemy import Column, ForeignKey, String, Text
from sqlmodel import Field, SQLModel

from .types import PUBLIC_CONFIG, TEXT_RULE, Role, UTCDateTime, new_id, utcnow

# as typed into a link: the path's token and the body's token of accept / reject follow the same rule
InviteToken = Annotated[str, Rule(min_length=1, max_length=128), TEXT_RULE]


class InviteBase(SQLModel):
    """Who is invited, with which role, and what the invitation says."""

    email: EmailStr = Field(sa_type=String(320), index=True)
    role: Role = Field(default=Role.MEMBER, sa_type=String(20))
    message: Annotated[str | None, Rule(min_length=10, max_length=500), TEXT_RULE] = Field(default=None, sa_type=Text)
    invited_name: Annotated[str | None, Rule(max_length=100), TEXT_RULE] = None


class Invite(InviteBase, table=True):
    """A pending (or answered) invitation; the token only ever travels in the invite link."""

    __tablename__ = 'invites'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), nullable=False, index=True)
    )
    token: str = Field(sa_type=String(64), unique=True)
    status: str = Field(default='pending', sa_type=String(20))
    invited_by_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey('users.id', ondelete='SET NULL'), nullable=True)
    )
    reject_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InviteCreate(InviteBase):
    """``POST /organizations/invites``; a blank ``message`` or ``invited_name`` is the same as leaving it out."""

    @field_validator('message', 'invited_name', mode='before')
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        # LovedCRM's web client always sends both, "" when left empty: that must not meet the 10-character minimum
        return None if isinstance(value, str) and not value.strip() else value


class InvitePublic(InviteBase):
    """An invite as the organization's managers see it (no token); ``status`` is the effective one."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    organization_id: uuid.UUID
    status: str
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    is_active: bool
    is_expired: bool
    is_pending: bool
    can_be_accepted: bool
    can_be_cancelled: bool
    organization_name: str
    invited_by_name: str | None


class InviteStats(SQLModel):
    """``GET /organizations/invites/stats``."""

    total_invites: int
    pending_invites: int
    accepted_invites: int
    rejected_invites: int
    expired_invites: int
    cancelled_invites: int


class InviteDetails(SQLModel):
    """What the public invite link shows before accepting."""

    organization_name: str
    organization_slug: str
    invited_by_name: str | None
    role: str
    created_at: datetime
    expires_at: datetime
    is_expired: bool
    message: str | None
    invited_email: str


class InviteAnswer(SQLModel):
    """Body of accept / reject: the token again (must match the path)."""

    token: InviteToken
    reason: Annotated[str | None, Rule(max_length=500), TEXT_RULE] = None


class InviteAccepted(SQLModel):
    """Result of accepting an invite."""

    message: str
    organization_id: uuid.UUID
    role: str
