"""The live-path guard: every few seconds, is anyone on this process behind its organization's events?

Boards and the WebSocket hub learn of events only through the bus. If a delivery is ever lost (a
subscription cut, a listener that failed, a notification that never came) nothing else would tell
them, and a board would stay wrong — silently — until the next reload. So, independently of the bus,
one task per process reads the committed ``event_seq`` of every watched organization (one query a
round) and hands it to each watcher, which compares it with the last event it applied.

A watcher acts only on a *second* sighting: an event committed a moment ago may still be on its way
(committed but not yet published, or in a board's queue), so being behind once is normal; still
behind the same committed seq one round later is not. A board is therefore never wrong for longer
than about two rounds (``LIVE_CHECK_SECONDS``, default 5 s).
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from .service import BackgroundService
from .subscriptions import Listeners, Subscription

log = logging.getLogger(__name__)

SeqWatcher = Callable[[int], None]  # quick: decide, and schedule any catching up as a task of its own
ReadSeqs = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, int]]]


class BehindCheck:
    """The "second sighting" rule of one watcher: ``behind(applied, committed)`` says when to catch up."""

    def __init__(self) -> None:
        self._suspect: int | None = None  # committed seq seen ahead of us in the previous round

    def behind(self, applied: int, committed: int, *, busy: bool = False) -> bool:
        """True when ``applied`` is still below what was already committed a round ago (and nothing is queued)."""
        if applied >= committed:
            self._suspect = None
            return False
        if busy or self._suspect is None or applied >= self._suspect:
            self._suspect = committed  # first sighting, or progress since: look again next round
            return False
        self._suspect = None
        return True


class SequenceWatch(BackgroundService):
    """One task per process: reads committed sequence numbers and asks each watcher to compare."""

    task_name = 'lovedcrm-sequence-watch'

    def __init__(self, read_seqs: ReadSeqs, *, interval: float) -> None:
        super().__init__()
        self._read_seqs = read_seqs
        self.interval = interval
        self._watchers: Listeners[uuid.UUID, SeqWatcher] = Listeners()

    def watch(self, organization_id: uuid.UUID, watcher: SeqWatcher) -> Subscription:
        """Call ``watcher(committed_seq)`` every round while the handle is not cancelled."""
        return self._watchers.add(organization_id, watcher)

    async def check_now(self) -> None:
        """One round: one query for every watched organization, then each watcher (a failing one is logged)."""
        organizations = list(self._watchers.keys())
        if not organizations:
            return
        committed = await self._read_seqs(organizations)
        for organization_id in organizations:
            seq = committed.get(organization_id)
            if seq is None:
                continue  # the organization is gone; its pages are being closed
            for watcher in self._watchers.of(organization_id):
                try:
                    watcher(seq)
                except Exception:
                    log.exception('live-path watcher of organization %s failed', organization_id)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check_now()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception('live-path check failed; trying again next round')
