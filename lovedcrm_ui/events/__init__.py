"""Per-organization event delivery: the in-process bus, presence, and the PostgreSQL bridge."""

from .bus import AccessChange, EventBus, LeadEvent
from .presence import PresenceRegistry

__all__ = ['AccessChange', 'EventBus', 'LeadEvent', 'PresenceRegistry']
