"""Lead notes: a lead's feed of timestamped notes, each written by one member."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field as Rule
from pydantic import field_validator
from sqlalchemy import Column, ForeignKey, Index, Text
from sqlmodel import Field, SQLModel

from .lead import NOTES_MAX
from .types import PUBLIC_CONFIG, TEXT_RULE, UTCDateTime, new_id, utcnow

# the same rule as a lead's old free-text ``notes`` (plain text, at most 10,000 characters), but never blank
NoteBody = Annotated[str, Rule(min_length=1, max_length=NOTES_MAX), TEXT_RULE]


class LeadNoteBase(SQLModel):
    """What a member writes."""

    body: NoteBody = Field(sa_type=Text)

    @field_validator('body')
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError('body must not be blank')
        return value


class LeadNote(LeadNoteBase, table=True):
    """One note of a lead's feed (row-level security on PostgreSQL, as every tenant table: migration 0011)."""

    __tablename__ = 'lead_notes'
    __table_args__ = (Index('idx_lead_notes_lead', 'lead_id', 'created_at'),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organization_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey('organizations.id', ondelete='CASCADE'), nullable=False, index=True)
    )
    lead_id: uuid.UUID = Field(sa_column=Column(ForeignKey('leads.id', ondelete='CASCADE'), nullable=False))
    # None: the author's account was deleted, or the note came from the lead's old free-text notes (migration 0011)
    author_user_id: uuid.UUID | None = Field(default=None, foreign_key='users.id', ondelete='SET NULL')
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LeadNoteCreate(LeadNoteBase):
    """``POST /crm/leads/{id}/notes``."""


class LeadNoteUpdate(LeadNoteBase):
    """``PUT /crm/leads/{id}/notes/{note_id}`` (the author only)."""


class LeadNotePublic(LeadNoteBase):
    """A note as the API returns it (and as note events carry it); ``edited``: changed after it was written."""

    model_config = PUBLIC_CONFIG

    id: uuid.UUID
    lead_id: uuid.UUID
    author_user_id: uuid.UUID | None
    author_name: str | None
    created_at: datetime
    updated_at: datetime
    edited: bool
