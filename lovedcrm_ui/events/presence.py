"""Who has the pipeline open, per organization: boards and WebSockets alike (one process)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from models.types import utcnow

from .subscriptions import Listeners, Subscription


@dataclass
class PresenceEntry:
    """One open board or socket."""

    connection_id: str
    user_id: uuid.UUID
    full_name: str | None
    email: str
    kind: Literal['board', 'socket']
    session_id: uuid.UUID | None = None
    connected_at: datetime = field(default_factory=utcnow)
    last_seen: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class PresenceChange:
    """A user came online (first connection) or went offline (last connection closed)."""

    organization_id: uuid.UUID
    user_id: uuid.UUID
    joined: bool
    entry: PresenceEntry
    total_online: int
    total_connections: int


PresenceListener = Callable[[PresenceChange], None]


class PresenceRegistry:
    """Connections per organization; tells listeners when a user's first one opens or last one closes."""

    def __init__(self) -> None:
        self._connections: dict[uuid.UUID, dict[str, PresenceEntry]] = {}
        self._listeners: Listeners[uuid.UUID, PresenceListener] = Listeners()

    def join(self, organization_id: uuid.UUID, entry: PresenceEntry) -> None:
        """Register one connection."""
        connections = self._connections.setdefault(organization_id, {})
        first = not any(e.user_id == entry.user_id for e in connections.values())
        connections[entry.connection_id] = entry
        if first:
            self._notify(PresenceChange(organization_id, entry.user_id, True, entry, *self._totals(organization_id)))

    def leave(self, organization_id: uuid.UUID, connection_id: str) -> None:
        """Forget one connection (idempotent)."""
        connections = self._connections.get(organization_id, {})
        entry = connections.pop(connection_id, None)
        if entry is None:
            return
        if not connections:
            self._connections.pop(organization_id, None)
        if not any(e.user_id == entry.user_id for e in connections.values()):
            self._notify(PresenceChange(organization_id, entry.user_id, False, entry, *self._totals(organization_id)))

    def touch(self, organization_id: uuid.UUID, connection_id: str) -> None:
        """Mark a connection as seen now."""
        entry = self._connections.get(organization_id, {}).get(connection_id)
        if entry is not None:
            entry.last_seen = utcnow()

    def users(self, organization_id: uuid.UUID) -> list[PresenceEntry]:
        """One entry per online user (their earliest connection, with the latest ``last_seen``)."""
        by_user: dict[uuid.UUID, PresenceEntry] = {}
        for entry in self._connections.get(organization_id, {}).values():
            known = by_user.get(entry.user_id)
            if known is None or entry.connected_at < known.connected_at:
                by_user[entry.user_id] = PresenceEntry(**{**entry.__dict__})
            if known is not None:
                by_user[entry.user_id].last_seen = max(known.last_seen, entry.last_seen)
        return sorted(by_user.values(), key=lambda e: e.connected_at)

    def connection_count(self, organization_id: uuid.UUID) -> int:
        """Open boards and sockets of one organization."""
        return len(self._connections.get(organization_id, {}))

    def count_kind(self, kind: Literal['board', 'socket']) -> int:
        """Open boards (or sockets) of every organization on this process (the metrics' gauges)."""
        return sum(1 for connections in self._connections.values() for e in connections.values() if e.kind == kind)

    def subscribe(self, organization_id: uuid.UUID, listener: PresenceListener) -> Subscription:
        """Be told of joins and leaves in one organization; the handle's ``cancel()`` stops it."""
        return self._listeners.add(organization_id, listener)

    def _totals(self, organization_id: uuid.UUID) -> tuple[int, int]:
        connections = self._connections.get(organization_id, {})
        return len({e.user_id for e in connections.values()}), len(connections)

    def _notify(self, change: PresenceChange) -> None:
        for listener in self._listeners.of(change.organization_id):
            listener(change)
