"""The composition root's product: every long-lived object the app needs, built once per app."""

import uuid
from dataclasses import dataclass, field

from .config import Settings
from .db import Database, create_engine
from .db_health import DatabaseHealth
from .events import EventBus, LeadEvent, PresenceRegistry
from .events.pg_bridge import PostgresBridge
from .events.sockets import SocketHub
from .events.watch import SequenceWatch
from .extensions import Extensions, load_plugins
from .observability import Metrics
from .security import PasswordHasher, TokenService
from .services.password_reset import ResetRequestLimits
from .services.pipeline_events import committed_seqs, events_since
from .services.ratelimit import PasswordCheckLimits, PasswordCheckThrottle, SlidingWindowLimiter
from .services.sessions import SessionActivity
from .shutdown import Drain


@dataclass
class AppContext:
    """Settings, database, bus, presence and security services of one running app."""

    settings: Settings
    db: Database
    bus: EventBus
    presence: PresenceRegistry
    hasher: PasswordHasher
    tokens: TokenService
    password_checks: PasswordCheckThrottle  # sign-in and change-password guesses (docs/SECURITY.md)
    registrations: SlidingWindowLimiter
    sockets: SocketHub
    watch: SequenceWatch
    session_activity: SessionActivity  # last_used_at of sessions, written at most once a minute each
    password_resets: ResetRequestLimits  # "forgot password" requests per e-mail and per address
    ws_refusals: SlidingWindowLimiter  # refused WebSocket handshakes per client address (then a cheap 429)
    metrics: Metrics  # GET /metrics: this app's own registry (observability.py)
    drain: Drain  # going away on SIGTERM: open pages told, API sockets closed with 1001 (shutdown.py)
    extensions: Extensions  # what the PLUGINS declared: lead fields, card actions, filters, pages (extensions.py)
    bridge: PostgresBridge | None = None  # the LISTEN/NOTIFY bridge, when running with the PostgreSQL event bus
    # whether the database answers: one view per process (API 503s, board banners, the log once per outage)
    health: DatabaseHealth = field(default_factory=DatabaseHealth)

    @classmethod
    def build(cls, settings: Settings) -> 'AppContext':
        """Create everything from settings (no I/O beyond creating the engine object)."""
        settings.ensure_secrets()
        extensions = load_plugins(settings.plugin_modules)  # first: a broken plugin stops the start before any I/O
        bus = EventBus()
        presence = PresenceRegistry()
        metrics = Metrics()
        use_bridge = settings.event_bus == 'postgres' and settings.is_postgres
        origin = uuid.uuid4().hex if use_bridge else ''
        db = Database(create_engine(settings), bus, notify_origin=origin, metrics=metrics)
        health = DatabaseHealth()
        health.attach(db.engine)

        async def read_seqs(organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
            try:
                async with db.session(read_only=True) as session:
                    return await committed_seqs(session, organization_ids=organization_ids)
            except Exception as exc:
                if health.refusal(exc) is None:
                    raise
                return {}  # no round while the database is away (logged once by ``health``); boards show it

        watch = SequenceWatch(read_seqs, interval=settings.live_check_seconds)
        sockets = SocketHub(bus, presence, watch)
        context = cls(
            settings=settings,
            db=db,
            bus=bus,
            presence=presence,
            hasher=PasswordHasher(settings),
            tokens=TokenService(settings),
            password_checks=PasswordCheckThrottle(
                PasswordCheckLimits(
                    per_address_and_account=settings.login_max_failures,
                    per_account=settings.login_max_per_account,
                    per_address=settings.login_max_per_address,
                    window=settings.login_failure_window_seconds,
                )
            ),
            registrations=SlidingWindowLimiter(limit=settings.register_max_per_hour, window=3600),
            sockets=sockets,
            watch=watch,
            session_activity=SessionActivity(db, health),
            password_resets=ResetRequestLimits(
                per_email=settings.password_reset_max_per_email, per_address=settings.password_reset_max_per_address
            ),
            ws_refusals=SlidingWindowLimiter(
                limit=settings.ws_refused_handshakes, window=settings.ws_refused_window_seconds
            ),
            metrics=metrics,
            drain=Drain(sockets),
            extensions=extensions,
            health=health,
        )
        metrics.follow(presence=presence, engine=db.engine, listener=lambda: context.bridge)
        if use_bridge:

            async def read_events(organization_id: uuid.UUID, since: int, limit: int) -> list[LeadEvent]:
                try:
                    async with db.session(read_only=True, organization_id=organization_id) as session:
                        return await events_since(session, organization_id=organization_id, since=since, limit=limit)
                except Exception as exc:
                    health.refusal(exc)  # a database failure is logged there, once per outage; the bridge retries
                    raise

            context.bridge = PostgresBridge(
                settings.database_url, read_events, bus, origin, on_delivered=metrics.delivered_from_listener
            )
        return context

    async def start(self) -> None:
        """Start background services (the event listener, the live-path guard)."""
        await self.db.check_row_security()
        if self.bridge is not None:
            await self.bridge.start()
        await self.watch.start()

    async def close(self) -> None:
        """Stop background services and release connections."""
        await self.watch.stop()
        await self.session_activity.close()
        await self.health.stop()
        if self.bridge is not None:
            await self.bridge.stop()
        self.hasher.close()
        await self.db.dispose()
