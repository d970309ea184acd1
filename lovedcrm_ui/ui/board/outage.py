"""The board while the database cannot be reached: a banner says so, drags are off, and both end by themselves.

The process has one view of the database (``DatabaseHealth``, db_health.py): unreachable from a failed
connection attempt until its background probe connects again. The board follows it. While the database
is away the banner shows (``role=alert``), the header's connection icon says the same, the columns stop
accepting drags, and a move that is tried anyway (a drop already under way, a key, the menu) is refused
at once: the card goes back where it was, nothing is lost. When the probe connects, the banner goes, drags
come back and the board re-reads if it missed events meanwhile (teammates on other servers kept working).
"""

import logging
from typing import TYPE_CHECKING

from nicegui import background_tasks, ui

from ..refusals import refusal

if TYPE_CHECKING:
    from .board import PipelineBoard
    from .card import LeadCard

log = logging.getLogger(__name__)


class OutageBanner(ui.row):
    """The notice above the columns that the database cannot be reached right now (hidden otherwise)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.classes('w-full items-center no-wrap gap-2 q-px-md q-py-sm text-body2')
        self.style('background:#fff3e0;color:#7a3e00;border:1px solid #ffb74d;border-radius:8px')
        self.props('role=alert').mark('database-banner')
        with self:
            ui.icon('cloud_off', size='20px').props('aria-hidden=true')
            self.label = ui.label(text)
        self.set_visibility(False)


class BoardOutage:
    """One board's side of a database outage: shows it, stops drags, ends it (see the module)."""

    def __init__(self, board: 'PipelineBoard') -> None:
        self.board = board
        self.down = False
        self.banner = OutageBanner(board.t('board.database_down'))

    def follow(self, reachable: bool) -> None:
        """``DatabaseHealth`` changed (or the board starts while the database is away)."""
        board = self.board
        if board.is_deleted or self.down == (not reachable):
            return
        self.down = not reachable
        self.banner.set_visibility(self.down)
        for column in board.columns.values():
            if self.down:
                column.sortable.disable()
            else:
                column.set_writable(board.viewer.can_write)
        if board.connection is not None:
            board.connection.set_state('database_down' if self.down else 'connected')
        if self.down:
            return  # the banner is an alert: screen readers read it out, the live region keeps what it said
        board.announce(board.t('board.database_back'))
        # events committed on other servers meanwhile: re-read now rather than at the guard's next rounds
        background_tasks.create(self._catch_up(), name=f'board-after-outage-{board.client.id}')

    def refuse_move(self, card: 'LeadCard') -> bool:
        """While the database is away a move is not even tried: the card goes back (True), else False."""
        if not self.down:
            return False
        board = self.board
        board.own_moves.discard(card.lead_id)
        board.place(card.lead, card, lead_id=card.lead_id)
        board.actions._tell(board.t('error.database_unavailable'), 'warning')
        return True

    def failed(self, exc: BaseException) -> str | None:
        """What to tell the person when ``exc`` is the database failing (noted by ``DatabaseHealth``), else None."""
        unavailable = self.board.ctx.health.refusal(exc)
        return refusal(unavailable, self.board.t) if unavailable is not None else None

    async def _catch_up(self) -> None:
        try:
            await self.board.guard.resync_if_behind()
        except Exception as exc:
            if self.board.ctx.health.refusal(exc) is None:
                raise
            # away again already: the next recovery tries again
