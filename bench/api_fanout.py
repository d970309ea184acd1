"""Benchmark: one REST stage move → every API WebSocket subscriber of the organization, beside a bare broadcast.

    python bench/api_fanout.py [--db postgres|sqlite] [--subscribers 1 100 1000] [--moves 50] [--interval 0.2]
                               [--plot docs/api_fanout.png] [--env NAME=VALUE ...]

Starts the real server (python main.py, tests/server_process.py) on loopback with a throwaway data directory
(PostgreSQL: a throwaway database, tests/pipeline_server.py), registers one person, creates one lead, and for
each N opens N ``/ws/pipeline`` sockets of that person (``WS_MAX_CONNECTIONS_PER_USER`` raised to fit) and
moves the lead ``--moves`` times over REST, ``--interval`` seconds apart. Latency = a receiver's arrival time
minus the time the PUT was sent, for every (move, receiver): p50/p95/p99/max, and per move its fastest and its
slowest receiver. In the same run, a bare ``websockets.broadcast`` server (``bare_server`` below, its own
process) with the same N sockets, the same frame size and the same client harness, triggered by a message on
a control socket, is the floor: the table gives the ratios.

The client harness holds every socket in this one process: it freezes and disables its own garbage collector
for the timed part (otherwise it pauses itself for 60 to 420 ms at 1000 sockets and the server looks slow) and
parses frames only afterwards. The server's own GC pauses and event-loop lag are read from its ``/metrics``
(lovedcrm_ui/runtime_health.py) before and after each timed part. ``--env`` passes settings to the server.
Prints a Markdown table for docs/BENCHMARKS.md; ``--plot`` writes a PNG (needs matplotlib, else skipped).
"""

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the server subprocess and the throwaway PostgreSQL database

from api_person import new_account  # noqa: E402
from pipeline_server import postgres_database  # noqa: E402
from server_process import ServerProcess, free_port  # noqa: E402

STAGES = ('contato', 'proposta', 'negociacao', 'fechado', 'lead')
WARM_UP_MOVES = 3  # not timed: the first requests fill caches on both sides
CONNECT_AT_ONCE = 20  # handshakes in flight at a time
SCRAPED = ('lovedcrm_gc_pause_seconds', 'lovedcrm_event_loop_lag_seconds', 'process_resident_memory_bytes')
DRAIN_SECONDS = 15.0  # after the last move: how long to wait for every receiver to hold every frame


@dataclass
class FanoutServer(ServerProcess):
    """``main.py`` on SQLite or ``database_url``, with room for ``sockets`` sockets of one person."""

    database_url: str = ''
    sockets: int = 100
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        """The WebSocket base URL."""
        return f'ws://127.0.0.1:{self.port}'

    def extra_environment(self) -> dict[str, str]:
        """Secrets, the database, the per-user socket limit above N, and the caller's ``--env``."""
        env = {
            'SECRET_KEY': 'api-fanout-bench-secret-key-long-enough-for-hs256',
            'STORAGE_SECRET': 'api-fanout-bench-storage-secret',
            'WS_MAX_CONNECTIONS_PER_USER': str(self.sockets + 10),
        }
        if self.database_url:
            env['DATABASE_URL'] = self.database_url
        return {**env, **self.settings}


# ----- the bare floor: websockets.broadcast to N sockets, in its own process -------------------------


