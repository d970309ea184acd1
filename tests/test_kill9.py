"""``kill -9`` amid concurrent moves: after a restart every acknowledged move is there, the history has no gap.

A real server on PostgreSQL (tests/pipeline_server.py), two organizations, six people moving their own leads
at once; SIGKILL while they do (no shutdown handler runs), then ``main.py`` again on the same database.
"""

from pathlib import Path
from typing import Any

import pytest
from api_person import ApiPerson
from pipeline_server import Load, Move, PgServer, Subscriber, postgres_database, register, stored_events
from waiting import until

LEADS_PER_ORGANIZATION = 3
MOVES_BEFORE_KILL = 60
IN_FLIGHT_AT_KILL = 4  # of the 8 people's calls


@pytest.fixture
def postgres(request: pytest.FixtureRequest) -> None:
    """This test needs PostgreSQL (skipped with ``--db sqlite``)."""
    if request.config.getoption('--db') == 'sqlite':
        pytest.skip('PostgreSQL tests are not run with --db sqlite')


async def history_is_whole(url: str, person: ApiPerson[Any], own: list[str], acknowledged: list[Move]) -> None:
    """After the restart: the organization's history is gap-free, agrees with its leads, holds every
    acknowledged move, and a client resuming from seq 0 gets all of it once, in order, then live events."""
    events = await stored_events(url, person.organization_id)
    assert [e['seq'] for e in events] == list(range(1, len(events) + 1))  # gap-free
    stored = {(e['lead_id'], e['version'], e['stage']) for e in events}
    assert acknowledged and [m for m in acknowledged if (m.lead_id, m.version, m.stage) not in stored] == []
    stages = {}
    for lead_id in own:
        current = await person.request('GET', f'/crm/leads/{lead_id}')
        last = [e for e in events if e['lead_id'] == lead_id][-1]
        assert (current['version'], current['stage']) == (last['version'], last['stage'] or 'lead')
        stages[lead_id] = current['stage']

    async with Subscriber(person, since=0) as replay:  # a client resuming from the very start
        await until(lambda: len(replay.seqs) >= len(events), 'the replay arrives')
        await person.move_lead(own[0], 'fechado' if stages[own[0]] != 'fechado' else 'lead')
        await until(lambda: replay.seqs[-1:] == [len(events) + 1], 'then the live event')
    assert replay.seqs == list(range(1, len(events) + 2))  # the whole history once, in order, then live
    assert [f['type'] for f in replay.events[:-1]] == [e['type'] for e in events]


async def test_kill_9_under_load_keeps_every_acknowledged_move_and_a_gap_free_history(
    postgres: None, tmp_path: Path
) -> None:
    with postgres_database('lovedcrm_kill9') as url:
        server = PgServer(tmp_path / 'server', database_url=url).start()
        try:
            people = [await register(server, 'Ana Souza'), await register(server, 'Carla Dias')]
            load = Load(pace=0.01)
            leads = {}
            for person in people:
                for n in range(LEADS_PER_ORGANIZATION):
                    lead = await person.create_lead(f'{person.full_name.split()[0]} {n}')
                    leads[lead['id']] = person
                    load.mover(person, lead['id'], 'server')
                load.reader(person, 'server')
            await until(lambda: len(load.acknowledged) >= MOVES_BEFORE_KILL, 'moves flow')
            # kill while several calls wait for their answer (once it came between two paced calls: nothing was cut)
            await until(lambda: load.in_flight >= IN_FLIGHT_AT_KILL, 'calls in flight')

            server.kill()  # mid-load: requests in flight, transactions open, sockets cut
            await load.stop()
            server.start()  # the same database; nothing repairs anything at start

            for person in people:
                own = [lead_id for lead_id, owner in leads.items() if owner is person]
                await history_is_whole(url, person, own, [m for m in load.acknowledged if m.lead_id in own])
        finally:
            server.stop()

    answered = [c for c in load.calls if c.status is not None]
    assert [c for c in answered if c.status != 200] == []  # a request answered before the kill was never a 500
    assert len(answered) < len(load.calls)  # and some were cut off by it (no answer at all)
