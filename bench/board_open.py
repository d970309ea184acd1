"""Benchmark: how long the server takes to build the board page at 100 / 1,000 / 10,000 leads, and what it sends.

    python bench/board_open.py [--leads 100 1000 10000] [--db sqlite|postgres] [--runs 15] [--held 10]

One real server (python main.py, tests/server_process.py; PostgreSQL: a throwaway database) and one
organization per size, in the same run: each has its own person, its leads inserted straight into the table
(tests/seeding.py) and a browser session signed in through the login page (bench/live_boards.py). Per size:
- build: time to the first byte of ``GET /pipeline`` with the signed-in cookies (NiceGUI builds the whole page,
  board included, before it answers), median and slowest of ``--runs``, the sizes taken in turn;
- bytes: the page plus what NiceGUI's socket sends in the first 2 s after a browser connects;
- memory: ``--held`` boards opened and connected, the server's VmRSS before and after, per board.
Prints a Markdown table for docs/BENCHMARKS.md, with the ratios to the smallest size.
"""

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the server subprocess, the throwaway database, the lead rows

from api_person import new_account  # noqa: E402
from pg_harness import pg_url  # noqa: E402
from pipeline_server import postgres_database  # noqa: E402
from seeding import insert_leads, lead_rows  # noqa: E402

from bench.api_fanout import FanoutServer  # noqa: E402
from bench.live_boards import SimBrowser, open_board, sign_in, vm_rss_kib  # noqa: E402
from lovedcrm_ui.config import Settings  # noqa: E402
from lovedcrm_ui.db import create_engine  # noqa: E402

SOCKET_SECONDS = 2.0  # how long the initial socket messages are counted after a browser connects


async def seed(database_url: str, organization_id: str, count: int) -> None:
    """``count`` leads in the organization, inserted straight into the table (as the admin: no row policy)."""
    engine = create_engine(Settings(DATABASE_URL=database_url, SECRET_KEY='x', STORAGE_SECRET='x'))
    async with engine.begin() as conn:
        await insert_leads(conn, lead_rows(uuid.UUID(organization_id), count, value=None))
    await engine.dispose()


async def first_byte_ms(client: httpx.AsyncClient) -> float:
    """Milliseconds from sending ``GET /pipeline`` to the response's first byte (headers)."""
    started = time.perf_counter()
    async with client.stream('GET', '/pipeline') as response:
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        await response.aread()
    return elapsed


async def bytes_sent(client: httpx.AsyncClient) -> tuple[int, int]:
    """The page's size and what the socket carried in its first ``SOCKET_SECONDS``."""
    browser, page = await open_board(client)
    await asyncio.sleep(SOCKET_SECONDS)
    socket = sum(len(raw.encode()) for _, raw in browser.frames)
    await browser.close()
    return page, socket


async def run(args: argparse.Namespace) -> None:
    """Seed one organization per size, sign each in, measure, print the table."""
    with contextlib.ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix='board-open-')))
        if args.db == 'postgres':
            database_url = stack.enter_context(postgres_database('lovedcrm_board_open'))
            seed_url = pg_url(database_url.rsplit('/', 1)[1])  # the admin: the app's role sees one tenant at a time
        else:
            database_url = f'sqlite+aiosqlite:///{data_dir / "bench.db"}'
            seed_url = database_url
        server = FanoutServer(data_dir, database_url=database_url, sockets=10)
        await asyncio.to_thread(server.start)
        stack.callback(server.stop)
        assert server.process is not None
        pid = server.process.pid
        clients: dict[int, httpx.AsyncClient] = {}
        for count in args.leads:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as api:
                account = new_account('Bia Aberta')
                registered = await api.post('/auth/register', json=account)
                assert registered.status_code == 201, registered.text
                await seed(seed_url, registered.json()['organization']['id'], count)
            client = httpx.AsyncClient(base_url=server.url, timeout=120)
            await sign_in(client, account['email'], account['password'])
            clients[count] = client
        for client in clients.values():  # warm-up: caches, first imports
            for _ in range(2):
                await first_byte_ms(client)
        builds: dict[int, list[float]] = {count: [] for count in args.leads}
        for _ in range(args.runs):
            for count, client in clients.items():
                builds[count].append(await first_byte_ms(client))
        sent = {count: await bytes_sent(client) for count, client in clients.items()}
        memory: dict[int, float] = {}
        for count, client in clients.items():
            before = vm_rss_kib(pid)
            held: list[SimBrowser] = [(await open_board(client))[0] for _ in range(args.held)]
            await asyncio.sleep(SOCKET_SECONDS)
            memory[count] = (vm_rss_kib(pid) - before) / args.held / 1024
            await asyncio.gather(*(b.close() for b in held))
        for client in clients.values():
            await client.aclose()
    print(describe_run(args))
    print('| leads | page built (first byte) ms | ratio to the smallest | page KiB | socket KiB (first 2 s) | '
          'server memory per open board |')  # fmt: skip
    print('|---|---|---|---|---|---|')
    smallest = statistics.median(builds[args.leads[0]])
    for count in args.leads:
        median = statistics.median(builds[count])
        page, socket = sent[count]
        print(
            f'| {count:,} | {median:.0f} ({max(builds[count]):.0f}) | {median / smallest:.2f} | {page / 1024:.0f} | '
            f'{socket / 1024:.1f} | {memory[count]:.2f} MB |'
        )


def describe_run(args: argparse.Namespace) -> str:
    """Machine, date, commit and load average: the line above the table."""
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=ROOT)
    load = ' '.join(f'{x:.2f}' for x in os.getloadavg())
    return (
        f'\n{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {args.db}, '
        f'{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit.stdout.strip() or "?"}, load average {load}, '
        f'median (slowest) of {args.runs}\n'
    )


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--db', choices=('postgres', 'sqlite'), default='postgres')
    parser.add_argument('--leads', type=int, nargs='+', default=[100, 1000, 10_000])
    parser.add_argument('--runs', type=int, default=15)
    parser.add_argument('--held', type=int, default=10, help='boards held open to measure memory per board')
    asyncio.run(run(parser.parse_args()))


if __name__ == '__main__':
    main()
