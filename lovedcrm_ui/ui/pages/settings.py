"""``/settings``: the organization's name, description, website, the board's idle thresholds and lost reasons."""

from nicegui import ui
from nicegui.element_filter import ElementFilter
from pydantic import ValidationError

from models.organization import OrganizationUpdate

from ...context import AppContext
from ...services import organizations
from ...services.errors import DomainError
from ..access_watch import AccessWatch
from ..frame import frame
from ..refusals import refusal
from ..session import Viewer, require_viewer
from ..widgets import StatusLine
from .lost_reasons import LostReasonsEditor
from .stage_probabilities import StageProbabilitiesEditor

FIELD_PROBLEMS = {
    'name': 'settings.name_length',
    'description': 'settings.description_length',
    'website': 'settings.website_length',
    'idle_warning_days': 'settings.idle_range',
    'idle_alert_days': 'settings.idle_range',
}


def whole_days(value: float | int | None) -> int | None:
    """A number of days typed into a number field, or None unless it is a whole number."""
    if value is None or value != int(value):
        return None
    return int(value)


class SettingsForm(ui.card):
    """The organization's settings; owners and admins save, everyone else reads."""

    def __init__(self, ctx: AppContext, viewer: Viewer) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        t = viewer.t
        self.classes('w-full max-w-2xl mx-auto gap-3 settings-form')
        with self:
            ui.label(t('settings.title')).classes('text-h5')
            self.read_only = ui.label(t('settings.read_only')).classes('text-body2 text-grey-8')
            self.name = ui.input(t('settings.name')).props('outlined dense').classes('w-full').mark('settings-name')
            self.description = ui.textarea(t('settings.description')).props('outlined dense autogrow')
            self.description.classes('w-full').mark('settings-description')
            self.website = ui.input(t('settings.website')).props('outlined dense type=url').classes('w-full')
            self.website.mark('settings-website')
            ui.label(t('settings.idle_title')).classes('text-subtitle1 q-mt-sm')
            ui.label(t('settings.idle_hint')).classes('text-caption text-grey-7')
            with ui.row().classes('gap-3'):
                self.warning = ui.number(t('settings.idle_warning'), min=1, max=365, step=1, format='%d')
                self.warning.props('outlined dense').classes('w-44').mark('settings-idle-warning')
                self.alert = ui.number(t('settings.idle_alert'), min=1, max=365, step=1, format='%d')
                self.alert.props('outlined dense').classes('w-44').mark('settings-idle-alert')
            self.save_button = ui.button(t('settings.save'), icon='save', on_click=self.save).mark('settings-save')
            self.status = StatusLine().mark('settings-status')
        self.inputs = (self.name, self.description, self.website, self.warning, self.alert)

    async def load(self) -> None:
        """Read the organization and show it (editable only for managers)."""
        async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            organization = await organizations.get_organization(session, organization_id=self.viewer.organization_id)
        self.name.value = organization.name
        self.description.value = organization.description or ''
        self.website.value = organization.website or ''
        self.warning.value = organization.idle_warning_days
        self.alert.value = organization.idle_alert_days
        self.set_editable(self.viewer.can_manage)

    def set_editable(self, editable: bool) -> None:
        """Managers edit; the others see the same values read-only."""
        for element in self.inputs:
            element.set_enabled(editable)
        self.save_button.set_visibility(editable)
        self.read_only.set_visibility(not editable)

    def changes(self) -> OrganizationUpdate | str:
        """The typed values as an update, or the catalog key of the first problem."""
        warning, alert = whole_days(self.warning.value), whole_days(self.alert.value)
        if warning is None or alert is None:
            return 'settings.idle_range'
        try:
            update = OrganizationUpdate(
                name=self.name.value or '',
                description=(self.description.value or '').strip() or None,
                website=(self.website.value or '').strip() or None,
                idle_warning_days=warning,
                idle_alert_days=alert,
            )
        except ValidationError as exc:
            error = next((e for e in exc.errors() if e['loc']), None)
            field = str(error['loc'][0]) if error else ''
            if field == 'website' and error and error['type'] == 'value_error':
                return 'settings.website_invalid'
            return FIELD_PROBLEMS.get(field, 'error.generic')
        if alert < warning:
            return 'settings.idle_order'
        return update

    async def save(self) -> None:
        """Save through the service; a refusal keeps what was typed."""
        t = self.viewer.t
        self.status.reset()
        update = self.changes()
        if isinstance(update, str):
            self.status.error(t(update))
            return
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)
                organization = await organizations.update_organization(session, caller=caller, changes=update)
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            self.set_editable(self.viewer.can_manage)
            return
        viewer = self.viewer
        viewer.organization_name = organization.name
        viewer.idle_warning_days, viewer.idle_alert_days = organization.idle_warning_days, organization.idle_alert_days
        self.name.value = organization.name
        self.website.value = organization.website or ''  # as stored: "acme.com.br" becomes "https://acme.com.br"
        for label in ElementFilter(kind=ui.label, marker='organization-name', local_scope=False):
            label.text = organization.name  # this page's header
        self.status.success(t('settings.saved'))


def register_settings_page(ctx: AppContext) -> None:
    """Add /settings."""

    @ui.page('/settings', title='Configurações · LovedCRM')
    async def settings_page() -> None:
        viewer = await require_viewer(ctx)
        if viewer is None:
            return
        with frame(ctx, viewer, page='settings'), ui.column().classes('w-full p-4') as content:
            form = SettingsForm(ctx, viewer)
            reasons = LostReasonsEditor(ctx, viewer)
            percents = StageProbabilitiesEditor(ctx, viewer)

        async def follow_role() -> None:
            form.set_editable(viewer.can_manage)
            reasons.set_editable(viewer.can_manage)
            percents.set_editable(viewer.can_manage)

        AccessWatch(ctx, viewer, content=content, redraw=follow_role)
        await form.load()
        await reasons.load()
        await percents.load()
