"""The Settings page's list of lost reasons: add, rename (edit in place), remove, save (owner/admin)."""

from nicegui import ui

from models.organization import LOST_REASON_NAME_MAX, LOST_REASONS_MAX, LostReasons

from ...context import AppContext
from ...services import outcomes
from ...services.errors import DomainError
from ..refusals import refusal
from ..session import Viewer
from ..widgets import StatusLine


def reasons_problem(reasons: list[str]) -> tuple[str, int] | None:
    """The catalog key (and its ``n``) of the first problem of a typed list, or None when it can be saved."""
    if any(not reason for reason in reasons):
        return 'settings.lost_blank', 0
    if any(len(reason) > LOST_REASON_NAME_MAX for reason in reasons):
        return 'settings.lost_too_long', LOST_REASON_NAME_MAX
    if len(reasons) > LOST_REASONS_MAX:
        return 'settings.lost_too_many', LOST_REASONS_MAX
    if len({reason.casefold() for reason in reasons}) < len(reasons):
        return 'settings.lost_duplicate', 0
    return None


class LostReasonsEditor(ui.card):
    """The organization's lost reasons, one input each (rename in place), with add, remove and save."""

    def __init__(self, ctx: AppContext, viewer: Viewer) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        t = viewer.t
        self.editable = False
        self.classes('w-full max-w-2xl mx-auto gap-2 lost-reasons')
        with self:
            ui.label(t('settings.lost_title')).classes('text-subtitle1')
            ui.label(t('settings.lost_hint', n=LOST_REASONS_MAX)).classes('text-caption text-grey-7')
            self.rows = ui.column().classes('w-full gap-1')
            with ui.row().classes('items-center gap-2') as self.add_row:
                self.new_reason = ui.input(t('settings.lost_new')).props('outlined dense').mark('lost-reason-new')
                self.new_reason.on('keydown.enter', self.add)
                ui.button(t('settings.lost_add'), icon='add', on_click=self.add).props('flat no-caps').mark(
                    'lost-reason-add'
                )
            self.save_button = ui.button(t('settings.lost_save'), icon='save', on_click=self.save)
            self.save_button.mark('lost-reasons-save')
            self.status = StatusLine().mark('lost-reasons-status')
        self.inputs: list[ui.input] = []

    def show(self, reasons: list[str]) -> None:
        """Draw one row per reason."""
        self.rows.clear()
        self.inputs = []
        for reason in reasons:
            self._row(reason)
        self.set_editable(self.editable)

    def _row(self, reason: str) -> None:
        t = self.viewer.t
        with self.rows, ui.row().classes('w-full items-center no-wrap gap-1') as row:
            field = ui.input(t('settings.lost_reason'), value=reason).props('outlined dense').classes('w-full')
            field.mark('lost-reason')  # labelled: a screen reader names each reason's field (axe's 'label' rule)
            remove = ui.button(icon='delete', on_click=lambda: self._remove(row, field)).props('flat round dense')
            remove.props['aria-label'] = t('settings.lost_remove', reason=reason)  # user text: never a props string
            remove.mark('lost-reason-remove')
        self.inputs.append(field)

    def _remove(self, row: ui.row, field: ui.input) -> None:
        self.inputs.remove(field)
        row.delete()

    def add(self) -> None:
        """Append the typed reason (saved with the list)."""
        text = (self.new_reason.value or '').strip()
        if not text:
            self.status.error(self.viewer.t('settings.lost_blank'))
            return
        self.status.reset()
        self._row(text)
        self.new_reason.value = ''

    def typed(self) -> list[str]:
        """The reasons as they stand in the inputs, trimmed."""
        return [(field.value or '').strip() for field in self.inputs]

    async def load(self) -> None:
        """Read the organization's reasons."""
        async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            reasons = await outcomes.lost_reasons(session, organization_id=self.viewer.organization_id)
        self.editable = self.viewer.can_manage
        self.show(reasons)

    def set_editable(self, editable: bool) -> None:
        """Managers edit; the others read."""
        self.editable = editable
        for field in self.inputs:
            field.set_enabled(editable)
        for button in self.rows.descendants():
            if isinstance(button, ui.button):
                button.set_visibility(editable)
        self.add_row.set_visibility(editable)
        self.save_button.set_visibility(editable)

    async def save(self) -> None:
        """Check the list as typed, then replace the organization's list through the service."""
        t = self.viewer.t
        self.status.reset()
        reasons = self.typed()
        problem = reasons_problem(reasons)
        if problem is not None:
            self.status.error(t(problem[0], n=problem[1]))
            return
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)
                saved = await outcomes.set_lost_reasons(session, caller=caller, reasons=LostReasons(reasons=reasons))
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            self.set_editable(self.viewer.can_manage)
            return
        self.show(saved)
        self.status.success(t('settings.lost_saved'))
