"""Benchmark: PostgreSQL out of reach for 30 s under load — how fast the API says 503, how fast everything is back.

    python bench/db_outage.py [--cut-seconds 30] [--mode blackhole|reset] [--warmup-seconds 5]

The long version of tests/test_db_outage.py (same pieces: tests/tcp_proxy.py, tests/pipeline_server.py).
Two replicas on a fresh database (needs the local PostgreSQL of the tests): A reaches it through a loopback
proxy, B directly. Two organizations; on A one mover and one reader each, on B a teammate of the first
organization keeps moving. The proxy then cuts A's link (``blackhole``: connections in flight end, new ones
hang, as in a network partition; ``reset``: new ones are refused) and restores it. Prints a Markdown table
for docs/BENCHMARKS.md: A's answers during the cut (status mix, latency percentiles), how long until A
answers 200 again, until its LISTEN connection is back, and until a WebSocket that stayed open on A has
every event committed meanwhile (once each, in order).
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the proxy, the servers and the load of the outage test

from pg_harness import PG_ADMIN_URL  # noqa: E402
from pipeline_server import Load, PgServer, Subscriber, postgres_database, register, stored_events  # noqa: E402
from tcp_proxy import TcpProxy  # noqa: E402

LISTENERS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lovedcrm-listener' AND datname = $1"
POLL = 0.02
JSON_503 = ('application/json', 'database_unavailable')


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def listeners(database: str) -> int:
    """How many replicas hold a LISTEN connection to ``database``."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        return int(await conn.fetchval(LISTENERS, database))
    finally:
        await conn.close()


async def seconds_after(start: float, what: str, condition: Callable[[], Any], limit: float = 120.0) -> float:
    """Seconds from ``start`` until ``condition()`` (awaited if needed) holds; raises past ``limit``."""
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.monotonic() - start
        if time.monotonic() - start > limit:
            raise TimeoutError(f'{what}: not within {limit} s')
        await asyncio.sleep(POLL)


async def both_listening(database: str) -> bool:
    """Each replica holds its LISTEN connection."""
    return await listeners(database) == 2


async def run(cut_seconds: float, mode: str, warmup: float) -> None:
    with tempfile.TemporaryDirectory(prefix='lovedcrm-outage-') as scratch, postgres_database('lovedcrm_bench') as url:
        database = url.rsplit('/', 1)[1]
        with TcpProxy() as proxy:
            a = PgServer(Path(scratch) / 'a', database_url=proxy.url_for(url)).start()
            b = PgServer(Path(scratch) / 'b', database_url=url, settings={'LOVEDCRM_SKIP_MIGRATIONS': '1'}).start()
            try:
                await measure(a, b, proxy, database, cut_seconds, mode, warmup)
            except BaseException:
                print(f'replica A, the end of its log:\n{a.log_tail(60)}', file=sys.stderr)
                raise
            finally:
                a.stop()
                b.stop()


