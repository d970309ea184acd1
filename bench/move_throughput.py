"""Benchmark 4 of issue 16: stage moves per second on PostgreSQL, against a bare asyncpg loop.

    python bench/move_throughput.py [--clients 50] [--orgs 10] [--seconds 10] [--warmup 2] [--py-spy FILE]

Starts the real server (``python main.py``, tests/server_process.py) on a throwaway PostgreSQL database owned
by the app's role (row-level security binds it, as in production), registers one account per organization,
seeds leads straight into the table, then for ``--seconds`` each (after ``--warmup`` seconds not counted):

1. ``--clients`` HTTP clients (httpx, one keep-alive connection each) spread over ``--orgs`` organizations,
   each moving its own leads with ``PUT /crm/leads/{id}/stage`` (a random stage, top of the column) as fast
   as the answers come back;
2. the same clients all in one organization (every move waits for the same organization row lock);
3. the floor: a bare asyncpg loop, as many tasks and connections as clients, running the transaction a
   move needs (the row-security scope, the organization row lock + seq, the lead row lock, the top of the
   target column, the lead update, the event insert with the lead's JSON snapshot, NOTIFY), over the same
   organizations.

The load generator freezes and disables its garbage collector during each timed part (a Python client's
own GC pauses would show up as server latency). Prints a Markdown table for docs/BENCHMARKS.md; with
``--py-spy FILE`` also samples the server during part 1 (py-spy must be installed; raw collapsed stacks).
"""

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the server process, the PostgreSQL harness and lead seeding

import server_process  # noqa: E402
from contract import STAGES  # noqa: E402
from pg_harness import PG_ADMIN_URL, app_url, create_app_database_sync, pg_admin_sync  # noqa: E402
from seeding import insert_leads, lead_rows  # noqa: E402
from server_process import ServerProcess  # noqa: E402

from lovedcrm_ui.config import Settings  # noqa: E402
from lovedcrm_ui.db import create_engine  # noqa: E402


@dataclass
class BenchServer(ServerProcess):
    """``main.py`` on the throwaway database, configured as an operator would run it."""

    database_url: str = ''
    settings: dict[str, str] = field(default_factory=dict)
    app_env: ClassVar[str | None] = None

    def extra_environment(self) -> dict[str, str]:
        """The database (the PostgreSQL event bus follows from it) and any --env settings."""
        return {'DATABASE_URL': self.database_url, **self.settings}


@dataclass
class Organization:
    """One registered organization: its id, its owner's headers and its seeded leads."""

    id: str
    headers: dict[str, str]
    lead_ids: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What one timed part saw."""

    label: str
    seconds: float
    latencies_ms: list[float]
    errors: int
    server_cpu_seconds: float | None = None  # CPU time the server process used inside the window
    connections_opened: int | None = None  # PostgreSQL sessions begun on the database during the part

    @property
    def rate(self) -> float:
        """Completed moves (or transactions) per second."""
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile latency (nearest rank)."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float('nan')


def process_cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc), 0 without a pid."""
    if pid is None:
        return 0.0
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


class Window:
    """The timed part: starts after the warm-up, ends ``seconds`` later; the client's GC is off inside it."""

    def __init__(self, warmup: float, seconds: float, pid: int | None = None, database: str = '') -> None:
        self.warmup = warmup
        self.seconds = seconds
        self.start = self.end = 0.0
        self.pid = pid  # the server's: its CPU time inside the window is measured
        self.cpu_seconds: float | None = None
        self.database = database  # PostgreSQL sessions begun on it inside the window are counted
        self.connections_opened: int | None = None

    async def run(self, workers: list[asyncio.Task[None]]) -> None:
        """Let the workers warm up, time the window with the collector frozen, then stop them."""
        await asyncio.sleep(self.warmup)
        sessions_before = await sessions_begun(self.database) if self.database else 0
        gc.collect()
        gc.freeze()
        gc.disable()
        self.start = time.perf_counter()
        self.end = self.start + self.seconds
        cpu_before = process_cpu_seconds(self.pid)
        try:
            await asyncio.sleep(self.seconds)
            if self.pid is not None:
                self.cpu_seconds = process_cpu_seconds(self.pid) - cpu_before
            await asyncio.sleep(0.05)
        finally:
            gc.enable()
            gc.unfreeze()
        if self.database:
            self.connections_opened = await sessions_begun(self.database) - sessions_before
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    def counts(self, started: float, finished: float) -> bool:
        """Whether a call inside [started, finished] belongs to the window (begun and ended inside it)."""
        return self.start <= started and finished <= self.end


