"""The same-run references of bench/live_boards.py: what the same N pages cost on servers simpler than the boards.

- the floor: a bare python-socketio ASGI server (uvicorn) with every socket in one room, one emit per event;
- a minimal NiceGUI app: one label per page, each event sets every page's label (one element update per client);
- the room design (issue 16): a minimal NiceGUI page per client whose socket joins a socket.io room of the
  organization when it connects; each event is ONE ``sio.emit('board_delta', delta, room=organization)`` on
  NiceGUI's own server (``nicegui.core.sio``): encoded once, no element updated on the server. A board component
  in the browser would apply the delta; here the simulated browser only stamps its arrival.

Each server runs in its own process (``python bench/live_references.py --bare-server PORT`` and so on).
"""

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))

from server_process import free_port  # noqa: E402

from bench.live_harness import (  # noqa: E402
    SOCKET_PATH,
    Phase,
    SimBrowser,
    ack_loop,
    mover_name,
    open_all,
    page_of,
    py_spy,
    timed_moves,
    vm_rss_kib,
)

ORGANIZATION_ROOM = 'organization'  # one organization: every page of the bench belongs to it
DELTA_EVENT = 'board_delta'


def filler(key: int, size: int, overhead: int) -> tuple[str, str]:
    """The card marker of move ``key`` and the padding that brings a message to ``size`` bytes."""
    head = f'<div class="lead-name">{mover_name(key)}</div>'
    return head, 'x' * max(0, size - len(head) - overhead)


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
        head, padding = filler(int(data['key']), int(data['size']), 40)
        await sio.emit('update', {'html': head + padding}, room='board')

    app = socketio.ASGIApp(sio, socketio_path=SOCKET_PATH.strip('/'))
    print('ready', flush=True)
    # wsproto with permessage-deflate, as NiceGUI's ui.run serves its own socket
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning', ws='wsproto')


@contextlib.contextmanager
def bare_process() -> Iterator[tuple[str, int]]:
    """The bare server as a subprocess: its http:// base URL and process id."""
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, '--bare-server', str(port)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b'ready'
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f'http://127.0.0.1:{port}{SOCKET_PATH}?EIO=4&transport=polling', timeout=1)
                break
            time.sleep(0.05)
        yield f'http://127.0.0.1:{port}', process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


async def bare_phase(args: argparse.Namespace, count: int, size: int) -> Phase:
    """N sockets on the bare server in one room, a control socket triggering each emit."""
    phase = Phase('bare python-socketio room', count)
    with bare_process() as (url, pid):

        async def opener() -> SimBrowser:
            browser = SimBrowser(str(uuid.uuid4()), {})
            await browser.connect(url)
            return browser

        rss_before = vm_rss_kib(pid)
        browsers, phase.open_seconds = await open_all(count, opener)
        phase.rss_per_board_kib = (vm_rss_kib(pid) - rss_before) / count
        control = SimBrowser('control', {})
        await control.connect(url, extra={'control': '1'})

        async def fire(key: int) -> None:
            await control.emit('fire', {'key': key, 'size': size})

        await timed_moves(browsers, phase, args.moves, args.interval, fire)
        await asyncio.gather(*(b.close() for b in [*browsers, control]), return_exceptions=True)
    return phase


# ----- NiceGUI apps: one label per page, updated per client or left alone while one room emit goes out --------


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
        head, padding = filler(key, size, 60)
        for label in list(labels.values()):  # a page may go away meanwhile (its socket dropped)
            with contextlib.suppress(Exception):
                label.text = head + padding

    ui.run(host='127.0.0.1', port=port, reload=False, show=False, reconnect_timeout=30, uvicorn_logging_level='warning')


def nicegui_room_server(port: int) -> None:
    """``/`` is one label whose socket joins the organization's room; ``POST /fire`` is ONE room emit."""
    from nicegui import app, core, ui

    @ui.page('/')
    def page() -> None:
        client = ui.context.client
        ui.label('waiting')  # where the browser-side board component would sit: no card elements on the server

        async def join_organization() -> None:
            # NiceGUI's handshake put the page's socket in a room named after the client; that gives its socket id
            for socket_id, _ in list(core.sio.manager.get_participants('/', client.id)):
                await core.sio.enter_room(socket_id, ORGANIZATION_ROOM)

        client.on_connect(join_organization)  # again on every reconnect: a new socket id

    @app.post('/fire')
    async def fire(key: int, size: int) -> None:
        head, padding = filler(key, size, 70)
        delta = {'seq': key, 'card': head, 'lead': padding}  # the size of a move's event with its lead snapshot
        await core.sio.emit(DELTA_EVENT, delta, room=ORGANIZATION_ROOM)

    ui.run(host='127.0.0.1', port=port, reload=False, show=False, reconnect_timeout=30, uvicorn_logging_level='warning')


async def nicegui_app_phase(args: argparse.Namespace, phase: Phase, flag: str, size: int, profile: str = '') -> Phase:
    """N pages of a NiceGUI reference app (``flag`` picks it), one HTTP call per event; py-spy on it if ``profile``."""
    port = free_port()
    command = [sys.executable, __file__, flag, str(port)]
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

            rss_before = vm_rss_kib(process.pid)
            browsers, phase.open_seconds = await open_all(count := phase.boards, opener)
            await asyncio.sleep(2.0)  # as for the boards: what the pages' first updates leave behind settles
            phase.rss_per_board_kib = (vm_rss_kib(process.pid) - rss_before) / count
            acks = asyncio.create_task(ack_loop(browsers))

            async def fire(key: int) -> None:
                (await client.post('/fire', params={'key': key, 'size': size})).raise_for_status()

            with py_spy(process.pid, profile):
                await timed_moves(browsers, phase, args.moves, args.interval, fire)
            acks.cancel()
            await asyncio.gather(*(b.close() for b in browsers), return_exceptions=True)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return phase


async def nicegui_floor_phase(args: argparse.Namespace, count: int, size: int) -> Phase:
    """The minimal NiceGUI app: every page's label set per event (NiceGUI's cost per client)."""
    phase = Phase('minimal NiceGUI app, one label', count)
    return await nicegui_app_phase(args, phase, '--nicegui-floor-server', size)


async def nicegui_room_phase(args: argparse.Namespace, count: int, size: int, profile: str = '') -> Phase:
    """The room design: one ``board_delta`` emit to the organization's room per event, nothing per client."""
    phase = Phase('NiceGUI page, one room emit', count, event=DELTA_EVENT)
    return await nicegui_app_phase(args, phase, '--nicegui-room-server', size, profile)


def main() -> None:
    """Run the one reference server the flag names, on the port it gives."""
    parser = argparse.ArgumentParser(description=__doc__)
    servers = parser.add_mutually_exclusive_group(required=True)
    servers.add_argument('--bare-server', type=int)
    servers.add_argument('--nicegui-floor-server', type=int)
    servers.add_argument('--nicegui-room-server', type=int)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
    elif args.nicegui_floor_server:
        nicegui_floor_server(args.nicegui_floor_server)
    else:
        nicegui_room_server(args.nicegui_room_server)


if __name__ == '__main__':
    main()
