"""Soak: the randomized consistency driver of tests/ui/soak.py, round after round, for N minutes.

    python bench/soak.py --minutes 30 --db sqlite|postgres [--steps 100] [--seed 1] [--skip stale_edit]
                         [--tracemalloc] [--write-benchmarks]

Builds what the ``user`` test fixture builds (main.py under NiceGUI's user simulation, a fresh migrated
database: a SQLite file, or a throwaway database on postgresql://postgres@127.0.0.1:5432 that is dropped
afterwards), then runs one seeded round after another in the same app (new people, organizations and
leads each round; a failing round is recorded and the next one starts). Reports steps, actions per
kind, failures with their seeds (replay: ``SOAK_SEED=<seed> .venv/bin/pytest tests/ui/test_soak.py``),
and memory: RSS after the first round and at the end, NiceGUI clients and bus listeners left over,
and with ``--tracemalloc`` the biggest allocation growth. ``--write-benchmarks`` appends the summary
to docs/BENCHMARKS.md.
"""

import argparse
import asyncio
import gc
import logging
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / 'tests' / 'ui'), str(ROOT / 'tests'), str(ROOT)]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from nicegui import Client, core, ui  # noqa: E402
from nicegui.functions.download import download  # noqa: E402
from nicegui.functions.navigate import Navigate  # noqa: E402
from nicegui.functions.notify import notify  # noqa: E402
from nicegui.storage import Storage  # noqa: E402
from nicegui.testing import User  # noqa: E402
from nicegui.testing.user_simulation import user_simulation  # noqa: E402
from soak import Soak, SoakConfig, SoakFailure  # noqa: E402  (tests/ui/soak.py)

from lovedcrm_ui import migrate  # noqa: E402

PG_ADMIN_URL = os.environ.get('TEST_POSTGRES_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')


def rss_mib() -> float:
    """Resident memory of this process now."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return float('nan')


def live(type_name: str) -> int:
    """How many objects of a class are alive (a leak of pages shows as a count growing round after round)."""
    return sum(1 for obj in gc.get_objects() if type(obj).__name__ == type_name)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(
            line.split(':', 1)[1].strip()
            for line in Path('/proc/cpuinfo').read_text().splitlines()
            if line.startswith('model name')
        )
    except (OSError, StopIteration):
        pass
    return f'{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}'


async def create_database(kind: str, workdir: Path) -> tuple[str, str | None]:
    """A fresh migrated database: (SQLAlchemy URL, PostgreSQL database name to drop or None)."""
    if kind == 'sqlite':
        url = f'sqlite+aiosqlite:///{workdir / "soak.db"}'
        await asyncio.to_thread(migrate.upgrade, url)
        return url, None
    name = f'lovedcrm_soak_{uuid.uuid4().hex[:10]}'
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE {name}')
    finally:
        await conn.close()
    base = PG_ADMIN_URL.rsplit('/', 1)[0].split('://', 1)[1]
    url = f'postgresql+asyncpg://{base}/{name}'
    await asyncio.to_thread(migrate.upgrade, url)
    return url, name


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
    finally:
        await conn.close()


def environment(url: str, workdir: Path) -> None:
    """What tests/ui/conftest.py's ui_env gives main.py."""
    os.environ.update(
        {
            'LOVEDCRM_ENV': 'test',
            'DATABASE_URL': url,
            'LOVEDCRM_DATA_DIR': str(workdir / 'data'),
            'SECRET_KEY': 'soak-secret-key-with-enough-length-for-hs256',
            'STORAGE_SECRET': 'soak-storage-secret',
            'PASSWORD_HASH_ROUNDS': '1',
            'PASSWORD_HASH_MEMORY_KIB': '64',
            'LOVEDCRM_SKIP_MIGRATIONS': '1',
        }
    )
    # NiceGUI's user simulation is built for pytest: it tells by this variable (nicegui.helpers.is_pytest), and
    # outside pytest its reset takes the app for a script and refuses our page functions
    os.environ.setdefault('PYTEST_CURRENT_TEST', 'bench/soak.py::soak (call)')
    Storage.path = workdir / 'nicegui-storage'
    core.app.storage = Storage()


