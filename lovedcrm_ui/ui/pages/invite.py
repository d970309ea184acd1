"""``/invite/{token}``: what an invite offers, and joining (signed in, by registering, or by signing in).

Open to everyone who holds the link: the token is the credential. An answered, cancelled or
expired invite explains itself instead of offering to join.
"""

import uuid
from collections.abc import MutableMapping
from typing import Any

from nicegui import app, ui

from models import InviteStatus
from models.auth import MARKUP

from ...context import AppContext
from ...services import auth, invites
from ...services.errors import DomainError, ErrorCode
from ...services.invites import InviteView
from ..i18n import Translate, format_date, translator
from ..refusals import refusal
from ..session import SignedIn, client_address, client_user_agent, load_signed_in, page_language, remember_login
from ..theme import browser_theme
from ..widgets import ConfirmDialog, StatusLine, entry_card

CLOSED_KEYS = {
    InviteStatus.EXPIRED: 'invite.closed_expired',
    InviteStatus.CANCELLED: 'invite.closed_cancelled',
    InviteStatus.REJECTED: 'invite.closed_rejected',
    InviteStatus.ACCEPTED: 'invite.closed_accepted',
}


class InvitePanel(ui.column):
    """The invite and the ways to answer it for whoever opened the link."""

    status: StatusLine

    def __init__(self, ctx: AppContext, token: str, t: Translate, storage: MutableMapping[str, Any]) -> None:
        super().__init__()
        self.ctx = ctx
        self.token = token
        self.t = t
        self.storage = storage
        self.language = page_language()
        self.confirm = ConfirmDialog(cancel_label=t('lead.cancel'))
        self.classes('w-full gap-3 invite-panel')

    async def show(self) -> None:
        """Read the invite and who is signed in, then draw the answer options."""
        async with self.ctx.db.session(read_only=True) as session:
            view = await invites.invite_by_token(session, token=self.token)
        signed_in = await load_signed_in(self.ctx, self.storage)
        if self.is_deleted:
            return
        self.clear()
        with self:
            if view is None:
                self._closed(self.t('invite.unknown'))
            elif view.status != InviteStatus.PENDING:
                self._closed(self.t(CLOSED_KEYS[InviteStatus(view.status)], inviter=view.invited_by_name or '—'))
            else:
                self._details(view)
                if signed_in is None:
                    self._signed_out_forms(view)
                elif signed_in.email == view.invite.email:
                    ui.button(
                        self.t('invite.accept', organization=view.organization.name),
                        on_click=lambda: self.accept(view, signed_in),
                    ).classes('w-full').mark('invite-accept')
                else:
                    self._other_account(view, signed_in)
                self.status = StatusLine().mark('join-status')
                ui.button(self.t('invite.decline'), on_click=lambda: self.decline(view)).props(
                    'flat color=negative'
                ).mark('invite-decline')

    def _closed(self, text: str) -> None:
        ui.icon('link_off', size='2.5rem').classes('text-grey-7')
        ui.label(text).classes('text-body1').props('role=alert').mark('invite-closed')
        ui.link(self.t('invite.to_login'), '/login')

    def _details(self, view: InviteView) -> None:
        t, invite = self.t, view.invite
        ui.label(t('invite.heading', organization=view.organization.name)).classes('text-h5').mark('invite-heading')
        ui.label(t('invite.summary', inviter=view.invited_by_name or '—', role=t(f'role.{invite.role}'))).classes(
            'text-body1'
        )
        if invite.message:
            ui.label(invite.message).classes('text-body2 q-pa-sm bg-grey-2 rounded-borders invite-message')
        ui.label(
            t('invite.sent_to', email=invite.email, expires=format_date(invite.expires_at, self.language))
        ).classes('text-caption text-grey-7')

    def _other_account(self, view: InviteView, signed_in: SignedIn) -> None:
        ui.label(self.t('invite.wrong_account', current=signed_in.email, invited=view.invite.email)).classes(
            'text-body2 text-negative'
        ).props('role=alert').mark('invite-wrong-account')
        ui.button(self.t('invite.sign_out'), on_click=lambda: self.sign_out(signed_in)).mark('invite-sign-out')

    def _signed_out_forms(self, view: InviteView) -> None:
        t, email = self.t, view.invite.email
        with ui.card().props('flat bordered').classes('w-full gap-2'):  # inside the page's card
            ui.label(t('invite.new_account')).classes('text-subtitle1 font-medium')
            name = ui.input(t('register.full_name')).props('outlined dense autocomplete=name').classes('w-full')
            name.mark('join-name')
            ui.input(t('login.email'), value=email).props('outlined dense readonly').classes('w-full').mark(
                'join-email'
            )
            password = ui.input(t('login.password'), password=True, password_toggle_button=True)
            password.props('outlined dense autocomplete=new-password').classes('w-full').mark('join-password')
            ui.label(t('register.password_rule')).classes('text-caption text-grey-7')
            terms = ui.checkbox(t('register.terms')).mark('join-terms')
            ui.button(
                t('invite.register_join'),
                on_click=lambda: self.register_and_join(view, name.value, password.value, bool(terms.value)),
            ).classes('w-full').mark('join-register')
        with ui.card().props('flat bordered').classes('w-full gap-2'):  # inside the page's card
            ui.label(t('invite.have_account')).classes('text-subtitle1 font-medium')
            ui.input(t('login.email'), value=email).props('outlined dense readonly').classes('w-full')
            login_password = ui.input(t('login.password'), password=True, password_toggle_button=True)
            login_password.props('outlined dense autocomplete=current-password').classes('w-full')
            login_password.mark('join-login-password')
            ui.button(t('invite.login_join'), on_click=lambda: self.login_and_join(view, login_password.value)).classes(
                'w-full'
            ).mark('join-login')

    # ----- answers ----------------------------------------------------------------------------

    async def _join(self, view: InviteView, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
        """Accept for ``user_id``, then work in the invite's organization in this browser; False if refused."""
        organization_id = view.invite.organization_id
        try:
            async with self.ctx.db.session() as session:
                await invites.accept_invite(session, token=self.token, user_id=user_id)
        except DomainError as exc:
            if exc.code != ErrorCode.ALREADY_MEMBER:
                self.status.error(refusal(exc, self.t))
                return False
            # already a member: the board of that organization is where they want to be
        remember_login(user_id=user_id, organization_id=organization_id, session_id=session_id, storage=self.storage)
        ui.navigate.to('/pipeline')
        return True

    async def accept(self, view: InviteView, signed_in: SignedIn) -> None:
        """A signed-in user with the invited e-mail joins."""
        if not await self._join(view, signed_in.user_id, signed_in.session_id):
            await self._reshow_if_closed()

    async def register_and_join(self, view: InviteView, name: str | None, password: str | None, terms: bool) -> None:
        """Create the account for the invited e-mail, sign in, and join — one click."""
        t = self.t
        self.status.reset()
        full_name = (name or '').strip() or None
        if full_name and MARKUP.search(full_name):
            self.status.error(t('register.name_markup'))
            return
        if full_name and len(full_name) > 255:
            self.status.error(t('form.too_long', n=255))
            return
        if not terms:
            self.status.error(t('register.terms_required'))
            return
        try:
            async with self.ctx.db.session() as session:
                result = await auth.register(
                    session,
                    hasher=self.ctx.hasher,
                    tokens=self.ctx.tokens,
                    email=view.invite.email,
                    password=password or '',
                    full_name=full_name,
                    terms_accepted=True,
                    address=client_address(),
                    user_agent=client_user_agent(),
                    organization_name=t(
                        'register.organization_name', name=full_name or view.invite.email.split('@')[0]
                    ),
                )
        except DomainError as exc:  # the password policy says which rule; an existing account has its own way in
            self.status.error(t('invite.email_has_account') if exc.code == ErrorCode.EMAIL_TAKEN else refusal(exc, t))
            return
        if not await self._join(view, result.user.id, result.session_id):
            # signed up but the invite went away meanwhile: signed in to their own organization
            own = result.organization.id if result.organization else None
            remember_login(
                user_id=result.user.id, organization_id=own, session_id=result.session_id, storage=self.storage
            )
            await self._reshow_if_closed()

    async def login_and_join(self, view: InviteView, password: str | None) -> None:
        """Sign in as the invited e-mail and join."""
        self.status.reset()
        if not password:
            self.status.error(self.t('login.invalid'))
            return
        try:
            result = await auth.login(
                self.ctx.db,
                hasher=self.ctx.hasher,
                tokens=self.ctx.tokens,
                throttle=self.ctx.password_checks,
                email=view.invite.email,
                password=password,
                address=client_address(),
                user_agent=client_user_agent(),
            )
        except DomainError as exc:
            self.status.error(refusal(exc, self.t))  # wrong password or too many attempts
            return
        own = result.organization.id if result.organization else None
        remember_login(user_id=result.user.id, organization_id=own, session_id=result.session_id, storage=self.storage)
        if not await self._join(view, result.user.id, result.session_id):
            await self._reshow_if_closed()

    async def decline(self, view: InviteView) -> None:
        """Say no (after a confirmation); the link stops working."""
        t = self.t
        if not await self.confirm.ask(
            t('invite.decline_confirm', organization=view.organization.name), t('invite.decline')
        ):
            return
        try:
            async with self.ctx.db.session() as session:
                await invites.reject_invite(session, token=self.token, reason=None)
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            await self._reshow_if_closed()
            return
        await self.show()

    async def sign_out(self, signed_in: SignedIn) -> None:
        """End this browser's session so the invited person can sign in here."""
        async with self.ctx.db.session() as session:
            await auth.end_session(session, user_id=signed_in.user_id, session_id=signed_in.session_id)
        for key in ('user_id', 'organization_id', 'session_id'):
            self.storage.pop(key, None)
        await self.show()

    async def _reshow_if_closed(self) -> None:
        """After a refusal: if the invite was answered or cancelled meanwhile, explain that instead."""
        async with self.ctx.db.session(read_only=True) as session:
            view = await invites.invite_by_token(session, token=self.token)
        if view is None or view.status != InviteStatus.PENDING:
            await self.show()


def register_invite_page(ctx: AppContext) -> None:
    """Add /invite/{token}."""

    @ui.page('/invite/{token}', title='Convite · LovedCRM')
    async def invite_page(token: str) -> None:
        t = translator(page_language())
        browser_theme()  # the theme this browser last used (a signed-in page stored it)
        storage = app.storage.user  # this browser's, captured while its page is built
        with entry_card(t):
            panel = InvitePanel(ctx, token, t, storage)
        await panel.show()