async def http_client(
    base: str, organization: Organization, leads: list[str], window: Window, latencies: list[float], errors: list[int]
) -> None:
    """One client: move its leads to random stages, one request at a time, over one keep-alive connection."""
    rng = random.Random(leads[0])
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, headers=organization.headers, limits=limits, timeout=30) as client:
        i = 0
        while True:
            lead_id = leads[i % len(leads)]
            i += 1
            body = {'stage': rng.choice(STAGES), 'position': 0}
            started = time.perf_counter()
            response = await client.put(f'/crm/leads/{lead_id}/stage', json=body)
            finished = time.perf_counter()
            if window.counts(started, finished):
                if response.status_code == 200:
                    latencies.append((finished - started) * 1000)
                else:
                    errors.append(response.status_code)


async def http_part(
    label: str, server: BenchServer, assignments: list[tuple[Organization, list[str]]], warmup: float, seconds: float
) -> Outcome:
    """Run one HTTP client per assignment for the window."""
    assert server.process is not None
    base = server.url
    window = Window(warmup, seconds, server.process.pid, server.database_url.rsplit('/', 1)[1])
    latencies: list[float] = []
    errors: list[int] = []
    workers = [
        asyncio.create_task(http_client(base, org, leads, window, latencies, errors)) for org, leads in assignments
    ]
    await window.run(workers)
    return Outcome(label, seconds, latencies, len(errors), window.cpu_seconds, window.connections_opened)


