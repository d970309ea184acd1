"""Per-process limits on password guessing and registrations (policy: docs/SECURITY.md, "Sign-in limits").

Everything here is synchronous on purpose: a check and its record happen with no ``await`` between
them, so on one event loop they are atomic — a burst of parallel requests cannot all pass a check
before any of them is counted.
"""

import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass


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
        now = time.monotonic()
        self._recent(key, now).append(now)

    def take(self, key: str) -> int | None:
        """Check and record in one step: None when the hit was admitted (and counted), else seconds to wait."""
        wait = self.retry_after(key)
        if wait is None:
            self.hit(key)
        return wait

    def refund(self, key: str) -> None:
        """Take back the latest hit of ``key`` (an attempt that turned out to be legitimate)."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()

    def reset(self, key: str) -> None:
        """Forget ``key``."""
        self._hits.pop(key, None)


@dataclass(frozen=True)
class PasswordCheckLimits:
    """How many password checks are allowed within ``window`` seconds, per kind of key."""

    per_address_and_account: int = 10
    per_account: int = 50
    per_address: int = 100
    window: float = 900
    known_address_days: float = 30


class PasswordCheckThrottle:
    """Counts every password check *before* the password is verified, by three keys.

    - address + account: the ordinary guessing limit; a correct password clears it.
    - account, from any address: stops guessing spread over many addresses. An address that signed in
      to the account successfully within ``known_address_days`` is exempt from this key, so an attacker
      elsewhere cannot lock the owner out of their usual address.
    - address, over all accounts: stops one address spraying many accounts.

    A correct password refunds the attempt on the account and address keys (a busy office behind one
    address is not slowed by its own successful sign-ins).
    """

    def __init__(self, limits: PasswordCheckLimits, *, max_keys: int = 100_000) -> None:
        self.limits = limits
        window = limits.window
        self._pairs = SlidingWindowLimiter(limit=limits.per_address_and_account, window=window, max_keys=max_keys)
        self._accounts = SlidingWindowLimiter(limit=limits.per_account, window=window, max_keys=max_keys)
        self._addresses = SlidingWindowLimiter(limit=limits.per_address, window=window, max_keys=max_keys)
        self._known: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._max_keys = max_keys

    def _is_known(self, account: str, address: str) -> bool:
        until = self._known.get((account, address))
        return until is not None and until > time.monotonic()

    def admit(self, account: str, address: str) -> int | None:
        """Count one check; None when it may proceed, else the seconds until the caller may retry.

        Nothing is counted when the check is refused, so waiting out ``Retry-After`` always helps.
        """
        pair = f'{address}\x00{account}'
        checks = [(self._pairs, pair), (self._addresses, address)]
        if not self._is_known(account, address):
            checks.append((self._accounts, account))
        waits = [wait for limiter, key in checks if (wait := limiter.retry_after(key)) is not None]
        if waits:
            return max(waits)
        for limiter, key in checks:
            limiter.hit(key)
        return None

    def succeeded(self, account: str, address: str) -> None:
        """The password was right: clear the pair, refund the other keys, remember the address."""
        self._pairs.reset(f'{address}\x00{account}')
        self._addresses.refund(address)
        if not self._is_known(account, address):
            self._accounts.refund(account)
        self._known[(account, address)] = time.monotonic() + self.limits.known_address_days * 86400
        self._known.move_to_end((account, address))
        while len(self._known) > self._max_keys:
            self._known.popitem(last=False)
