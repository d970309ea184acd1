"""The board's lead dialog (with its delete confirmation); its notes feed and change log are in lead_feed.py."""

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from email_validator import EmailNotValidError, validate_email
from nicegui import background_tasks, ui

from models import STAGE_ORDER

from ...extensions import LeadField, localize
from ...services.board import TeamMember
from ..i18n import Translate, format_brl, parse_brl
from ..widgets import ConfirmDialog
from .activity_actions import ActivityActions
from .activity_tab import ActivitiesPanel
from .contact_links import ContactActions
from .forecast_fields import ForecastFields
from .lead_feed import ChangeLog, Moments, NotesFeed
from .note_actions import NoteActions
from .outcome_fields import OutcomeFields

log = logging.getLogger(__name__)

LeadValues = dict[str, Any]
# the form's fields in the order a conflict lists them (key, label key)
CONFLICT_FIELDS = (
    ('name', 'lead.name'),
    ('email', 'lead.email'),
    ('phone', 'lead.phone'),
    ('estimated_value', 'lead.value'),
    ('source', 'lead.source'),
    ('tags', 'lead.tags'),
    ('assigned_user_id', 'lead.assignee'),
    ('probability', 'forecast.probability'),
    ('expected_close_date', 'forecast.close_date'),
    ('outcome', 'outcome.field'),
    ('lost_reason', 'outcome.reason'),
    ('stage', 'lead.stage'),
    ('is_favorite', 'board.favorite'),
)


@dataclass(frozen=True)
class SaveRefused:
    """Why a save did not happen: a message, and the lead as it is now when a teammate changed it first."""

    message: str
    current: dict[str, Any] | None = None


SaveOutcome = SaveRefused | None  # None: saved


def shown_values(lead: dict[str, Any]) -> LeadValues:
    """A lead snapshot in the form's terms (what ``LeadDialog.values()`` returns when nothing was edited)."""
    value = lead.get('estimated_value')
    assignee = lead.get('assigned_user_id')
    return {
        'name': (lead.get('name') or '').strip(),
        'email': lead.get('email') or None,
        'phone': lead.get('phone') or None,
        'estimated_value': Decimal(str(value)) if value is not None else None,
        'source': lead.get('source') or 'web',
        'tags': list(lead.get('tags') or []),
        'assigned_user_id': uuid.UUID(str(assignee)) if assignee else None,
        'stage': lead.get('stage'),
        'is_favorite': bool(lead.get('is_favorite')),
        'outcome': lead.get('outcome') or None,
        'lost_reason': lead.get('lost_reason') or None,
        'probability': lead.get('probability'),
        'expected_close_date': date.fromisoformat(str(day)) if (day := lead.get('expected_close_date')) else None,
    }


