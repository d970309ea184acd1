"""Benchmark: statistics, the lead list, the filter options and the board's reads at 1,000 vs 100,000 leads.

    python bench/list_queries.py [--leads 1000 100000] [--db sqlite|postgres|both] [--runs 15] [--explain]

For each size and database: a fresh migrated database, one organization, ``--leads`` leads (and their stage
history) seeded straight into the tables by bench/metrics_bench.py's ``seed``. Then, in-process through the
whole API stack (httpx ASGI transport), ``GET /crm/leads/statistics``, ``GET /crm/leads?page_size=50`` and
``GET /crm/leads/pipeline/filters``; and, as service calls, ``filter_choices``, ``stage_totals`` (the board's
unfiltered column counts and value totals), everything the board reads when it opens (``board._read_and_draw``:
sequence, columns with counts and totals, team, filter choices, in one read session) and ``count_facets`` (the
statement that counts an organization's facets when a process first reads them, or recounts). The first call of
each is printed on its own (the very first one fills the per-process facets), then one more warm-up, then
``--runs`` measured calls: median and slowest. "after an edit" times the filter options right
after each of ``--runs`` lead edits made through the API (the call that must take the write into account).
``--explain`` prints the query plans of one call of each endpoint at the largest size (the SQL statements the
call ran, captured and explained with their own parameters: EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN
on SQLite).
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from metrics_bench import PASSWORD, seed  # bench/ is on sys.path when run as a script
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))  # the PostgreSQL helpers of the tests

from pg_harness import app_url, create_app_database, pg_admin  # noqa: E402

from lovedcrm_ui import migrate  # noqa: E402
from lovedcrm_ui.api.setup import install_api  # noqa: E402
from lovedcrm_ui.config import Settings  # noqa: E402
from lovedcrm_ui.context import AppContext  # noqa: E402
from lovedcrm_ui.services.board import (  # noqa: E402
    BoardFilter,
    board_columns,
    filter_choices,
    stage_totals,
    team,
)
from lovedcrm_ui.services.facets import count_facets, facet_cache  # noqa: E402
from lovedcrm_ui.services.pipeline_events import current_seq  # noqa: E402

Call = Callable[[], Awaitable[Any]]


async def timed(call: Call, runs: int) -> tuple[float, float, float]:
    """First call, then the median and slowest of ``runs`` calls after one more warm-up (all ms)."""
    started = time.perf_counter()
    await call()
    first = (time.perf_counter() - started) * 1000
    await call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(times), max(times)


class StatementLog:
    """The SQL statements the engine runs (with their driver parameters) while ``recording`` is on."""

    def __init__(self, ctx: AppContext) -> None:
        self.recording = False
        self.seen: list[tuple[str, Any]] = []
        event.listen(ctx.db.engine.sync_engine, 'before_cursor_execute', self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if self.recording and not statement.lstrip().upper().startswith(('EXPLAIN', 'SELECT SET_CONFIG')):
            self.seen.append((statement, parameters))


async def explain(ctx: AppContext, org_id: uuid.UUID, label: str, call: Call, log: StatementLog) -> None:
    """Print the plan of every statement on leads or pipeline_events that one call of ``call`` runs."""
    log.seen.clear()
    log.recording = True
    try:
        await call()
    finally:
        log.recording = False
    postgres = ctx.settings.is_postgres
    print(f'\n### {label}', flush=True)
    for statement, parameters in list(log.seen):
        if 'leads' not in statement and 'pipeline_events' not in statement:
            continue
        async with ctx.db.session(read_only=True, organization_id=org_id) as session:
            connection = await session.connection()
            prefix = 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ' if postgres else 'EXPLAIN QUERY PLAN '
            rows = await connection.exec_driver_sql(prefix + statement, parameters)
            plan = [' | '.join(str(v) for v in row) if not postgres else row[0] for row in rows.all()]
        print('\n    ' + ' '.join(statement.split())[:400])
        print('\n'.join('      ' + line for line in plan), flush=True)


async def measure(
    database_url: str, workdir: Path, count: int, runs: int, show_plans: bool
) -> list[tuple[str, float, float, float]]:
    """Seed ``count`` leads into a fresh database and time each call."""
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
    statement_log = StatementLog(ctx)
    app = FastAPI()
    install_api(app, ctx)
    transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url='http://bench', timeout=600) as api:
            account = {'email': 'ana@example.com', 'password': PASSWORD, 'full_name': 'Ana', 'terms_accepted': True}
            registered = (await api.post('/auth/register', json=account)).json()
            org_id = uuid.UUID(registered['organization']['id'])
            headers = {'Authorization': f'Bearer {registered["access_token"]}', 'X-Org-Id': str(org_id)}
            started = time.perf_counter()
            events = await seed(ctx, org_id, count)
            print(f'  seeded {count:,} leads, {events:,} events in {time.perf_counter() - started:.1f} s', flush=True)

            def get(path: str, params: dict[str, Any] | None = None) -> Call:
                async def call() -> None:
                    response = await api.get(path, headers=headers, params=params)
                    assert response.status_code == 200, response.text

                return call

            async def choices() -> None:
                async with ctx.db.session(read_only=True, organization_id=org_id) as session:
                    await filter_choices(session, organization_id=org_id)

            async def totals() -> None:
                async with ctx.db.session(read_only=True, organization_id=org_id) as session:
                    await stage_totals(session, organization_id=org_id, board_filter=BoardFilter())

            async def board_open() -> None:  # what board._read_and_draw reads, in its one session
                async with ctx.db.session(read_only=True, organization_id=org_id) as session:
                    if settings.is_postgres:
                        await session.connection(execution_options={'isolation_level': 'REPEATABLE READ'})
                    await current_seq(session, organization_id=org_id)
                    await board_columns(session, organization_id=org_id, board_filter=BoardFilter())
                    await team(session, organization_id=org_id)
                    await filter_choices(session, organization_id=org_id)

            async def recount() -> None:  # what the first read of an organization costs a process (and a recount)
                async with ctx.db.session(read_only=True, organization_id=org_id) as session:
                    await count_facets(session, org_id)

            filters = '/crm/leads/pipeline/filters'
            calls = [
                ('GET /crm/leads/statistics', get('/crm/leads/statistics')),
                ('GET /crm/leads?page_size=50', get('/crm/leads', {'page_size': 50})),
                (f'GET {filters}', get(filters)),
                ('filter_choices() (board filter bar)', choices),
                ('stage_totals() (board column counts and totals)', totals),
                ('board open: all its reads', board_open),
                ('count_facets() (first read in a process, or a recount)', recount),
            ]
            results = []
            for label, call in calls:
                first, median, worst = await timed(call, runs)
                results.append((label, first, median, worst))
                print(f'  {label}: first {first:.1f} ms, median {median:.1f} ms, max {worst:.1f} ms', flush=True)
            edited = (await api.get('/crm/leads', headers=headers, params={'page_size': 1})).json()['leads'][0]
            after_edit = []
            for index in range(runs):
                body = {'tags': ['b2b', f'edit-{index}'], 'source': f'bench-{index % 3}'}
                response = await api.put(f'/crm/leads/{edited["id"]}', headers=headers, json=body)
                assert response.status_code == 200, response.text
                started = time.perf_counter()
                await get(filters)()
                after_edit.append((time.perf_counter() - started) * 1000)
            label = f'GET {filters} right after an edit'
            results.append((label, after_edit[0], statistics.median(after_edit), max(after_edit)))
            print(f'  {label}: median {statistics.median(after_edit):.1f} ms, max {max(after_edit):.1f} ms')
            async with ctx.db.session(read_only=True, organization_id=org_id) as session:
                cache = facet_cache(session)
            print(f'  facets in this process: {cache.rebuilds} counts, {cache.applied} events applied', flush=True)
            if show_plans:
                for label, call in calls:
                    await explain(
                        ctx, org_id, f'{label} — {count:,} leads, {ctx.db.engine.dialect.name}', call, statement_log
                    )
            return results
    finally:
        await ctx.close()


async def run(database: str, count: int, runs: int, show_plans: bool) -> list[tuple[str, float, float, float]]:
    """One size on one database, in a throwaway database."""
    with tempfile.TemporaryDirectory() as workdir:
        if database == 'sqlite':
            return await measure(f'sqlite+aiosqlite:///{workdir}/bench.db', Path(workdir), count, runs, show_plans)
        name = f'lovedcrm_list_bench_{uuid.uuid4().hex[:8]}'
        await create_app_database(name)
        try:
            return await measure(app_url(name), Path(workdir), count, runs, show_plans)
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


def main() -> None:
    """Parse the arguments, run every size on every database, print the table with the ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--leads', type=int, nargs='+', default=[1000, 100_000])
    parser.add_argument('--db', choices=['sqlite', 'postgres', 'both'], default='both')
    parser.add_argument('--runs', type=int, default=15, help='measured calls per endpoint (after warm-up)')
    parser.add_argument('--explain', action='store_true', help='print the query plans at the largest size')
    args = parser.parse_args()
    databases = ['sqlite', 'postgres'] if args.db == 'both' else [args.db]
    table: dict[tuple[str, int], list[tuple[str, float, float, float]]] = {}
    for count in args.leads:
        for database in databases:
            print(f'{database}, {count:,} leads (load average {os.getloadavg()[0]:.2f})', flush=True)
            show_plans = args.explain and count == max(args.leads)
            table[database, count] = asyncio.run(run(database, count, args.runs, show_plans))
    print(
        f'\n{platform.machine()}, {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, '
        f'load average {" ".join(f"{v:.2f}" for v in os.getloadavg())}'
    )
    columns = list(table)
    smallest, largest = min(args.leads), max(args.leads)
    print(
        '\n| median (max) ms; first call | '
        + ' | '.join(f'{db} {count:,}' for db, count in columns)
        + ''.join(f' | {db} ratio' for db in databases if smallest != largest)
        + ' |'
    )
    print('|---|' + '---|' * (len(columns) + (len(databases) if smallest != largest else 0)))
    for index, (label, _, _, _) in enumerate(table[columns[0]]):
        cells = [f'{row[2]:.1f} ({row[3]:.1f}); {row[1]:.0f}' for row in (table[key][index] for key in columns)]
        if smallest != largest:
            cells += [f'{table[db, largest][index][2] / table[db, smallest][index][2]:.1f}x' for db in databases]
        print(f'| {label} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
