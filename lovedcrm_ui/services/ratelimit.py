"""Sliding-window counters for login failures and registrations (per process)."""

import math
import time
from collections import deque


class SlidingWindowLimiter:
    """Allows ``limit`` hits per key within ``window`` seconds; memory bounded by ``max_keys``."""

    def __init__(self, *, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._hits.pop(next(iter(self._hits)))  # drop the oldest key rather than grow unbounded
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None when it is under the limit."""
        now = time.monotonic()
        hits = self._recent(key, now)
        if len(hits) < self.limit:
            return None
        return max(1, math.ceil(hits[0] + self.window - now))

    def hit(self, key: str) -> None:
        """Record one event for ``key``."""
        self._recent(key, time.monotonic()).append(time.monotonic())

    def reset(self, key: str) -> None:
        """Forget ``key`` (e.g. after a successful login)."""
        self._hits.pop(key, None)
