"""Small pieces of the WebSocket protocol: relayed activity frames and the inbound rate limit."""

import time
import uuid
from typing import Any

from models import User, utcnow

MAX_FRAME_BYTES = 64 * 1024

# client frame type → relayed frame type, per endpoint
RELAYS = {
    'pipeline': {
        'lead_drag_start': 'lead_drag_start',
        'lead_drag_end': 'lead_drag_end',
        'stage_change': 'stage_change',
        'user_activity': 'pipeline_user_activity_update',
    },
    'collaborate': {'user_activity': 'user_activity_update', 'typing': 'user_typing'},
}
# fields a client may pass through; identity fields are always the server's
RELAYED_FIELDS = ('lead_id', 'stage', 'new_stage', 'old_stage', 'activity', 'is_typing', 'position')


def relay_frame(flavor: str, frame: dict[str, Any], user: User, organization_id: uuid.UUID) -> dict[str, Any] | None:
    """The frame other sockets receive for a client's activity frame, or None for unknown types."""
    relayed_type = RELAYS[flavor].get(str(frame.get('type')))
    if relayed_type is None:
        return None
    relayed: dict[str, Any] = {'type': relayed_type}
    for key in RELAYED_FIELDS:
        value = frame.get(key)
        if isinstance(value, str | int | float | bool) and (not isinstance(value, str) or len(value) <= 200):
            relayed[key] = value
    if relayed_type == 'user_typing':
        relayed['is_typing'] = bool(frame.get('is_typing'))
    relayed.update(
        user_id=str(user.id),
        user_info={'user_id': str(user.id), 'full_name': user.full_name, 'email': user.email, 'avatar_url': None},
        organization_id=str(organization_id),
        timestamp=utcnow().isoformat(),
    )
    return relayed


class TokenBucket:
    """``rate`` frames per second on average, ``burst`` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        """Spend one token; False when the client is over the limit."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
