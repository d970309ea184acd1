"""The profile page's "Active sessions": where the account is signed in, and signing out one or all others."""

import uuid

from nicegui import ui

from models.user import AuthSessionPublic

from ..context import AppContext
from ..services import sessions
from ..services.errors import DomainError
from .i18n import Translate, format_datetime
from .refusals import refusal
from .session import Viewer
from .widgets import StatusLine


def device_name(item: AuthSessionPublic, t: Translate) -> str:
    """'Chrome em Linux' / 'Chrome on Linux', from the session's User-Agent."""
    device = sessions.device_of(item.user_agent)
    if device.browser and device.system:
        return t('sessions.device', browser=device.browser, system=device.system)
    return device.browser or device.system or t('sessions.unknown_device')


class SessionRow(ui.row):
    """One session: device, address and last use; "this device", or a button that signs it out."""

    def __init__(self, item: AuthSessionPublic, viewer: Viewer, sessions_card: 'ActiveSessions') -> None:
        super().__init__()
        t = viewer.t
        name = device_name(item, t)
        handheld = sessions.device_of(item.user_agent).system in ('iPhone', 'iPad', 'Android')
        self.classes('w-full items-center no-wrap gap-3 q-py-xs session-row').mark(f'session-{item.id}')
        with self:
            ui.icon('smartphone' if handheld else 'computer').classes('text-grey-7')
            with ui.column().classes('grow gap-0'):
                with ui.row().classes('items-center gap-2'):
                    ui.label(name).classes('text-body1').mark(f'session-device-{item.id}')
                    if item.is_current:
                        ui.badge(t('sessions.this_device')).mark('session-current')
                details = t(
                    'sessions.details',
                    address=item.ip_address or t('sessions.unknown_address'),
                    when=format_datetime(item.last_used_at, viewer.language, viewer.timezone),
                )
                ui.label(details).classes('text-caption text-grey-8').mark(f'session-details-{item.id}')
            if not item.is_current:
                button = ui.button(t('sessions.end'), on_click=lambda: sessions_card.end(item.id))
                button.props('flat color=negative').mark(f'session-end-{item.id}')
                button.props['aria-label'] = t('sessions.end_label', device=name)  # a value, never parsed as props


class ActiveSessions(ui.card):
    """The viewer's live sessions, this one first; ending one closes its boards and sockets at once."""

    def __init__(self, ctx: AppContext, viewer: Viewer) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        t = viewer.t
        self.classes('w-full max-w-xl gap-3 active-sessions')
        with self:
            ui.label(t('sessions.title')).classes('text-h6')
            ui.label(t('sessions.explain')).classes('text-body2 text-grey-8')
            self.rows = ui.column().classes('w-full gap-1').mark('session-list')
            self.only_this = ui.label(t('sessions.only_this')).classes('text-body2').mark('sessions-only-this')
            self.end_others_button = ui.button(t('sessions.end_others'), icon='logout', on_click=self.end_others)
            self.end_others_button.props('outline color=negative').mark('sessions-end-others')
            self.status = StatusLine().mark('sessions-status')

    async def reload(self) -> None:
        """Read the sessions again and redraw the list."""
        async with self.ctx.db.session(read_only=True) as session:
            listed = await sessions.live_sessions(
                session, user_id=self.viewer.user_id, current_session_id=self.viewer.session_id
            )
        if self.is_deleted:
            return
        self.rows.clear()
        with self.rows:
            for item in listed:
                SessionRow(item, self.viewer, self)
        others = any(not item.is_current for item in listed)
        self.end_others_button.set_visibility(others)
        self.only_this.set_visibility(not others)

    async def end(self, session_id: uuid.UUID) -> None:
        """Sign out one other session."""
        t = self.viewer.t
        self.status.reset()
        try:
            async with self.ctx.db.session() as session:
                await sessions.end_session(session, user_id=self.viewer.user_id, session_id=session_id)
        except DomainError as exc:  # it ended meanwhile
            self.status.error(refusal(exc, t))
        else:
            self.status.success(t('sessions.ended'))
        await self.reload()

    async def end_others(self) -> None:
        """Sign out every session but this one."""
        t = self.viewer.t
        self.status.reset()
        async with self.ctx.db.session() as session:
            ended = await sessions.end_other_sessions(
                session, user_id=self.viewer.user_id, current_session_id=self.viewer.session_id
            )
        self.status.success(t('sessions.others_ended', n=ended))
        await self.reload()
