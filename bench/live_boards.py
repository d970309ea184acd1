"""Benchmark: a REST stage move → N live NiceGUI boards of one signed-in person, beside a bare python-socketio room.

    python bench/live_boards.py [--boards 100 300 1000] [--db sqlite|postgres] [--moves 30] [--interval 0.3]
                                [--leads 40] [--profile PATH] [--profile-at 300] [--env NAME=VALUE ...]
                                [--no-with-boards [--update-bytes 3500] [--delta-bytes 1200]] [--no-room]

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
A third (issue 16's alternative): a minimal NiceGUI page whose socket joins the organization's socket.io room, and
ONE ``board_delta`` emit to that room per event, of the size of a move's event on the API WebSocket (measured
beside the boards: the lead snapshot a browser-side board component would apply). ``--profile`` records it too
(``PATH.room``). The references live in bench/live_references.py, the client harness in bench/live_harness.py.
Every row ends with the machine's load average at the end of its timed part.
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the server subprocess and the throwaway PostgreSQL database

from api_person import new_account  # noqa: E402
from pipeline_server import postgres_database  # noqa: E402

from bench.api_fanout import FanoutServer, percentile, raise_open_files, scrape, server_costs  # noqa: E402
from bench.api_fanout import describe_run as fanout_run_line  # noqa: E402
from bench.live_harness import (  # noqa: E402
    OPEN_AT_ONCE,
    WARM_UP_MOVES,
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
from bench.live_references import bare_phase, nicegui_floor_phase, nicegui_room_phase  # noqa: E402

__all__ = ['SimBrowser', 'open_board', 'sign_in', 'vm_rss_kib']  # what bench/board_open.py takes from here


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


# ----- the real server ----------------------------------------------------------------------------------


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


async def event_sizes(url: str, sizes: list[int]) -> None:
    """The size of every move's event as the API WebSocket carries it (the lead snapshot the room design sends)."""
    async with websockets.connect(url, max_size=None) as connection:
        async for raw in connection:
            text = raw if isinstance(raw, str) else raw.decode()
            if 'Mover ' in text:
                sizes.append(len(text.encode()))


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

                token, organization = body['access_token'], body['organization']['id']
                deltas: list[int] = []
                events = asyncio.create_task(
                    event_sizes(f'{server.ws_url}/ws/pipeline?token={token}&org_id={organization}', deltas)
                )
                before = scrape(server.url)
                with py_spy(pid, profile):
                    await timed_moves(browsers, phase, args.moves, args.interval, move)
                phase.server = server_costs(before, scrape(server.url))
                events.cancel()
                await asyncio.gather(events, return_exceptions=True)
                phase.delta_bytes = int(statistics.median(deltas)) if deltas else 0
                acks.cancel()
                await asyncio.gather(*(b.close() for b in browsers), return_exceptions=True)
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
        f'{phase.open_seconds:.1f} s | {memory} | {page} | {size} | {server} | {phase.load:.2f} |'
    )


def describe_run(args: argparse.Namespace) -> str:
    """Machine, date, commit, load average and the run's options (api_fanout's line, plus the board's leads)."""
    leads = f', {max(args.leads, args.moves + WARM_UP_MOVES)} leads on the board'
    return fanout_run_line(argparse.Namespace(**{**vars(args), 'env': []})) + leads + server_env_text(args)


def server_env_text(args: argparse.Namespace) -> str:
    """The server settings the run changed, as the run line ends."""
    return f', server env {" ".join(args.env)}' if args.env else ''


async def run(args: argparse.Namespace) -> None:
    """Per N: the real server's boards (``--with-boards``), the references with the same N and sizes; the table."""
    raise_open_files(3 * max(args.boards) + 512)
    results: list[list[tuple[Phase, Phase | None]]] = []
    for count in args.boards:
        profile = args.profile if count == args.profile_at else ''
        boards = await board_phase(args, count, profile) if args.with_boards else None
        size = int(statistics.median(boards.sizes)) if boards and boards.sizes else args.update_bytes
        delta = boards.delta_bytes if boards and boards.delta_bytes else args.delta_bytes
        bare = await bare_phase(args, count, size)
        measured: list[tuple[Phase, Phase | None]] = [(boards, bare)] if boards else []
        measured.append((bare, None))
        if args.room:  # right after the floor: the two rows to compare share the machine's load the most
            room_profile = f'{profile}.room' if profile else ''
            measured.append((await nicegui_room_phase(args, count, delta, room_profile), bare))
        if args.nicegui_floor:
            measured.append((await nicegui_floor_phase(args, count, size), bare))
        results.append(measured)
        print(*(row(phase, floor) for phase, floor in measured), sep='\n', flush=True)  # kept if a larger N fails
        print(
            f'N={count} ({datetime.now(UTC):%H:%M:%S}, load {os.getloadavg()[0]:.2f}): update {size} B, delta '
            f'{delta} B; ' + ', '.join(f'{p.label} p99 {percentile(p.all, 0.99):.0f} ms' for p, _ in measured),
            flush=True,
        )
    print()
    print(describe_run(args))
    print()
    print('| N | server | moves | p50 ms | p95 | p99 | max | fastest board per move: median / max | '
          'slowest: median / max | missed | dropped | p99 / bare p99 | open all N | RSS per board | page | '
          'update | server GC; loop lag; memory | load |')  # fmt: skip
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for measured in results:
        print(*(row(phase, floor) for phase, floor in measured), sep='\n')
    for path in (args.profile, f'{args.profile}.room') if args.profile else ():
        print()
        print(path)
        print('\n'.join(profile_summary(path)))


def main() -> None:
    """Parse the arguments and run."""
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
    parser.add_argument('--room', action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the room design: one emit per event to the organization's room")  # fmt: skip
    parser.add_argument('--with-boards', action=argparse.BooleanOptionalAction, default=True,
                        help='measure the real boards (without: only the references, at the sizes below)')  # fmt: skip
    parser.add_argument('--update-bytes', type=int, default=3500, help="the boards' update size, without boards")
    parser.add_argument('--delta-bytes', type=int, default=1200, help="a move's event size, without boards")
    asyncio.run(run(parser.parse_args()))


if __name__ == '__main__':
    main()
