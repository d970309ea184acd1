"""The live-board benches' harness: simulated browsers speaking NiceGUI's socket.io, and one timed part.

Used by bench/live_boards.py (the real boards) and bench/live_references.py (the same-run references), so every
server is measured by the same client code.
"""

import asyncio
import contextlib
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

SOCKET_PATH = '/_nicegui_ws/socket.io/'
OPEN_AT_ONCE = 10  # pages requested (and sockets connected) at a time: more and NiceGUI answers 500 after 3 s
WARM_UP_MOVES = 3  # not timed
DRAIN_SECONDS = 20.0  # after the last move: how long to wait for every board to hold every move
ACK_EVERY = 3.0  # seconds, as nicegui.js
ELEMENTS = re.compile(r'parseElements\(String\.raw`(.*?)`\)', re.S)
CLIENT_ID = re.compile(r"'client_id': '([0-9a-f-]+)'")


def mover_name(index: int) -> str:
    """The name of the lead moved in move ``index`` (the string a board's update carries)."""
    return f'Mover {index:05d}'


def marker(index: int) -> str:
    """What an update frame holds when it draws the card of move ``index`` (the name inside the card's HTML)."""
    return f'>{mover_name(index)}</div>'


# ----- a simulated browser: the page GET, NiceGUI's socket.io handshake, pings and acks ---------------


def page_of(html: str) -> tuple[dict[str, Any], str]:
    """The elements and the NiceGUI client id a page's HTML carries."""
    found, client = ELEMENTS.search(html), CLIENT_ID.search(html)
    if found is None or client is None:
        raise ValueError('not a NiceGUI page')
    raw = found.group(1)
    for escaped, char in (('&#36;', '$'), ('&#96;', '`'), ('&gt;', '>'), ('&lt;', '<'), ('&amp;', '&')):
        raw = raw.replace(escaped, char)
    return json.loads(raw), client.group(1)


class SimBrowser:
    """One page's socket.io connection spoken over a plain WebSocket (engine.io 4), recording every frame raw.

    Not python-socketio's ``AsyncClient``: that decodes every packet as it arrives, and 1000 of them decoding
    3 KiB updates in this one process would delay the later arrivals; here a frame is only stamped and kept.
    """

    def __init__(self, client_id: str, cookies: dict[str, str]) -> None:
        self.client_id = client_id
        self.cookies = cookies
        self.frames: list[tuple[float, str]] = []
        self.next_message_id = 0
        self.closed_at: float | None = None
        self.connection: websockets.ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, base_url: str, path: str = SOCKET_PATH, extra: dict[str, str] | None = None) -> None:
        """Connect as nicegui.js does: client id, message id and tab ids in the query, implicit handshake."""
        query = {
            'client_id': self.client_id,
            'next_message_id': '0',
            'implicit_handshake': 'true',
            'document_id': str(uuid.uuid4()),
            'tab_id': str(uuid.uuid4()),
            'old_tab_id': '',
            **(extra or {}),
            'EIO': '4',
            'transport': 'websocket',
        }
        url = base_url.replace('http://', 'ws://') + path + '?' + urllib.parse.urlencode(query)
        cookie = '; '.join(f'{k}={v}' for k, v in self.cookies.items())
        self.connection = await websockets.connect(
            url, additional_headers={'Cookie': cookie} if cookie else None, max_size=None, open_timeout=120
        )
        opened = str(await self.connection.recv())
        assert opened.startswith('0{'), opened
        await self.connection.send('40')  # join the default namespace: the server runs the handshake now
        joined = str(await self.connection.recv())
        if not joined.startswith('40'):
            raise ConnectionError(f'socket.io refused the client: {joined}')
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.connection is not None
        clock, record = time.perf_counter, self.frames.append
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.connection:
                text = str(raw)
                if text == '2':  # engine.io ping: a browser answers at once or is dropped
                    await self.connection.send('3')
                    continue
                record((clock(), text))
                at = text.rfind('"_id":')  # NiceGUI appends the message id last
                if at > 0:
                    end = text.find('}', at)
                    with contextlib.suppress(ValueError):
                        self.next_message_id = int(text[at + 6 : end]) + 1
        self.closed_at = clock()

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        """Send a socket.io event."""
        assert self.connection is not None
        await self.connection.send('42' + json.dumps([event, data]))

    async def ack(self) -> None:
        """Tell NiceGUI what arrived (it prunes its message history), as nicegui.js does every 3 s."""
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.emit('ack', {'client_id': self.client_id, 'next_message_id': self.next_message_id})

    async def close(self) -> None:
        """Close the socket and stop reading."""
        if self.connection is not None:
            await self.connection.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)