async def bare_server(port: int, deflate: bool) -> None:
    """Broadcast one frame of the asked size to every subscriber per control message (``<key> <size>``)."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    subscribers: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        if connection.request is not None and connection.request.path == '/control':
            async for message in connection:
                key, size = str(message).split()
                head = f'{{"type":"lead_stage_changed","key":{key},"pad":"'
                broadcast(subscribers, head + 'x' * max(0, int(size) - len(head) - 2) + '"}')
            return
        subscribers.add(connection)
        try:
            await connection.wait_closed()
        finally:
            subscribers.discard(connection)

    # compression as the real server negotiated it (permessage-deflate costs a compression per socket and frame)
    async with serve(handler, '127.0.0.1', port, max_size=None, compression='deflate' if deflate else None):
        print('ready', flush=True)
        await asyncio.Future()


@contextlib.contextmanager
def bare_process(deflate: bool) -> Iterator[str]:
    """The bare server as a subprocess: its ws:// base URL."""
    port = free_port()
    command = [sys.executable, __file__, '--bare-server', str(port), '--bare-deflate', str(int(deflate))]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b'ready'
        yield f'ws://127.0.0.1:{port}'
    finally:
        process.terminate()
        process.wait(timeout=10)


# ----- the client harness (the same for both servers) ---------------------------------------------


class Receivers:
    """N sockets in this process, each recording (arrival time, raw frame) of everything it receives."""

    def __init__(self) -> None:
        self.connections: list[websockets.ClientConnection] = []
        self.arrivals: list[list[tuple[float, str]]] = []
        self._readers: list[asyncio.Task[None]] = []

    async def open(self, url: str, count: int) -> None:
        """Open ``count`` sockets on ``url`` (a few handshakes at a time); each reads on its own task."""
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def one() -> websockets.ClientConnection:
            async with gate:
                for attempt in range(5):
                    try:
                        return await websockets.connect(url, open_timeout=60, close_timeout=2, max_size=None)
                    except websockets.InvalidStatus as refused:  # 503 (pool busy) / 429: as a client would, later
                        if attempt == 4 or refused.response.status_code not in (429, 503):
                            raise
                        await asyncio.sleep(0.5 * (attempt + 1))
                raise AssertionError('unreachable')

        self.connections = list(await asyncio.gather(*(one() for _ in range(count))))
        self.arrivals = [[] for _ in self.connections]
        self._readers = [
            asyncio.create_task(self._read(c, a)) for c, a in zip(self.connections, self.arrivals, strict=True)
        ]

    @staticmethod
    async def _read(connection: websockets.ClientConnection, arrivals: list[tuple[float, str]]) -> None:
        clock, record = time.perf_counter, arrivals.append
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in connection:
                record((clock(), str(raw)))

    def holding(self, key: int, key_of: 'KeyOf') -> int:
        """How many receivers already hold the frame of ``key`` (checked on their last frame only)."""
        return sum(1 for a in self.arrivals if a and key_of(a[-1][1]) == key)

    def forget(self) -> None:
        """Drop what arrived so far (the greeting, warm-up moves)."""
        for arrivals in self.arrivals:
            arrivals.clear()

    async def close(self) -> None:
        """Close every socket and stop the readers."""
        await asyncio.gather(*(c.close() for c in self.connections), return_exceptions=True)
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


class KeyOf:
    """Which move a frame belongs to: the lead's version (API) or ``key`` (bare); None for other frames."""

    def __init__(self, bare: bool) -> None:
        self.bare = bare

    def __call__(self, raw: str) -> int | None:
        frame = json.loads(raw)
        if frame.get('type') != 'lead_stage_changed':
            return None
        return int(frame['key'] if self.bare else frame['lead']['version'])


@dataclass
class Phase:
    """One timed part: per move its send time, and every receiver's latency (ms) for it."""

    label: str
    sockets: int
    sent: dict[int, float] = field(default_factory=dict)
    latencies: dict[int, list[float]] = field(default_factory=dict)  # key → one per receiver that got it
    missing: int = 0
    server: dict[str, float] = field(default_factory=dict)

    def collect(self, receivers: Receivers, key_of: KeyOf) -> None:
        """Match every arrival to its move (parsing now, outside the timed part)."""
        for arrivals in receivers.arrivals:
            seen = set()
            for arrived, raw in arrivals:
                key = key_of(raw)
                if key in self.sent:
                    self.latencies.setdefault(key, []).append((arrived - self.sent[key]) * 1000)
                    seen.add(key)
            self.missing += len(self.sent) - len(seen)

    @property
    def all(self) -> list[float]:
        return sorted(v for values in self.latencies.values() for v in values)

    def per_move(self) -> list[tuple[int, float, float]]:
        """(key, fastest receiver, slowest receiver) per move, in ms."""
        return [(k, min(v), max(v)) for k, v in sorted(self.latencies.items())]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float('nan')
    return values[min(len(values) - 1, max(0, round(share * len(values) + 0.5) - 1))]


