"""Inviting people: the form (link to copy, e-mail when SMTP is set up) and the invites with their status."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from nicegui import ui
from pydantic import ValidationError

from models import InviteStatus, Role
from models.invite import InviteCreate

from ...context import AppContext
from ...services import invites, mail
from ...services.errors import DomainError
from ..i18n import format_date
from ..mails import invite_link, invite_mail
from ..refusals import refusal, validation_messages
from ..session import Viewer
from ..widgets import LinkField, StatusLine

log = logging.getLogger(__name__)
LIST_LIMIT = 50  # newest invites shown; older ones stay in the API's paged list
STATUS_COLORS = {
    InviteStatus.PENDING: 'primary',
    InviteStatus.ACCEPTED: 'positive',
    InviteStatus.REJECTED: 'orange-9',
    InviteStatus.EXPIRED: 'grey-7',
    InviteStatus.CANCELLED: 'grey-7',
}


class InviteForm(ui.card):
    """E-mail, role and an optional message; shows the new invite's link and sends it when mail is on."""

    def __init__(
        self, ctx: AppContext, viewer: Viewer, *, base_url: str, on_invited: Callable[[], Awaitable[None]]
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        self.base_url = base_url
        self.on_invited = on_invited
        t = viewer.t
        self.classes('w-full max-w-2xl gap-2 invite-form')
        with self:
            ui.label(t('invite.title')).classes('text-h6')
            with ui.row().classes('w-full gap-2 items-start no-wrap'):
                self.email = ui.input(t('invite.email')).props('type=email outlined dense autocomplete=off')
                self.email.classes('grow').mark('invite-email')
                self.role = ui.select({}, label=t('team.role')).props('outlined dense').classes('w-40')
                self.role.mark('invite-role')
            self.message = ui.textarea(t('invite.message')).props('outlined dense autogrow counter')
            self.message.classes('w-full').mark('invite-message')
            ui.label(t('invite.message_hint')).classes('text-caption text-grey-7')
            ui.button(t('invite.submit'), icon='send', on_click=self.submit).mark('invite-submit')
            self.status = StatusLine().mark('invite-status')
            self.link = LinkField(t=t, label=t('invite.link'))
            self.mail_status = StatusLine().mark('invite-mail-status')
        self.set_role_choices()

    def set_role_choices(self) -> None:
        """Admin is offered to owners only; nobody invites an owner. A choice still allowed is kept."""
        t = self.viewer.t
        roles = [Role.ADMIN, Role.MEMBER, Role.VIEWER] if self.viewer.role == Role.OWNER else [Role.MEMBER, Role.VIEWER]
        value = self.role.value if self.role.value in roles else Role.MEMBER.value
        self.role.set_options({r.value: t(f'role.{r.value}') for r in roles}, value=value)

    def _problem(self, exc: ValidationError) -> str:
        t = self.viewer.t
        fields = {str(error['loc'][0]) for error in exc.errors() if error['loc']}
        if 'email' in fields:
            return t('form.invalid_email')
        if 'message' in fields:
            return t('invite.message_length')
        return '; '.join(validation_messages(exc, t))

    async def submit(self) -> None:
        """Create the invite through the service; the typed values stay until it exists."""
        t = self.viewer.t
        self.status.reset()
        self.mail_status.reset()
        address = (self.email.value or '').strip()
        if not address:
            self.status.error(t('invite.email_required'))
            return
        try:
            data = InviteCreate(email=address, role=self.role.value, message=(self.message.value or '').strip() or None)
        except ValidationError as exc:
            self.status.error(self._problem(exc))
            return
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)
                view = await invites.create_invite(
                    session,
                    caller=caller,
                    email=data.email,
                    role=data.role,
                    message=data.message,
                    invited_name=None,
                    expire_days=self.ctx.settings.invite_expire_days,
                )
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            return
        invite = view.invite
        link = invite_link(self.base_url, invite.token)
        self.link.show(link)
        self.status.success(t('invite.created', email=invite.email))
        self.email.value = ''
        self.message.value = ''
        await self.on_invited()
        if self.ctx.settings.mail_enabled:
            await self.send(view.organization.name, invite.email, invite.role, data.message, link, invite.expires_at)

    async def send(
        self, organization: str, to: str, role: str, message: str | None, link: str, expires_at: datetime
    ) -> None:
        """E-mail the link (a worker thread); a failure leaves the invite valid and says so."""
        t = self.viewer.t
        self.mail_status.success(t('invite.mail_sending', email=to))
        letter = invite_mail(
            t,
            language=self.viewer.language,
            to=to,
            inviter=self.viewer.name,
            organization=organization,
            role=role,
            message=message,
            link=link,
            expires_at=expires_at,
        )
        try:
            await mail.send_mail(self.ctx.settings, letter)
        except mail.MailError as exc:
            log.warning('invite e-mail to %s was not sent: %s', to, exc)
            if not self.is_deleted:
                self.mail_status.warn(t('invite.mail_failed', email=to))
            return
        if not self.is_deleted:
            self.mail_status.success(t('invite.mail_sent', email=to))