async def sessions_begun(database: str) -> int:
    """Sessions PostgreSQL has begun on ``database`` so far (a pool that closes and reopens connections shows)."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        return int(await conn.fetchval('SELECT sessions FROM pg_stat_database WHERE datname = $1', database) or 0)
    finally:
        await conn.close()


# the transaction of one move, statement by statement as the app needs it (services/moves.py)
SCOPE = "SELECT set_config('lovedcrm.org_id', $1, true), set_config('lovedcrm.cross_org', 'off', true)"
LOCK_ORGANIZATION = 'UPDATE organizations SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq'
LOCK_LEAD = 'SELECT * FROM leads WHERE id = $1 AND organization_id = $2 FOR UPDATE'
TOP_OF_COLUMN = (
    'SELECT position FROM leads WHERE organization_id = $1 AND stage = $2 AND id <> $3 ORDER BY position, id LIMIT 1'
)
UPDATE_LEAD = (
    'UPDATE leads SET stage = $2, position = $3, stage_changed_at = $4, version = version + 1, updated_at = $4 '
    'WHERE id = $1 RETURNING version'
)
INSERT_EVENT = (
    'INSERT INTO pipeline_events (organization_id, seq, type, lead_id, actor_user_id, payload, created_at) '
    "VALUES ($1, $2, 'lead_stage_changed', $3, NULL, $4, $5)"
)
NOTIFY = "SELECT pg_notify('lovedcrm_events', $1)"


def lead_json(row: asyncpg.Record, stage: str, position: float, version: int, now: datetime) -> dict[str, object]:
    """The lead snapshot an event stores (every column, JSON-ready)."""
    lead: dict[str, object] = {}
    for key, value in row.items():
        if isinstance(value, (uuid.UUID, datetime)):
            value = value.isoformat() if isinstance(value, datetime) else str(value)
        elif not isinstance(value, (str, int, float, bool, list, dict, type(None))):
            value = str(value)  # Decimal
        lead[key] = value
    lead.update(stage=stage, position=position, version=version, updated_at=now.isoformat())
    return lead


async def bare_worker(
    dsn: str, organization_id: uuid.UUID, leads: list[str], window: Window, latencies: list[float]
) -> None:
    """One task with its own connection, running the move transaction back to back."""
    rng = random.Random(leads[0])
    conn = await asyncpg.connect(dsn)
    try:
        org = str(organization_id)
        i = 0
        while True:
            lead_id = uuid.UUID(leads[i % len(leads)])
            i += 1
            stage = rng.choice(STAGES)
            started = time.perf_counter()
            async with conn.transaction():
                await conn.fetchrow(SCOPE, org)
                seq = await conn.fetchval(LOCK_ORGANIZATION, organization_id)
                row = await conn.fetchrow(LOCK_LEAD, lead_id, organization_id)
                top = await conn.fetchval(TOP_OF_COLUMN, organization_id, stage, lead_id)
                position = 0.0 if top is None else top - 1024.0
                now = datetime.now(UTC)
                version = await conn.fetchval(UPDATE_LEAD, lead_id, stage, position, now)
                payload = {
                    'lead': lead_json(row, stage, position, version, now),
                    'old_stage': row['stage'],
                    'new_stage': stage,
                    'position': position,
                    'rebalanced': False,
                }
                await conn.execute(INSERT_EVENT, organization_id, seq, lead_id, json.dumps(payload), now)
                await conn.fetchval(NOTIFY, f'{org}:{seq}')
            finished = time.perf_counter()
            if window.counts(started, finished):
                latencies.append((finished - started) * 1000)
    finally:
        await conn.close()


async def bare_part(
    label: str, dsn: str, assignments: list[tuple[Organization, list[str]]], warmup: float, seconds: float
) -> Outcome:
    """Run one bare asyncpg task per assignment for the window."""
    window = Window(warmup, seconds)
    latencies: list[float] = []
    workers = [
        asyncio.create_task(bare_worker(dsn, uuid.UUID(org.id), leads, window, latencies)) for org, leads in assignments
    ]
    await window.run(workers)
    return Outcome(label, seconds, latencies, 0)


def spread(organizations: list[Organization], clients: int, one_org: bool) -> list[tuple[Organization, list[str]]]:
    """Client ``i`` works in organization ``i mod n`` (or all in the first) on leads no other client touches."""
    orgs = organizations[:1] if one_org else organizations
    per_org: dict[str, int] = {}
    assignments = []
    for i in range(clients):
        org = orgs[i % len(orgs)]
        slot = per_org.get(org.id, 0)
        per_org[org.id] = slot + 1
        sharing = -(-clients // len(orgs))  # clients per organization, rounded up
        assignments.append((org, org.lead_ids[slot::sharing]))
    return assignments


async def seed(database_url: str, organizations: list[Organization], leads: int) -> None:
    """Seed each organization's leads straight into the table."""
    engine = create_engine(Settings(DATABASE_URL=database_url, SECRET_KEY='x', STORAGE_SECRET='x'))
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("SELECT set_config('lovedcrm.cross_org', 'on', true)")
            for org in organizations:
                rows = lead_rows(uuid.UUID(org.id), leads, value=None)
                await insert_leads(conn, rows)
                org.lead_ids = [str(row['id']) for row in rows]
    finally:
        await engine.dispose()


