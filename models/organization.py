"""Organizations (tenants) and their memberships."""

import re
import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field as Rule
from pydantic import field_validator
from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import PUBLIC_CONFIG, TEXT_RULE, Role, UTCDateTime, new_id, utcnow
from .user import UserPublic

HOST = re.compile(r'^(localhost|([^\W_]([\w-]*[^\W_])?\.)+[^\W\d_]{2,})(:\d{1,5})?$')


def web_address(value: str | None) -> str | None:
    """A website as people type it ("acme.com.br", "https://acme.com.br/contato"), as an http(s) address.

    No scheme means https. Anything else — another scheme (``javascript:``), spaces, a host without a dot — is
    refused: the address is shown as a link to every member.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if '://' not in text:
        text = f'https://{text}'
    parts = urlsplit(text)
    if parts.scheme.lower() not in ('http', 'https') or not HOST.match(parts.netloc) or any(c.isspace() for c in text):
        raise ValueError('website must be a web address such as https://example.com')
    return text


# Each field's rule, declared once: the base (and the table) use them as they are, the update makes them optional.
ORGANIZATION_NAME_MAX = 255
OrganizationName = Annotated[str, Rule(max_length=ORGANIZATION_NAME_MAX), TEXT_RULE]
Website = Annotated[str | None, Rule(max_length=255), TEXT_RULE]
IdleDays = Annotated[int, Rule(ge=1, le=365)]
# the organization's list of reasons a deal is lost, shown as typed (the lead's own reason may also be free text)
LOST_REASONS_MAX = 30
LOST_REASON_NAME_MAX = 60
DEFAULT_LOST_REASONS = ('Preço', 'Concorrente', 'Sem orçamento', 'Sem resposta', 'Momento errado')
LostReasonName = Annotated[str, Rule(min_length=1, max_length=LOST_REASON_NAME_MAX), TEXT_RULE]
LostReasonList = Annotated[list[LostReasonName], Rule(max_length=LOST_REASONS_MAX)]


# the organization's chance of closing per stage, in percent (services/forecast.py; a won lead counts 100, lost 0)
DEFAULT_STAGE_PROBABILITIES = {'lead': 10, 'contato': 20, 'proposta': 50, 'negociacao': 75, 'fechado': 100}
Percent = Annotated[int, Rule(ge=0, le=100)]


def default_stage_probabilities() -> dict[str, int]:
    """A new organization's probability per stage."""
    return dict(DEFAULT_STAGE_PROBABILITIES)


def default_lost_reasons() -> list[str]:
    """A new organization's lost reasons (pt-BR)."""
    return list(DEFAULT_LOST_REASONS)


class OrganizationBase(SQLModel):
    """What the API shows of every organization."""

    name: OrganizationName
    slug: str = Field(max_length=120, unique=True)
    description: str | None = Field(default=None, sa_type=Text)
    website: Website = None
    is_active: bool = True


class Organization(OrganizationBase, table=True):
    """A tenant: every lead, membership, invite and event belongs to exactly one."""

    __tablename__ = 'organizations'

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    owner_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey('users.id', ondelete='SET NULL'), nullable=True)
    )
    # last pipeline event number handed out; bumped in the same transaction as every lead write
    event_seq: int = Field(default=0, sa_type=BigInteger)
    idle_warning_days: IdleDays = 7
    idle_alert_days: IdleDays = 14
    lost_reasons: list[str] = Field(default_factory=default_lost_reasons, sa_type=JSON)
    stage_probabilities: dict[str, int] = Field(default_factory=default_stage_probabilities, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrganizationPublic(OrganizationBase):
    """The organization object of every response (auth, ``/users/me/organizations``, current)."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    # LovedCRM's web client decides "is the owner" by ``owner_id == user.id``; null once that owner left
    owner_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class OrganizationDetail(OrganizationPublic):
    """``GET /organizations/current``; also carries the board's idle thresholds."""

    idle_warning_days: IdleDays
    idle_alert_days: IdleDays


class LostReasons(SQLModel):
    """``GET`` / ``PUT /organizations/current/lost-reasons``: the reasons offered when a deal is lost.

    Each is trimmed, 1 to 60 characters, at most 30, no two the same (ignoring case).
    """

    reasons: LostReasonList

    @field_validator('reasons', mode='before')
    @classmethod
    def _trim(cls, value: object) -> object:
        if isinstance(value, list):
            return [item.strip() if isinstance(item, str) else item for item in value]
        return value


class StageProbabilities(SQLModel):
    """``GET`` / ``PUT /organizations/current/stage-probabilities``: percent (0 to 100) per stage.

    A lead without its own ``probability`` counts its value times its stage's percent in weighted totals and the
    forecast; a won lead counts 100, a lost one 0. A ``PUT`` may leave stages out: they keep their percent.
    """

    model_config = SQLModel.model_config | {'extra': 'forbid'}

    lead: Percent | None = None
    contato: Percent | None = None
    proposta: Percent | None = None
    negociacao: Percent | None = None
    fechado: Percent | None = None


class OrganizationUpdate(SQLModel):
    """Partial update of the current organization (owner/admin)."""

    name: Annotated[str, Rule(min_length=2, max_length=ORGANIZATION_NAME_MAX), TEXT_RULE] | None = None
    description: Annotated[str | None, Rule(max_length=2000), TEXT_RULE] = None
    website: Website = None
    idle_warning_days: IdleDays | None = None
    idle_alert_days: IdleDays | None = None

    @field_validator('website')
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        return web_address(value)

    @field_validator('name', mode='before')
    @classmethod
    def _trim_name(cls, value: object) -> object:
        # runs only when the key is sent: leaving it out keeps the name, null is an error, and the
        # length limits apply to the trimmed name ('  A ' is a one-letter name)
        if value is None:
            raise ValueError('name cannot be null')
        return value.strip() if isinstance(value, str) else value


class MembershipBase(SQLModel):
    """A member's standing in an organization."""

    role: Role = Field(default=Role.MEMBER, sa_type=String(20))
    is_active: bool = True


class Membership(MembershipBase, table=True):
    """A user's role in an organization; inactive rows are removed members."""

    __tablename__ = 'memberships'
    __table_args__ = (UniqueConstraint('organization_id', 'user_id', name='uq_memberships_org_user'),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), nullable=False, index=True)
    )
    user_id: uuid.UUID = Field(sa_column=Column(ForeignKey('users.id', ondelete='CASCADE'), nullable=False, index=True))
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberPublic(MembershipBase):
    """``GET /organizations/members``: a membership with its user."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    user_id: uuid.UUID
    organization_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    user: UserPublic


class RoleUpdate(SQLModel):
    """``PUT /organizations/members/{user_id}``."""

    role: Role


class RoleCounts(SQLModel):
    """Members per role (the plural names LovedCRM's web client reads)."""

    owners: int
    admins: int
    members: int
    viewers: int


class MemberStats(SQLModel):
    """``GET /members/stats``: the current organization's team at a glance (every page header of LovedCRM's client).

    ``total`` counts the members (active memberships); ``active`` those of them whose account is enabled;
    ``pending_invites`` the invites still waiting for an answer and not expired.
    """

    total: int
    active: int
    pending_invites: int
    by_role: RoleCounts
