"""Two organizations used at random through the API stay apart and consistent (tests/fuzz/isolation_machine.py).

    FUZZ_EXAMPLES=40 FUZZ_STEPS=60 FUZZ_SEED=1234 .venv/bin/pytest tests/fuzz/test_isolation_machine.py --db postgres

``FUZZ_EXAMPLES``: machine runs per database (default 30); ``FUZZ_STEPS``: steps per run (default 20);
``FUZZ_SEED``: the Hypothesis seed (default 0: CI runs the same sequences; bench/fuzz.py draws one and prints it).
"""

import asyncio
import os
import time

import pytest
from fuzz_report import record, write_findings
from hypothesis import HealthCheck, Phase, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import run_state_machine_as_test
from isolation_machine import Api, IsolationMachine

from lovedcrm_ui.config import Settings

EXAMPLES = int(os.environ.get('FUZZ_EXAMPLES', '30'))
STEPS = int(os.environ.get('FUZZ_STEPS', '20'))
SEED = int(os.environ.get('FUZZ_SEED') or 0)
EXPECTED_OUTCOMES = {
    *('created', 'moved', 'edited', 'deleted', 'stale move refused', 'viewer refused'),
    *('invited', 'joined', 'switched', 'removed', 'removed member refused', 'intruder refused'),
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test's settings, with room for the sign-ups and sign-ins of many runs from one address."""
    return settings.model_copy(
        update={'register_max_per_hour': 100_000, 'login_max_per_address': 100_000, 'login_max_per_account': 100_000}
    )


async def test_two_organizations_used_at_random_stay_apart_and_consistent(api, ctx, db_backend):
    machine_api = Api(api, asyncio.get_running_loop(), ctx)
    runs = 0

    def new_machine() -> IsolationMachine:
        nonlocal runs
        runs += 1
        return IsolationMachine(machine_api)

    options = hypothesis_settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    started = time.monotonic()
    failure: BaseException | None = None
    try:
        await asyncio.to_thread(run_state_machine_as_test, seed(SEED)(new_machine), settings=options)  # type: ignore[arg-type]
    except BaseException as exc:  # reported below with the numbers, then raised
        failure = exc
    summary = {
        'test': 'machine',
        'db': db_backend,
        'seed': SEED,
        'runs': runs,
        'calls': machine_api.calls,
        'failures': int(failure is not None),
        'seconds': round(time.monotonic() - started, 1),
        'outcomes': dict(sorted(machine_api.outcomes.items())),
    }
    await asyncio.to_thread(record, summary)
    if failure is not None:
        await asyncio.to_thread(
            write_findings, f'state machine, {db_backend}, FUZZ_SEED={SEED}', [f'```\n{failure}\n```']
        )
        raise failure
    # every kind of step happened: the runs exercised the whole machine, not only its early exits (a few
    # hundred steps are needed for that: a tiny replay may leave some out)
    if EXAMPLES * STEPS >= 400:
        assert set(machine_api.outcomes) >= EXPECTED_OUTCOMES, EXPECTED_OUTCOMES - set(machine_api.outcomes)
