"""Per-organization event delivery: the in-process bus, presence, and the PostgreSQL bridge."""

from .bus import AccessChange, AccessKind, AccessLoss, EventBus, LeadEvent
from .presence import PresenceRegistry

__all__ = ['AccessChange', 'AccessKind', 'AccessLoss', 'EventBus', 'LeadEvent', 'PresenceRegistry']
