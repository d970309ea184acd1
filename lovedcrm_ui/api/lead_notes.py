"""``/crm/leads/{id}/notes`` (a lead's notes feed) and ``/crm/leads/{id}/changes`` (its change log)."""

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Response, status

from models.event import ChangeLogEntry
from models.note import LeadNoteCreate, LeadNotePublic, LeadNoteUpdate

from ..services import change_log, leads, notes
from .deps import CallerDep, ReadSessionDep, SessionDep


async def list_notes(lead_id: uuid.UUID, caller: CallerDep, session: ReadSessionDep) -> list[LeadNotePublic]:
    """The lead's notes, newest first (404 "Lead not found", also for another organization's lead)."""
    return await notes.list_notes(session, organization_id=caller.organization_id, lead_id=lead_id)


async def add_note(lead_id: uuid.UUID, body: LeadNoteCreate, caller: CallerDep, session: SessionDep) -> LeadNotePublic:
    """Add a note (any member but viewers); the lead's ``notes`` becomes its text; event ``lead_note_changed``.

    The lead's ``version`` does not change: a note never makes a teammate's pending edit a conflict.
    """
    return await notes.add_note(session, caller=caller, lead_id=lead_id, body=body.body)


async def edit_note(
    lead_id: uuid.UUID, note_id: uuid.UUID, body: LeadNoteUpdate, caller: CallerDep, session: SessionDep
) -> LeadNotePublic:
    """Change a note's text: its author only (403 ``note_author_only``); event ``lead_note_changed``."""
    return await notes.edit_note(session, caller=caller, lead_id=lead_id, note_id=note_id, body=body.body)


async def delete_note(lead_id: uuid.UUID, note_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Response:
    """Delete a note: its author only (403 ``note_author_only``); event ``lead_note_changed``."""
    await notes.delete_note(session, caller=caller, lead_id=lead_id, note_id=note_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def changes(lead_id: uuid.UUID, caller: CallerDep, session: ReadSessionDep) -> list[ChangeLogEntry]:
    """The lead's change log, newest first: creation, each field edit (old → new), favourites, stage moves."""
    await leads.get_lead(session, organization_id=caller.organization_id, lead_id=lead_id)
    return await change_log.change_log(session, organization_id=caller.organization_id, lead_id=lead_id)


def register(add_route: Callable[..., None]) -> None:
    """Register this module's routes with the leads router's ``add_route``."""
    add_route('/{lead_id}/notes', list_notes, 'GET')
    add_route('/{lead_id}/notes', add_note, 'POST', status_code=status.HTTP_201_CREATED)
    add_route('/{lead_id}/notes/{note_id}', edit_note, 'PUT')
    options: dict[str, Any] = {'status_code': status.HTTP_204_NO_CONTENT, 'response_class': Response}
    add_route('/{lead_id}/notes/{note_id}', delete_note, 'DELETE', **options)
    add_route('/{lead_id}/changes', changes, 'GET')
