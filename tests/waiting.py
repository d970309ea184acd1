"""Waiting for what a person or a client would see: look again until it holds, up to a deadline.

Never a fixed sleep: a wait that holds returns at once, one that never holds fails with what was
last seen. For the asyncio tests (simulated users, WebSocket and REST clients); the real-browser
tests wait with Selenium's ``WebDriverWait`` instead (tests/browser/browser_helpers.py).
tests/ is on ``sys.path``: ``from waiting import eventually, until``.
"""

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

WAIT = 15.0  # upper bound of every wait: generous for a loaded 2-core machine (a wait that holds ends at once)
POLL = 0.02  # how often to look again


async def eventually(check: Callable[[], object], seconds: float = WAIT) -> None:
    """Retry an assertion until it holds; past the deadline, its last ``AssertionError`` is raised."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            check()
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(POLL)


async def until(condition: Callable[[], Any], what: str = '', seconds: float = WAIT) -> Any:
    """Wait until ``condition()`` is truthy (awaited if it returns an awaitable) and return its value.

    A condition that fails an assertion on the way (e.g. a helper finding no such element yet) counts as
    not yet. Past the deadline: ``AssertionError`` naming ``what`` (default: the condition's source line)
    and the last value or assertion seen.
    """
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            last = condition()
            if inspect.isawaitable(last):
                last = await last
        except AssertionError as failed:
            last = failed
        else:
            if last:
                return last
        if asyncio.get_running_loop().time() > deadline:
            seen = '' if isinstance(last, bool) else f'; last saw {last!r}'
            raise AssertionError(f'not within {seconds:g} s: {what or _source(condition)}{seen}')
        await asyncio.sleep(POLL)


def _source(condition: Callable[[], Any]) -> str:
    """The source line(s) of a condition (a lambda's whole line), for the failure message."""
    try:
        return ' '.join(line.strip() for line in inspect.getsource(condition).splitlines())
    except (OSError, TypeError):
        return repr(condition)
