"""Benchmark: the metrics endpoints and the /insights figures on big pipelines with a stage history.

    python bench/metrics_bench.py [--leads 1000 100000] [--db sqlite|postgres|both] [--runs 5]

For each size and database: a fresh migrated database (SQLite in a temporary directory; PostgreSQL a
throwaway database on TEST_POSTGRES_URL's server, owned by the app's role so row-level security applies),
one organization, and ``--leads`` leads seeded straight into the tables with a stage history of about
three events per lead (creation plus two stage changes on average, some backwards, reorders among them),
spread over the last 180 days, each event carrying a full lead snapshot as the API stores it (PostgreSQL then
ANALYZEs the two tables, as autovacuum does soon after a bulk load; SQLite keeps no statistics). Then each
endpoint is called through the whole API stack in-process (httpx ASGI transport: guard, session,
serialization), once to warm up and ``--runs`` times measured; the median and the slowest are printed as a
Markdown table for docs/BENCHMARKS.md.
"""

import argparse
import asyncio
import itertools
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import insert, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the PostgreSQL helpers of the tests

from pg_harness import app_url, create_app_database, pg_admin  # noqa: E402

from lovedcrm_ui import migrate  # noqa: E402
from lovedcrm_ui.api.setup import install_api  # noqa: E402
from lovedcrm_ui.config import Settings  # noqa: E402
from lovedcrm_ui.context import AppContext  # noqa: E402
from lovedcrm_ui.services import metrics  # noqa: E402
from lovedcrm_ui.services.metrics import MetricsSelection  # noqa: E402
from models import Lead, Organization, PipelineEvent  # noqa: E402

STAGES = ['lead', 'contato', 'proposta', 'negociacao', 'fechado']
SOURCES = ['site', 'evento', 'indicação', 'whatsapp', 'linkedin']
BATCH = 2000
PASSWORD = 'Bench1234'


def history(rng: random.Random, now: datetime) -> tuple[datetime, list[tuple[str, datetime]]]:
    """A lead's creation time and its stage steps [(stage, since)], the first one its creation stage."""
    created = now - timedelta(days=rng.uniform(0, 180))
    stage = 'lead'
    steps = [(stage, created)]
    at = created
    for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 4))):
        at += timedelta(days=rng.uniform(0.2, 15))
        if at >= now:
            break
        index = STAGES.index(stage)
        backwards = index > 0 and rng.random() < 0.15
        target = STAGES[index - 1] if backwards else STAGES[min(index + 1, 4)]
        steps.append((target, at))  # a step to the same stage (fechado → fechado) is a reorder
        stage = target
    return created, steps


def snapshot(row: dict[str, Any], stage: str, at: datetime, version: int) -> dict[str, Any]:
    """A lead as the API returns it (what every event stores), at one step of its history."""
    return {
        'id': str(row['id']),
        'organization_id': str(row['organization_id']),
        'name': row['name'],
        'email': row['email'],
        'phone': '+55 11 99999-0000',
        'source': row['source'],
        'estimated_value': None if row['estimated_value'] is None else f'{row["estimated_value"]:.2f}',
        'tags': row['tags'],
        'notes': None,
        'stage': stage,
        'assigned_user_id': None,
        'last_contact_at': None,
        'last_contact_channel': None,
        'created_at': row['created_at'].isoformat(),
        'updated_at': at.isoformat(),
        'is_favorite': False,
        'is_closed': stage == 'fechado',
        'days_in_current_stage': 0,
        'position': row['position'],
        'version': version,
        'stage_changed_at': at.isoformat(),
    }


