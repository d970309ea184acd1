"""Going away gracefully on SIGTERM (a deploy, ``docker stop``): nobody loses a write or waits on a dead socket.

uvicorn alone, on SIGTERM, stops listening, closes every WebSocket with 1012, lets HTTP requests in flight
finish, runs the shutdown handlers, and then re-raises the signal, so the process ends "killed by SIGTERM"
(status 143). Here, instead (``drain_on_sigterm``, set up by the entry point once the server runs):

1. the listening sockets close: new connections go to another replica (a proxy retries a refused one);
2. ``Drain.begin``: every open page is told ("Servidor reiniciando — reconectando…") and every API socket
   is closed with 1001 (going away) once it has sent what it had queued, so clients resume by ``seq`` on
   another replica (docs/REALTIME.md); ``/readyz`` answers 503 and a new API socket is refused meanwhile.
   At most ``drain_seconds(SHUTDOWN_GRACE_SECONDS)``;
3. uvicorn's own shutdown: requests in flight finish (at most the rest of ``SHUTDOWN_GRACE_SECONDS``,
   ``timeout_graceful_shutdown``), the board pages' sockets close (browsers reconnect), then the app's
   shutdown handlers stop the PostgreSQL listener and close the database pool; the process exits with 0.

A second SIGTERM changes nothing (SIGKILL stops at once). docs/OPERATIONS.md describes it for operators.
"""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from types import FrameType

import uvicorn
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .events.sockets import SocketHub
from .events.subscriptions import Listeners, Subscription

log = logging.getLogger(__name__)

GOING_AWAY = 1001  # RFC 6455: the server is going down; the client connects again (elsewhere)
GOING_AWAY_REASON = 'Server restarting'
MAX_DRAIN_SECONDS = 2.0
WAKE_SECONDS = 0.25
# told once when the process starts going away; may return an awaitable that ends when the page has been told
Farewell = Callable[[], Awaitable[None] | None]


def drain_seconds(grace: float) -> float:
    """The part of the shutdown grace spent telling pages and closing sockets; the rest is for requests in flight."""
    return min(MAX_DRAIN_SECONDS, grace / 4)


class Drain:
    """The process's goodbye to its open pages and API sockets (``begin()``, once)."""

    def __init__(self, sockets: SocketHub) -> None:
        self.draining = False
        self._sockets = sockets
        self._farewells: Listeners[None, Farewell] = Listeners()

    def subscribe(self, farewell: Farewell) -> Subscription:
        """Be told when the process starts going away (an open page); the handle's ``cancel()`` stops it."""
        return self._farewells.add(None, farewell)

    async def begin(self, budget: float) -> None:
        """Tell every open page, close every API socket with 1001, and wait for both, at most ``budget`` seconds."""
        if self.draining:
            return
        self.draining = True
        pages = len(self._farewells.of(None))
        sockets = self._sockets.open_count()
        log.info('shutting down: telling %d open page(s), closing %d API socket(s)', pages, sockets)
        waits: list[asyncio.Future[None]] = []
        for farewell in self._farewells.of(None):
            try:
                told = farewell()
            except Exception:
                log.exception('telling an open page that the server restarts failed')
                continue
            if told is not None:
                waits.append(asyncio.ensure_future(told))
        self._sockets.close_all(GOING_AWAY, GOING_AWAY_REASON)
        waits.append(asyncio.ensure_future(self._sockets.all_closed()))
        _done, late = await asyncio.wait(waits, timeout=budget)
        for task in late:
            task.cancel()
        if late:
            log.warning('shutting down: %d page(s) or socket(s) not done within %.1f s', len(late), budget)


class CloseWhileDraining:
    """Pure ASGI middleware: while the process goes away, every HTTP response closes its connection.

    A browser on long-polling (``SOCKET_IO_TRANSPORTS=polling``) would otherwise send its next poll on the same
    kept-alive connection, which uvicorn serves until the poll times out (seconds of shutdown); on a new
    connection it is refused at once and reconnects, to another replica behind a proxy.
    """

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return

        async def closing_send(message: Message) -> None:
            if message['type'] == 'http.response.start' and self.drain.draining:
                MutableHeaders(scope=message)['connection'] = 'close'
            await send(message)

        await self.app(scope, receive, closing_send)


def drain_on_sigterm(
    drain: Drain, server: uvicorn.Server, *, grace: float, wake_polls: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Make SIGTERM stop ``server`` gracefully and with exit status 0 (see the module); call inside its event loop.

    ``wake_polls`` sends every long-polling browser something, so that a poll waiting on the server answers now
    (on a connection uvicorn then closes) instead of holding the shutdown until it times out.
    """
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    stopping = False

    async def stop() -> None:
        for listening in server.servers:
            listening.close()  # stop accepting; connections already open carry on
        try:
            await drain.begin(drain_seconds(grace))
        finally:
            # not through uvicorn's own handler: that one re-raises SIGTERM after the shutdown (status 143)
            server.should_exit = True
        if wake_polls is None:
            return
        # uvicorn notices within a tick (0.1 s) and marks every open connection to close after its response;
        # polls that arrived meanwhile on kept-alive connections are woken again until the process ends
        for _ in range(int(grace / WAKE_SECONDS)):
            await asyncio.sleep(WAKE_SECONDS)
            try:
                await wake_polls()
            except Exception as exc:  # a browser gone mid-send: the others still need waking
                log.debug('waking long polls failed: %r', exc)

    def start_stopping() -> None:
        task = loop.create_task(stop(), name='lovedcrm-shutdown')
        tasks.add(task)  # the loop keeps only a weak reference
        task.add_done_callback(tasks.discard)

    def already_stopping() -> None:
        log.info('already shutting down (within %.0f s); SIGKILL stops at once', grace)

    def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        # a second SIGTERM changes nothing: cutting requests in flight is what SIGKILL is for
        loop.call_soon_threadsafe(already_stopping if stopping else start_stopping)
        stopping = True

    signal.signal(signal.SIGTERM, on_sigterm)
