"""Leads: the cards of the pipeline board."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    EmailStr,
    FiniteFloat,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic import Field as Rule
from sqlalchemy import JSON, Column, Date, Float, ForeignKey, Index, Numeric, SmallInteger, String, Text
from sqlmodel import Field, SQLModel

from .activity import NextActivity
from .types import (
    PUBLIC_CONFIG,
    TEXT_RULE,
    LeadOutcome,
    PageNumber,
    PipelineStage,
    PlainText,
    UTCDateTime,
    new_id,
    utcnow,
)

NOTES_MAX = 10_000


def _money_or_none(value: Decimal | None) -> str | None:
    return None if value is None else f'{value:.2f}'


# Money travels as a string ("5000.00") as the LovedCRM API does; clients call float() on it. Only in JSON:
# in Python the value stays a Decimal, so a validated body can go straight into a table row.
OptionalMoney = Annotated[Decimal | None, PlainSerializer(_money_or_none, return_type=str | None, when_used='json')]


def _clean_tags(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    seen: dict[str, None] = {}
    for tag in value:
        text = str(tag).strip() if isinstance(tag, str) else tag
        if isinstance(text, str) and text:
            seen.setdefault(text[:50].rstrip(), None)  # cut, then trimmed again: cleaning a clean list changes nothing
    return list(seen)


# Each editable field's rule, declared once: LeadBase uses them as they are, LeadUpdate makes them optional.
# (pydantic's Field, imported as Rule: constraints carried by the type; the table takes its string lengths from them.)
LeadName = Annotated[str, Rule(min_length=1, max_length=255), TEXT_RULE]
LeadPhone = Annotated[str | None, Rule(max_length=50), TEXT_RULE]
LeadSource = Annotated[str, Rule(max_length=100), TEXT_RULE]
LeadValue = Annotated[OptionalMoney, Rule(ge=0, max_digits=12, decimal_places=2)]
Tags = Annotated[list[PlainText], BeforeValidator(_clean_tags)]
Notes = Annotated[str | None, Rule(max_length=NOTES_MAX), TEXT_RULE]
LOST_REASON_MAX = 200
LostReason = Annotated[str | None, Rule(max_length=LOST_REASON_MAX), TEXT_RULE]
# a lead's own chance of closing in percent (null: its stage's default, services/forecast.py)
Probability = Annotated[int | None, Rule(ge=0, le=100)]

# Values of the fields that plugins add (docs/EXTENDING.md): a small flat object of short scalars, stored in one JSON
# column and carried in every snapshot like any other field. Which keys and values are allowed is the plugins' rule,
# checked by ``lovedcrm_ui.extensions.Extensions.check_values`` where a write comes in (API and UI).
CUSTOM_FIELDS_MAX = 50
CUSTOM_TEXT_MAX = 500
CustomFieldKey = Annotated[str, StringConstraints(pattern=r'^[a-z][a-z0-9_]{0,39}$')]
CustomFieldValue = Annotated[str, Rule(max_length=CUSTOM_TEXT_MAX), TEXT_RULE] | bool | int | FiniteFloat | None
CustomFields = Annotated[dict[CustomFieldKey, CustomFieldValue], Rule(max_length=CUSTOM_FIELDS_MAX)]


class LeadFields(SQLModel):
    """Validation shared by every lead model that has these fields (base, create, update, public)."""

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


def camel_case(name: str) -> str:
    """``estimated_value`` → ``estimatedValue``."""
    head, *rest = name.split('_')
    return head + ''.join(part.capitalize() for part in rest)


class CamelCaseInput(SQLModel):
    """A request body that also takes each two-word field under its camelCase name (``estimatedValue``).

    LovedCRM's web client sends ``estimatedValue`` (its backend silently drops it). When both spellings are
    sent, the snake_case one wins and the camelCase one is ignored. The schema (and OpenAPI) lists the
    snake_case names only; a validation error names the snake_case field.
    """

    @model_validator(mode='before')
    @classmethod
    def _snake_case_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        keys = dict(data)
        for name in cls.model_fields:
            camel = camel_case(name)
            if camel != name and camel in keys:
                keys.setdefault(name, keys.pop(camel))
        return keys


class LeadBase(LeadFields):
    """What a client sets on a lead, with the rules every stored lead satisfies."""

    name: LeadName
    email: EmailStr | None = Field(default=None, sa_type=String(320))
    phone: LeadPhone = None
    source: LeadSource = 'web'
    estimated_value: LeadValue = Field(default=None, sa_type=Numeric(12, 2, asdecimal=True))
    tags: Tags = Field(default_factory=list, sa_type=JSON)
    notes: Notes = Field(default=None, sa_type=Text)
    stage: PipelineStage = Field(default=PipelineStage.LEAD, sa_type=String(20))
    assigned_user_id: uuid.UUID | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    # plugin fields (docs/EXTENDING.md); an update merges the keys it sends, a null value removes a key
    custom_fields: CustomFields = Field(default_factory=dict, sa_type=JSON)
    # forecast (migration 0013): percent overriding the stage's default (null: the default), and when it should close
    probability: Probability = Field(default=None, sa_type=SmallInteger)
    expected_close_date: date | None = Field(default=None, sa_type=Date)


class Lead(LeadBase, table=True):
    """A prospect in one organization's pipeline, ordered within its stage by ``position``."""

    __tablename__ = 'leads'
    # one index serves both the column counts (org, stage) and the column order (…, position, id) (migration 0009)
    # and (org, created_at, id) the lead list's newest-first order and the creation date range (migration 0008)
    __table_args__ = (
        Index('idx_leads_board_order', 'organization_id', 'stage', 'position', 'id'),
        Index('idx_leads_org_created', 'organization_id', 'created_at', 'id'),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), nullable=False)
    )
    position: float = Field(default=0.0, sa_type=Float)
    is_favorite: bool = False
    last_contact_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_contact_channel: str | None = Field(default=None, max_length=50)
    stage_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1
    # how a deal in fechado ended, and why when lost (services/outcomes.py keeps the rules; migration 0010)
    outcome: LeadOutcome | None = Field(default=None, sa_type=String(10))
    lost_reason: str | None = Field(default=None, sa_type=String(LOST_REASON_MAX))
    # the earliest open activity (NextActivity as JSON), kept by services/activities.py (migration 0012)
    next_activity: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))  # none: SQL NULL
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LeadCreate(LeadBase, CamelCaseInput):
    """``POST /crm/leads``; ``estimatedValue`` and ``assignedUserId`` are accepted too (snake_case wins)."""


