"""The lead dialog's notes feed and change log (issue 17): two tabs under the form.

The feed is live: the board hands every ``lead_note_changed`` event of the open lead to ``NotesFeed.apply``, which
adds, redraws or removes that one note — nothing else of the dialog changes (a note does not change the lead's
version, so a pending edit in the form still saves without a conflict; services/notes.py).
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any

from nicegui import ui

from models import utcnow
from models.event import ChangeLogEntry, FieldChange
from models.lead import NOTES_MAX
from models.note import LeadNotePublic
from models.user import initials

from ...extensions import LeadField, localize
from ...services.board import TeamMember
from ..i18n import Translate, format_brl, format_date, format_datetime, zone_of
from ..refusals import FIELD_LABELS as SCHEMA_FIELD_LABELS
from ..widgets import ConfirmDialog

NoteRefusal = str | None
# change log field → label key: the lead fields' labels messages use, plus the ones only the change log names
# (plugin fields use their own labels)
FIELD_LABELS = {
    **SCHEMA_FIELD_LABELS,
    'is_favorite': 'board.favorite',
    'last_contact_at': 'changes.last_contact_at',
    'last_contact_channel': 'changes.last_contact_channel',
}


class Moments:
    """Times as the viewer reads them: in their time zone and language, absolute and relative."""

    def __init__(self, t: Translate, language: str | None, timezone: str) -> None:
        self.t, self.language, self.timezone = t, language, timezone
        self.zone = zone_of(timezone)

    def absolute(self, at: datetime) -> str:
        """``31/12/2026 11:05 -03`` (the viewer's zone; i18n.format_datetime)."""
        return format_datetime(at, self.language, self.timezone)

    def day(self, value: date) -> str:
        """``31/12/2026`` (a calendar day: no zone)."""
        return format_date(value, self.language)

    def relative(self, at: datetime, now: datetime | None = None) -> str:
        """``agora`` / ``há 5 min`` / ``há 3 h`` / ``há 2 d``."""
        seconds = max(0, int(((now or utcnow()) - at).total_seconds()))
        if seconds < 60:
            return self.t('notes.just_now')
        if seconds < 3600:
            return self.t('notes.minutes_ago', n=seconds // 60)
        if seconds < 86400:
            return self.t('notes.hours_ago', n=seconds // 3600)
        return self.t('notes.days_ago', n=seconds // 86400)


class NotesFeed(ui.column):
    """A lead's notes, newest first, with an input to add one; the viewer edits and deletes their own."""

    def __init__(
        self,
        *,
        t: Translate,
        moments: Moments,
        me: uuid.UUID,
        list_notes: Callable[[uuid.UUID], Awaitable[list[LeadNotePublic]]],
        add: Callable[[uuid.UUID, str], Awaitable[NoteRefusal]],
        edit: Callable[[uuid.UUID, uuid.UUID, str], Awaitable[NoteRefusal]],
        delete: Callable[[uuid.UUID, uuid.UUID], Awaitable[NoteRefusal]],
    ) -> None:
        super().__init__()
        self.classes('w-full gap-2')
        self._t, self._moments, self._me = t, moments, me
        self._list, self._add, self._edit, self._delete = list_notes, add, edit, delete
        self.lead_id: uuid.UUID | None = None
        self.notes: list[LeadNotePublic] = []
        self._editing: uuid.UUID | None = None
        self._draft = ''
        self._editable = False
        self._adding = False  # Enter then a click (or a double click) adds the note once
        self._early: list[tuple[str, dict[str, Any]]] | None = None  # events that came while the list loaded
        with ui.row().classes('w-full no-wrap gap-2 items-center') as self.composer:
            self.input = ui.input(placeholder=t('notes.placeholder'), validation=self._length_rule())
            self.input.props('outlined dense').classes('grow').mark('note-input')
            self.input.on('keydown.enter', self._submit)
            ui.button(t('notes.add'), icon='send', on_click=self._submit).props('flat dense no-caps').mark('note-add')
        self.error = ui.label().classes('text-negative text-sm').props('role=alert')
        self.list = ui.column().classes('w-full gap-2')
        self.confirm = ConfirmDialog(cancel_label=t('lead.cancel'))

    def _length_rule(self) -> dict[str, Callable[[Any], bool]]:
        return {self._t('form.too_long', n=NOTES_MAX): lambda v: len(v or '') <= NOTES_MAX}

    async def show(self, lead_id: uuid.UUID, *, editable: bool) -> None:
        """Load a lead's notes (the input only for people who may write)."""
        self.lead_id, self._editable, self._editing = lead_id, editable, None
        self.input.value = ''
        self.error.text = ''
        self.composer.set_visibility(editable)
        self._early = []
        try:
            self.notes = await self._list(lead_id)
        finally:
            early, self._early = self._early, None
        for action, note in early:  # the list may or may not have them: applying one again changes nothing
            self._apply(action, note)
        self._draw()

    def clear_lead(self) -> None:
        """No lead (a new one is being created): nothing to show."""
        self.lead_id, self.notes = None, []
        self.list.clear()

    def apply(self, action: str, note: dict[str, Any]) -> None:
        """A note event of the shown lead (anyone's, this viewer's too): add, redraw or remove that note."""
        if self._early is not None:
            self._early.append((action, note))
            return
        if self._apply(action, note):
            self._draw()

    def _apply(self, action: str, note: dict[str, Any]) -> bool:
        changed = LeadNotePublic.model_validate(note)
        if changed.lead_id != self.lead_id:
            return False
        others = [n for n in self.notes if n.id != changed.id]
        if action == 'deleted':
            if self._editing == changed.id:
                self._editing = None
            self.notes = others
        else:
            self.notes = sorted([*others, changed], key=lambda n: (n.created_at, str(n.id)), reverse=True)
        return True

    def _draw(self) -> None:
        t, moments = self._t, self._moments
        self.list.clear()
        with self.list:
            if not self.notes:
                ui.label(t('notes.empty')).classes('text-caption').mark('notes-empty')
            for note in self.notes:
                author = note.author_name  # None: a note from the old free-text notes (or a deleted account)
                name = author or t('notes.earlier')
                with ui.row().classes('w-full no-wrap gap-2 note-row').mark('note'):
                    ui.label(initials(name) if author else '…').classes('note-initials')
                    with ui.column().classes('grow gap-0 min-w-0'):
                        with ui.row().classes('w-full gap-2 items-center'):
                            ui.label(name).classes('font-medium text-sm')
                            stamp = ui.label(moments.relative(note.created_at)).classes('text-caption')
                            stamp.tooltip(moments.absolute(note.created_at))
                            ui.label(moments.absolute(note.created_at)).classes('text-caption note-absolute')
                            if note.edited:
                                ui.label(t('notes.edited')).classes('text-caption').mark('note-edited')
                        if self._editing == note.id:
                            self._draw_editor(note)
                        else:
                            ui.label(note.body).classes('note-body').mark('note-body')
                    if self._editable and note.author_user_id == self._me and self._editing != note.id:
                        ui.button(icon='edit', on_click=lambda n=note: self._start_edit(n)).props(
                            f'flat dense round aria-label="{t("notes.edit")}"'
                        ).mark('note-edit')
                        ui.button(icon='delete', on_click=lambda n=note: self._ask_delete(n)).props(
                            f'flat dense round aria-label="{t("notes.delete")}"'
                        ).mark('note-delete')

    def _draw_editor(self, note: LeadNotePublic) -> None:
        t = self._t
        editor = ui.textarea(value=self._draft, validation=self._length_rule()).props('outlined dense autogrow')
        editor.classes('w-full').mark('note-editor')
        editor.on_value_change(lambda e: setattr(self, '_draft', e.value or ''))
        with ui.row().classes('gap-2'):
            ui.button(t('lead.cancel'), on_click=self._stop_edit).props('flat dense no-caps')
            ui.button(t('lead.save'), on_click=lambda: self._save_edit(note, editor)).props('dense no-caps').mark(
                'note-save'
            )

    def _start_edit(self, note: LeadNotePublic) -> None:
        self._editing, self._draft = note.id, note.body
        self._draw()

    def _stop_edit(self) -> None:
        self._editing = None
        self._draw()

    async def _save_edit(self, note: LeadNotePublic, editor: ui.textarea) -> None:
        if self.lead_id is None or not editor.validate():
            return
        refused = await self._edit(self.lead_id, note.id, editor.value or '')
        self.error.text = refused or ''
        if refused is None:
            self._editing = None  # the event redraws the note with its new text
            self._draw()

    async def _ask_delete(self, note: LeadNotePublic) -> None:
        if self.lead_id is None:
            return
        if await self.confirm.ask(self._t('notes.delete_confirm'), self._t('notes.delete')):
            self.error.text = await self._delete(self.lead_id, note.id) or ''

    async def _submit(self) -> None:
        text = self.input.value or ''
        if self._adding or self.lead_id is None or not text.strip() or not self.input.validate():
            return
        self._adding = True
        try:
            refused = await self._add(self.lead_id, text)
        finally:
            self._adding = False
        self.error.text = refused or ''
        if refused is None and self.input.value == text:  # what the person typed meanwhile stays
            self.input.value = ''


class ChangeLog(ui.column):
    """A lead's change log, newest first: who did what and when, each field edit as old → new."""

    def __init__(self, *, t: Translate, moments: Moments, fields: Sequence[LeadField], language: str | None) -> None:
        super().__init__()
        self.classes('w-full gap-2')
        self._t, self._moments, self._fields, self._language = t, moments, list(fields), language
        self._members: dict[uuid.UUID, TeamMember] = {}

    def set_team(self, members: dict[uuid.UUID, TeamMember]) -> None:
        """Names for assignee changes."""
        self._members = members

    def show(self, entries: list[ChangeLogEntry]) -> None:
        """Draw the entries (already newest first)."""
        self.clear()
        with self:
            for entry in entries:
                actor = entry.actor_name or '—'
                with ui.column().classes('w-full gap-0 change-entry').mark('change'):
                    with ui.row().classes('w-full gap-2 items-center'):
                        ui.label(self._title(entry, actor)).classes('font-medium text-sm').mark('change-title')
                        stamp = ui.label(self._moments.absolute(entry.at)).classes('text-caption')
                        stamp.tooltip(self._moments.relative(entry.at))
                    for change in entry.changes:
                        if change.field != 'is_favorite':
                            self._draw_change(change)

    def _title(self, entry: ChangeLogEntry, actor: str) -> str:
        t = self._t
        if entry.type == 'lead_created':
            return t('lead.history_created', actor=actor, stage=t(f'stage.{entry.to_stage}'))
        if entry.type == 'lead_stage_changed':
            return t(
                'lead.history_moved',
                actor=actor,
                from_stage=t(f'stage.{entry.from_stage}'),
                to_stage=t(f'stage.{entry.to_stage}'),
            )
        favorite = next((c for c in entry.changes if c.field == 'is_favorite'), None)
        if favorite is not None and len(entry.changes) == 1:
            return t('changes.favorited' if favorite.new else 'changes.unfavorited', actor=actor)
        return t('changes.edited', actor=actor)

    def _draw_change(self, change: FieldChange) -> None:
        if change.field == 'custom_fields':
            old, new = change.old or {}, change.new or {}
            for lead_field in self._fields:
                if old.get(lead_field.key) != new.get(lead_field.key):
                    label = localize(lead_field.label, self._language)
                    show = lead_field.display
                    self._line(
                        label,
                        show(old.get(lead_field.key), self._language),
                        show(new.get(lead_field.key), self._language),
                    )
            return
        label = self._t(FIELD_LABELS.get(change.field, 'lead.name'))
        if change.field == 'tags':
            with ui.row().classes('w-full gap-1 items-center text-sm').mark('change-line'):
                ui.label(f'{label}:')
                self._chips(change.old)
                ui.label('→')
                self._chips(change.new)
            return
        self._line(label, self._display(change.field, change.old), self._display(change.field, change.new))

    @staticmethod
    def _chips(tags: Any) -> None:
        if not tags:
            ui.label('—')
        for tag in tags or []:
            ui.label(str(tag)).classes('lead-tag')

    def _line(self, label: str, old: str, new: str) -> None:
        ui.label(f'{label}: {old} → {new}').classes('text-sm change-line').mark('change-line')

    def _display(self, field: str, value: Any) -> str:
        if value is None or value == '':
            return '—'
        if field == 'estimated_value':
            return format_brl(value)
        if field == 'assigned_user_id':
            member = self._members.get(uuid.UUID(str(value)))
            return member.name if member else '—'
        if field == 'last_contact_at':
            return self._moments.absolute(datetime.fromisoformat(str(value)))
        if field == 'probability':
            return f'{value}%'
        if field == 'expected_close_date':
            return self._moments.day(date.fromisoformat(str(value)))
        return str(value)
