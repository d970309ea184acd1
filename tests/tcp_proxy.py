"""A loopback TCP proxy that can cut the link to PostgreSQL, for outage tests (never stop the shared cluster).

``TcpProxy`` listens on a free loopback port and forwards every connection to ``127.0.0.1:5432``. Point
a server's ``DATABASE_URL`` at it (``proxy.url_for(url)``) and the link can be broken and mended while
the server runs:

- ``cut()`` closes every connection in flight (both sides see them end, as when PostgreSQL goes away)
  and, until ``restore()``, treats new ones by ``mode``: ``'blackhole'`` accepts them and then never
  answers (a network partition: the client waits for its own timeout), ``'reset'`` accepts and resets
  them at once (a refused connection: the client fails immediately).
- ``restore()`` forwards new connections again; the blackholed ones are dropped.

The proxy runs its own event loop in a daemon thread, so it keeps forwarding whatever the test's
event loop is doing, and its methods can be called from synchronous and asynchronous code alike.
tests/ is on ``sys.path``: ``from tcp_proxy import TcpProxy``.
"""

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine
from typing import Any, Literal, Self, TypeVar

CutMode = Literal['blackhole', 'reset']
T = TypeVar('T')
CHUNK = 64 * 1024
CALL_TIMEOUT = 10.0  # seconds a call into the proxy's thread may take (they take milliseconds)


class TcpProxy:
    """Forwards loopback connections to ``target``; ``cut()`` breaks the link, ``restore()`` mends it."""

    def __init__(self, target: tuple[str, int] = ('127.0.0.1', 5432)) -> None:
        self.target = target
        self.port = 0
        self.mode: CutMode | None = None  # None: forwarding
        self.accepted = 0  # connections accepted since start (forwarded, blackholed or reset)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name='tcp-proxy', daemon=True)
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()  # one task per forwarded connection
        self._held: set[asyncio.StreamWriter] = set()  # blackholed connections

    # ----- the test's side ----------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on a free loopback port (``self.port``) and start forwarding."""
        self._thread.start()
        self._call(self._listen())
        return self

    def url_for(self, database_url: str) -> str:
        """``database_url`` (any driver) with its host and port replaced by the proxy's."""
        scheme, rest = database_url.split('://', 1)
        credentials, _, location = rest.rpartition('@')
        database = location.split('/', 1)[1]
        return f'{scheme}://{credentials + "@" if credentials else ""}127.0.0.1:{self.port}/{database}'

    def cut(self, mode: CutMode = 'blackhole') -> None:
        """End every connection in flight; new ones are blackholed or reset until ``restore()``."""
        self._call(self._cut(mode))

    def restore(self) -> None:
        """Forward new connections again (the blackholed ones are closed)."""
        self._call(self._restore())

    @property
    def forwarding(self) -> int:
        """How many connections are being forwarded right now."""
        return len(self._links)

    def close(self) -> None:
        """Stop listening, end every connection and stop the thread."""
        if not self._thread.is_alive():
            return
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CALL_TIMEOUT)
        self._loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(CALL_TIMEOUT)

    # ----- the proxy's thread -------------------------------------------------------------------

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, '127.0.0.1', 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.mode == 'reset':
            _reset(writer)
            return
        if self.mode == 'blackhole':
            self._held.add(writer)  # never answered; whatever the client sends is read and dropped
            with contextlib.suppress(OSError):
                while await reader.read(CHUNK):
                    pass
            self._held.discard(writer)
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            target_reader, upstream = await asyncio.open_connection(*self.target)
            await asyncio.gather(_pump(reader, upstream), _pump(target_reader, writer))
        except (OSError, asyncio.CancelledError):
            pass  # cut, or one side went away: both sides are closed below
        finally:
            self._links.discard(task)
            for side in (writer, upstream):
                if side is not None:
                    _reset(side)

    async def _cut(self, mode: CutMode) -> None:
        self.mode = mode
        links = list(self._links)
        for link in links:
            link.cancel()
        await asyncio.gather(*links, return_exceptions=True)

    async def _restore(self) -> None:
        self.mode = None
        for writer in list(self._held):
            _reset(writer)
        self._held.clear()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._cut('reset')
        await self._restore()


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy one direction until end of stream."""
    while data := await source.read(CHUNK):
        sink.write(data)
        await sink.drain()
    if sink.can_write_eof():
        sink.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close a connection with a TCP reset (no orderly goodbye), as a failing server or link does."""
    raw: socket.socket | None = writer.get_extra_info('socket')
    if raw is not None:
        with contextlib.suppress(OSError):
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    writer.transport.abort()
