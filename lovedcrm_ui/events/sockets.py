"""Fan-out to WebSocket clients: one bus listener per organization, one bounded queue per socket.

Each lead event is encoded once (``LeadEvent.frame_json``) and the same string is queued on every
socket of the organization. A socket whose queue is full (a client that does not read) is marked
for closing with 1013 and never slows the others down.
"""

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from models.types import utcnow

from ..runtime_health import HEAP
from .bus import AccessChange, AccessLoss, EventBus, LeadEvent
from .presence import PresenceChange, PresenceEntry, PresenceRegistry
from .subscriptions import Subscription
from .watch import BehindCheck, SequenceWatch

log = logging.getLogger(__name__)
CLOSE_SLOW_CONSUMER = 1013
SOCKET_CLOSE_REASONS = {
    AccessLoss.SESSION_ENDED: 'Session ended',
    AccessLoss.NOT_A_MEMBER: 'Not a member of this organization',
}


@dataclass(frozen=True)
class OutboxCommand:
    """Something only the writer may do, queued in order with the frames."""

    kind: str  # 'close' | 'replay' (from ``since``) | 'catch_up' (from what this socket last sent)
    since: int = 0


@dataclass(eq=False)
class SocketClient:
    """One open WebSocket: who it is, and the frames waiting to be sent to it."""

    organization_id: uuid.UUID
    user_id: uuid.UUID
    session_id: uuid.UUID
    full_name: str | None
    email: str
    path: str
    queue_size: int = 256
    connection_id: str = field(default_factory=lambda: f'ws:{uuid.uuid4().hex}')
    close_code: int | None = None
    close_reason: str = ''

    def __post_init__(self) -> None:
        # (seq of a lead event or None, encoded frame); the writer skips events it already sent
        self.outbox: asyncio.Queue[tuple[int | None, str] | OutboxCommand] = asyncio.Queue(maxsize=self.queue_size)

    def send(self, frame: str, seq: int | None = None) -> None:
        """Queue a frame; a full queue marks the socket for closing instead of blocking anyone."""
        if self.close_code is not None:
            return
        try:
            self.outbox.put_nowait((seq, frame))
        except asyncio.QueueFull:
            self.close(CLOSE_SLOW_CONSUMER, 'Client is not reading fast enough')

    def send_json(self, frame: dict[str, Any]) -> None:
        """Queue a frame built for this socket only."""
        self.send(json.dumps(frame, separators=(',', ':'), default=str, allow_nan=False))  # NaN is not JSON

    def deliver(self, event: LeadEvent) -> None:
        """Queue one lead event (the shared encoding)."""
        self.send(event.frame_json, event.seq)

    def command(self, command: 'OutboxCommand') -> None:
        """Queue work for the writer (e.g. a replay), in order with the frames."""
        try:
            self.outbox.put_nowait(command)
        except asyncio.QueueFull:
            self.close(CLOSE_SLOW_CONSUMER, 'Client is not reading fast enough')

    def close(self, code: int, reason: str = '') -> None:
        """Ask the socket's writer to close the connection."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        try:
            self.outbox.put_nowait(OutboxCommand('close'))
        except asyncio.QueueFull:
            pass  # the writer checks close_code after every frame

    @property
    def presence_entry(self) -> PresenceEntry:
        """This socket as a presence entry."""
        return PresenceEntry(
            connection_id=self.connection_id,
            user_id=self.user_id,
            full_name=self.full_name,
            email=self.email,
            kind='socket',
            session_id=self.session_id,
        )


def user_info(entry: PresenceEntry) -> dict[str, Any]:
    """The ``user`` / ``user_info`` object of presence frames."""
    return {'user_id': str(entry.user_id), 'full_name': entry.full_name, 'email': entry.email, 'avatar_url': None}


@dataclass
class _Room:
    """The sockets of one organization on this process, and the subscriptions that feed them."""

    clients: set[SocketClient]
    subscriptions: list[Subscription]
    delivered: int = 0  # highest event seq fanned out to this room
    check: BehindCheck = field(default_factory=BehindCheck)


class SocketHub:
    """The WebSocket clients of this process, grouped by organization."""

    def __init__(self, bus: EventBus, presence: PresenceRegistry, watch: SequenceWatch | None = None) -> None:
        self._bus = bus
        self._presence = presence
        self._watch = watch
        self._rooms: dict[uuid.UUID, _Room] = {}
        self._access = bus.subscribe_access(self._on_access)
        self._none_open = asyncio.Event()  # set while no socket is open (a shutdown waits for it)
        self._none_open.set()

    def clients(self, organization_id: uuid.UUID) -> set[SocketClient]:
        """Open sockets of an organization."""
        room = self._rooms.get(organization_id)
        return room.clients if room else set()

    def open_count(self) -> int:
        """Open sockets of every organization on this process."""
        return sum(len(room.clients) for room in self._rooms.values())

    async def all_closed(self) -> None:
        """Return once no socket is open on this process."""
        await self._none_open.wait()

    def close_all(self, code: int, reason: str) -> None:
        """Ask every open socket to close (the server is going away); each sends what it has queued first."""
        for room in list(self._rooms.values()):
            for client in list(room.clients):
                client.close(code, reason)

    def count_for_user(self, user_id: uuid.UUID) -> int:
        """Open sockets of one user on this process (for the per-user limit)."""
        return sum(1 for room in self._rooms.values() for c in room.clients if c.user_id == user_id)

    def add(self, client: SocketClient) -> None:
        """Start delivering the organization's events to ``client`` and announce it."""
        org = client.organization_id
        room = self._rooms.get(org)
        if room is None:
            room = self._rooms[org] = _Room(set(), self._subscribe(org), self._bus.last_seq(org))
        room.clients.add(client)
        self._none_open.clear()
        self._presence.join(org, client.presence_entry)
        HEAP.settle()  # the socket's objects live long: out of full GC scans (runtime_health.py)

    def prime(self, organization_id: uuid.UUID, seq: int) -> None:
        """A socket was greeted with ``seq``: the room is known to be current up to there."""
        room = self._rooms.get(organization_id)
        if room is not None:
            room.delivered = max(room.delivered, seq)

    def _subscribe(self, org: uuid.UUID) -> list[Subscription]:
        subscriptions = [
            self._bus.subscribe(org, lambda event: self._fan_out(org, event)),
            self._presence.subscribe(org, self._on_presence),
        ]
        if self._watch is not None:
            subscriptions.append(self._watch.watch(org, lambda committed: self._check(org, committed)))
        return subscriptions

    def remove(self, client: SocketClient) -> None:
        """Stop delivering to ``client`` (idempotent)."""
        org = client.organization_id
        room = self._rooms.get(org)
        if room is None or client not in room.clients:
            return
        room.clients.discard(client)
        self._presence.leave(org, client.connection_id)
        HEAP.release()
        if not room.clients:
            del self._rooms[org]
            for subscription in room.subscriptions:
                subscription.cancel()
            if not self._rooms:
                self._none_open.set()

    def _check(self, organization_id: uuid.UUID, committed: int) -> None:
        """The live-path guard: a room still behind the committed sequence a round later catches up."""
        room = self._rooms.get(organization_id)
        if room is None:
            return
        delivered = room.delivered
        if not room.check.behind(delivered, committed):
            return
        log.warning(
            'sockets of organization %s missed events %d..%d; replaying from the event table',
            organization_id,
            delivered + 1,
            committed,
        )
        if not room.subscriptions[0].active:  # the bus lost our listener: take it again
            room.subscriptions[0].cancel()
            room.subscriptions[0] = self._bus.subscribe(organization_id, lambda e: self._fan_out(organization_id, e))
        room.delivered = committed
        for client in list(room.clients):
            client.command(OutboxCommand('catch_up'))

    def relay(self, sender: SocketClient, frame: dict[str, Any]) -> None:
        """Send a client's activity frame to every other socket of its organization."""
        encoded = json.dumps(frame, separators=(',', ':'), default=str, allow_nan=False)
        for client in list(self.clients(sender.organization_id)):
            if client is not sender:
                client.send(encoded)
                self._drop_if_slow(client)

    def _fan_out(self, organization_id: uuid.UUID, event: LeadEvent) -> None:
        room = self._rooms.get(organization_id)
        if room is None:
            return
        room.delivered = max(room.delivered, event.seq)
        for client in list(room.clients):
            client.deliver(event)
            self._drop_if_slow(client)

    def _drop_if_slow(self, client: SocketClient) -> None:
        # a full queue means its writer may be stuck on a peer that does not read: leave fan-out and
        # presence now, not when that send completes (the 1013 close follows once the socket drains)
        if client.close_code == CLOSE_SLOW_CONSUMER:
            self.remove(client)

    def _on_presence(self, change: PresenceChange) -> None:
        frame = {
            'type': 'user_joined' if change.joined else 'user_left',
            'user_id': str(change.user_id),
            'user_info': user_info(change.entry),
            'timestamp': utcnow().isoformat(),
            'total_online': change.total_online,
            'total_connections': change.total_connections,
        }
        encoded = json.dumps(frame, separators=(',', ':'), allow_nan=False)
        for client in list(self.clients(change.organization_id)):
            if client.user_id != change.user_id:
                client.send(encoded)
                self._drop_if_slow(client)

    def _on_access(self, change: AccessChange) -> None:
        # runs after the commit of a removal / logout / password change: close the affected sockets
        for room in list(self._rooms.values()):
            for client in list(room.clients):
                loss = change.lost_access(
                    user_id=client.user_id, session_id=client.session_id, organization_id=client.organization_id
                )
                if loss is not None:
                    client.close(4403, SOCKET_CLOSE_REASONS[loss])
