"""Pipeline events: the audit trail, the stage history and the real-time outbox in one table."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class EventType:
    """The lead event types (names as on the wire)."""

    LEAD_CREATED = 'lead_created'
    LEAD_UPDATED = 'lead_updated'
    LEAD_STAGE_CHANGED = 'lead_stage_changed'
    LEAD_DELETED = 'lead_deleted'
    # a note added, edited or deleted (services/notes.py): the lead's version does not change
    LEAD_NOTE_CHANGED = 'lead_note_changed'
    # an activity added, edited, done, reopened or deleted (services/activities.py): the lead's version does not change
    LEAD_ACTIVITY_CHANGED = 'lead_activity_changed'


class PipelineEvent(SQLModel, table=True):
    """One lead write, numbered by a gap-free per-organization ``seq``, with the full lead snapshot."""

    __tablename__ = 'pipeline_events'
    __table_args__ = (Index('idx_pipeline_events_org_lead', 'organization_id', 'lead_id'),)

    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), primary_key=True)
    )
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    type: str = Field(sa_type=String(32))
    lead_id: uuid.UUID
    actor_user_id: uuid.UUID | None = None
    # {"lead": LeadPublic JSON, "old_stage": ..., "new_stage": ...} depending on the type
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StageHistoryEntry(SQLModel):
    """One step of a lead's stage history: its creation (``from_stage`` None) or a move to another stage."""

    seq: int
    type: str
    from_stage: str | None
    to_stage: str | None
    actor_user_id: uuid.UUID | None
    actor_name: str | None
    at: datetime


class FieldChange(SQLModel):
    """One field of a lead before and after a write (values as in the lead's JSON: money as "5000.00")."""

    field: str
    old: Any
    new: Any


class ChangeLogEntry(SQLModel):
    """One write of a lead's change log: its creation, field edits (favourite included) or a stage move."""

    seq: int
    type: str
    changes: list[FieldChange]
    from_stage: str | None
    to_stage: str | None
    actor_user_id: uuid.UUID | None
    actor_name: str | None
    at: datetime
