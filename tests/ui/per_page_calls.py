"""Route ``ui.navigate`` / ``ui.notify`` / ``ui.download`` to the simulated user whose page made the call.

NiceGUI's ``User`` re-points those three globals at itself whenever any of its attributes is read — also when
its page's outbox sends something. With two people signed in, Ana's board sending an update while Bruno's
login handler awaits the password check made Bruno's ``ui.navigate.to('/pipeline')`` open the board for Ana
instead (a second board of hers; Bruno stayed on the login page: a flaky "no board on this page"). Here the
globals are fixed dispatchers that look at the page the call comes from (``context.client``) and fall back to
the user read most recently (NiceGUI's own rule) for calls made outside any page, such as a page build that
has not been handed to its user yet.
"""

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nicegui import context, ui
from nicegui.testing import User

ROUTED = ('navigate', 'notify', 'download')


class _Routing:
    def __init__(self) -> None:
        self.users: weakref.WeakSet[User] = weakref.WeakSet()
        self.last: User | None = None

    def owner(self) -> User:
        try:
            client = context.client
        except RuntimeError:  # no page in this task's context
            client = None
        if client is not None:
            for someone in list(self.users):
                if object.__getattribute__(someone, 'client') is client:
                    return someone
        assert self.last is not None, 'no simulated user has done anything yet'
        return self.last


class _ToOwner:
    """Stands in for one of the globals; every use goes to the calling page's user's own object."""

    def __init__(self, routing: _Routing, attribute: str) -> None:
        self._routing = routing
        self._attribute = attribute

    def _target(self) -> Any:
        return object.__getattribute__(self._routing.owner(), self._attribute)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)


@contextmanager
def calls_routed_per_page() -> Iterator[None]:
    """While active, the three globals follow the page each call comes from."""
    routing = _Routing()
    stand_ins = {name: _ToOwner(routing, name) for name in ROUTED}
    original = User.__getattribute__

    def getattribute(self: User, name: str) -> Any:
        if name not in ROUTED:
            routing.users.add(self)
            routing.last = self
            for routed, stand_in in stand_ins.items():
                setattr(ui, routed, stand_in)
        return object.__getattribute__(self, name)

    User.__getattribute__ = getattribute  # type: ignore[method-assign]
    try:
        yield
    finally:
        User.__getattribute__ = original  # type: ignore[method-assign]