def vm_rss_kib(pid: int) -> int:
    """The process's resident memory (VmRSS, KiB)."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    return 0


async def ack_loop(browsers: list[SimBrowser]) -> None:
    """Every browser acknowledges every ``ACK_EVERY`` seconds."""
    while True:
        await asyncio.sleep(ACK_EVERY)
        await asyncio.gather(*(b.ack() for b in browsers if b.closed_at is None))


# ----- one timed part (the same for the real server and the floor) --------------------------------------


@dataclass
class Phase:
    """One timed part: per move its send time, and every browser's latency (ms) for it."""

    label: str
    boards: int
    sent: dict[int, float] = field(default_factory=dict)
    latencies: dict[int, list[float]] = field(default_factory=dict)
    sizes: list[int] = field(default_factory=list)
    missing: int = 0
    dropped: int = 0
    refused: list[str] = field(default_factory=list)  # page GETs answered with an error (asked again)
    open_seconds: float = 0.0
    rss_per_board_kib: float = 0.0
    page_bytes: int = 0
    server: dict[str, float] = field(default_factory=dict)
    event: str = 'update'  # the socket.io event that carries a move to the page
    delta_bytes: int = 0  # a move's event as the API WebSocket carries it (measured beside the boards)
    load: float = 0.0  # the machine's 1-minute load average when the timed part ended

    @property
    def all(self) -> list[float]:
        return sorted(v for values in self.latencies.values() for v in values)

    def collect(self, browsers: list[SimBrowser], started: float) -> None:
        """Match each browser's first update holding a move's card to the move (parsing now, after timing)."""
        markers = {key: marker(key) for key in self.sent}
        prefix = f'42["{self.event}"'
        for browser in browsers:
            seen = set()
            for arrived, raw in browser.frames:
                if not raw.startswith(prefix):
                    continue
                for key, text in markers.items():
                    if key not in seen and text in raw:
                        seen.add(key)
                        self.latencies.setdefault(key, []).append((arrived - self.sent[key]) * 1000)
                        self.sizes.append(len(raw.encode()))
            self.missing += len(self.sent) - len(seen)
            if browser.closed_at is not None and browser.closed_at >= started:
                self.dropped += 1

    def per_move(self) -> list[tuple[float, float]]:
        """(fastest, slowest) browser per move, in ms."""
        return [(min(v), max(v)) for _, v in sorted(self.latencies.items())]


Trigger = Callable[[int], Awaitable[None]]


async def timed_moves(browsers: list[SimBrowser], phase: Phase, moves: int, interval: float, trigger: Trigger) -> None:
    """Warm up, then ``moves`` triggers ``interval`` apart with this process's GC off; wait for every board."""
    for key in range(WARM_UP_MOVES):
        await trigger(key)
        await asyncio.sleep(interval)
    await asyncio.sleep(1.0)
    for browser in browsers:
        browser.frames.clear()
    gc.collect()
    gc.freeze()  # what exists now is never scanned, and nothing is collected while timing
    gc.disable()
    began = time.perf_counter()
    try:
        last = ''
        for key in range(WARM_UP_MOVES, WARM_UP_MOVES + moves):
            started = time.perf_counter()
            phase.sent[key] = started
            await trigger(key)
            last = marker(key)
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
        deadline = time.perf_counter() + DRAIN_SECONDS
        while time.perf_counter() < deadline:
            holding = sum(1 for b in browsers if b.frames and last in b.frames[-1][1])
            if holding + sum(1 for b in browsers if b.closed_at is not None) >= len(browsers):
                break
            await asyncio.sleep(0.05)
    finally:
        gc.enable()
        gc.unfreeze()
        phase.load = os.getloadavg()[0]
    phase.collect(browsers, began)


async def open_all(count: int, opener: Callable[[], Awaitable[SimBrowser]]) -> tuple[list[SimBrowser], float]:
    """``count`` browsers, ``OPEN_AT_ONCE`` at a time: them and the seconds it took."""
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one() -> SimBrowser:
        async with gate:
            return await opener()

    started = time.perf_counter()
    browsers = list(await asyncio.gather(*(one() for _ in range(count))))
    return browsers, time.perf_counter() - started


@contextlib.contextmanager
def py_spy(pid: int, path: str) -> Iterator[None]:
    """py-spy recording ``pid`` (collapsed stacks in ``path``) while the block runs; nothing without py-spy."""
    tool = shutil.which('py-spy') or str(Path(sys.executable).parent / 'py-spy')
    if not path or not Path(tool).exists():
        yield
        return
    recorder = subprocess.Popen(
        [tool, 'record', '--pid', str(pid), '--format', 'raw', '--output', path, '--rate', '200', '--nonblocking'],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        recorder.send_signal(2)  # SIGINT: py-spy writes its file and exits
        recorder.wait(timeout=60)
