"""Benchmark: a REST stage move → N live NiceGUI boards of one signed-in person, beside a bare python-socketio room.

    python bench/live_boards.py [--boards 100 300 1000] [--db sqlite|postgres] [--moves 30] [--interval 0.3]
                                [--leads 40] [--profile PATH] [--profile-at 300] [--env NAME=VALUE ...]

For each N a fresh real server (python main.py, tests/server_process.py; PostgreSQL: a throwaway database,
tests/pipeline_server.py): one person registers over REST and creates ``--leads`` leads (the first ones, named
``Mover 00000``…, are the ones moved: one lead per move, so each move has a name of its own to look for). The
person signs in once through the login page as a browser does (GET /login, NiceGUI's socket, the two inputs
and the button), and the harness keeps the signed-in cookies. Then N simulated browsers (10 at a time) each
GET ``/pipeline`` with those cookies (each GET builds its own NiceGUI client, whose id the page carries) and
connect NiceGUI's socket.io at ``/_nicegui_ws/socket.io`` with that client id in the query (the implicit handshake of
nicegui.js), answer the server's pings and acknowledge what they got every 3 s as nicegui.js does.

Timed part: ``--moves`` REST moves (``PUT /crm/leads/{id}/stage``) ``--interval`` seconds apart; a browser's
latency is the arrival of its first ``update`` message holding the moved card minus the time the PUT was
sent. The harness freezes and disables its own garbage collector while timing and reads frames only after.

The same-run floor: a bare python-socketio ASGI server under uvicorn (its own process) with the same N
sockets and the same client harness, emitting one message of the same size as the real update to a room of
the N per trigger. Printed: p50/p95/p99/max, fastest/slowest per move, clients dropped, page-open time for
all N, server RSS per board (VmRSS of the server before and after the N pages opened) and the server's GC
and loop lag (its /metrics). ``--profile PATH`` records the server with py-spy (if installed) during the
timed part of ``--profile-at`` N boards (300) and prints its top frames. Markdown for docs/BENCHMARKS.md.

A second reference, same run: a minimal NiceGUI app (one label per page; an HTTP call per event sets every
page's label to a text of the same size), the same N pages and harness: what NiceGUI itself costs per client.
"""

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the server subprocess and the throwaway PostgreSQL database

from api_person import new_account  # noqa: E402
from pipeline_server import postgres_database  # noqa: E402
from server_process import free_port  # noqa: E402

from bench.api_fanout import FanoutServer, percentile, raise_open_files, scrape, server_costs  # noqa: E402
from bench.api_fanout import describe_run as fanout_run_line  # noqa: E402

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


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> None:
    """Sign in through the login page as a browser does; ``client`` keeps the signed-in cookies."""
    page = await client.get('/login')
    elements, client_id = page_of(page.text)
    browser = SimBrowser(client_id, dict(client.cookies))
    await browser.connect(str(client.base_url))
    inputs = sorted(int(i) for i, e in elements.items() if e['tag'] == 'nicegui-input')[:2]  # e-mail, password
    submit = min(
        int(i)
        for i, e in elements.items()
        if e['tag'] == 'q-btn' and int(i) > inputs[1] and 'w-full' in e.get('class', [])
    )

    def listener(element: int, kind: str) -> str:
        return str(next(e['listener_id'] for e in elements[str(element)]['events'] if e['type'] == kind))

    async def event(element: int, kind: str, args: list[str]) -> None:
        message = {'id': element, 'client_id': client_id, 'listener_id': listener(element, kind), 'args': args}
        await browser.emit('event', message)

    for element, value in zip(inputs, (email, password), strict=True):
        await event(element, 'update:value', [json.dumps(value)])  # what an input sends as it is typed in
    await event(submit, 'click', [])
    deadline = time.monotonic() + 30
    while not any('"open"' in raw and '/pipeline' in raw for _, raw in browser.frames):
        if time.monotonic() > deadline:
            raise RuntimeError(f'the login page did not open the board: {browser.frames}')
        await asyncio.sleep(0.05)
    await browser.close()


async def open_board(client: httpx.AsyncClient, refused: list[str] | None = None) -> tuple[SimBrowser, int]:
    """GET /pipeline with the signed-in cookies, connect its socket: the browser and the page's size in bytes.

    A page answered with an error, or whose socket the server closes before the handshake, is opened again
    (as nicegui.js reloads), at most 5 times; ``refused`` collects why each time (the status, or 'socket').
    """
    for attempt in range(5):
        page = await client.get('/pipeline')
        if page.status_code == 200 and 'stage-column' in page.text:
            _, client_id = page_of(page.text)
            browser = SimBrowser(client_id, dict(client.cookies))
            try:
                await browser.connect(str(client.base_url))
                return browser, len(page.content)
            except (ConnectionError, websockets.ConnectionClosed):
                problem = 'socket'
        else:
            problem = str(page.status_code)
        if refused is None or attempt == 4:
            raise AssertionError(f'no board: {problem}')
        refused.append(problem)
        await asyncio.sleep(1.0)
    raise AssertionError('unreachable')


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

    @property
    def all(self) -> list[float]:
        return sorted(v for values in self.latencies.values() for v in values)

    def collect(self, browsers: list[SimBrowser], started: float) -> None:
        """Match each browser's first update holding a move's card to the move (parsing now, after timing)."""
        markers = {key: marker(key) for key in self.sent}
        for browser in browsers:
            seen = set()
            for arrived, raw in browser.frames:
                if not raw.startswith('42["update"'):
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


