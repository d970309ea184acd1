"""A correction to NiceGUI's replay after a reconnect (checked on NiceGUI 3.18).

When a browser's socket drops and comes back, NiceGUI's outbox re-sends the messages the browser
missed (``Outbox.try_rewind`` puts them back in ``outbox.messages``). Its send loop, however,
always sends the pending element updates *before* the queued messages. Element updates carry an
element's whole state, so a replayed, older update of the same element arrives *after* the newer
one and the browser ends up showing the old state, with nothing to tell it so.

On the board this happened under load: a burst of moves, the browser too busy to answer the
server's pings, the socket dropped; a teammate's move made while it was down was drawn, then undone
by the replay (the card went back to its old column in that browser only, until a reload). Found
with ``bench/board_bench.py`` and a trace of the outbox; ``tests/ui/test_reconnect_replay.py``
reproduces it without a browser.

The fix: after a rewind each replayed ``update`` message only remembers *which* elements it
updates; when it is sent, it carries their current state (or their deletion). Order then no longer
matters: whatever goes out last is the present. (Filling in the state at rewind time was not enough:
a change made between the rewind and the send went out first and the replay undid it again.)
Other replayed messages (JavaScript, notifications, navigation) are left as they were.
"""

import inspect
from typing import Any

import nicegui
from nicegui.outbox import Outbox

# the NiceGUI minor version this patch was checked against (pyproject pins it), and the private
# methods it replaces with the parameters it relies on; anything else and the app refuses to start
TESTED_VERSION = '3.18'
PATCHED = {'try_rewind': ['self', 'target_message_id'], '_emit': ['self', 'message']}

_original_try_rewind = Outbox.try_rewind
_original_emit = Outbox._emit


class ReplayedUpdate(dict[Any, Any]):
    """The element ids of a replayed ``update``; their state is read when the message is sent."""


def _current_state(client: Any, element_id: Any) -> dict[str, Any] | None:
    element = client.elements.get(element_id)
    return None if element is None else element._to_dict()  # what the outbox itself sends


def _rewind_without_stale_state(self: Outbox, target_message_id: int) -> None:
    _original_try_rewind(self, target_message_id)
    for index, (target_id, message_type, data) in enumerate(self.messages):
        if message_type == 'update':
            self.messages[index] = (target_id, message_type, ReplayedUpdate.fromkeys(k for k in data if k != '_id'))


async def _emit_current_state(self: Outbox, message: Any) -> None:
    _target_id, _message_type, data = message
    if isinstance(data, ReplayedUpdate):
        client = self.client
        for element_id in [key for key in data if key != '_id']:
            data[element_id] = _current_state(client, element_id)
    await _original_emit(self, message)


class UnsupportedNiceGUI(RuntimeError):
    """The installed NiceGUI is not the one the replay fix was checked against."""


def check_compatible(version: str | None = None) -> None:
    """Refuse a NiceGUI whose version or patched methods differ from what the fix was tested on."""
    version = version or nicegui.__version__
    if version.split('.')[:2] != TESTED_VERSION.split('.'):
        raise UnsupportedNiceGUI(
            f'NiceGUI {version} is installed, but lovedcrm_ui/nicegui_fixes.py was checked against '
            f'{TESTED_VERSION}.x: install the pinned version (pip install -e .) or re-check the patch '
            '(tests/ui/test_reconnect_replay.py) and raise TESTED_VERSION.'
        )
    for name, parameters in PATCHED.items():
        method = getattr(Outbox, name, None)
        original: Any = {'try_rewind': _original_try_rewind, '_emit': _original_emit}[name]
        found = list(inspect.signature(original).parameters) if method is not None else None
        if found != parameters:
            raise UnsupportedNiceGUI(
                f'NiceGUI {version}: Outbox.{name} takes {found}, the replay fix expects {parameters}; '
                're-check lovedcrm_ui/nicegui_fixes.py against this NiceGUI.'
            )
    if 'self.messages' not in inspect.getsource(_original_try_rewind):
        raise UnsupportedNiceGUI(f'NiceGUI {version}: Outbox.try_rewind no longer refills outbox.messages')


def install() -> None:
    """Check the installed NiceGUI, then replace ``Outbox.try_rewind`` and ``Outbox._emit`` once per process."""
    check_compatible()
    if Outbox.try_rewind is not _rewind_without_stale_state:
        Outbox.try_rewind = _rewind_without_stale_state  # type: ignore[method-assign]
        Outbox._emit = _emit_current_state  # type: ignore[method-assign]
