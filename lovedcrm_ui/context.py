"""The composition root's product: every long-lived object the app needs, built once per app."""

from dataclasses import dataclass, field

from .config import Settings
from .db import Database, create_engine
from .events import EventBus, PresenceRegistry
from .events.sockets import SocketHub
from .security import PasswordHasher, TokenService
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
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> 'AppContext':
        """Create everything from settings (no I/O beyond creating the engine object)."""
        settings.ensure_secrets()
        bus = EventBus()
        presence = PresenceRegistry()
        return cls(
            settings=settings,
            db=Database(create_engine(settings), bus),
            bus=bus,
            presence=presence,
            hasher=PasswordHasher(settings),
            tokens=TokenService(settings),
            login_failures=SlidingWindowLimiter(
                limit=settings.login_max_failures, window=settings.login_failure_window_seconds
            ),
            registrations=SlidingWindowLimiter(limit=settings.register_max_per_hour, window=3600),
            sockets=SocketHub(bus, presence),
        )

    async def close(self) -> None:
        """Release connections."""
        await self.db.dispose()