async def soak(args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix='lovedcrm-soak-'))
    url, pg_name = await create_database(args.db, workdir)
    environment(url, workdir)
    skip = SoakConfig.parse_skip(args.skip)
    seeds = random.Random(args.seed) if args.seed is not None else random.SystemRandom()
    result: dict = {
        'rounds': 0,
        'steps': 0,
        'actions': Counter(),
        'action_seconds': Counter(),
        'failures': [],
        'skip': sorted(skip),
        'rss_rounds': [],
        'boards_rounds': [],
    }
    try:
        async with user_simulation(main_file=ROOT / 'main.py'):
            ctx = core.app.state.ctx
            logging.getLogger('httpx').setLevel(logging.WARNING)  # one line per simulated request otherwise

            def new_user() -> User:
                return User(httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test'))

            started = time.monotonic()
            deadline = started + args.minutes * 60
            rss_start: float | None = None
            snapshot = None
            while time.monotonic() < deadline:
                seed = seeds.randrange(1, 10_000_000)
                config = SoakConfig(seed=seed, steps=args.steps, skip=skip)
                runner = Soak(ctx, new_user, config)
                try:
                    report = await runner.run()
                except SoakFailure as failure:
                    report = runner.report
                    first = failure.detail.splitlines()[0]
                    result['failures'].append((seed, failure.step, failure.invariant, first))
                    print(
                        f'round {result["rounds"] + 1} seed={seed}: FAILED at step {failure.step}: '
                        f'{failure.invariant}: {first}',
                        flush=True,
                    )
                    if args.verbose:
                        print(failure, flush=True)
                else:
                    print(
                        f'round {result["rounds"] + 1} seed={seed}: {report.steps} steps in {report.seconds:.1f} s, '
                        f'RSS {rss_mib():.0f} MiB',
                        flush=True,
                    )
                result['rounds'] += 1
                result['steps'] += report.steps
                result['actions'].update(report.actions)
                result['action_seconds'].update(report.action_seconds)
                gc.collect()
                result['rss_rounds'].append(rss_mib())
                result['boards_rounds'].append(live('PipelineBoard'))
                if rss_start is None:  # after one round: imports, caches and the first pages are warm
                    rss_start = rss_mib()
                    if args.tracemalloc:
                        tracemalloc.start(10)
                        snapshot = tracemalloc.take_snapshot()
            result['seconds'] = time.monotonic() - started
            del runner, report  # the last round's tabs and pages
            # the simulation points these at the last tab's user (and so at its pages)
            ui.navigate, ui.notify, ui.download = Navigate(), notify, download
            gc.collect()
            result['rss_start'] = rss_start
            result['rss_end'] = rss_mib()
            result['clients_left'] = len(Client.instances)
            result['bus_organizations'] = len(ctx.bus.organizations())
            if snapshot is not None:
                growth = tracemalloc.take_snapshot().compare_to(snapshot, 'lineno')
                result['tracemalloc'] = [str(stat) for stat in growth[:10]]
                tracemalloc.stop()
    finally:
        if pg_name:
            await drop_database(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def quartiles(samples: list[float]) -> str:
    if not samples:
        return '-'
    return ' / '.join(f'{samples[min(len(samples) - 1, len(samples) * q // 4)]:.0f}' for q in (1, 2, 3))


def summary(args: argparse.Namespace, result: dict) -> str:
    seconds = result['seconds']
    lines = [
        f'{result["rounds"]} rounds, {result["steps"]} steps in {seconds / 60:.1f} min '
        f'({result["steps"] / seconds:.1f} steps/s) on {args.db}, {args.steps} steps a round'
        + (f', skipping {", ".join(result["skip"])}' if result['skip'] else ''),
        '',
        '| action | count | mean ms (action + settle + checks) |',
        '|---|---|---|',
    ]
    for name, count in sorted(result['actions'].items(), key=lambda item: -item[1]):
        lines.append(f'| {name} | {count} | {1000 * result["action_seconds"][name] / count:.0f} |')
    lines += [
        '',
        f'Memory: RSS {result["rss_start"]:.0f} MiB after the first round → {result["rss_end"]:.0f} MiB at the end '
        f'(after rounds at 25/50/75 %: {quartiles(result["rss_rounds"])} MiB); '
        f'{result["clients_left"]} NiceGUI clients and {result["bus_organizations"]} organizations with bus '
        'listeners left after the last round closed its tabs. Board elements alive after each round '
        f'(deleted pages the simulation still references; a leak grows): max {max(result["boards_rounds"])}, '
        f'at 25/50/75 %/end {quartiles(result["boards_rounds"])} / {result["boards_rounds"][-1]}.',
        '',
    ]
    failures = result['failures']
    if failures:
        kinds = Counter(invariant for _seed, _step, invariant, _detail in failures)
        lines.append(f'Failures: {len(failures)} of {result["rounds"]} rounds ({dict(kinds)}):')
        for seed, step, invariant, detail in failures[:20]:
            lines.append(f'- seed {seed}, step {step}, {invariant}: {detail}')
        if len(failures) > 20:
            lines.append(f'- … {len(failures) - 20} more')
    else:
        lines.append('Failures: none.')
    if result.get('tracemalloc'):
        lines += ['', 'Biggest allocation growth (tracemalloc, after the first round → end):', '```']
        lines += result['tracemalloc']
        lines.append('```')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--minutes', type=float, default=5.0)
    parser.add_argument('--db', choices=['sqlite', 'postgres'], default='sqlite')
    parser.add_argument('--steps', type=int, default=100, help='steps a round (each round: a new seed)')
    parser.add_argument('--seed', type=int, default=None, help='seed of the seed sequence (default: random)')
    parser.add_argument('--skip', default=os.environ.get('SOAK_SKIP', ''), help='actions/checks to leave out')
    parser.add_argument('--tracemalloc', action='store_true', help='trace allocation growth (slower)')
    parser.add_argument('--verbose', action='store_true', help='print every failure in full')
    parser.add_argument('--write-benchmarks', action='store_true', help='append the summary to docs/BENCHMARKS.md')
    args = parser.parse_args()
    result = asyncio.run(soak(args))
    text = summary(args, result)
    print()
    print(text)
    if args.write_benchmarks:
        stamp = datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')
        with (ROOT / 'docs' / 'BENCHMARKS.md').open('a') as out:
            out.write(
                f'\n## Consistency soak (`bench/soak.py`, {args.db}) — {stamp}\n\n'
                f'{machine()}. `python bench/soak.py --minutes {args.minutes:g} --db {args.db} --steps {args.steps}`'
                + (f' `--skip {args.skip}`' if args.skip else '')
                + f'\n\n{text}\n'
            )


if __name__ == '__main__':
    main()