async def timed_moves(
    receivers: Receivers, phase: Phase, key_of: KeyOf, moves: int, interval: float, trigger: Any
) -> None:
    """Warm up, then ``moves`` triggers ``interval`` apart with this process's GC off; wait for every frame."""
    for _ in range(WARM_UP_MOVES):
        await trigger(None)
    await asyncio.sleep(interval)
    receivers.forget()
    gc.collect()
    gc.freeze()  # what exists now is never scanned, and nothing is collected while timing
    gc.disable()
    try:
        last = 0
        for _ in range(moves):
            started = time.perf_counter()
            last = await trigger(started)
            phase.sent[last] = started
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
        deadline = time.perf_counter() + DRAIN_SECONDS
        while receivers.holding(last, key_of) < phase.sockets and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the readers append without signalling: look again
    finally:
        gc.enable()
        gc.unfreeze()
    phase.collect(receivers, key_of)


# ----- the real server: REST moves, /metrics ----------------------------------------------------------


def scrape(url: str) -> dict[str, float]:
    """The server's GC-pause and loop-lag histograms, flattened: ``name{labels}`` → value."""
    samples: dict[str, float] = {}
    text = httpx.get(f'{url}/metrics', timeout=30).text
    for family in text_string_to_metric_families(text):
        if family.name in SCRAPED:
            for s in family.samples:
                labels = ','.join(f'{k}={v}' for k, v in sorted(s.labels.items()))
                samples[f'{s.name}{{{labels}}}'] = s.value
    return samples


