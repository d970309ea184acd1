"""Isolation fuzz, long: the schema fuzz and the state machine of tests/fuzz with a new random seed.

    python bench/fuzz.py [--calls 10000] [--examples 100] [--steps 50] [--db sqlite|postgres|both] [--seed N]

Runs ``pytest tests/fuzz`` (no per-test time limit) with ``FUZZ_CALLS`` schema calls per database,
``FUZZ_EXAMPLES`` state-machine runs of ``FUZZ_STEPS`` steps, and ``FUZZ_SEED`` (printed first, so a failure
can be replayed with the same command and ``--seed``). Prints, per test and database, the calls made, the
failures and the time; findings (exact request and response) are appended to ``FUZZ_FINDINGS``
(default /tmp/fuzz_findings.md). Exits non-zero if anything failed.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--calls', type=int, default=10_000, help='schema-fuzz calls per database')
    parser.add_argument('--examples', type=int, default=100, help='state-machine runs per database')
    parser.add_argument('--steps', type=int, default=50, help='steps per state-machine run')
    parser.add_argument('--db', choices=['sqlite', 'postgres', 'both'], default='both')
    parser.add_argument('--seed', type=int, default=None, help='Hypothesis seed (default: a new random one)')
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    print(f'fuzz seed={seed} calls={args.calls} examples={args.examples} steps={args.steps} db={args.db}', flush=True)

    with tempfile.TemporaryDirectory() as workdir:
        report = Path(workdir) / 'report.jsonl'
        env = {
            **os.environ,
            'FUZZ_CALLS': str(args.calls),
            'FUZZ_EXAMPLES': str(args.examples),
            'FUZZ_STEPS': str(args.steps),
            'FUZZ_SEED': str(seed),
            'FUZZ_REPORT': str(report),
        }
        command = [
            sys.executable, '-m', 'pytest', 'tests/fuzz', '-q', '-p', 'no:cacheprovider',
            '--db', args.db, '--timeout', '0', '-k', 'organization_b_and_nobody or used_at_random',
        ]  # fmt: skip
        started = time.monotonic()
        finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        runs = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []

    for run in runs:
        extra = f', {run["runs"]} machine runs' if 'runs' in run else ''
        failed = run['failures']
        print(f'{run["test"]:8} {run["db"]:9} {run["calls"]:7,} calls{extra}, {failed} failures, {run["seconds"]} s')
    calls = sum(run['calls'] for run in runs)
    failures = sum(run['failures'] for run in runs)
    print(f'total    {calls:,} calls, {failures} failures, {seconds:.0f} s (pytest exit {finished.returncode})')
    if finished.returncode != 0:
        print(finished.stdout[-20_000:])
        print(f'replay: python bench/fuzz.py --seed {seed} --db {args.db} --calls {args.calls} '
              f'--examples {args.examples} --steps {args.steps}')  # fmt: skip
    return finished.returncode


if __name__ == '__main__':
    sys.exit(main())
