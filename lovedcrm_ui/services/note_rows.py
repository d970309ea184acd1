"""The lead_notes rows under a lead write: shared by the note service and the lead writes that take ``notes``."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Lead, LeadNote, utcnow


async def add_note_row(
    session: AsyncSession, *, lead: Lead, author_id: uuid.UUID | None, body: str, at: datetime | None = None
) -> LeadNote:
    """Insert a note on a locked lead and make it the lead's denormalized ``notes`` (no event, no commit)."""
    at = at or utcnow()
    note = LeadNote(
        organization_id=lead.organization_id,
        lead_id=lead.id,
        author_user_id=author_id,
        body=body,
        created_at=at,
        updated_at=at,
    )
    session.add(note)
    lead.notes = body
    return note


def takes_note(lead: Lead, text: str | None) -> bool:
    """Whether a ``notes`` text sent with a lead write adds a note (not empty, not the latest note again)."""
    return text is not None and bool(text.strip()) and text != lead.notes


async def latest_note_body(session: AsyncSession, lead_id: uuid.UUID) -> str | None:
    """The text of a lead's newest note (None without notes): what ``leads.notes`` holds."""
    return await session.scalar(
        select(col(LeadNote.body))
        .where(col(LeadNote.lead_id) == lead_id)
        .order_by(col(LeadNote.created_at).desc(), col(LeadNote.id).desc())
        .limit(1)
    )


async def kept_notes(session: AsyncSession, lead_id: uuid.UUID) -> list[dict[str, str | None]]:
    """A lead's whole feed as JSON, oldest first: a ``lead_deleted`` event keeps it so that an undo brings it back."""
    notes = (
        await session.scalars(
            select(LeadNote)
            .where(col(LeadNote.lead_id) == lead_id)
            .order_by(col(LeadNote.created_at), col(LeadNote.id))
        )
    ).all()
    return [
        {
            'id': str(note.id),
            'author_user_id': str(note.author_user_id) if note.author_user_id else None,
            'body': note.body,
            'created_at': note.created_at.isoformat(),
            'updated_at': note.updated_at.isoformat(),
        }
        for note in notes
    ]


async def put_back_notes(
    session: AsyncSession, *, lead: Lead, kept: list[dict[str, str | None]], authors: set[uuid.UUID]
) -> None:
    """Insert the notes ``kept_notes`` saved, with their ids, times and authors (an author no longer in ``authors``
    — their account is gone — becomes None, as deleting the account would have made it). No event, no commit."""
    for row in kept:
        author = uuid.UUID(row['author_user_id']) if row.get('author_user_id') else None
        session.add(
            LeadNote(
                id=uuid.UUID(str(row['id'])),
                organization_id=lead.organization_id,
                lead_id=lead.id,
                author_user_id=author if author in authors else None,
                body=str(row['body']),
                created_at=datetime.fromisoformat(str(row['created_at'])),
                updated_at=datetime.fromisoformat(str(row['updated_at'])),
            )
        )