def server_costs(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Gen-2 collections and loop lag during a timed part (differences of the histograms)."""

    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    gen2 = 'lovedcrm_gc_pause_seconds_{}{{generation=2}}'
    count = delta(gen2.format('count'))
    return {
        'gen2_count': count,
        'gen2_mean_ms': 1000 * delta(gen2.format('sum')) / count if count else 0.0,
        'gen2_over_50ms': count - delta('lovedcrm_gc_pause_seconds_bucket{generation=2,le=0.05}'),
        'gc_total_ms': 1000 * sum(delta(gen2.replace('2', str(g)).format('sum')) for g in range(3)),
        'lag_over_50ms': delta('lovedcrm_event_loop_lag_seconds_count{}')
        - delta('lovedcrm_event_loop_lag_seconds_bucket{le=0.05}'),
        'rss_mb': after.get('process_resident_memory_bytes{}', 0.0) / 2**20,
    }


async def api_phase(server: FanoutServer, count: int, moves: int, interval: float) -> tuple[Phase, int, bool]:
    """N sockets on the real server, REST moves; returns the phase, the frame size seen, whether it compressed."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        registered = await client.post('/auth/register', json=new_account('Ana Fanout'))
        assert registered.status_code == 201, registered.text
        body = registered.json()
        token, org = body['access_token'], body['organization']['id']
        client.headers.update({'Authorization': f'Bearer {token}', 'X-Org-Id': org})
        created = await client.post('/crm/leads', json={'name': 'Padaria Fanout Ltda', 'estimated_value': '12500.00'})
        assert created.status_code in (200, 201), created.text
        lead_id = created.json()['id']
        receivers = Receivers()
        await receivers.open(f'{server.ws_url}/ws/pipeline?token={token}&org_id={org}', count)
        step = 0

        async def move(_started: float | None) -> int:
            nonlocal step
            response = await client.put(f'/crm/leads/{lead_id}/stage', json={'stage': STAGES[step % len(STAGES)]})
            assert response.status_code == 200, response.text
            step += 1
            return int(response.json()['version'])

        phase = Phase('API', count)
        before = scrape(server.url)
        await timed_moves(receivers, phase, KeyOf(bare=False), moves, interval, move)
        phase.server = server_costs(before, scrape(server.url))
        size = max((len(raw.encode()) for a in receivers.arrivals for _, raw in a[:1]), default=700)
        response = receivers.connections[0].response
        deflate = response is not None and 'permessage-deflate' in response.headers.get('Sec-WebSocket-Extensions', '')
        await receivers.close()
    return phase, size, deflate


async def bare_phase(url: str, count: int, moves: int, interval: float, size: int) -> Phase:
    """N sockets on the bare server, a control socket triggering each broadcast."""
    receivers = Receivers()
    await receivers.open(f'{url}/subscribe', count)
    key = 0
    async with websockets.connect(f'{url}/control') as control:

        async def broadcast(_started: float | None) -> int:
            nonlocal key
            key += 1
            await control.send(f'{key} {size}')
            return key

        phase = Phase('bare', count)
        await timed_moves(receivers, phase, KeyOf(bare=True), moves, interval, broadcast)
    await receivers.close()
    return phase


# ----- the run ---------------------------------------------------------------------------------------


def raise_open_files(needed: int) -> None:
    """Lift this process's (and so the server's) open-files limit so that every socket fits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(max(soft, needed), hard)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def row(phase: Phase, floor: Phase | None) -> str:
    """One Markdown row: percentiles, per-move fastest/slowest, stalls and ratios against ``floor``."""
    values = phase.all
    p50, p95, p99 = (percentile(values, s) for s in (0.5, 0.95, 0.99))
    fastest = sorted(f for _, f, _ in phase.per_move())
    slowest = sorted(s for _, _, s in phase.per_move())
    ratio = stalls = '—'
    if floor is not None and floor.all:
        floor_p50, floor_p99 = percentile(floor.all, 0.5), percentile(floor.all, 0.99)
        ratio = f'{p99 / floor_p99:.2f}'
        stalls = str(sum(1 for f in fastest if f > 2 * floor_p50))
    costs = phase.server
    server = (
        f'{costs["gen2_count"]:.0f} x {costs["gen2_mean_ms"]:.0f} ms ({costs["gen2_over_50ms"]:.0f} > 50 ms), '
        f'all GC {costs["gc_total_ms"]:.0f} ms; lag > 50 ms: {costs["lag_over_50ms"]:.0f}; RSS {costs["rss_mb"]:.0f} MB'
        if costs
        else '—'
    )
    return (
        f'| {phase.sockets} | {phase.label} | {len(phase.latencies)} | {p50:.1f} | {p95:.1f} | {p99:.1f} | '
        f'{values[-1] if values else float("nan"):.1f} | {statistics.median(fastest) if fastest else 0:.1f} / '
        f'{fastest[-1] if fastest else 0:.1f} | {statistics.median(slowest) if slowest else 0:.1f} / '
        f'{slowest[-1] if slowest else 0:.1f} | {phase.missing} | {ratio} | {stalls} | {server} |'
    )


def plot(results: list[tuple[Phase, Phase]], path: Path) -> None:
    """Latency distributions (API vs bare per N) and per-move fastest/slowest receivers, as one PNG."""
    try:
        import matplotlib

        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print(f'(no plot: matplotlib is not installed; {path} not written)')
        return
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    for (api, bare), colour in zip(
        results, ('tab:green', 'tab:blue', 'tab:red', 'tab:purple', 'tab:orange'), strict=False
    ):
        for phase, style in ((api, '-'), (bare, ':')):
            values = phase.all
            if values:
                shares = [(i + 1) / len(values) for i in range(len(values))]
                left.plot(values, shares, style, color=colour, label=f'{phase.label}, N={phase.sockets}')
    left.set(xscale='log', xlabel='receive - send (ms)', ylabel='share of receivers', title='Latency, every receiver')
    left.legend(fontsize=8)
    api, bare = results[-1]
    for phase, colour in ((api, 'tab:red'), (bare, 'tab:blue')):
        moves = phase.per_move()
        index = range(1, len(moves) + 1)
        right.plot(index, [s for _, _, s in moves], '-', color=colour, label=f'{phase.label}: slowest receiver')
        right.plot(index, [f for _, f, _ in moves], '--', color=colour, label=f'{phase.label}: fastest receiver')
    right.set(xlabel='move', ylabel='ms', yscale='log', title=f'Per move, N={api.sockets}')
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    print(f'plot: {path}')


def describe_run(args: argparse.Namespace) -> str:
    """Machine, date, commit, load average and the run's options: the line above the table."""
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=ROOT)
    load = ' '.join(f'{x:.2f}' for x in os.getloadavg())
    server_env = f', server env {" ".join(args.env)}' if args.env else ''
    return (
        f'{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {args.db}, '
        f'{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit.stdout.strip() or "?"}, load average {load}, '
        f'{args.moves} moves {args.interval * 1000:.0f} ms apart{server_env}'
    )