def register(base: str, count: int) -> list[Organization]:
    """One owner and organization per ``count``."""
    organizations = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for i in range(count):
            account = {
                'email': f'bench{i}@example.com',
                'password': 'Secret123',
                'full_name': f'Bench {i}',
                'terms_accepted': True,
            }
            answer = client.post('/auth/register', json=account)
            answer.raise_for_status()
            body = answer.json()
            org = body['organization']['id']
            organizations.append(
                Organization(org, {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': org})
            )
    return organizations


def row(outcome: Outcome, floor: Outcome | None) -> str:
    """One Markdown table row."""
    ratio = f'{outcome.rate / floor.rate:.2f}' if floor and floor.rate else '—'
    p50, p99 = outcome.percentile(50), outcome.percentile(99)
    tail = f'{p99 / p50:.1f}' if p50 else '—'
    moves = len(outcome.latencies_ms)
    cpu = f'{outcome.server_cpu_seconds * 1000 / moves:.2f}' if outcome.server_cpu_seconds and moves else '—'
    return (
        f'| {outcome.label} | {outcome.rate:,.0f} | {p50:.1f} | {p99:.1f} | {tail} | '
        f'{max(outcome.latencies_ms, default=float("nan")):.1f} | {outcome.errors} | {ratio} | {cpu} | '
        f'{"—" if outcome.connections_opened is None else outcome.connections_opened} |'
    )


def sample_server(server: BenchServer, path: str, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy sampling the server for ``seconds`` into ``path`` (raw collapsed stacks)."""
    assert server.process is not None
    spy = shutil.which('py-spy') or str(Path(sys.executable).parent / 'py-spy')
    command = [spy, 'record', '--pid', str(server.process.pid), '--format', 'raw', '-o', path, '--nonblocking']
    return subprocess.Popen([*command, '-d', str(int(seconds))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def http_parts(
    args: argparse.Namespace, root: Path, tag: str, database: str
) -> tuple[list[Outcome], list[tuple[Organization, list[str]]], list[tuple[Organization, list[str]]]]:
    """Start the server of the tree at ``root`` on ``database``, seed it, run parts 1 and 2 against it."""
    server_process.MAIN = root / 'main.py'  # the tree under test (--compare: the one before a change)
    data_dir = Path(tempfile.mkdtemp(prefix='lovedcrm-move-bench-'))
    settings = dict(item.split('=', 1) for item in args.env)
    server = BenchServer(data_dir, database_url=app_url(database), settings=settings)
    try:
        server.start()
        organizations = register(server.url, args.orgs)
        asyncio.run(seed(app_url(database), organizations, args.leads))
        across, alone = spread(organizations, args.clients, False), spread(organizations, args.clients, True)
        n = len({org.id for org, _ in across})
        spy = sample_server(server, args.py_spy + tag, args.warmup + args.seconds) if args.py_spy else None
        label = f'{tag}{args.clients} clients over {n} organizations'
        spread_out = asyncio.run(http_part(label, server, across, args.warmup, args.seconds))
        if spy is not None:
            spy.wait(timeout=60)
        label = f'{tag}{args.clients} clients in 1 organization'
        one = asyncio.run(http_part(label, server, alone, args.warmup, args.seconds))
        return [spread_out, one], across, alone
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--clients', type=int, default=50)
    parser.add_argument('--orgs', type=int, default=10)
    parser.add_argument('--leads', type=int, default=500, help='leads per organization')
    parser.add_argument('--seconds', type=float, default=10.0, help='length of each timed part')
    parser.add_argument('--warmup', type=float, default=2.0)
    parser.add_argument('--py-spy', default='', help='sample the server during part 1 into this file')
    parser.add_argument('--env', action='append', default=[], help='a server setting, e.g. DB_POOL_SIZE=30')
    parser.add_argument('--compare', default='', help='also run parts 1-2 on the tree in this folder (before)')
    args = parser.parse_args()

    databases = [f'lovedcrm_move_bench_{uuid.uuid4().hex[:8]}' for _ in range(2 if args.compare else 1)]
    load_before = os.getloadavg()
    try:
        for name in databases:
            create_app_database_sync(name)
        outcomes, across, alone = http_parts(args, ROOT, '', databases[0])
        if args.compare:
            outcomes += http_parts(args, Path(args.compare).resolve(), 'before: ', databases[1])[0]
        dsn = app_url(databases[0], driver='postgresql')
        n = len({org.id for org, _ in across})
        label = f'bare asyncpg, {args.clients} tasks over {n} organizations'
        floor = asyncio.run(bare_part(label, dsn, across, args.warmup, args.seconds))
        label = f'bare asyncpg, {args.clients} tasks in 1 organization'
        floor_one = asyncio.run(bare_part(label, dsn, alone, args.warmup, args.seconds))
        load_after = os.getloadavg()
    finally:
        for name in databases:
            pg_admin_sync(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')

    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=ROOT).stdout
    print(
        f'\n### Move throughput on PostgreSQL — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit.strip()}, '
        f'{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}\n'
    )
    print(f'{args.seconds:g} s per part after {args.warmup:g} s of warm-up; {args.leads} leads per organization;')
    print(f'load average {load_before[0]:.2f} before, {load_after[0]:.2f} after.\n')
    print(
        '| part | moves/s | p50 ms | p99 ms | p99/p50 | max ms | errors | ratio to bare | server CPU ms/move '
        '| connections opened |'
    )
    print('|---|---|---|---|---|---|---|---|---|---|')
    for i, outcome in enumerate(outcomes):
        print(row(outcome, floor if i % 2 == 0 else floor_one))
    print(row(floor, None))
    print(row(floor_one, None))


if __name__ == '__main__':
    main()
