"""Password reset: the sign-in page's "forgot my password" dialog, and ``/reset-password`` that its e-mail opens."""

from collections.abc import MutableMapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from nicegui import app, background_tasks, ui

from ...context import AppContext
from ...services import auth, password_reset
from ...services.errors import DomainError
from ..i18n import Translate, translator
from ..refusals import refusal
from ..session import SESSION_KEYS, client_address, page_language
from ..theme import browser_theme
from ..widgets import StatusLine, entry_card


class ForgotPasswordDialog(ui.dialog):
    """An e-mail field; a reset link is mailed if an account has that address (the answer is the same either way)."""

    def __init__(self, ctx: AppContext, t: Translate, login_email: ui.input) -> None:
        super().__init__()
        self.ctx = ctx
        self.t = t
        self.login_email = login_email
        # the page's own address: the link's base when PUBLIC_URL is not set (services/password_reset.py)
        self.base_url = str(ui.context.client.request.base_url)
        self.address = client_address()
        with self, ui.card().classes('w-full max-w-sm gap-3'):
            ui.label(t('forgot.title')).classes('text-h6')
            mail_on = ctx.settings.mail_enabled
            ui.label(t('forgot.explain' if mail_on else 'forgot.mail_off')).classes('text-body2')
            self.email = ui.input(t('login.email')).props('type=email outlined autocomplete=email').classes('w-full')
            self.email.mark('forgot-email').set_visibility(mail_on)
            self.status = StatusLine().mark('forgot-status')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(t('forgot.close'), on_click=self.close).props('flat').mark('forgot-close')
                send = ui.button(t('forgot.submit'), on_click=self.send).mark('forgot-submit')
                send.set_visibility(mail_on)

    def show(self) -> None:
        """Open with the e-mail typed on the sign-in form."""
        self.email.value = (self.login_email.value or '').strip()
        self.status.reset()
        self.open()

    async def send(self) -> None:
        """Ask for a link; the mail goes out in the background (the same answer, at the same speed, either way)."""
        t = self.t
        email = (self.email.value or '').strip()
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            self.status.error(t('form.invalid_email'))
            return
        try:
            self.ctx.password_resets.admit(email, self.address)
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            return
        background_tasks.create(
            password_reset.send_reset_link(self.ctx.db, self.ctx.settings, email=email, request_base_url=self.base_url),
            name='password-reset-mail',
        )
        self.status.success(t('forgot.sent', email=email, minutes=self.ctx.settings.password_reset_expire_minutes))


class ResetPasswordForm(ui.column):
    """New password and its repetition; success signs out every session (this browser's too)."""

    def __init__(self, ctx: AppContext, t: Translate, token: str, storage: MutableMapping[str, Any]) -> None:
        super().__init__()
        self.ctx = ctx
        self.t = t
        self.token = token
        self.storage = storage
        self.classes('w-full gap-3')
        with self:
            self.new = self._password(t('profile.new_password'), 'reset-new')
            self.repeat = self._password(t('profile.repeat_password'), 'reset-repeat')
            ui.label(t('register.password_rule')).classes('text-caption text-grey-7')
            ui.label(t('reset.effect')).classes('text-caption text-grey-7')
            self.submit = ui.button(t('reset.submit'), icon='lock_reset', on_click=self.save).classes('w-full')
            self.submit.mark('reset-submit')
            self.status = StatusLine().mark('reset-status')
            self.to_login = ui.link(t('reset.to_login'), '/login').mark('reset-to-login')
            self.to_login.set_visibility(False)

    @staticmethod
    def _password(label: str, marker: str) -> ui.input:
        field = ui.input(label, password=True, password_toggle_button=True)
        return field.props('outlined autocomplete=new-password').classes('w-full').mark(marker)

    async def save(self) -> None:
        """Set the new password with the link's token."""
        t = self.t
        self.status.reset()
        new, repeat = self.new.value or '', self.repeat.value or ''
        if new != repeat:
            self.status.error(t('profile.password_mismatch'))
            return
        problem = auth.password_problem(new)
        if problem is not None:
            self.status.error(refusal(problem, t))
            return
        try:
            await password_reset.reset_password(self.ctx.db, hasher=self.ctx.hasher, token=self.token, new_password=new)
        except DomainError as exc:  # the link was used or expired meanwhile
            self.status.error(refusal(exc, t))
            return
        for key in SESSION_KEYS:  # every session ended, this browser's included
            self.storage.pop(key, None)
        for element in (self.new, self.repeat, self.submit):
            element.set_visibility(False)
        self.status.success(t('reset.done'))
        self.to_login.set_visibility(True)


def register_password_reset_page(ctx: AppContext) -> None:
    """Add /reset-password (the link of the reset e-mail)."""

    @ui.page('/reset-password', title='Nova senha · LovedCRM')
    async def reset_password_page(token: str = '') -> None:
        t = translator(page_language())
        browser_theme()  # the theme this browser last used (a signed-in page stored it)
        storage = app.storage.user  # this browser's, captured while its page is built
        usable = bool(token) and await password_reset.reset_token_usable(ctx.db, token=token)
        with entry_card(t):
            ui.label(t('reset.title')).classes('text-lg').props('role=heading aria-level=1')
            if usable:
                ResetPasswordForm(ctx, t, token, storage)
            else:
                ui.label(t('reset.invalid_link')).classes('text-negative').props('role=alert').mark('reset-invalid')
                ui.link(t('reset.to_login'), '/login').mark('reset-to-login')
