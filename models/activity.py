"""Lead activities: a lead's next steps (call, meeting, e-mail, task), each due at a time, done or not."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, field_validator
from pydantic import Field as Rule
from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from .types import PUBLIC_CONFIG, TEXT_RULE, UTCDateTime, new_id, utcnow

TITLE_MAX = 200
# a due time far outside any sales week is a typo (and year 1 or 9999 breaks time zone arithmetic): 422
DUE_MIN = datetime(2000, 1, 1, tzinfo=UTC)
DUE_MAX = datetime(2200, 1, 1, tzinfo=UTC)


class ActivityKind(StrEnum):
    """What kind of next step (names as on the wire)."""

    CALL = 'call'
    MEETING = 'meeting'
    EMAIL = 'email'
    TASK = 'task'


ActivityTitle = Annotated[str, Rule(min_length=1, max_length=TITLE_MAX), TEXT_RULE]


def check_due(value: datetime | None) -> datetime | None:
    """A due time within 2000..2200, stored in UTC."""
    if value is None:
        return None
    if not DUE_MIN <= value < DUE_MAX:
        raise ValueError('due_at must be between 2000 and 2200')
    return value.astimezone(UTC)


def check_title(value: str | None) -> str | None:
    """A title with some text (surrounding spaces dropped)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise ValueError('title must not be blank')
    return value


class LeadActivity(SQLModel, table=True):
    """One activity of a lead (row-level security on PostgreSQL, as every tenant table: migration 0012)."""

    __tablename__ = 'lead_activities'
    __table_args__ = (
        Index('idx_lead_activities_lead', 'lead_id', 'done', 'due_at'),
        Index('idx_lead_activities_assignee', 'organization_id', 'assignee_user_id', 'done', 'due_at'),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), nullable=False, index=True)
    )
    lead_id: uuid.UUID = Field(sa_column=Column(ForeignKey('leads.id', ondelete='CASCADE'), nullable=False))
    kind: str = Field(sa_type=String(10))
    title: str = Field(sa_type=String(TITLE_MAX))
    due_at: datetime = Field(sa_type=UTCDateTime)
    done: bool = False
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # None: nobody in particular (or the member's account was deleted)
    assignee_user_id: uuid.UUID | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_by_user_id: uuid.UUID | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ActivityCreate(SQLModel):
    """``POST /crm/leads/{id}/activities``; ``assignee_user_id`` left out: the caller; null: nobody."""

    kind: ActivityKind
    title: ActivityTitle
    due_at: AwareDatetime
    assignee_user_id: uuid.UUID | None = None
    done: bool = False

    _title = field_validator('title')(check_title)
    _due = field_validator('due_at')(check_due)


class ActivityUpdate(SQLModel):
    """``PATCH /crm/activities/{id}``: only the keys sent change; ``done`` true / false completes / reopens it."""

    kind: ActivityKind | None = None
    title: ActivityTitle | None = None
    due_at: AwareDatetime | None = None
    assignee_user_id: uuid.UUID | None = None
    done: bool | None = None
    # the activity's version the change was made on: another version → 409 ``activity_version_conflict``
    expected_version: int | None = Field(default=None, ge=1)

    _title = field_validator('title')(check_title)
    _due = field_validator('due_at')(check_due)


class NextActivity(SQLModel):
    """A lead's earliest open activity, as its card shows it (``leads.next_activity``, in every lead snapshot)."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    kind: ActivityKind
    title: str
    due_at: datetime
    assignee_user_id: uuid.UUID | None = None


class ActivityPublic(SQLModel):
    """An activity as the API returns it (and as activity events carry it)."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    lead_id: uuid.UUID
    lead_name: str
    kind: ActivityKind
    title: str
    due_at: datetime
    done: bool
    done_at: datetime | None
    assignee_user_id: uuid.UUID | None
    assignee_name: str | None
    created_by_user_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