# ----- the real server ----------------------------------------------------------------------------------


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


def profile_summary(path: str, top: int = 25) -> list[str]:
    """The frames holding the most samples (inclusive) and where samples end (self), from collapsed stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    if not Path(path).exists():
        return ['(no profile: py-spy is not installed or recorded nothing)']
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(' ')
        if not stack or not count.isdigit():
            continue
        frames = [f.split(' (')[0] + ' (' + f.split(' (')[-1].split('/')[-1] for f in stack.split(';')]
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    lines = [f'{total} samples; inclusive:']
    lines += [f'  {100 * n / total:5.1f}% {frame}' for frame, n in inclusive.most_common(top)]
    lines += ['self:'] + [f'  {100 * n / total:5.1f}% {frame}' for frame, n in own.most_common(top)]
    return lines


async def board_phase(args: argparse.Namespace, count: int, profile: str) -> Phase:
    """A fresh server, N boards of one signed-in person, REST moves."""
    settings = dict(item.split('=', 1) for item in args.env)
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_database('lovedcrm_boards')) if args.db == 'postgres' else ''
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix='live-boards-')))
        server = FanoutServer(data_dir, database_url=database_url, sockets=10, settings=settings)
        await asyncio.to_thread(server.start)
        stack.callback(server.stop)
        if args.server_log:  # kept even when the phase fails
            stack.callback(lambda: shutil.copyfile(server.log_path, f'{args.server_log}.{count}'))
        assert server.process is not None
        pid = server.process.pid
        limits = httpx.Limits(max_connections=OPEN_AT_ONCE + 5)
        async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as api:
            account = new_account('Ana Boards')
            registered = await api.post('/auth/register', json=account)
            assert registered.status_code == 201, registered.text
            body = registered.json()
            api.headers['Authorization'] = f'Bearer {body["access_token"]}'
            api.headers['X-Org-Id'] = body['organization']['id']
            movers = WARM_UP_MOVES + args.moves
            ids = []
            for i in range(max(args.leads, movers)):
                name = mover_name(i) if i < movers else f'Filler {i:05d}'
                created = await api.post('/crm/leads', json={'name': name, 'estimated_value': '1000.00'})
                assert created.status_code in (200, 201), created.text
                ids.append(created.json()['id'])
            api.cookies.clear()  # the browser signs in through the page, not with the API's cookies
            async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as page_client:
                await sign_in(page_client, account['email'], account['password'])
                phase = Phase('NiceGUI boards', count)
                rss_before = vm_rss_kib(pid)
                sizes: list[int] = []

                async def opener() -> SimBrowser:
                    browser, size = await open_board(page_client, phase.refused)
                    sizes.append(size)
                    return browser

                browsers, phase.open_seconds = await open_all(count, opener)
                await asyncio.sleep(2.0)  # the first updates (components) settle
                phase.rss_per_board_kib = (vm_rss_kib(pid) - rss_before) / count
                phase.page_bytes = int(statistics.median(sizes))
                acks = asyncio.create_task(ack_loop(browsers))

                async def move(key: int) -> None:
                    response = await api.put(f'/crm/leads/{ids[key]}/stage', json={'stage': 'proposta'})
                    assert response.status_code == 200, response.text

                before = scrape(server.url)
                with py_spy(pid, profile):
                    await timed_moves(browsers, phase, args.moves, args.interval, move)
                phase.server = server_costs(before, scrape(server.url))
                acks.cancel()
                await asyncio.gather(*(b.close() for b in browsers), return_exceptions=True)
    return phase


# ----- the floor: a bare python-socketio server (uvicorn) emitting to a room ---------------------------


def bare_server(port: int) -> None:
    """Every socket joins one room; a ``fire`` event from the control socket emits one message of a given size."""
    import socketio
    import uvicorn

    sio = socketio.AsyncServer(async_mode='asgi', cors_allowed_origins='*')

    @sio.on('connect')
    async def connect(sid: str, environ: dict[str, Any], _auth: Any = None) -> None:
        if 'control=1' not in environ.get('QUERY_STRING', ''):
            await sio.enter_room(sid, 'board')

    @sio.on('fire')
    async def fire(_sid: str, data: dict[str, Any]) -> None:
        head = f'<div class="lead-name">{mover_name(int(data["key"]))}</div>'
        await sio.emit('update', {'html': head + 'x' * max(0, int(data['size']) - len(head) - 40)}, room='board')

    app = socketio.ASGIApp(sio, socketio_path=SOCKET_PATH.strip('/'))
    print('ready', flush=True)
    # wsproto with permessage-deflate, as NiceGUI's ui.run serves its own socket
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning', ws='wsproto')


@contextlib.contextmanager
def bare_process() -> Iterator[str]:
    """The bare server as a subprocess: its http:// base URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, '--bare-server', str(port)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b'ready'
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f'http://127.0.0.1:{port}{SOCKET_PATH}?EIO=4&transport=polling', timeout=1)
                break
            time.sleep(0.05)
        yield f'http://127.0.0.1:{port}'
    finally:
        process.terminate()
        process.wait(timeout=10)


