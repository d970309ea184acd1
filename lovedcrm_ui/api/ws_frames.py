"""Small pieces of the WebSocket protocol: client frames, relayed activity frames and the inbound rate limit."""

import json
import math
import time
import uuid
from typing import Any

from models import User, utcnow
from models.types import is_plain_text

MAX_FRAME_BYTES = 64 * 1024
MAX_RELAYED_TEXT = 200
# a relayed number must mean the same in every client: beyond 2^53 a browser's JSON.parse rounds it, and a double
# out of range becomes Infinity there
MAX_RELAYED_INTEGER = 2**53 - 1


def _refuse_constant(name: str) -> Any:
    raise ValueError(f'{name} is not JSON')


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # e.g. 1e999: JSON syntax, but no number a client could read back
        raise ValueError(f'{text} is out of range')
    return value


def parse_frame(raw: str) -> dict[str, Any]:
    """A client frame: a JSON object, numbers finite (NaN, Infinity and 1e999 are refused); else ValueError.

    Python's parser accepts NaN and Infinity, which are not JSON: refused here, they can never reach a
    reply, a relay or a log.
    """
    frame = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    if not isinstance(frame, dict):
        raise ValueError('not an object')
    return frame


def encode_frame(frame: dict[str, Any]) -> str:
    """A frame as compact JSON; NaN or Infinity raise ValueError (a browser's JSON.parse would fail on them)."""
    return json.dumps(frame, separators=(',', ':'), default=str, allow_nan=False)


class FrameRefused(ValueError):
    """A client frame that is not relayed; the message is the ``error`` frame's text for its sender."""


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


def _relayable(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_RELAYED_INTEGER
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= MAX_RELAYED_TEXT and is_plain_text(value)
    return False


def relay_frame(flavor: str, frame: dict[str, Any], user: User, organization_id: uuid.UUID) -> dict[str, Any] | None:
    """The frame other sockets receive for a client's activity frame, or None for unknown types.

    Raises FrameRefused when a copied field holds anything but a boolean, a finite number (integers up to
    2^53) or a string of at most 200 characters without NUL: such a frame reaches nobody.
    """
    relayed_type = RELAYS[flavor].get(str(frame.get('type')))
    if relayed_type is None:
        return None
    relayed: dict[str, Any] = {'type': relayed_type}
    for key in RELAYED_FIELDS:
        value = frame.get(key)
        if value is None:
            continue  # absent or null: not copied
        if not _relayable(value):
            raise FrameRefused(
                f'Invalid "{key}": a boolean, a finite number or a string of at most {MAX_RELAYED_TEXT} characters'
            )
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
