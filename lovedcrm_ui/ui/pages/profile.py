"""``/profile``: name, preferences (language, time zone, density, theme), password (a new password signs out every
*other* session) and active sessions."""

from collections.abc import MutableMapping
from typing import Any

from nicegui import app, ui
from nicegui.element_filter import ElementFilter
from pydantic import ValidationError

from models.user import MARKUP, UserUpdate

from ...context import AppContext
from ...services import auth, users
from ...services.errors import DomainError
from ..access_watch import AccessWatch
from ..active_sessions import ActiveSessions
from ..frame import frame
from ..preferences import PreferencesForm
from ..refusals import refusal, validation_messages
from ..session import Viewer, client_address, require_viewer
from ..widgets import StatusLine


class ProfileForm(ui.card):
    """The full name (the language and the rest of the preferences are in ``PreferencesForm``)."""

    def __init__(self, ctx: AppContext, viewer: Viewer, storage: MutableMapping[str, Any]) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        self.storage = storage
        t = viewer.t
        self.classes('w-full max-w-xl gap-3 profile-form')
        with self:
            ui.label(t('profile.title')).classes('text-h6')
            ui.label(viewer.email).classes('text-body2 text-grey-8')
            self.full_name = ui.input(t('register.full_name'), value=viewer.name if viewer.name != viewer.email else '')
            self.full_name.props('outlined dense autocomplete=name').classes('w-full').mark('profile-name')
            ui.button(t('profile.save'), icon='save', on_click=self.save).mark('profile-save')
            self.status = StatusLine().mark('profile-status')

    def _problem(self, exc: ValidationError) -> str:
        t = self.viewer.t
        for error in exc.errors():
            if error['loc'] and error['loc'][0] == 'full_name':
                if MARKUP.search(str(error.get('input') or '')):
                    return t('register.name_markup')
                return t('profile.name_invalid')
        return '; '.join(validation_messages(exc, t))

    async def save(self) -> None:
        """Save the name through the service; the header shows it at once."""
        t, viewer = self.viewer.t, self.viewer
        self.status.reset()
        try:
            changes = UserUpdate.model_validate({'full_name': (self.full_name.value or '').strip()})
        except ValidationError as exc:
            self.status.error(self._problem(exc))
            return
        try:
            async with self.ctx.db.session() as session:
                user = await users.update_profile(session, user_id=viewer.user_id, changes=changes)
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            return
        viewer.name = user.full_name or user.email
        for label in ElementFilter(kind=ui.label, marker='viewer-name', local_scope=False):
            label.text = viewer.name
        self.status.success(t('profile.saved'))


class PasswordForm(ui.card):
    """Current, new and repeated password; on success only this browser stays signed in."""

    def __init__(self, ctx: AppContext, viewer: Viewer) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        t = viewer.t
        self.classes('w-full max-w-xl gap-3 password-form')
        with self:
            ui.label(t('profile.password_title')).classes('text-h6')
            self.current = self._password(t('profile.current_password'), 'current-password', 'password-current')
            self.new = self._password(t('profile.new_password'), 'new-password', 'password-new')
            self.repeat = self._password(t('profile.repeat_password'), 'new-password', 'password-repeat')
            ui.label(t('register.password_rule')).classes('text-caption text-grey-7')
            ui.label(t('profile.password_effect')).classes('text-caption text-grey-7')
            ui.button(t('profile.password_submit'), icon='lock_reset', on_click=self.change).mark('password-submit')
            self.status = StatusLine().mark('password-status')

    @staticmethod
    def _password(label: str, autocomplete: str, marker: str) -> ui.input:
        field = ui.input(label, password=True, password_toggle_button=True)
        return field.props(f'outlined dense autocomplete={autocomplete}').classes('w-full').mark(marker)

    async def change(self) -> None:
        """Change the password, keep this session, sign out every other one."""
        t, viewer = self.viewer.t, self.viewer
        self.status.reset()
        current, new, repeat = self.current.value or '', self.new.value or '', self.repeat.value or ''
        if not current or not new:
            self.status.error(t('profile.password_required'))
            return
        if new != repeat:
            self.status.error(t('profile.password_mismatch'))
            return
        problem = auth.password_problem(new)
        if problem is not None:
            self.status.error(refusal(problem, t))
            return
        try:
            await auth.change_password(
                self.ctx.db,
                hasher=self.ctx.hasher,
                throttle=self.ctx.password_checks,
                address=client_address(),
                user_id=viewer.user_id,
                session_id=viewer.session_id,
                current_password=current,
                new_password=new,
            )
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            return
        for field in (self.current, self.new, self.repeat):
            field.value = ''
        self.status.success(t('profile.password_changed'))


def register_profile_page(ctx: AppContext) -> None:
    """Add /profile."""

    @ui.page('/profile', title='Perfil · LovedCRM')
    async def profile_page() -> None:
        viewer = await require_viewer(ctx)
        if viewer is None:
            return
        storage = app.storage.user  # this browser's, captured while its page is built
        with frame(ctx, viewer, page='profile') as page:
            with ui.column().classes('w-full items-center gap-4 p-4') as content:
                ProfileForm(ctx, viewer, storage)
                preferences = PreferencesForm(ctx, viewer, storage, page.appearance)
                PasswordForm(ctx, viewer)
                active_sessions = ActiveSessions(ctx, viewer)
                preferences.on_timezone = active_sessions.reload  # the sessions' times follow the new zone
        AccessWatch(ctx, viewer, content=content)
        await active_sessions.reload()
