"""Events across replicas through PostgreSQL: NOTIFY in the writing transaction, LISTEN everywhere.

Every lead write NOTIFYs ``lovedcrm_events`` with ``<org>:<seq>`` in its own transaction (db.py).
Each replica keeps one dedicated asyncpg connection (``application_name = lovedcrm-listener``)
that LISTENs; a notification makes it read the organization's rows after the last ``seq`` it
delivered and publish them on the in-process bus, which drops what it already has. After a lost
connection it reconnects with backoff and catches up every organization it serves from the table,
so subscribers get every event once and in order. Access changes travel on ``lovedcrm_access``.
"""

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from .bus import AccessChange, AccessKind, EventBus, LeadEvent
from .service import BackgroundService

log = logging.getLogger(__name__)

EVENTS_CHANNEL = 'lovedcrm_events'
ACCESS_CHANNEL = 'lovedcrm_access'
APPLICATION_NAME = 'lovedcrm-listener'
BATCH = 500
# (organization, after seq, at most) → the committed events, in order: the bridge's one query, injected
ReadEvents = Callable[[uuid.UUID, int, int], Awaitable[list[LeadEvent]]]
Delivered = Callable[[LeadEvent], None]  # told the newest event of each batch this bridge delivered (metrics)


def asyncpg_dsn(database_url: str) -> str:
    """The asyncpg form of a SQLAlchemy PostgreSQL URL."""
    return 'postgresql://' + database_url.split('://', 1)[1]


def access_from_payload(payload: str) -> tuple[AccessChange, str]:
    """Decode ``db.access_payload``."""
    data = json.loads(payload)
    origin = data.pop('origin', '')
    for key in ('user_id', 'organization_id', 'session_id', 'except_session_id'):
        if data.get(key):
            data[key] = uuid.UUID(data[key])
    data['kind'] = AccessKind(data['kind'])
    return AccessChange(**data), origin


class PostgresBridge(BackgroundService):
    """Feeds this replica's bus from the other replicas' writes (``start()`` / ``stop()`` listening)."""

    task_name = 'lovedcrm-listener'

    def __init__(
        self,
        database_url: str,
        read_events: ReadEvents,
        bus: EventBus,
        origin: str,
        *,
        liveness_seconds: float = 5.0,
        on_delivered: Delivered | None = None,
    ):
        self._dsn = asyncpg_dsn(database_url)
        self._read_events = read_events
        self._bus = bus
        self._origin = origin
        self._liveness = liveness_seconds
        self._on_delivered = on_delivered
        super().__init__()
        self._lost = asyncio.Event()
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._catching_up: set[asyncio.Task[None]] = set()
        self._missed: set[uuid.UUID] = set()  # a notification's catching up failed: the next liveness round retries
        self.connected = False
        self.reconnects = 0  # connections made again after one was lost (the metrics read it)

    def status(self) -> str:
        """For /health: ``healthy`` while listening."""
        return 'healthy' if self.connected else 'reconnecting'

    async def _run(self) -> None:
        backoff = 0.2
        listened = False
        while True:
            conn: asyncpg.Connection | None = None
            try:
                # asyncpg is untyped, so mypy keeps ``conn`` Optional after this: the body uses ``connection``
                conn = connection = await asyncio.wait_for(
                    asyncpg.connect(
                        self._dsn,
                        server_settings={
                            'application_name': APPLICATION_NAME,
                            'tcp_keepalives_idle': '10',
                            'tcp_keepalives_interval': '5',
                            'tcp_keepalives_count': '3',
                        },
                    ),
                    timeout=10,
                )
                self._lost.clear()
                connection.add_termination_listener(lambda _conn: self._lost.set())
                await connection.add_listener(EVENTS_CHANNEL, self._on_event_notify)
                await connection.add_listener(ACCESS_CHANNEL, self._on_access_notify)
                self.connected = True
                if listened:
                    self.reconnects += 1
                listened = True
                backoff = 0.2
                await self.catch_up_all()  # whatever was committed while we were not listening
                while not self._lost.is_set():
                    try:
                        await asyncio.wait_for(self._lost.wait(), timeout=self._liveness)
                    except TimeoutError:
                        await asyncio.wait_for(connection.fetchval('SELECT 1'), timeout=self._liveness)
                        await self.catch_up_held()
                raise ConnectionError('listener connection lost')
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected:
                    log.warning('event listener disconnected (%s); reconnecting', exc)
                self.connected = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self.connected = False if self._task is None or self._lost.is_set() else self.connected
                if conn is not None and not conn.is_closed():
                    conn.terminate()

    def _on_event_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            org_text, _seq = payload.split(':', 1)
            organization_id = uuid.UUID(org_text)
        except ValueError:
            log.warning('ignoring malformed notification %r', payload)
            return
        if self._bus.subscriber_count(organization_id):
            task = asyncio.get_running_loop().create_task(self._catch_up_notified(organization_id))
            self._catching_up.add(task)  # keep a reference until done (the loop only holds weak ones)
            task.add_done_callback(self._catching_up.discard)

    def _on_access_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            change, origin = access_from_payload(payload)
        except (ValueError, TypeError, KeyError):
            log.warning('ignoring malformed access notification %r', payload)
            return
        if origin != self._origin:  # our own changes were published at commit already
            self._bus.publish_access(change)

    async def _catch_up_notified(self, organization_id: uuid.UUID) -> None:
        # a task of its own: a failure (the database away) must not end as "exception never retrieved"; the
        # database failure is logged where it is read (once per outage), the next liveness round retries
        try:
            await self.catch_up(organization_id)
        except Exception as exc:
            self._missed.add(organization_id)
            log.debug('catching up organization %s after a notification failed: %r', organization_id, exc)

    async def catch_up(self, organization_id: uuid.UUID) -> None:
        """Publish the organization's committed events this replica has not delivered, in order."""
        lock = self._locks.setdefault(organization_id, asyncio.Lock())
        async with lock:
            while True:
                since = self._bus.last_seq(organization_id)
                events = await self._read_events(organization_id, since, BATCH)
                for event in events:
                    self._bus.publish(event)
                if events and self._on_delivered is not None and self._bus.last_seq(organization_id) > since:
                    self._on_delivered(events[-1])  # once per batch: its newest event's delay
                if len(events) < BATCH:
                    return

    async def catch_up_all(self) -> None:
        """Catch up every organization that has subscribers on this replica."""
        for organization_id in self._bus.organizations():
            await self.catch_up(organization_id)

    async def catch_up_held(self) -> None:
        """Fill gaps the bus is waiting on (a notification that never came, or whose catching up failed)."""
        missed, self._missed = self._missed, set()
        for organization_id in self._bus.organizations():
            if organization_id in missed or self._bus.held_gap(organization_id) is not None:
                await self.catch_up(organization_id)
