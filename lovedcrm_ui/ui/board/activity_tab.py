"""The lead dialog's "Atividades" tab: the lead's activities (open by due time, then done), an add / edit form,
done and undo, delete — live: the board hands every ``lead_activity_changed`` event of the open lead to
``ActivitiesPanel.apply`` (an activity never changes the lead's version: the form above keeps its edits)."""

import uuid
from datetime import date, datetime, time, tzinfo
from typing import Any

from nicegui import ui

from models import utcnow
from models.activity import TITLE_MAX, ActivityKind, ActivityPublic

from ...services.activities import sort_for_lead
from ...services.board import TeamMember
from ..i18n import Translate
from ..widgets import ConfirmDialog
from .activity_actions import ActivityActions
from .next_step import relative_when

KIND_ICONS = {'call': 'call', 'meeting': 'groups', 'email': 'mail', 'task': 'task_alt'}


def local_due(day: str | None, hour: str | None, zone: tzinfo) -> datetime | None:
    """A date ("2026-12-04") and a time ("10:00") in the viewer's zone as a UTC moment (None: not a valid pair)."""
    try:
        moment = datetime.combine(date.fromisoformat((day or '').strip()), time.fromisoformat((hour or '').strip()))
    except ValueError:
        return None
    return moment.replace(tzinfo=zone).astimezone(utcnow().tzinfo)


def activity_when(activity: ActivityPublic, *, t: Translate, zone: tzinfo, language: str | None) -> str:
    """ "amanhã 10:00" (relative to now, in the viewer's zone)."""
    return relative_when(activity.due_at, t=t, zone=zone, language=language, now=utcnow())


