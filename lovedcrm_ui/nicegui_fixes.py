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

The fix: after a rewind, each replayed ``update`` message is rewritten to carry the elements'
*current* state (or their deletion), so the order in which updates and replays go out no longer
matters. Other replayed messages (JavaScript, notifications, navigation) are left as they were.
"""

from typing import Any

from nicegui.outbox import Outbox

_original_try_rewind = Outbox.try_rewind


def _current_state(client: Any, element_id: Any) -> dict[str, Any] | None:
    element = client.elements.get(element_id)
    return None if element is None else element._to_dict()  # what the outbox itself sends


def _rewind_with_current_state(self: Outbox, target_message_id: int) -> None:
    _original_try_rewind(self, target_message_id)
    client = self.client
    for index, (target_id, message_type, data) in enumerate(self.messages):
        if message_type == 'update':
            current = {key: _current_state(client, key) for key in data if key != '_id'}
            self.messages[index] = (target_id, message_type, current)


def install() -> None:
    """Replace ``Outbox.try_rewind`` once per process."""
    if Outbox.try_rewind is not _rewind_with_current_state:
        Outbox.try_rewind = _rewind_with_current_state  # type: ignore[method-assign]
