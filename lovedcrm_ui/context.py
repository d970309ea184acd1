"""The composition root's product: every long-lived object the app needs, built once per app."""

import uuid
from dataclasses import dataclass

from .config import Settings
from .db import Database, create_engine
from .events import EventBus, LeadEvent, PresenceRegistry
from .events.pg_bridge import PostgresBridge
from .events.sockets import SocketHub
from .events.watch import SequenceWatch
from .security import PasswordHasher, TokenService
from .services.pipeline_events import committed_seqs, events_since
from .services.ratelimit import SlidingWindowLimiter


@dataclass
class AppContext:
    """Settings, database, bus, presence and security services of one running app."""

    settings: Settings
    db: Database
    bus: EventBus
    presence: PresenceRegistry
    hasher: PasswordHasher
    tokens: TokenService
    login_failures: SlidingWindowLimiter
    registrations: SlidingWindowLimiter
    sockets: SocketHub
    watch: SequenceWatch
    bridge: PostgresBridge | None = None  # the LISTEN/NOTIFY bridge, when running with the PostgreSQL event bus

    @classmethod
    def build(cls, settings: Settings) -> 'AppContext':
        """Create everything from settings (no I/O beyond creating the engine object)."""
        settings.ensure_secrets()
        bus = EventBus()
        presence = PresenceRegistry()
        use_bridge = settings.event_bus == 'postgres' and settings.is_postgres
        origin = uuid.uuid4().hex if use_bridge else ''
        db = Database(create_engine(settings), bus, notify_origin=origin)

        async def read_seqs(organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
            async with db.session(read_only=True) as session:
                return await committed_seqs(session, organization_ids=organization_ids)

        watch = SequenceWatch(read_seqs, interval=settings.live_check_seconds)
        context = cls(
            settings=settings,
            db=db,
            bus=bus,
            presence=presence,
            hasher=PasswordHasher(settings),
            tokens=TokenService(settings),
            login_failures=SlidingWindowLimiter(
                limit=settings.login_max_failures, window=settings.login_failure_window_seconds
            ),
            registrations=SlidingWindowLimiter(limit=settings.register_max_per_hour, window=3600),
            sockets=SocketHub(bus, presence, watch),
            watch=watch,
        )
        if use_bridge:

            async def read_events(organization_id: uuid.UUID, since: int, limit: int) -> list[LeadEvent]:
                async with db.session(read_only=True) as session:
                    return await events_since(session, organization_id=organization_id, since=since, limit=limit)

            context.bridge = PostgresBridge(settings.database_url, read_events, bus, origin)
        return context

    async def start(self) -> None:
        """Start background services (the event listener, the live-path guard)."""
        if self.bridge is not None:
            await self.bridge.start()
        await self.watch.start()

    async def close(self) -> None:
        """Stop background services and release connections."""
        await self.watch.stop()
        if self.bridge is not None:
            await self.bridge.stop()
        await self.db.dispose()
