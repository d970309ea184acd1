"""A lead's notes feed: add, list, edit, delete — live for every teammate, without touching the lead's version.

Design (issue 17):

- ``lead_notes`` holds the feed; ``leads.notes`` stays as the denormalized text of the newest note, written in the
  same transaction as every note write. So LovedCRM clients keep reading ``notes`` on a lead (the latest note), and
  one that sends ``notes`` on create, update or a stage move adds a note with that text when it differs from the
  latest one (services/note_rows.py; a blank text adds nothing). A move's ``notes`` is no longer appended.
- A note write does NOT bump the lead's ``version`` nor its ``updated_at``: a note is not an edit of the lead's
  fields, and a teammate's open, edited lead dialog must still save without a version conflict (the dialog no
  longer edits ``notes``, so nothing of its edits can be lost to a note). The price: a LovedCRM client that resends
  a stale ``notes`` text with a full update adds that text again as a note instead of getting a 409.
- Each note write still goes through the one write path (organization row lock → ``seq``, one
  ``pipeline_events`` row with the lead's full snapshot, published after commit), as type ``lead_note_changed``
  with ``{"lead", "note", "action": "added" | "edited" | "deleted"}``. That is how it reaches other replicas
  (NOTIFY carries ``seq`` only) and API sockets (docs/REALTIME.md). Every consumer knows the type: the facets apply
  it as "no count changes" (an unknown type would force a full recount), boards only refresh the card's snapshot
  and the open lead dialog's feed, stage histories and days-in-stage ignore it, the change log skips it (the feed
  shows notes).
- Only the author edits or deletes a note (403 ``note_author_only`` for everyone else, owners included); any
  writer adds one; viewers read.
"""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import EventType, Lead, LeadNote, User, utcnow
from models.lead import NOTES_MAX
from models.note import LeadNotePublic

from .access import Caller
from .errors import ErrorCode, Forbidden, Invalid, NotFound, require_plain_text
from .leads import get_lead, snapshot
from .note_rows import add_note_row, latest_note_body
from .pipeline_events import allocate_seq, record_event


def check_body(body: str) -> str:
    """A note's text as the API's model takes it (for callers that skip it): plain, not blank, ≤ 10,000."""
    require_plain_text(body, 'body')
    if not body.strip():
        raise Invalid('body must not be blank', code=ErrorCode.INVALID)
    if len(body) > NOTES_MAX:
        raise Invalid(f'notes cannot exceed {NOTES_MAX:,} characters', code=ErrorCode.NOTES_TOO_LONG)
    return body


def note_public(note: LeadNote, author_name: str | None) -> LeadNotePublic:
    """The API / event shape of a note."""
    return LeadNotePublic(
        id=note.id,
        lead_id=note.lead_id,
        body=note.body,
        author_user_id=note.author_user_id,
        author_name=author_name,
        created_at=note.created_at,
        updated_at=note.updated_at,
        edited=note.updated_at > note.created_at,
    )


async def list_notes(session: AsyncSession, *, organization_id: uuid.UUID, lead_id: uuid.UUID) -> list[LeadNotePublic]:
    """A lead's notes, newest first (404 for a lead that is not the organization's)."""
    await get_lead(session, organization_id=organization_id, lead_id=lead_id)
    rows = await session.execute(
        select(LeadNote, col(User.full_name), col(User.email))
        .outerjoin(User, col(User.id) == col(LeadNote.author_user_id))
        .where(col(LeadNote.organization_id) == organization_id, col(LeadNote.lead_id) == lead_id)
        .order_by(col(LeadNote.created_at).desc(), col(LeadNote.id).desc())
    )
    return [note_public(note, full_name or email) for note, full_name, email in rows.all()]


async def add_note(session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, body: str) -> LeadNotePublic:
    """Add a note (any writer); it becomes the lead's latest ``notes``; event ``lead_note_changed``."""
    caller.require_writer()
    check_body(body)
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    note = await add_note_row(session, lead=lead, author_id=caller.user_id, body=body)
    return await _record(session, caller, lead, note, seq, 'added')


async def edit_note(
    session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, note_id: uuid.UUID, body: str
) -> LeadNotePublic:
    """Change a note's text (its author only); event ``lead_note_changed``."""
    caller.require_writer()
    check_body(body)
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    note = await _own_note(session, caller, lead, note_id)
    note.body = body
    note.updated_at = utcnow()
    await session.flush()
    lead.notes = await latest_note_body(session, lead.id)
    return await _record(session, caller, lead, note, seq, 'edited')


async def delete_note(session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, note_id: uuid.UUID) -> None:
    """Delete a note (its author only); the lead's ``notes`` becomes the newest remaining one; event as above."""
    caller.require_writer()
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    note = await _own_note(session, caller, lead, note_id)
    await session.delete(note)
    await session.flush()
    lead.notes = await latest_note_body(session, lead.id)
    await _record(session, caller, lead, note, seq, 'deleted')


async def _own_note(session: AsyncSession, caller: Caller, lead: Lead, note_id: uuid.UUID) -> LeadNote:
    note = await session.scalar(
        select(LeadNote).where(
            col(LeadNote.id) == note_id,
            col(LeadNote.lead_id) == lead.id,
            col(LeadNote.organization_id) == caller.organization_id,
        )
    )
    if note is None:
        raise NotFound('Note not found', code=ErrorCode.NOTE_NOT_FOUND)
    if note.author_user_id != caller.user_id:
        raise Forbidden('Only the author can change or delete a note', code=ErrorCode.NOTE_AUTHOR_ONLY)
    return note


async def _record(
    session: AsyncSession, caller: Caller, lead: Lead, note: LeadNote, seq: int, action: str
) -> LeadNotePublic:
    author = await session.scalar(select(User).where(col(User.id) == caller.user_id))
    public = note_public(note, (author.full_name or author.email) if author else None)
    await session.flush()  # the lead's ``notes`` only: its version and updated_at stay
    payload: dict[str, Any] = {'lead': snapshot(lead), 'note': public.model_dump(mode='json'), 'action': action}
    await record_event(
        session,
        organization_id=caller.organization_id,
        seq=seq,
        type=EventType.LEAD_NOTE_CHANGED,
        lead_id=lead.id,
        actor_id=caller.user_id,
        payload=payload,
    )
    await session.commit()
    return public