class ActivitiesPanel(ui.column):
    """A lead's activities with a form to add one (or edit one); writers only change them."""

    def __init__(
        self, *, t: Translate, actions: ActivityActions, me: uuid.UUID, zone: tzinfo, language: str | None
    ) -> None:
        super().__init__()
        self.classes('w-full gap-2')
        self._t, self._actions, self._me, self._zone, self._language = t, actions, me, zone, language
        self.lead_id: uuid.UUID | None = None
        self.items: list[ActivityPublic] = []
        self._members: dict[uuid.UUID, TeamMember] = {}
        self._editable = False
        self._editing: ActivityPublic | None = None
        self._busy = False
        self._early: list[tuple[str, dict[str, Any]]] | None = None  # events that came while the list loaded
        with ui.column().classes('w-full gap-1') as self.form:
            with ui.row().classes('w-full no-wrap gap-2'):
                kinds = {k.value: t(f'activity.kind.{k.value}') for k in ActivityKind}
                self.kind = ui.select(kinds, label=t('activity.kind'), value='call').props('outlined dense')
                self.kind.classes('grow').mark('activity-kind')
                self.title = ui.input(
                    t('activity.title'),
                    validation={
                        t('form.required'): lambda v: bool((v or '').strip()),
                        t('form.too_long', n=TITLE_MAX): lambda v: len(v or '') <= TITLE_MAX,
                    },
                )
                self.title.props('outlined dense').classes('grow').mark('activity-title')
            with ui.row().classes('w-full no-wrap gap-2'):
                self.day = ui.input(t('activity.date')).props('outlined dense type=date').classes('grow')
                self.day.mark('activity-date')
                self.hour = ui.input(t('activity.time'), value='09:00').props('outlined dense type=time')
                self.hour.classes('grow').mark('activity-time')
                self.assignee = ui.select({}, label=t('activity.assignee')).props('outlined dense').classes('grow')
                self.assignee.mark('activity-assignee')
            with ui.row().classes('w-full gap-2 items-center'):
                self.submit = ui.button(t('activity.add'), icon='add', on_click=self._submit)
                self.submit.props('dense no-caps unelevated').mark('activity-add')
                self.cancel = ui.button(t('activity.cancel_edit'), on_click=self._stop_edit).props('flat dense no-caps')
                self.cancel.set_visibility(False)
        self.title.on('keydown.enter', self._submit)
        self.error = ui.label().classes('text-negative text-sm').props('role=alert').mark('activity-error')
        self.list = ui.column().classes('w-full gap-1')
        self.confirm = ConfirmDialog(cancel_label=t('lead.cancel'))

    def set_team(self, members: dict[uuid.UUID, TeamMember]) -> None:
        """The people an activity can be assigned to ("Ninguém" too)."""
        self._members = members
        options = {'': self._t('activity.nobody')}
        options.update({str(uid): m.name for uid, m in sorted(members.items(), key=lambda i: i[1].name.lower())})
        self.assignee.set_options(options, value=self.assignee.value if self.assignee.value in options else None)

    async def show(self, lead_id: uuid.UUID, *, editable: bool) -> None:
        """Load a lead's activities (the form only for people who may write)."""
        self.lead_id, self._editable = lead_id, editable
        self.form.set_visibility(editable)
        self._reset_form()
        self._early = []
        try:
            self.items = await self._actions.list_for_lead(lead_id)
        finally:
            early, self._early = self._early, None
        for action, activity in early:
            self._apply(action, activity)
        self._draw()

    def clear_lead(self) -> None:
        """No lead (a new one is being created)."""
        self.lead_id, self.items = None, []
        self.list.clear()

    def apply(self, action: str, activity: dict[str, Any]) -> None:
        """An activity event of the shown lead (anyone's): add, redraw or remove that activity."""
        if self._early is not None:
            self._early.append((action, activity))
            return
        if self._apply(action, activity):
            self._draw()

    def _apply(self, action: str, activity: dict[str, Any]) -> bool:
        changed = ActivityPublic.model_validate(activity)
        if changed.lead_id != self.lead_id:
            return False
        others = [a for a in self.items if a.id != changed.id]
        if action == 'deleted':
            if self._editing is not None and self._editing.id == changed.id:
                self._reset_form()
            self.items = others
        else:
            self.items = sort_for_lead([*others, changed])
        return True

    def _reset_form(self) -> None:
        self._editing = None
        self.error.text = ''
        self.kind.value = 'call'
        self.title.value = ''
        self.day.value = utcnow().astimezone(self._zone).date().isoformat()
        self.hour.value = '09:00'
        self.assignee.value = str(self._me) if str(self._me) in self.assignee.options else ''
        self.submit.text = self._t('activity.add')
        self.cancel.set_visibility(False)

    def _draw(self) -> None:
        t = self._t
        self.list.clear()
        now = utcnow()
        with self.list:
            if not self.items:
                ui.label(t('activity.empty')).classes('text-caption').mark('activities-empty')
            for activity in self.items:
                when = activity_when(activity, t=t, zone=self._zone, language=self._language)
                overdue = not activity.done and activity.due_at < now
                who = activity.assignee_name or t('activity.nobody')
                row = ui.row().classes('w-full no-wrap gap-2 items-center activity-row').mark('activity')
                if overdue:
                    row.classes('activity-overdue')
                if activity.done:
                    row.classes('activity-done')
                with row:
                    if self._editable:
                        toggle = ui.button(
                            icon='check_circle' if activity.done else 'radio_button_unchecked',
                            on_click=lambda a=activity: self._toggle(a),
                        ).props('flat dense round')
                        what = t('activity.undo_done' if activity.done else 'activity.mark_done')
                        toggle.props['aria-label'] = f'{what}: {activity.title}'
                        toggle.mark('activity-toggle')
                    ui.icon(KIND_ICONS.get(activity.kind, 'event')).classes('text-grey-8').props('aria-hidden=true')
                    with ui.column().classes('grow gap-0 min-w-0'):
                        ui.label(activity.title).classes('activity-title font-medium text-sm').mark('activity-text')
                        extra = [t(f'activity.kind.{activity.kind}'), when, who]
                        extra += [t('activity.overdue')] if overdue else []
                        extra += [t('activity.done_label')] if activity.done else []
                        ui.label(' · '.join(extra)).classes('text-caption activity-when').mark('activity-when')
                    if self._editable:
                        edit = ui.button(icon='edit', on_click=lambda a=activity: self._start_edit(a))
                        edit.props('flat dense round').mark('activity-edit')
                        edit.props['aria-label'] = f'{t("activity.edit")}: {activity.title}'
                        delete = ui.button(icon='delete', on_click=lambda a=activity: self._ask_delete(a))
                        delete.props('flat dense round').mark('activity-delete')
                        delete.props['aria-label'] = f'{t("activity.delete")}: {activity.title}'

    def _start_edit(self, activity: ActivityPublic) -> None:
        self._editing = activity
        local = activity.due_at.astimezone(self._zone)
        self.kind.value = activity.kind
        self.title.value = activity.title
        self.day.value = local.date().isoformat()
        self.hour.value = local.strftime('%H:%M')
        assignee = str(activity.assignee_user_id) if activity.assignee_user_id else ''
        self.assignee.value = assignee if assignee in self.assignee.options else ''
        self.submit.text = self._t('activity.save')
        self.cancel.set_visibility(True)
        self.error.text = ''

    def _stop_edit(self) -> None:
        self._reset_form()

    def _form_values(self) -> dict[str, Any] | None:
        if not self.title.validate():
            return None
        due = local_due(self.day.value, self.hour.value, self._zone)
        if due is None:
            self.error.text = self._t('activity.invalid_when')
            return None
        return {
            'kind': self.kind.value,
            'title': self.title.value,
            'due_at': due,
            'assignee_user_id': uuid.UUID(self.assignee.value) if self.assignee.value else None,
        }

    async def _submit(self) -> None:
        if self._busy or self.lead_id is None:
            return
        values = self._form_values()
        if values is None:
            return
        self._busy = True
        self.submit.disable()
        try:
            if self._editing is None:
                refused = await self._actions.add(self.lead_id, values)
            else:
                values['expected_version'] = self._editing.version
                refused = await self._actions.update(self._editing.id, values)
        finally:
            self._busy = False
            self.submit.enable()
        if refused is None:
            self._reset_form()  # the event draws the activity
        else:
            self.error.text = refused

    async def _toggle(self, activity: ActivityPublic) -> None:
        refused = await self._actions.update(activity.id, {'done': not activity.done})
        self.error.text = refused or ''

    async def _ask_delete(self, activity: ActivityPublic) -> None:
        t = self._t
        if await self.confirm.ask(f'{t("activity.delete")}: {activity.title}?', t('activity.delete')):
            refused = await self._actions.delete(activity.id)
            self.error.text = refused or ''
