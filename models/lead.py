"""Leads: the cards of the pipeline board."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, EmailStr, FiniteFloat, PlainSerializer, field_validator
from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Numeric, String, Text
from sqlmodel import Field, SQLModel

from .types import PipelineStage, UTCDateTime, new_id, utcnow

NOTES_MAX = 10_000


def _money_or_none(value: Decimal | None) -> str | None:
    return None if value is None else f'{value:.2f}'


# Money travels as a string ("5000.00") as the LovedCRM API does; clients call float() on it.
OptionalMoney = Annotated[Decimal | None, PlainSerializer(_money_or_none, return_type=str | None)]


def _clean_tags(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    seen: dict[str, None] = {}
    for tag in value:
        text = str(tag).strip() if isinstance(tag, str) else tag
        if isinstance(text, str) and text:
            seen.setdefault(text[:50], None)
    return list(seen)


Tags = Annotated[list[str], BeforeValidator(_clean_tags)]


class Lead(SQLModel, table=True):
    """A prospect in one organization's pipeline, ordered within its stage by ``position``."""

    __tablename__ = 'leads'
    # one index serves both the column counts (org, stage) and the column order (…, position)
    __table_args__ = (Index('idx_leads_org_stage', 'organization_id', 'stage', 'position'),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), nullable=False)
    )
    name: str = Field(max_length=255)
    email: str | None = Field(default=None, sa_type=String(320))
    phone: str | None = Field(default=None, max_length=50)
    source: str = Field(default='web', max_length=100)
    estimated_value: Decimal | None = Field(default=None, sa_type=Numeric(12, 2, asdecimal=True))
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    notes: str | None = Field(default=None, sa_type=Text)
    stage: str = Field(default=PipelineStage.LEAD, sa_type=String(20))
    position: float = Field(default=0.0, sa_type=Float)
    assigned_user_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey('users.id', ondelete='SET NULL'), nullable=True)
    )
    is_favorite: bool = False
    last_contact_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_contact_channel: str | None = Field(default=None, max_length=50)
    stage_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LeadFields(SQLModel):
    """Validation shared by create and update."""

    @field_validator('name', check_fields=False)
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError('name must not be blank')
        return value.strip() if value is not None else None

    @field_validator('email', check_fields=False, mode='before')
    @classmethod
    def _empty_email_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class LeadCreate(LeadFields):
    """``POST /crm/leads``."""

    name: str = Field(min_length=1, max_length=255)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=50)
    source: str = Field(default='web', max_length=100)
    estimated_value: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    tags: Tags = Field(default_factory=list)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    stage: PipelineStage = PipelineStage.LEAD
    assigned_user_id: uuid.UUID | None = None


class LeadUpdate(LeadFields):
    """``PUT /crm/leads/{id}``: only the keys sent change."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=50)
    source: str | None = Field(default=None, max_length=100)
    estimated_value: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    tags: Tags | None = None
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    assigned_user_id: uuid.UUID | None = None
    is_favorite: bool | None = None
    expected_version: int | None = Field(default=None, ge=1)


class StageMove(SQLModel):
    """``PUT /crm/leads/{id}/stage``."""

    stage: PipelineStage
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    # 0-based index in the target column; JSON parsing accepts NaN and Infinity, which no index is
    position: FiniteFloat | None = None
    expected_version: int | None = Field(default=None, ge=1)


class FavoriteUpdate(SQLModel):
    """``PUT /crm/leads/{id}/favorite``."""

    is_favorite: bool


class LeadPublic(SQLModel):
    """A lead as the API returns it (and as every event snapshot stores it)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    source: str
    estimated_value: OptionalMoney
    tags: list[str]
    notes: str | None
    stage: str
    assigned_user_id: uuid.UUID | None
    last_contact_at: datetime | None
    last_contact_channel: str | None
    created_at: datetime
    updated_at: datetime
    is_favorite: bool
    is_closed: bool
    days_in_current_stage: int
    position: float
    version: int
    stage_changed_at: datetime


class LeadList(SQLModel):
    """A page of leads."""

    leads: list[LeadPublic]
    total_count: int
    page: int
    page_size: int
    has_more: bool


class LeadSearch(SQLModel):
    """``POST /crm/leads/search``."""

    query: str = Field(min_length=1, max_length=255)
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=100)


class LeadStats(SQLModel):
    """``GET /crm/leads/statistics``."""

    stage_counts: dict[str, int]
    total_leads: int
    conversion_rate: float | None


class AssignableUser(SQLModel):
    """A member a lead can be assigned to."""

    id: uuid.UUID
    name: str


class DateRange(SQLModel):
    earliest: datetime | None
    latest: datetime | None


class FilterOptions(SQLModel):
    """``GET /crm/leads/pipeline/filters``."""

    sources: list[str]
    assigned_users: list[AssignableUser]
    date_ranges: DateRange
    available_tags: list[str]
    stages: list[str]
