"""What the lead dialog's notes feed and change log ask of the database, with refusals as the viewer's text."""

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from models.event import ChangeLogEntry
from models.note import LeadNoteCreate, LeadNotePublic

from ...services import change_log, notes
from ...services.errors import DomainError
from ..refusals import refusal, validation_messages

if TYPE_CHECKING:
    from .board import PipelineBoard

NoteRefusal = str | None  # None: done


class NoteActions:
    """The notes feed's and change log's side of the board: one short unit of work per action."""

    def __init__(self, board: 'PipelineBoard') -> None:
        self.board = board
        self.viewer = board.viewer
        self.t = board.t

    async def list_notes(self, lead_id: uuid.UUID) -> list[LeadNotePublic]:
        """The lead's notes, newest first."""
        async with self.board.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            return await notes.list_notes(session, organization_id=self.viewer.organization_id, lead_id=lead_id)

    async def load_changes(self, lead_id: uuid.UUID) -> list[ChangeLogEntry]:
        """The lead's change log, newest first."""
        async with self.board.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            return await change_log.change_log(session, organization_id=self.viewer.organization_id, lead_id=lead_id)

    async def add(self, lead_id: uuid.UUID, body: str) -> NoteRefusal:
        """Add a note; the feed shows it when its event comes back (as on every teammate's)."""
        return await self._write(
            lambda session: notes.add_note(session, caller=self.viewer.caller, lead_id=lead_id, body=body), body
        )

    async def edit(self, lead_id: uuid.UUID, note_id: uuid.UUID, body: str) -> NoteRefusal:
        """Change one of the viewer's notes."""
        return await self._write(
            lambda session: notes.edit_note(
                session, caller=self.viewer.caller, lead_id=lead_id, note_id=note_id, body=body
            ),
            body,
        )

    async def delete(self, lead_id: uuid.UUID, note_id: uuid.UUID) -> NoteRefusal:
        """Delete one of the viewer's notes (the feed asked first)."""
        return await self._write(
            lambda session: notes.delete_note(session, caller=self.viewer.caller, lead_id=lead_id, note_id=note_id),
            None,
        )

    async def _write(self, write: Callable[[AsyncSession], Awaitable[object]], body: str | None) -> NoteRefusal:
        try:
            if body is not None:
                LeadNoteCreate(body=body)  # the API's rules (length, plain text, not blank), in the viewer's words
            async with self.board.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                await write(session)
        except ValidationError as exc:
            return '; '.join(validation_messages(exc, self.t))
        except DomainError as exc:
            return refusal(exc, self.t)
        except Exception as exc:
            reason = self.board.outage.failed(exc)  # the database away or busy: the input keeps the text
            if reason is None:
                raise
            return reason
        return None