class LeadDialog(ui.dialog):
    """Create or edit a lead; shows favourite, delete, the notes feed and the change log. One per board.

    An edit remembers the lead as it was shown and sends only the fields the person changed, with the
    version it showed: a teammate's save in between makes the server refuse it (409), and the dialog
    then lists the teammate's changes and offers to load them or to save the person's changes over them.
    """

    def __init__(
        self,
        *,
        t: Translate,
        on_save: Callable[[uuid.UUID | None, LeadValues, int | None], Awaitable[SaveOutcome]],
        on_delete: Callable[[dict[str, Any]], Awaitable[None]],
        notes: NoteActions,
        me: uuid.UUID,
        timezone: str = 'UTC',
        fields: Sequence[LeadField] = (),
        language: str | None = None,
        activities: ActivityActions | None = None,
        stage_probabilities: Callable[[], dict[str, int]] = dict,
    ) -> None:
        super().__init__()
        self._t = t
        self._fields = list(fields)  # plugin fields (extensions.py), after the product's own
        self._language = language
        self._on_save = on_save
        self._on_delete = on_delete
        self._load_changes = notes.load_changes
        self.lead: dict[str, Any] | None = None  # the lead as the form shows it (its version is what a save sends)
        self._members: dict[uuid.UUID, TeamMember] = {}
        self._conflict_with: dict[str, Any] | None = None  # the teammate's version, while a conflict is shown
        self._saving = False
        self._baseline: LeadValues = {}  # the form's values right after it was filled (edits are the difference)
        with self, ui.card().classes('w-full max-w-xl gap-2'):
            self.title = ui.label().classes('text-h6 dialog-title')
            self.name = ui.input(t('lead.name'), validation=self._name_rule()).props('outlined dense autofocus')
            with ui.row().classes('w-full no-wrap gap-2'):
                self.email = ui.input(t('lead.email'), validation=self._email_rule()).props('outlined dense type=email')
                self.phone = ui.input(t('lead.phone'), validation=self._length_rule(50)).props(
                    'outlined dense type=tel'
                )
            self.contact = ContactActions(t=t)  # "Ligar", "E-mail", "WhatsApp" for the lead as saved
            with ui.row().classes('w-full no-wrap gap-2'):
                self.amount = ui.input(t('lead.value'), validation=self._value_rule()).props(
                    'outlined dense inputmode=decimal'
                )
                self.source = ui.input(t('lead.source'), validation=self._length_rule(100)).props('outlined dense')
            self.tags = ui.select([], label=t('lead.tags'), multiple=True, new_value_mode='add-unique', with_input=True)
            self.tags.props('outlined dense use-chips').classes('w-full')
            self.custom: dict[str, ui.select | ui.input] = {}
            if self._fields:
                with ui.row().classes('w-full gap-2 plugin-fields'):
                    for lead_field in self._fields:
                        self.custom[lead_field.key] = self._plugin_input(lead_field)
            with ui.row().classes('w-full no-wrap gap-2'):
                self.assignee = (
                    ui.select({}, label=t('lead.assignee'), clearable=True).props('outlined dense').classes('grow')
                )
                self.stage = ui.select({s.value: t(f'stage.{s.value}') for s in STAGE_ORDER}, label=t('lead.stage'))
                self.stage.props('outlined dense').classes('grow')
            self.outcome_fields = OutcomeFields(t, stage=self.stage, exists=lambda: self.lead is not None)  # won/lost
            self.forecast = ForecastFields(t, stage=self.stage, defaults=stage_probabilities, language=language)
            self.favorite = ui.checkbox(t('board.favorite'))
            self.error = ui.label().classes('text-negative').props('role=alert')
            with ui.column().classes('w-full gap-1 q-pa-sm rounded-borders bg-amber-1') as self.conflict:
                ui.label(t('lead.conflict_title')).classes('text-subtitle2').props('role=alert')
                self.conflict_changes = ui.column().classes('w-full gap-0 text-body2')
                with ui.row().classes('w-full justify-end gap-2'):
                    ui.button(t('lead.conflict_reload'), on_click=self._take_theirs).props('flat').mark(
                        'lead-conflict-reload'
                    )
                    ui.button(t('lead.conflict_overwrite'), on_click=self._save_over).props('unelevated').mark(
                        'lead-conflict-overwrite'
                    )
            self.conflict.mark('lead-conflict').set_visibility(False)
            moments = Moments(t, language, timezone)
            with ui.column().classes('w-full gap-0') as self.history_box:  # notes and change log: an existing lead's
                with ui.tabs().props('dense align=left no-caps').classes('w-full') as tabs:
                    notes_tab = ui.tab('notes', t('notes.tab')).mark('tab-notes')
                    if activities is not None:
                        ui.tab('activities', t('activity.tab')).mark('tab-activities')
                    ui.tab('changes', t('changes.tab')).mark('tab-changes')
                # bounded height: a long feed or history scrolls inside, Save and Delete stay in view
                with ui.tab_panels(tabs, value=notes_tab).classes('w-full lead-feed'):
                    with ui.tab_panel('notes').classes('p-2'):
                        self.feed = NotesFeed(
                            t=t,
                            moments=moments,
                            me=me,
                            list_notes=notes.list_notes,
                            add=notes.add,
                            edit=notes.edit,
                            delete=notes.delete,
                        )
                    self.activities: ActivitiesPanel | None = None
                    if activities is not None:
                        with ui.tab_panel('activities').classes('p-2'):
                            self.activities = ActivitiesPanel(
                                t=t, actions=activities, me=me, zone=moments.zone, language=language
                            )
                    with ui.tab_panel('changes').classes('p-2'):
                        self.change_log = ChangeLog(t=t, moments=moments, fields=self._fields, language=language)
            with ui.row().classes('w-full justify-between lead-dialog-actions'):
                self.delete_button = ui.button(
                    t('lead.delete'), icon='delete', color='negative', on_click=self._confirm_delete
                )
                self.delete_button.props('flat')
                with ui.row().classes('gap-2'):
                    ui.button(t('lead.cancel'), on_click=self.close).props('flat')
                    self.save_button = ui.button(t('lead.save'), on_click=self._save)
        for field in (self.name, self.email, self.phone, self.amount, self.source):
            field.classes('w-full')
            field.on('keydown.enter', self._save)
        self.confirm = ConfirmDialog(cancel_label=t('lead.cancel'))

    def _plugin_input(self, lead_field: LeadField) -> ui.select | ui.input:
        label = localize(lead_field.label, self._language)
        element: ui.select | ui.input
        if lead_field.choices:
            options = {c.value: localize(c.label, self._language) for c in lead_field.choices}
            element = ui.select(options, label=label, clearable=True)
        else:
            element = ui.input(label, validation=self._length_rule(lead_field.max_length))
        return element.props('outlined dense').classes('grow min-w-[9rem]').mark(f'lead-field-{lead_field.key}')

    def _name_rule(self) -> dict[str, Callable[[Any], bool]]:
        t = self._t
        return {
            t('form.required'): lambda v: bool((v or '').strip()),
            t('form.too_long', n=255): lambda v: len(v or '') <= 255,
        }

    def _length_rule(self, n: int) -> dict[str, Callable[[Any], bool]]:
        return {self._t('form.too_long', n=n): lambda v: len(v or '') <= n}

    def _email_rule(self) -> dict[str, Callable[[Any], bool]]:
        def valid(v: Any) -> bool:
            if not (v or '').strip():
                return True
            try:
                validate_email(v.strip(), check_deliverability=False)
            except EmailNotValidError:
                return False
            return True

        return {self._t('form.invalid_email'): valid}

    def _value_rule(self) -> dict[str, Callable[[Any], bool]]:
        def parses(v: Any) -> bool:
            try:
                parse_brl(v)
            except ValueError:
                return False
            return True

        def not_negative(v: Any) -> bool:
            try:
                amount = parse_brl(v)
            except ValueError:
                return True
            return amount is None or amount >= 0

        return {self._t('form.invalid_value'): parses, self._t('form.negative_value'): not_negative}

    def set_team(self, members: dict[uuid.UUID, TeamMember]) -> None:
        """The people a lead can be assigned to."""
        self._members = members
        self.change_log.set_team(members)
        if self.activities is not None:
            self.activities.set_team(members)
        self.assignee.set_options(
            {str(uid): m.name for uid, m in sorted(members.items(), key=lambda i: i[1].name.lower())}
        )

    def set_known_tags(self, tags: list[str]) -> None:
        """Tags offered for selection."""
        self.tags.set_options(sorted(set(tags) | set(self.tags.value or []), key=str.lower))

    async def open_new(self, stage: str) -> None:
        """Empty form for a new lead in ``stage``."""
        self.lead = None
        self.title.text = self._t('lead.new')
        self._fill({'stage': stage, 'source': 'web', 'tags': []}, editable=True)
        self._hide_conflict()
        self.history_box.set_visibility(False)
        self.feed.clear_lead()
        if self.activities is not None:
            self.activities.clear_lead()
        self.delete_button.set_visibility(False)
        self.favorite.set_visibility(False)
        self.open()

    async def open_edit(self, lead: dict[str, Any], *, editable: bool) -> None:
        """The lead's form (read-only for viewers) with its stage history."""
        self.lead = dict(lead)  # a copy: the card's snapshot moves on with live updates, the form does not
        self.title.text = lead['name'] if editable else f'{lead["name"]} · {self._t("lead.read_only")}'
        self._fill(lead, editable=editable)
        self._hide_conflict()
        self.delete_button.set_visibility(editable)
        self.favorite.set_visibility(True)
        self.history_box.set_visibility(True)
        self.open()
        lead_id = uuid.UUID(str(lead['id']))
        await self.feed.show(lead_id, editable=editable)
        if self.activities is not None:
            await self.activities.show(lead_id, editable=editable)
        self.change_log.show(await self._load_changes(lead_id))

    def note_changed(self, lead_id: uuid.UUID, action: str, note: dict[str, Any]) -> None:
        """A note event (anyone's): the open lead's feed shows it; the form, its edits and version stay as they are."""
        if self.value and self.lead is not None and str(self.lead.get('id')) == str(lead_id):
            self.feed.apply(action, note)

    def lead_changed(self, lead_id: uuid.UUID) -> None:
        """Anyone's write to a lead (an edit, a move, an outcome): the open lead's change log reads it again.

        The form, its edits and version stay as they are (a save of stale values is refused and explained).
        A task, not an await: this runs inside the board's event application.
        """
        if self.value and self.lead is not None and str(self.lead.get('id')) == str(lead_id):
            background_tasks.create(self._reread_changes(lead_id), name='lead-change-log')

    async def _reread_changes(self, lead_id: uuid.UUID) -> None:
        try:
            entries = await self._load_changes(lead_id)
        except Exception:  # the database is away (the board says so): the log shown stays; the next change retries
            log.warning('could not re-read the change log of lead %s', lead_id, exc_info=True)
            return
        if self.value and self.lead is not None and str(self.lead.get('id')) == str(lead_id):  # still that lead
            self.change_log.show(entries)

    def activity_changed(self, lead_id: uuid.UUID, action: str, activity: dict[str, Any]) -> None:
        """An activity event (anyone's): the open lead's tab shows it; the form and its version stay as they are."""
        if (
            self.value
            and self.activities is not None
            and self.lead is not None
            and str(self.lead.get('id')) == str(lead_id)
        ):
            self.activities.apply(action, activity)

    def _fill(self, lead: dict[str, Any], *, editable: bool) -> None:
        self.error.text = ''
        self.name.value = lead.get('name') or ''
        self.email.value = lead.get('email') or ''
        self.phone.value = lead.get('phone') or ''
        self.contact.show(email=lead.get('email'), phone=lead.get('phone'))
        value = lead.get('estimated_value')
        self.amount.value = format_brl(value).replace('R$ ', '') if value is not None else ''
        self.source.value = lead.get('source') or ''
        self.set_known_tags(list(lead.get('tags') or []))
        self.tags.value = list(lead.get('tags') or [])
        assignee = lead.get('assigned_user_id')
        self.assignee.value = str(assignee) if assignee and str(assignee) in self.assignee.options else None
        self.stage.value = lead.get('stage')
        self.favorite.value = bool(lead.get('is_favorite'))
        self.outcome_fields.fill(lead, editable=editable)
        self.forecast.fill(lead, editable=editable)
        stored = lead.get('custom_fields') or {}
        for key, element in self.custom.items():
            value = stored.get(key)
            if isinstance(element, ui.select):
                element.value = value if value in dict(element.options) else None
            else:
                element.value = '' if value is None else str(value)
            element.set_enabled(editable)
        for field in (
            self.name,
            self.email,
            self.phone,
            self.amount,
            self.source,
            self.tags,
            self.assignee,
            self.stage,
            self.favorite,
        ):
            field.set_enabled(editable)
        self.save_button.set_visibility(editable)
        self._baseline = self._form_values()

    def values(self) -> LeadValues | None:
        """The form as lead fields, or None (with messages shown) when something is invalid."""
        texts = [element for element in self.custom.values() if not isinstance(element, ui.select)]
        fields = (self.name, self.email, self.phone, self.amount, self.source, *texts)
        checks = [*(field.validate() for field in fields), self.outcome_fields.reason.validate()]
        if not all([*checks, self.forecast.validate()]):
            return None
        return self._form_values()

    def _form_values(self) -> LeadValues:
        amount: Decimal | None = parse_brl(self.amount.value)
        return {
            'name': self.name.value.strip(),
            'email': (self.email.value or '').strip() or None,
            'phone': (self.phone.value or '').strip() or None,
            'estimated_value': amount,
            'source': (self.source.value or '').strip() or 'web',
            'tags': list(self.tags.value or []),
            'assigned_user_id': uuid.UUID(self.assignee.value) if self.assignee.value else None,
            'stage': self.stage.value,
            'is_favorite': bool(self.favorite.value),
            **self.outcome_fields.values(),
            **self.forecast.values(),
            'custom_fields': {key: self._custom_value(element) for key, element in self.custom.items()},
        }

    @staticmethod
    def _custom_value(element: ui.select | ui.input) -> Any:
        if isinstance(element, ui.select):
            return element.value or None
        return (element.value or '').strip() or None

    def edits(self) -> LeadValues | None:
        """What the person changed relative to the lead as shown (all fields for a new lead); None if invalid.

        Plugin fields count one by one: ``custom_fields`` holds only those the person changed.
        """
        values = self.values()
        if values is None or self.lead is None:
            return values
        changed = {key: value for key, value in values.items() if value != self._baseline.get(key)}
        if 'custom_fields' in changed:
            before = self._baseline.get('custom_fields') or {}
            mine = {key: value for key, value in changed['custom_fields'].items() if value != before.get(key)}
            changed['custom_fields'] = mine
        return changed

    async def _save(self) -> None:
        await self._submit(self.lead.get('version') if self.lead else None)

    async def _save_over(self) -> None:
        """Keep the person's changes: send them again against the teammate's version."""
        if self._conflict_with is not None:
            await self._submit(self._conflict_with.get('version'))

    async def _submit(self, version: int | None) -> None:
        if self._saving:  # a double click (or Enter then click) saves once, not twice
            return
        self._saving = True
        self.save_button.disable()
        try:
            await self._submit_once(version)
        finally:
            self._saving = False
            self.save_button.enable()

    async def _submit_once(self, version: int | None) -> None:
        edits = self.edits()
        if edits is None:
            return
        if self.lead is not None and not edits:
            self.close()  # nothing changed: nothing to save (and no conflict to have)
            return
        lead_id = uuid.UUID(str(self.lead['id'])) if self.lead else None
        outcome = await self._on_save(lead_id, edits, version)
        if outcome is None:
            self.close()
        elif outcome.current is not None:
            self._show_conflict(outcome.current, mine=edits)
        else:
            self.error.text = outcome.message

    def _show_conflict(self, current: dict[str, Any], *, mine: LeadValues) -> None:
        """List what the teammate changed since the form was filled, and the person's edits that would replace it."""
        t = self._t
        self._conflict_with = current
        shown, theirs = shown_values(self.lead or {}), shown_values(current)
        self.error.text = ''
        self.conflict_changes.clear()
        with self.conflict_changes:
            for key, label in CONFLICT_FIELDS:
                if theirs.get(key) == shown.get(key):
                    continue
                text = t('lead.conflict_field', field=t(label), value=self._display(key, theirs.get(key)))
                if key in mine:
                    text += ' · ' + t('lead.conflict_yours', value=self._display(key, mine[key]))
                ui.label(text).mark('lead-conflict-change')
            shown_custom = (self.lead or {}).get('custom_fields') or {}
            their_custom = current.get('custom_fields') or {}
            my_custom = mine.get('custom_fields') or {}
            for lead_field in self._fields:
                key = lead_field.key
                if their_custom.get(key) == shown_custom.get(key):
                    continue
                label, theirs_shown = localize(lead_field.label, self._language), their_custom.get(key)
                text = t('lead.conflict_field', field=label, value=lead_field.display(theirs_shown, self._language))
                if key in my_custom:
                    text += ' · ' + t('lead.conflict_yours', value=lead_field.display(my_custom[key], self._language))
                ui.label(text).mark('lead-conflict-change')
        self.conflict.set_visibility(True)

    def _display(self, key: str, value: Any) -> str:
        """A field value as the form shows it."""
        t = self._t
        if value is None or value == [] or value == '':
            return '—'
        if key == 'estimated_value':
            return format_brl(value)
        if key == 'stage':
            return t(f'stage.{value}')
        if key == 'outcome':
            return t(f'outcome.{value}')
        if key == 'probability':
            return f'{value}%'
        if key == 'expected_close_date':
            return self.forecast.display_day(value)
        if key == 'tags':
            return ', '.join(value)
        if key == 'is_favorite':
            return t('lead.yes') if value else t('lead.no')
        if key == 'assigned_user_id':
            member = self._members.get(value)
            return member.name if member else '—'
        return str(value)

    def _take_theirs(self) -> None:
        """Drop the person's edits: fill the form with the lead as it is now."""
        if self._conflict_with is not None:
            current = self._conflict_with
            self.lead = dict(current)
            self.title.text = current['name']
            self._fill(current, editable=True)
            self._hide_conflict()

    def _hide_conflict(self) -> None:
        self._conflict_with = None
        self.conflict.set_visibility(False)
        self.conflict_changes.clear()

    async def _confirm_delete(self) -> None:
        if self.lead is None:
            return
        lead = self.lead
        if await self.confirm.ask(self._t('lead.delete_confirm', name=lead['name']), self._t('lead.delete')):
            self.close()
            await self._on_delete(lead)
