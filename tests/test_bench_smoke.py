"""The benchmarks still run: each ``bench/`` script at a tiny size, so none of them rots between full runs by hand.

Only that it ran and printed its table: figures belong in docs/BENCHMARKS.md, never in an assertion.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from server_process import clean_environment

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 240  # seconds: a real server start, three sockets and three moves take a few seconds even on a busy machine


def test_api_fanout_prints_its_table_for_three_sockets_and_three_moves(db_backend: str) -> None:
    command = [sys.executable, str(ROOT / 'bench' / 'api_fanout.py'), '--db', db_backend]
    finished = subprocess.run(
        [*command, '--subscribers', '3', '--moves', '3', '--interval', '0.05'],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        env=clean_environment(),
        cwd=ROOT,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    rows = [line for line in finished.stdout.splitlines() if line.startswith('| 3 |')]
    assert [row.split('|')[2].strip() for row in rows] == ['API', 'bare'], finished.stdout
    api, bare = (row.split('|') for row in rows)
    assert api[3].strip() == bare[3].strip() == '3', 'every move timed on both servers'
    assert api[10].strip() == bare[10].strip() == '0', 'no receiver missed a move'
    assert 'all GC' in api[13] and 'lag > 50 ms' in api[13], "the server's GC and loop lag were read from /metrics"


def test_move_throughput_prints_its_table_for_two_clients(request: pytest.FixtureRequest) -> None:
    if request.config.getoption('--db') == 'sqlite':
        pytest.skip('bench/move_throughput.py measures PostgreSQL only')
    command = [sys.executable, str(ROOT / 'bench' / 'move_throughput.py'), '--clients', '2', '--orgs', '2']
    finished = subprocess.run(
        [*command, '--leads', '10', '--seconds', '2', '--warmup', '0.5'],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        env=clean_environment(),
        cwd=ROOT,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    rows = {
        line.split('|')[1].strip(): line.split('|') for line in finished.stdout.splitlines() if line.startswith('| ')
    }
    parts = ['2 clients over 2 organizations', '2 clients in 1 organization']
    parts += ['bare asyncpg, 2 tasks over 2 organizations', 'bare asyncpg, 2 tasks in 1 organization']
    assert [part for part in parts if part not in rows] == [], finished.stdout
    assert [rows[part][7].strip() for part in parts] == ['0'] * 4, 'no move answered with an error'
    assert all(float(rows[part][2].replace(',', '')) > 0 for part in parts), 'every part moved leads'