def rows_for(organization_id: uuid.UUID, count: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` lead rows and their event rows (``seq`` from 1, in time order)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    leads, steps_of = [], []
    for i in range(count):
        created, steps = history(rng, now)
        value = None if i % 7 == 0 else round(rng.uniform(500, 50_000), 2)
        changed = [at for (old, _), (new, at) in itertools.pairwise(steps) if old != new]
        leads.append(
            {
                'id': uuid.uuid4(),
                'organization_id': organization_id,
                'name': f'Empresa {i:06d}',
                'email': f'contato{i}@empresa{i}.com.br',
                'source': SOURCES[i % len(SOURCES)],
                'estimated_value': value,
                'tags': ['b2b'] if i % 2 else ['b2c'],
                'stage': steps[-1][0],
                'position': float(i),
                'is_favorite': False,
                'stage_changed_at': changed[-1] if changed else created,
                'version': len(steps),
                'created_at': created,
                'updated_at': steps[-1][1],
            }
        )
        steps_of.append(steps)
    happenings = []
    for row, steps in zip(leads, steps_of, strict=True):
        happenings.append((steps[0][1], row, 'lead_created', None, steps[0][0], 1))
        for version, ((old, _), (new, at)) in enumerate(itertools.pairwise(steps), start=2):
            happenings.append((at, row, 'lead_stage_changed', old, new, version))
    happenings.sort(key=lambda happening: happening[0])
    events = []
    for seq, (at, row, kind, old, new, version) in enumerate(happenings, start=1):
        payload: dict[str, Any] = {'lead': snapshot(row, new, at, version)}
        if kind == 'lead_stage_changed':
            payload |= {'old_stage': old, 'new_stage': new, 'position': row['position'], 'rebalanced': False}
        events.append(
            {
                'organization_id': organization_id,
                'seq': seq,
                'type': kind,
                'lead_id': row['id'],
                'actor_user_id': None,
                'payload': payload,
                'created_at': at,
            }
        )
    return leads, events


async def seed(ctx: AppContext, organization_id: uuid.UUID, count: int) -> int:
    """Insert the leads and their events; the number of events."""
    leads, events = rows_for(organization_id, count, seed=count)
    async with ctx.db.session(cross_org=True) as session:
        for start in range(0, len(leads), BATCH):
            await session.execute(insert(Lead), leads[start : start + BATCH])
        for start in range(0, len(events), BATCH):
            await session.execute(insert(PipelineEvent), events[start : start + BATCH])
        await session.execute(
            update(Organization).where(Organization.id == organization_id).values(event_seq=len(events))  # type: ignore[arg-type]
        )
        await session.commit()
    if ctx.settings.is_postgres:  # what autovacuum does within a minute of a bulk load: the planner's statistics
        async with ctx.db.engine.connect() as connection:
            await connection.execute(text('ANALYZE leads, pipeline_events'))
            await connection.commit()
    return len(events)


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, float]:
    """Median and slowest milliseconds of ``runs`` calls after one warm-up call."""
    await call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


async def measure(database_url: str, workdir: Path, count: int, runs: int) -> list[tuple[str, float, float]]:
    """Seed ``count`` leads into a fresh database and time each endpoint."""
    await asyncio.to_thread(migrate.upgrade, database_url)
    settings = Settings(
        DATABASE_URL=database_url,
        EVENT_BUS='memory',
        LOVEDCRM_DATA_DIR=workdir / 'data',
        SECRET_KEY='bench-secret-key-with-enough-length-for-hs256',
        STORAGE_SECRET='bench-storage-secret',
        PASSWORD_HASH_ROUNDS=1,
        PASSWORD_HASH_MEMORY_KIB=64,
    )
    ctx = AppContext.build(settings)
    app = FastAPI()
    install_api(app, ctx)
    transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url='http://bench', timeout=600) as api:
            account = {'email': 'ana@example.com', 'password': PASSWORD, 'full_name': 'Ana', 'terms_accepted': True}
            registered = (await api.post('/auth/register', json=account)).json()
            org_id = registered['organization']['id']
            headers = {'Authorization': f'Bearer {registered["access_token"]}', 'X-Org-Id': org_id}
            started = time.perf_counter()
            events = await seed(ctx, uuid.UUID(org_id), count)
            print(f'  seeded {count:,} leads, {events:,} events in {time.perf_counter() - started:.1f} s', flush=True)
            month = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
            filtered = {'startDate': month, 'stages': ['lead', 'contato', 'proposta'], 'valueMin': '1000'}

            def get(path: str, params: dict[str, Any] | None = None) -> Callable[[], Awaitable[Any]]:
                async def call() -> None:
                    response = await api.get(path, headers=headers, params=params)
                    assert response.status_code == 200, response.text

                return call

            async def insights() -> None:
                async with ctx.db.session(read_only=True, organization_id=uuid.UUID(org_id)) as session:
                    await metrics.insights(
                        session, organization_id=uuid.UUID(org_id), selection=MetricsSelection(), days=90
                    )

            basic, advanced = '/crm/leads/pipeline/metrics', '/crm/leads/metrics/advanced'
            calls = [
                (f'GET {basic}', get(basic)),
                (f'GET {basic} (last 30 days)', get(basic, {'startDate': month})),
                (f'GET {advanced}', get(advanced)),
                (f'GET {advanced} (30 days, 3 stages, value ≥ 1000)', get(advanced, filtered)),
                ('insights() (all time, 90 days of moves)', insights),
            ]
            results = []
            for label, call in calls:
                median, worst = await timed(call, runs)
                results.append((label, median, worst))
                print(f'  {label}: median {median:.0f} ms, max {worst:.0f} ms', flush=True)
            return results
    finally:
        await ctx.close()


async def run(database: str, count: int, runs: int) -> list[tuple[str, float, float]]:
    """One size on one database, in a throwaway database."""
    with tempfile.TemporaryDirectory() as workdir:
        if database == 'sqlite':
            return await measure(f'sqlite+aiosqlite:///{workdir}/bench.db', Path(workdir), count, runs)
        name = f'lovedcrm_metrics_bench_{uuid.uuid4().hex[:8]}'
        await create_app_database(name)
        try:
            return await measure(app_url(name), Path(workdir), count, runs)
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


def main() -> None:
    """Parse the arguments, run every size on every database, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--leads', type=int, nargs='+', default=[1000, 100_000])
    parser.add_argument('--db', choices=['sqlite', 'postgres', 'both'], default='both')
    parser.add_argument('--runs', type=int, default=5, help='measured calls per endpoint (after one warm-up)')
    args = parser.parse_args()
    databases = ['sqlite', 'postgres'] if args.db == 'both' else [args.db]
    table: dict[tuple[str, int], list[tuple[str, float, float]]] = {}
    for count in args.leads:
        for database in databases:
            print(f'{database}, {count:,} leads', flush=True)
            table[database, count] = asyncio.run(run(database, count, args.runs))
    print(f'\n{platform.machine()}, {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC')
    columns = list(table)
    print('\n| median (max) ms | ' + ' | '.join(f'{db} {count:,}' for db, count in columns) + ' |')
    print('|---|' + '---|' * len(columns))
    for index, (label, _, _) in enumerate(table[columns[0]]):
        cells = [f'{table[key][index][1]:.0f} ({table[key][index][2]:.0f})' for key in columns]
        print(f'| {label} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
