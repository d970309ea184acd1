"""Avatars of the teammates who have the board (or a socket) open right now."""

import uuid

from nicegui import ui

from models.user import initials

from ..events import PresenceRegistry
from ..events.presence import PresenceChange, PresenceEntry
from .i18n import Translate
from .theme import initials_avatar


class PresenceBar(ui.row):
    """Live avatars for one organization; redrawn (a handful of elements) when someone comes or goes."""

    def __init__(self, presence: PresenceRegistry, organization_id: uuid.UUID, me: uuid.UUID, t: Translate) -> None:
        super().__init__()
        self._presence = presence
        self._organization_id = organization_id
        self._me = me
        self._t = t
        self.classes('items-center gap-1 presence-bar').props(f'aria-label="{t("nav.online")}" role=group')
        self.redraw()

    def on_change(self, _change: PresenceChange) -> None:
        """Presence listener (runs in the joiner's context: only touches this element)."""
        if not self.is_deleted:
            self.redraw()

    def redraw(self) -> None:
        """Draw one avatar per online user."""
        self.clear()
        users: list[PresenceEntry] = self._presence.users(self._organization_id)
        with self:
            for entry in users[:8]:
                name = entry.full_name or entry.email
                label = f'{name} ({self._t("nav.you")})' if entry.user_id == self._me else name
                me = entry.user_id == self._me
                initials_avatar(
                    initials(name),
                    label=label,
                    color='white' if me else 'secondary',
                    text_color='primary' if me else 'white',
                    size='28px',
                ).classes('presence-avatar')
            if len(users) > 8:
                ui.label(f'+{len(users) - 8}').classes('text-caption')