async def run(args: argparse.Namespace) -> None:
    """Start the server, measure each N against the bare floor, print the table."""
    raise_open_files(2 * max(args.subscribers) + 512)
    settings = dict(item.split('=', 1) for item in args.env)
    results: list[tuple[Phase, Phase]] = []
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_database('lovedcrm_fanout')) if args.db == 'postgres' else ''
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix='api-fanout-')))
        server = FanoutServer(data_dir, database_url=database_url, sockets=max(args.subscribers), settings=settings)
        await asyncio.to_thread(server.start)
        stack.callback(server.stop)
        for count in args.subscribers:
            api, size, deflate = await api_phase(server, count, args.moves, args.interval)
            with bare_process(deflate) as bare_url:
                bare = await bare_phase(bare_url, count, args.moves, args.interval, size)
            results.append((api, bare))
            compressed = ', permessage-deflate' if deflate else ''
            api_p99, bare_p99 = percentile(api.all, 0.99), percentile(bare.all, 0.99)
            print(
                f'N={count}: frame {size} B{compressed}; API p99 {api_p99:.1f} ms, bare {bare_p99:.1f} ms', flush=True
            )
        if args.server_log:
            shutil.copyfile(server.log_path, args.server_log)
    print()
    print(describe_run(args))
    print()
    print('| N | server | moves | p50 ms | p95 | p99 | max | fastest receiver per move: median / max | '
          'slowest: median / max | missed | p99 / bare p99 | stalls (fastest > 2 x bare p50) | '
          'server gen-2 GC; loop lag; memory |')  # fmt: skip
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for api, bare in results:
        print(row(api, bare))
        print(row(bare, None))
    if args.plot:
        plot(results, Path(args.plot))


def main() -> None:
    """Parse the arguments; the bare server runs when called with ``--bare-server PORT``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--db', choices=('postgres', 'sqlite'), default='postgres')
    parser.add_argument('--subscribers', type=int, nargs='+', default=[1, 100, 1000])
    parser.add_argument('--moves', type=int, default=50)
    parser.add_argument('--interval', type=float, default=0.2, help='seconds between the starts of two moves')
    parser.add_argument('--plot', default='', help='PNG file for the distributions (needs matplotlib)')
    parser.add_argument('--env', nargs='*', default=[], help='NAME=VALUE settings for the server')
    parser.add_argument('--server-log', default='', help="copy the server's output to this file at the end")
    parser.add_argument('--bare-server', type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument('--bare-deflate', type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        asyncio.run(bare_server(args.bare_server, bool(args.bare_deflate)))
    else:
        asyncio.run(run(args))


if __name__ == '__main__':
    main()