@dataclass(frozen=True)
class InviteInfo:
    """What the list shows of one invite (copied out of the session)."""

    id: uuid.UUID
    email: str
    role: str
    status: str
    created_at: datetime
    expires_at: datetime
    token: str
    can_cancel: bool


class InviteList(ui.column):
    """The organization's invites, newest first, with their status; pending ones can be cancelled."""

    def __init__(self, ctx: AppContext, viewer: Viewer, status: StatusLine, show_link: Callable[[str], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        self.status = status
        self.show_link = show_link
        self.invites: list[InviteInfo] = []
        self.classes('w-full gap-0 invite-list')

    async def reload(self) -> None:
        """Re-read and draw the invites."""
        async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            views = await invites.list_invites(
                session, organization_id=self.viewer.organization_id, status=None, limit=LIST_LIMIT, offset=0
            )
        self.invites = [
            InviteInfo(
                id=v.invite.id,
                email=v.invite.email,
                role=v.invite.role,
                status=v.status,
                created_at=v.invite.created_at,
                expires_at=v.invite.expires_at,
                token=v.invite.token,
                can_cancel=v.invite.status == InviteStatus.PENDING,
            )
            for v in views
        ]
        if self.is_deleted:
            return
        self.clear()
        with self:
            if not self.invites:
                ui.label(self.viewer.t('team.no_invites')).classes('text-grey-7')
            for info in self.invites:
                self._row(info)
                ui.separator()

    def _row(self, info: InviteInfo) -> None:
        t, language = self.viewer.t, self.viewer.language
        with ui.row().classes('w-full items-center gap-3 py-1 invite-row').mark(f'invite-{info.email}'):
            with ui.column().classes('gap-0 list-row-text'):
                ui.label(info.email).classes('font-medium ellipsis')
                dates = t(
                    'invite.dates',
                    sent=format_date(info.created_at, language, self.viewer.timezone),
                    expires=format_date(info.expires_at, language, self.viewer.timezone),
                )
                ui.label(f'{t(f"role.{info.role}")} · {dates}').classes('text-caption text-grey-7')
            ui.badge(t(f'invite.status_{info.status}'), color=STATUS_COLORS.get(InviteStatus(info.status), 'grey-7'))
            if info.status == InviteStatus.PENDING:
                ui.button(icon='link', on_click=lambda: self.show_link(info.token)).props(
                    f'flat round dense aria-label="{t("invite.show_link", email=info.email)}"'
                ).mark(f'invite-link-{info.email}')
            if info.can_cancel:
                ui.button(icon='cancel', on_click=lambda: self.cancel(info)).props(
                    f'flat round dense color=negative aria-label="{t("invite.cancel", email=info.email)}"'
                ).mark(f'invite-cancel-{info.email}')

    async def cancel(self, info: InviteInfo) -> None:
        """Cancel a pending invite: its link stops working."""
        t = self.viewer.t
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)
                await invites.cancel_invite(session, caller=caller, invite_id=info.id)
        except DomainError as exc:
            self.status.error(refusal(exc, t))
        else:
            self.status.success(t('invite.cancelled', email=info.email))
        await self.reload()