class LeadUpdate(LeadFields, CamelCaseInput):
    """``PUT /crm/leads/{id}``: only the keys sent change (the stage is not one of them).

    ``estimatedValue``, ``assignedUserId``, ``isFavorite`` and ``expectedVersion`` are accepted too (snake_case wins).
    """

    name: LeadName | None = None
    email: EmailStr | None = None
    phone: LeadPhone = None
    source: LeadSource | None = None
    estimated_value: LeadValue = None
    tags: Tags | None = None
    notes: Notes = None
    assigned_user_id: uuid.UUID | None = None
    is_favorite: bool | None = None
    custom_fields: CustomFields | None = None
    probability: Probability = None  # null: back to the stage's default
    expected_close_date: date | None = None
    # only on a lead in fechado (422 ``outcome_needs_closed_stage``); null clears it (and the reason)
    outcome: LeadOutcome | None = None
    lost_reason: LostReason = None  # only with outcome "lost"; blank is null
    expected_version: int | None = Field(default=None, ge=1)


class StageMove(SQLModel):
    """``PUT /crm/leads/{id}/stage``; ``outcome`` / ``lost_reason`` only in ``fechado`` (leaving clears them)."""

    stage: PipelineStage
    notes: Notes = None
    outcome: LeadOutcome | None = None
    lost_reason: LostReason = None
    # 0-based index in the target column; JSON parsing accepts NaN and Infinity, which no index is
    position: FiniteFloat | None = None
    expected_version: int | None = Field(default=None, ge=1)


class LeadRestore(SQLModel):
    """``POST /crm/leads/{id}/restore``: bring a deleted lead back from its last snapshot (same id)."""

    # the version the lead had when it was deleted (the ``lead_deleted`` event's snapshot); stale → 409
    expected_version: int | None = Field(default=None, ge=1)


class FavoriteUpdate(SQLModel):
    """``PUT /crm/leads/{id}/favorite``."""

    is_favorite: bool


class LeadPublic(LeadBase):
    """A lead as the API returns it (and as every event snapshot stores it): the table's row plus two derived fields."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    organization_id: uuid.UUID
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
    outcome: LeadOutcome | None = None  # won / lost, only in fechado (null there: no outcome said, counted as won)
    lost_reason: str | None = None
    # the earliest open activity, the card's "next step" (null: none planned); activity writes change it
    # without a new ``version`` (services/activities.py)
    next_activity: NextActivity | None = None


class LeadList(SQLModel):
    """A page of leads (``has_more``: a later page exists)."""

    leads: list[LeadPublic]
    total_count: int
    page: int
    page_size: int
    has_more: bool


class LeadSearch(SQLModel):
    """``POST /crm/leads/search``."""

    query: Annotated[str, Rule(min_length=1, max_length=255), TEXT_RULE]
    page: PageNumber = 1
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
    """The creation dates of the oldest and the newest lead (None without leads)."""

    earliest: datetime | None
    latest: datetime | None


class FilterOptions(SQLModel):
    """``GET /crm/leads/pipeline/filters``."""

    sources: list[str]
    assigned_users: list[AssignableUser]
    date_ranges: DateRange
    available_tags: list[str]
    stages: list[str]


class FilterChoices(SQLModel):
    """What the board's filter bar offers: the sources and tags in use."""

    sources: list[str]
    tags: list[str]
