"""Two server processes on one PostgreSQL database: events cross replicas, also across a lost LISTEN connection."""

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from api_person import ApiPerson
from contract import STAGES as CONTRACT_STAGES
from pg_harness import PG_ADMIN_URL
from waiting import until
from ws_helpers import join, open_socket, register
from ws_server import Server, create_postgres_database, databases, drop_postgres_database, start_servers

STAGES = [*CONTRACT_STAGES[1:], CONTRACT_STAGES[0]]  # every stage but the one leads start in, first
LISTENERS = "SELECT pid FROM pg_stat_activity WHERE application_name = 'lovedcrm-listener' AND datname = $1"


@pytest.fixture(scope='module')
def replicas(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, ...]]:
    """Replicas A and B of one deployment: same database, same SECRET_KEY (B skips the migrations A runs)."""
    if 'postgres' not in databases(request.config):
        pytest.skip('PostgreSQL tests are not run with --db sqlite')
    name, url = create_postgres_database()
    a = Server(tmp_path_factory.mktemp('replica-a'), database_url=url)
    b = Server(tmp_path_factory.mktemp('replica-b'), database_url=url, settings={'LOVEDCRM_SKIP_MIGRATIONS': '1'})
    try:
        start_servers(a, b)
        yield a, b
    finally:
        a.stop()
        b.stop()
        drop_postgres_database(name)


def database_name(server: Server) -> str:
    """The database a replica uses."""
    return server.database_url.rsplit('/', 1)[1]


async def admin_rows(query: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of one query on the PostgreSQL server, as an operator sees them."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def keep_moving(person: ApiPerson, lead_id: str, moves: int) -> None:
    """Move a lead through the stages, one request after another."""
    async with person.api() as client:
        for index in range(moves):
            response = await client.put(f'/crm/leads/{lead_id}/stage', json={'stage': STAGES[index % 5]})
            assert response.status_code == 200, response.text


async def test_a_move_on_one_replica_reaches_sockets_on_the_other(replicas: tuple[Server, Server]) -> None:
    a, b = replicas
    ana = await register(a, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    lead = await ana.create_lead('Acme Ltda')

    async with open_socket(bruno.on(b)) as on_b, open_socket(ana) as on_a:
        moved = await ana.move_lead(lead['id'], 'proposta')  # a REST call to A
        seen_on_b = await on_b.receive()
        seen_on_a = await on_a.receive()
        created_on_b = await bruno.on(b).create_lead('Padaria Pão Quente')  # and the other way round
        back_on_a = await on_a.receive()

    assert on_b.greeting['seq'] == 1
    assert seen_on_b == seen_on_a
    assert (seen_on_b['type'], seen_on_b['seq'], seen_on_b['user_id']) == ('lead_stage_changed', 2, ana.user_id)
    assert (seen_on_b['old_stage'], seen_on_b['new_stage'], seen_on_b['lead']['version']) == (
        'lead',
        'proposta',
        moved['version'],
    )
    assert (back_on_a['type'], back_on_a['seq'], back_on_a['lead']['id']) == ('lead_created', 3, created_on_b['id'])


async def test_after_a_lost_listen_connection_every_event_arrives_once_and_in_order(
    replicas: tuple[Server, Server],
) -> None:
    a, b = replicas
    database = database_name(b)
    ana = await register(a, 'Ana Souza')
    lead = await ana.create_lead('Acme Ltda')
    moves, before_kill = 40, 8
    listeners_before = {row['pid'] for row in await admin_rows(LISTENERS, database)}

    async with open_socket(ana.on(b)) as on_b:
        start = on_b.greeting['seq']
        mover = asyncio.create_task(keep_moving(ana, lead['id'], moves))
        try:
            received = [await on_b.receive() for _ in range(before_kill)]
            # an operator (or a failover) kills the replicas' LISTEN connections while moves go on
            killed = await admin_rows(
                'SELECT pid, pg_terminate_backend(pid) AS terminated FROM pg_stat_activity'
                " WHERE application_name = 'lovedcrm-listener' AND datname = $1",
                database,
            )
            received += [await on_b.receive() for _ in range(moves - before_kill)]
            await mover
        finally:
            mover.cancel()
        rest = await on_b.round_trip()

    assert len(listeners_before) == 2  # one per replica
    assert {row['pid'] for row in killed if row['terminated']} == listeners_before
    assert [(f['type'], f['seq']) for f in received] == [('lead_stage_changed', start + n) for n in range(1, moves + 1)]
    assert [f['new_stage'] for f in received] == [STAGES[n % 5] for n in range(moves)]
    assert rest == []  # nothing twice

    async def listening_again() -> set[int]:
        pids = {row['pid'] for row in await admin_rows(LISTENERS, database)}
        return pids if len(pids) == 2 and not pids & listeners_before else set()

    async def healthy() -> bool:
        async with ana.on(b).api() as client:
            body = (await client.get('/health')).json()
        return bool(body['dependencies']['event_bus'] == {'status': 'healthy', 'type': 'postgres'})

    await until(listening_again, 'each replica opens a new lovedcrm-listener connection')
    await until(healthy, "B's /health reports the event bus healthy again")


async def test_logging_out_on_one_replica_closes_that_sessions_sockets_on_the_other(
    replicas: tuple[Server, Server],
) -> None:
    a, b = replicas
    ana = await register(a, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(bruno.on(b)) as bruno_on_b, open_socket(ana.on(b)) as ana_on_b:
        await bruno_on_b.receive()  # user_joined: Ana
        await ana.request('POST', '/auth/logout')  # on A
        frames, code, reason = await ana_on_b.until_closed()
        left = await bruno_on_b.receive()

    assert (frames, code, reason) == ([], 4403, 'Session ended')
    assert (left['type'], left['user_id']) == ('user_left', ana.user_id)