async def measure(
    a: PgServer, b: PgServer, proxy: TcpProxy, database: str, cut: float, mode: str, warmup: float
) -> None:
    ana, carla = await register(a, 'Ana Souza'), await register(a, 'Carla Dias')
    lead_a, lead_b = await ana.create_lead('Acme Ltda'), await ana.create_lead('Padaria Pão Quente')
    lead_c = await carla.create_lead('Mercado Central')
    async with Subscriber(ana) as socket:
        load = Load()
        load.mover(ana, lead_a['id'], 'a')
        load.mover(carla, lead_c['id'], 'a')
        load.reader(ana, 'a')
        load.reader(carla, 'a')
        load.mover(ana.on(b), lead_b['id'], 'b')
        await asyncio.sleep(warmup)

        proxy.cut('reset' if mode == 'reset' else 'blackhole')
        cut_at = time.monotonic()
        await asyncio.sleep(cut)
        restored_at = time.monotonic()
        proxy.restore()
        committed = (await stored_events(b.database_url, ana.organization_id))[-1]['seq']

        api_back, listener_back, events_back = await asyncio.gather(
            seconds_after(
                restored_at, 'A answers', lambda: any(c.status == 200 and c.started >= restored_at for c in load.calls)
            ),
            seconds_after(restored_at, 'listeners', lambda: both_listening(database)),
            seconds_after(restored_at, 'socket', lambda: committed in socket.seqs),
        )
        await asyncio.sleep(2)  # a little more load after the recovery
        await load.stop()
        events = await stored_events(b.database_url, ana.organization_id)
        await seconds_after(time.monotonic(), 'last event', lambda: socket.seqs[-1:] == [events[-1]['seq']])
    expected = [e['seq'] for e in events if e['seq'] > socket.greeting['seq']]
    recovery = Recovery(api_back, listener_back, events_back, socket.seqs == expected, len(expected), socket.resumed)
    report(load, cut_at, restored_at, f'{cut:.0f} s {mode} cut', recovery)


@dataclass(frozen=True)
class Recovery:
    """Seconds after the restore until: A answers 200, both LISTEN connections are back, the socket caught up."""

    api: float
    listener: float
    events: float
    events_exact: bool  # the socket that stayed open got each event committed since it opened, once, in order
    event_count: int
    resumed: int  # times that socket was closed with 1013 and reconnected with ``since``


def report(load: Load, cut_at: float, restored_at: float, scenario: str, recovery: Recovery) -> None:
    """Print the Markdown table."""
    during = [c for c in load.calls_on('a') if c.ended > cut_at and c.started < restored_at]
    statuses = Counter(str(c.status) if c.status is not None else 'no answer' for c in during)
    refused = [c.elapsed * 1000 for c in during if c.status == 503]
    malformed = sum(1 for c in during if c.status == 503 and (c.content_type, c.code) != JSON_503)
    first_503 = min((c.ended - cut_at for c in during if c.status == 503), default=float('nan'))
    b_calls = load.calls_on('b')
    rows = [
        (
            'calls to A that overlapped the cut',
            f'{len(during)} ({", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))})',
        ),
        (
            '503 latency p50 / p90 / p99 / max',
            f'{statistics.median(refused):.1f} / {percentile(refused, 0.9):.1f} / {percentile(refused, 0.99):.1f} / '
            f'{max(refused):.1f} ms',
        ),
        ('503s without the JSON body and code', str(malformed)),
        ('first 503 after the cut', f'{first_503 * 1000:.0f} ms'),
        ('A answers 200 again', f'{recovery.api * 1000:.0f} ms after the restore'),
        ('both LISTEN connections back', f'{recovery.listener * 1000:.0f} ms after the restore'),
        ('socket open on A has every event of the cut', f'{recovery.events * 1000:.0f} ms after the restore'),
        ('its events, each once and in order', f'{"yes" if recovery.events_exact else "NO"} ({recovery.event_count})'),
        ('its closes with 1013 (then resumed with `since`)', str(recovery.resumed)),
        ('calls to B (direct) that were not 200', f'{sum(1 for c in b_calls if c.status != 200)} of {len(b_calls)}'),
    ]
    cpu = platform.processor() or platform.machine()
    print(f'### Database outage (`bench/db_outage.py`) — {cpu}, {os.cpu_count()} cores, ', end='')
    print(f'{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {scenario}\n')
    print('| measure | value |\n|---|---|')
    for measure, value in rows:
        print(f'| {measure} | {value} |')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cut-seconds', type=float, default=30.0)
    parser.add_argument('--mode', choices=['blackhole', 'reset'], default='blackhole')
    parser.add_argument('--warmup-seconds', type=float, default=5.0)
    options = parser.parse_args()
    asyncio.run(run(options.cut_seconds, options.mode, options.warmup_seconds))


if __name__ == '__main__':
    main()