async def bare_phase(args: argparse.Namespace, count: int, size: int) -> Phase:
    """N sockets on the bare server in one room, a control socket triggering each emit."""
    phase = Phase('bare python-socketio room', count)
    with bare_process() as url:

        async def opener() -> SimBrowser:
            browser = SimBrowser(str(uuid.uuid4()), {})
            await browser.connect(url)
            return browser

        browsers, phase.open_seconds = await open_all(count, opener)
        control = SimBrowser('control', {})
        await control.connect(url, extra={'control': '1'})

        async def fire(key: int) -> None:
            await control.emit('fire', {'key': key, 'size': size})

        await timed_moves(browsers, phase, args.moves, args.interval, fire)
        await asyncio.gather(*(b.close() for b in [*browsers, control]), return_exceptions=True)
    return phase


# ----- the NiceGUI floor: a minimal NiceGUI app where one label per page changes per event -------------


def nicegui_floor_server(port: int) -> None:
    """``/`` is one label; ``POST /fire?key=&size=`` sets every page's label to a text of that size."""
    from nicegui import app, ui

    labels: dict[str, ui.label] = {}

    @ui.page('/')
    def page() -> None:
        client = ui.context.client
        labels[client.id] = ui.label('waiting')
        client.on_delete(lambda: labels.pop(client.id, None))

    @app.post('/fire')
    def fire(key: int, size: int) -> None:
        head = f'<div class="lead-name">{mover_name(key)}</div>'
        text = head + 'x' * max(0, size - len(head) - 60)
        for label in list(labels.values()):  # a page may go away meanwhile (its socket dropped)
            with contextlib.suppress(Exception):
                label.text = text

    ui.run(host='127.0.0.1', port=port, reload=False, show=False, reconnect_timeout=30, uvicorn_logging_level='warning')


async def nicegui_floor_phase(args: argparse.Namespace, count: int, size: int) -> Phase:
    """N pages of the minimal NiceGUI app, one HTTP call per event setting every page's label."""
    phase = Phase('minimal NiceGUI app, one label', count)
    port = free_port()
    command = [sys.executable, __file__, '--nicegui-floor-server', str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: ASYNC220
    url = f'http://127.0.0.1:{port}'
    try:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            for _ in range(600):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get('/')).status_code == 200:
                        break
                await asyncio.sleep(0.05)

            async def opener() -> SimBrowser:
                page = await client.get('/')
                browser = SimBrowser(page_of(page.text)[1], {})
                await browser.connect(url)
                return browser

            browsers, phase.open_seconds = await open_all(count, opener)
            acks = asyncio.create_task(ack_loop(browsers))

            async def fire(key: int) -> None:
                (await client.post('/fire', params={'key': key, 'size': size})).raise_for_status()

            await timed_moves(browsers, phase, args.moves, args.interval, fire)
            acks.cancel()
            await asyncio.gather(*(b.close() for b in browsers), return_exceptions=True)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return phase


# ----- the run ------------------------------------------------------------------------------------------


