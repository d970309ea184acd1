"""Subscriptions as handles: each one can only ever remove itself, and removing it twice is harmless.

The earlier design returned an ``unsubscribe`` closure over the organization's listener *list* that
popped the organization's entry once that list was empty. Called a second time after a newer
subscriber had arrived (a board's ``stop()`` runs at logout and again when NiceGUI deletes the old
client), it popped the *new* list and cut every board and socket of the organization off the bus,
silently. Here a subscription removes its own entry by identity and never looks at anyone else's.
"""

import itertools
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, Protocol, TypeVar

Key = TypeVar('Key', bound=Hashable)
Listener = TypeVar('Listener', bound=Callable[..., object])

_tokens = itertools.count(1)


class _Registry(Protocol):
    def discard(self, key: Any, token: int) -> None: ...

    def holds(self, key: Any, token: int) -> bool: ...


class Subscription:
    """A handle on one registered listener; ``cancel()`` removes exactly that listener, once."""

    __slots__ = ('_key', '_registry', '_token')

    def __init__(self, registry: _Registry, key: Hashable, token: int) -> None:
        self._registry: _Registry | None = registry
        self._key = key
        self._token = token

    @property
    def active(self) -> bool:
        """True while the listener is registered (False after ``cancel()``, or if anything removed it)."""
        return self._registry is not None and self._registry.holds(self._key, self._token)

    def cancel(self) -> None:
        """Remove this listener (idempotent; never touches another subscriber)."""
        registry, self._registry = self._registry, None
        if registry is not None:
            registry.discard(self._key, self._token)

    def __call__(self) -> None:
        """Same as ``cancel()``, so a subscription can be passed where a callback is expected (``on_delete``)."""
        self.cancel()


class Listeners(Generic[Key, Listener]):
    """Listeners grouped by key (an organization, or one shared key), in subscription order."""

    def __init__(self) -> None:
        self._by_key: dict[Key, dict[int, Listener]] = {}

    def add(self, key: Key, listener: Listener) -> Subscription:
        """Register ``listener`` under ``key``; the returned handle removes it."""
        token = next(_tokens)
        self._by_key.setdefault(key, {})[token] = listener
        return Subscription(self, key, token)

    def discard(self, key: Key, token: int) -> None:
        """Remove one entry by its token; drop the key once nobody listens under it."""
        entries = self._by_key.get(key)
        if entries is None or entries.pop(token, None) is None:
            return
        if not entries:
            del self._by_key[key]

    def holds(self, key: Key, token: int) -> bool:
        """Whether one entry is still registered."""
        return token in self._by_key.get(key, {})

    def of(self, key: Key) -> list[Listener]:
        """A copy of the listeners under ``key`` (safe to iterate while they subscribe or cancel)."""
        return list(self._by_key.get(key, {}).values())

    def count(self, key: Key) -> int:
        """How many listeners ``key`` has."""
        return len(self._by_key.get(key, ()))

    def keys(self) -> Iterator[Key]:
        """Keys with at least one listener."""
        return iter(list(self._by_key))
