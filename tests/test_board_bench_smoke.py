"""The live-board and board-open benchmarks still run: each at a tiny size, so none rots between full runs.

Only that it ran and printed its table (live_boards: every same-run reference too): figures belong in
docs/BENCHMARKS.md, never in an assertion.
"""

import subprocess
import sys
from pathlib import Path

from server_process import clean_environment

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 240  # seconds: a real server start, a sign-in, three boards and three moves take a few seconds even when busy


def run_bench(script: str, db_backend: str, *options: str) -> str:
    """Run ``bench/<script>`` at a tiny size; its output (the run failing if the script did)."""
    finished = subprocess.run(
        [sys.executable, str(ROOT / 'bench' / script), '--db', db_backend, *options],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        env=clean_environment(),
        cwd=ROOT,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def test_live_boards_prints_its_table_for_three_boards_and_three_moves(db_backend: str) -> None:
    output = run_bench('live_boards.py', db_backend, '--boards', '3', '--moves', '3', '--interval', '0.1')

    table = output.split('| N |')[-1]  # the final table (each N's rows are also printed as soon as measured)
    rows = [line.split('|') for line in table.splitlines() if line.startswith('| 3 |')]
    # the real boards, the floor, issue 16's alternative (one emit to the organization's room), NiceGUI per client
    servers = ['NiceGUI boards', 'bare python-socketio room', 'NiceGUI page, one room emit']
    servers.append('minimal NiceGUI app, one label')
    assert [row[2].strip() for row in rows] == servers, output
    assert [row[3].strip() for row in rows] == ['3'] * 4, 'every move reached the pages of all four servers'
    assert [row[10].strip() for row in rows] == ['0'] * 4, 'no page missed a move'
    assert [row[11].strip() for row in rows] == ['0'] * 4, 'no page was dropped'


def test_board_open_prints_its_table_for_a_board_of_100_leads(db_backend: str) -> None:
    output = run_bench('board_open.py', db_backend, '--leads', '100', '--runs', '2', '--held', '2')

    rows = [line.split('|') for line in output.splitlines() if line.startswith('| 100 |')]
    assert len(rows) == 1, output
    assert rows[0][3].strip() == '1.00', 'the only size is its own baseline'
