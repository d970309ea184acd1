"""The board's side of the live-path guard: when the board is behind its organization's events, re-read.

Two ways to find out: ``SequenceWatch`` rounds (every ``LIVE_CHECK_SECONDS``, see events/watch.py) and
the browser reconnecting. Either way the board re-reads the database, says so in the header's
connection icon ("Atualizando o quadro…"), and takes its bus listener again if it was lost.
"""

import asyncio
import logging
from typing import TYPE_CHECKING

from nicegui import background_tasks

from ...events.watch import BehindCheck
from ...services.pipeline_events import current_seq

if TYPE_CHECKING:
    from .board import PipelineBoard

log = logging.getLogger(__name__)


class LiveGuard:
    """Catches one board up when it missed events, whatever the cause."""

    def __init__(self, board: 'PipelineBoard') -> None:
        self.board = board
        self._behind = BehindCheck()
        self._catching_up: asyncio.Task[None] | None = None

    def check(self, committed: int) -> None:
        """A ``SequenceWatch`` round: behind the committed sequence two rounds running → re-read."""
        board = self.board
        if board.is_deleted or self._catching_up is not None:
            return
        busy = not board._loaded.is_set() or not board._queue.empty()
        if not self._behind.behind(board.last_seq, committed, busy=busy):
            return
        organization_id = board.viewer.organization_id
        log.warning(
            'board %s of organization %s missed events %d..%d; re-reading',
            board.client.id,
            organization_id,
            board.last_seq + 1,
            committed,
        )
        if board._events is None or not board._events.active:  # its bus listener is gone: take it again
            board._events = board.ctx.bus.subscribe(organization_id, board._enqueue)
        self._show_catching_up()
        self._catching_up = background_tasks.create(self._catch_up(), name=f'board-catch-up-{board.client.id}')

    async def resync_if_behind(self) -> None:
        """After a reconnect: re-read the database if events were committed that this board never applied."""
        board = self.board
        if not board._loaded.is_set() or self._catching_up is not None:
            return
        async with board.ctx.db.session(read_only=True, organization_id=board.viewer.organization_id) as session:
            seq = await current_seq(session, organization_id=board.viewer.organization_id)
        if seq > board.last_seq and board._queue.empty() and self._catching_up is None:
            self._show_catching_up()
            self._catching_up = asyncio.current_task()
            await self._catch_up()

    def stop(self) -> None:
        """The board is going away: no more catching up."""
        if self._catching_up is not None and self._catching_up is not asyncio.current_task():
            self._catching_up.cancel()

    def _show_catching_up(self) -> None:
        if self.board.connection is not None:
            self.board.connection.set_state('catching_up')

    async def _catch_up(self) -> None:
        board = self.board
        try:
            await board.reload()
            board.announce(board.t('board.resynced'))
        finally:
            self._catching_up = None
            if board.connection is not None and board.connection.state == 'catching_up':
                board.connection.set_state('connected')