def row(phase: Phase, floor: Phase | None) -> str:
    """One Markdown row."""
    values = phase.all
    p50, p95, p99 = (percentile(values, s) for s in (0.5, 0.95, 0.99))
    moves = phase.per_move()
    fastest, slowest = sorted(f for f, _ in moves), sorted(s for _, s in moves)
    ratio = f'{p99 / percentile(floor.all, 0.99):.1f}' if floor is not None and floor.all and values else '—'
    costs = phase.server
    server = (
        f'gen-2 {costs["gen2_count"]:.0f} x {costs["gen2_mean_ms"]:.0f} ms, all GC {costs["gc_total_ms"]:.0f} ms; '
        f'lag > 50 ms: {costs["lag_over_50ms"]:.0f}; RSS {costs["rss_mb"]:.0f} MB'
        if costs
        else '—'
    )
    memory = f'{phase.rss_per_board_kib / 1024:.2f} MB' if phase.rss_per_board_kib else '—'
    page = f'{phase.page_bytes / 1024:.0f} KiB' if phase.page_bytes else '—'
    if phase.refused:
        page += f' ({len(phase.refused)} opens refused: {" ".join(sorted(set(phase.refused)))})'
    size = f'{statistics.median(phase.sizes) / 1024:.1f} KiB' if phase.sizes else '—'
    return (
        f'| {phase.boards} | {phase.label} | {len(phase.latencies)} | {p50:.0f} | {p95:.0f} | {p99:.0f} | '
        f'{values[-1] if values else float("nan"):.0f} | {statistics.median(fastest) if fastest else 0:.0f} / '
        f'{fastest[-1] if fastest else 0:.0f} | {statistics.median(slowest) if slowest else 0:.0f} / '
        f'{slowest[-1] if slowest else 0:.0f} | {phase.missing} | {phase.dropped} | {ratio} | '
        f'{phase.open_seconds:.1f} s | {memory} | {page} | {size} | {server} |'
    )


def describe_run(args: argparse.Namespace) -> str:
    """Machine, date, commit, load average and the run's options (api_fanout's line, plus the board's leads)."""
    leads = f', {max(args.leads, args.moves + WARM_UP_MOVES)} leads on the board'
    return fanout_run_line(argparse.Namespace(**{**vars(args), 'env': []})) + leads + server_env_text(args)


def server_env_text(args: argparse.Namespace) -> str:
    """The server settings the run changed, as the run line ends."""
    return f', server env {" ".join(args.env)}' if args.env else ''


async def run(args: argparse.Namespace) -> None:
    """Per N: the real server's boards, then the bare floor with the same N and message size; the table."""
    raise_open_files(3 * max(args.boards) + 512)
    results: list[tuple[Phase, Phase, Phase | None]] = []
    for count in args.boards:
        profile = args.profile if count == args.profile_at else ''
        boards = await board_phase(args, count, profile)
        size = int(statistics.median(boards.sizes)) if boards.sizes else 4000
        bare = await bare_phase(args, count, size)
        minimal = await nicegui_floor_phase(args, count, size) if args.nicegui_floor else None
        results.append((boards, bare, minimal))
        rows = [row(boards, bare), row(bare, None)] + ([row(minimal, bare)] if minimal else [])
        print(*rows, sep='\n', flush=True)  # kept if a larger N fails
        print(
            f'N={count} ({datetime.now(UTC):%H:%M:%S}, load {os.getloadavg()[0]:.2f}): update {size} B; boards p99 '
            f'{percentile(boards.all, 0.99):.0f} ms, bare p99 {percentile(bare.all, 0.99):.0f} ms',
            flush=True,
        )
    print()
    print(describe_run(args))
    print()
    print('| N | server | moves | p50 ms | p95 | p99 | max | fastest board per move: median / max | '
          'slowest: median / max | missed | dropped | p99 / bare p99 | open all N | RSS per board | page | '
          'update | server GC; loop lag; memory |')  # fmt: skip
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for boards, bare, minimal in results:
        print(row(boards, bare))
        print(row(bare, None))
        if minimal is not None:
            print(row(minimal, bare))
    if args.profile:
        print()
        print('\n'.join(profile_summary(args.profile)))


def main() -> None:
    """Parse the arguments; the bare server runs when called with ``--bare-server PORT``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--db', choices=('postgres', 'sqlite'), default='postgres')
    parser.add_argument('--boards', type=int, nargs='+', default=[100, 300, 1000])
    parser.add_argument('--moves', type=int, default=30)
    parser.add_argument('--interval', type=float, default=0.3, help='seconds between the starts of two moves')
    parser.add_argument('--leads', type=int, default=40, help='leads on the board (the moved ones included)')
    parser.add_argument('--profile', default='', help='py-spy collapsed stacks of one N to this file')
    parser.add_argument('--profile-at', type=int, default=300, help='the N that --profile records')
    parser.add_argument('--env', nargs='*', default=[], help='NAME=VALUE settings for the server')
    parser.add_argument('--server-log', default='', help="copy the server's output to this file (+ .N) per N")
    parser.add_argument('--nicegui-floor', action=argparse.BooleanOptionalAction, default=True,
                        help='also measure a minimal NiceGUI app changing one label per event')  # fmt: skip
    parser.add_argument('--bare-server', type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument('--nicegui-floor-server', type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
    elif args.nicegui_floor_server:
        nicegui_floor_server(args.nicegui_floor_server)
    else:
        asyncio.run(run(args))


if __name__ == '__main__':
    main()
