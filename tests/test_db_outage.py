"""A database outage is a 503, never a 500, and the app comes back by itself without losing or doubling an event.

The outage is real: replica A reaches PostgreSQL through a loopback proxy (tests/tcp_proxy.py) that cuts
the link under load, while replica B, connected directly, keeps working. ``OUTAGE_SECONDS`` (default 10)
sets how long the link stays cut; bench/db_outage.py runs the long version (30 s) and prints timings.
The pool-exhaustion and SQLite-lock cases run in-process on the ``api`` client.
"""

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from fastapi import FastAPI
from pg_harness import PG_ADMIN_URL
from pipeline_server import Call, Load, PgServer, Subscriber, postgres_database, register, stored_events
from server_process import ServerProcess
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from tcp_proxy import TcpProxy
from waiting import until

from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.api.unavailable import DatabaseUnavailable
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.db_health import DatabaseHealth, DatabaseUnreachable, database_refusal

OUTAGE_SECONDS = float(os.environ.get('OUTAGE_SECONDS', '10'))
RECOVERY = 30.0  # upper bound of each wait for the recovery (it takes about a second; the machine is shared)
UNAVAILABLE = {'detail': 'The database is unavailable right now; try again shortly', 'code': 'database_unavailable'}
LISTENERS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lovedcrm-listener' AND datname = $1"


@pytest.fixture
def postgres(request: pytest.FixtureRequest) -> None:
    """These tests need PostgreSQL (skipped with ``--db sqlite``)."""
    if request.config.getoption('--db') == 'sqlite':
        pytest.skip('PostgreSQL tests are not run with --db sqlite')


@pytest.fixture
def deployment(
    postgres: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PgServer, PgServer, TcpProxy]]:
    """Replicas A (through the proxy) and B (direct) of one deployment on a fresh database."""
    with postgres_database('lovedcrm_outage') as url, TcpProxy() as proxy:
        a = PgServer(tmp_path_factory.mktemp('outage-a'), database_url=proxy.url_for(url))
        b = PgServer(tmp_path_factory.mktemp('outage-b'), database_url=url, settings={'LOVEDCRM_SKIP_MIGRATIONS': '1'})
        a.start()  # A migrates the database (through the proxy); B starts on the migrated schema
        try:
            b.start()
            yield a, b, proxy
        finally:
            a.stop()
            b.stop()


def moves_answered(load: Load, replica: str, status: int, after: float = 0.0) -> int:
    return sum(1 for c in load.calls_on(replica) if c.what == 'move' and c.status == status and c.started >= after)


def refused_properly(call: Call) -> bool:
    """A 503 with the JSON body, the code and a Retry-After."""
    return (call.status, call.content_type, call.code) == (503, 'application/json', 'database_unavailable') and bool(
        call.retry_after
    )


async def socket_refusal(person: Any) -> tuple[int, bytes]:
    """Try to open a WebSocket; the status and body of the refused handshake."""
    url = Subscriber(person).url
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(url, open_timeout=10)
    return refused.value.response.status_code, refused.value.response.body or b''


async def listening(server: ServerProcess, database: str) -> bool:
    """Both replicas hold a LISTEN connection again, and A's /health says its event bus is healthy."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        listeners = await conn.fetchval(LISTENERS, database)
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        health = (await client.get('/health')).json()
    return bool(listeners == 2 and health['dependencies']['event_bus']['status'] == 'healthy')


async def test_a_cut_link_to_postgresql_under_load_answers_503_then_recovers_without_losing_an_event(
    deployment: tuple[PgServer, PgServer, TcpProxy],
) -> None:
    a, b, proxy = deployment
    ana, carla = await register(a, 'Ana Souza'), await register(a, 'Carla Dias')  # two organizations
    on_a, on_b = await ana.create_lead('Acme Ltda'), await ana.create_lead('Padaria Pão Quente')
    carlas = await carla.create_lead('Mercado Central')
    log_offset = a.log_size()

    async with Subscriber(ana) as ana_socket, Subscriber(carla) as carla_socket:
        load = Load()
        load.mover(ana, on_a['id'], 'a')
        load.mover(carla, carlas['id'], 'a')
        load.reader(ana, 'a')
        load.reader(carla, 'a')
        load.mover(ana.on(b), on_b['id'], 'b')  # Ana's teammate on the other replica keeps working
        await until(lambda: moves_answered(load, 'a', 200) >= 10, 'moves flow on A')
        seen_before_cut = ana_socket.seqs[-1]

        proxy.cut('blackhole')  # a network partition: new connections hang, the open ones are gone
        cut_at = time.monotonic()
        refused_socket = await socket_refusal(ana)
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage's length (the scenario), not a wait for an outcome
        restored_at = time.monotonic()
        proxy.restore()

        await until(lambda: moves_answered(load, 'a', 200, after=restored_at), 'A moves again', RECOVERY)
        recovered_at = time.monotonic()
        await until(lambda: moves_answered(load, 'a', 200, after=recovered_at) >= 10, 'A keeps moving', RECOVERY)
        await load.stop()

        ana_events = await stored_events(b.database_url, ana.organization_id)
        carla_events = await stored_events(b.database_url, carla.organization_id)
        await until(lambda: ana_socket.seqs[-1:] == [ana_events[-1]['seq']], "Ana's socket: the last event", RECOVERY)
        await until(lambda: carla_socket.seqs[-1:] == [carla_events[-1]['seq']], "Carla's socket too", RECOVERY)
    async with Subscriber(ana, since=seen_before_cut) as resumed:
        await until(lambda: resumed.seqs[-1:] == [ana_events[-1]['seq']], 'a resume from before the cut', RECOVERY)
    await until(lambda: listening(a, b.database_url.rsplit('/', 1)[1]), 'the listeners are back', RECOVERY)

    a_calls = load.calls_on('a')
    during = [c for c in a_calls if c.started >= cut_at and c.ended <= restored_at]
    around = [c for c in a_calls if c.ended > cut_at and c.started < restored_at]
    assert len(during) > 20
    assert [c for c in during if not refused_properly(c)] == []  # 503 JSON, database_unavailable, Retry-After
    assert [c for c in around if c.elapsed >= 2.0] == []  # within 2 s, also the calls the cut caught midway
    assert [c for c in a_calls if c.status not in (200, 503) or (c.status == 503 and not refused_properly(c))] == []
    assert [c for c in a_calls if c.started >= recovered_at and c.status != 200] == []  # back without a restart
    assert [c for c in load.calls_on('b') if c.status != 200] == []  # B never noticed
    assert moves_answered(load, 'b', 200, after=cut_at) > 10  # and kept committing while A could not
    assert refused_socket[0] == 503 and b'database_unavailable' in refused_socket[1]

    for events in (ana_events, carla_events):
        assert [e['seq'] for e in events] == list(range(1, len(events) + 1))  # gap-free
    stored = {(e['lead_id'], e['version'], e['stage']) for e in ana_events + carla_events}
    assert [m for m in load.acknowledged if (m.lead_id, m.version, m.stage) not in stored] == []
    # every committed event reached the sockets open through the outage, once and in order (a client told 1013
    # by a burst of caught-up events resumes with since, as docs/REALTIME.md asks)
    assert ana_socket.seqs == [e['seq'] for e in ana_events if e['seq'] > ana_socket.greeting['seq']]
    assert carla_socket.seqs == [e['seq'] for e in carla_events if e['seq'] > carla_socket.greeting['seq']]
    assert resumed.seqs == [e['seq'] for e in ana_events if e['seq'] > seen_before_cut]

    log = a.log_path.read_bytes()[log_offset:].decode(errors='replace')
    assert 'Traceback' not in log
    assert log.count('database unreachable') == 1  # one warning for the outage, not one per request
    assert log.count('database reachable again') == 1


# ----- busy: no pooled connection in time, a SQLite write lock held too long -------------------------


@pytest.fixture
async def tight_api(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, AppContext]]:
    """The API on one pooled PostgreSQL connection (0.2 s wait) or a SQLite busy timeout of 0.1 s."""
    tight = settings.model_copy(
        update={'db_pool_size': 1, 'db_max_overflow': 0, 'db_pool_timeout': 0.2, 'sqlite_busy_timeout_ms': 100}
    )
    ctx = AppContext.build(tight)
    app = FastAPI()
    install_api(app, ctx)
    transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        yield client, ctx
    await ctx.close()


async def test_no_free_connection_or_a_held_write_lock_is_a_503_busy_never_a_500(
    tight_api: tuple[httpx.AsyncClient, AppContext], db_backend: str, tmp_path: Any
) -> None:
    client, ctx = tight_api
    registered = await client.post(
        '/auth/register',
        json={'email': 'ana@example.com', 'password': 'Secret123', 'full_name': 'Ana Souza', 'terms_accepted': True},
    )
    assert registered.status_code == 201, registered.text
    body = registered.json()
    headers = {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': body['organization']['id']}

    if db_backend == 'postgres':
        async with ctx.db.engine.connect() as held:  # the pool's only connection, taken
            await held.execute(text('SELECT 1'))
            response = await client.get('/crm/leads', headers=headers)
    else:
        path = ctx.settings.database_url.split(':///', 1)[1]
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute('BEGIN IMMEDIATE')  # another process writing, for longer than the busy timeout
        try:
            response = await client.post('/crm/leads', headers=headers, json={'name': 'Acme Ltda'})
        finally:
            holder.execute('ROLLBACK')
            holder.close()

    assert response.status_code == 503
    assert response.json() == {'detail': 'The database is busy right now; try again shortly', 'code': 'database_busy'}
    assert response.headers['retry-after'] == '5'
    assert (await client.get('/crm/leads', headers=headers)).status_code == 200  # free again: served again


def test_only_database_failures_become_503s() -> None:
    """A refused connection elsewhere (the mail server, say) is not the database's: it stays an error."""
    try:
        raise ConnectionRefusedError(111, 'Connection refused')  # raised here, not inside a database driver
    except ConnectionRefusedError as exc:
        assert database_refusal(exc) is None
    assert database_refusal(ValueError('no')) is None
    assert database_refusal(sa_exc.TimeoutError('QueuePool limit of size 1 reached')) is not None


async def test_a_browser_asking_for_a_page_gets_a_503_page_that_tries_again_by_itself() -> None:
    async def app_without_database(_scope: Any, _receive: Any, _send: Any) -> None:
        raise DatabaseUnreachable('cannot connect to the database (TimeoutError)')

    app = DatabaseUnavailable(app_without_database, DatabaseHealth())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        page = await client.get('/pipeline', headers={'accept': 'text/html'})
        api = await client.get('/crm/leads', headers={'accept': 'text/html'})  # an API path: JSON even so

    assert (page.status_code, page.headers['content-type']) == (503, 'text/html; charset=utf-8')
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert 'Sem conexão com o banco de dados' in page.text
    assert (api.status_code, api.json(), api.headers['retry-after']) == (503, UNAVAILABLE, '5')


async def test_one_lost_connection_on_a_healthy_database_is_a_hiccup_not_an_outage(ctx: AppContext) -> None:
    told: list[bool] = []
    subscription = ctx.health.watch(told.append)
    lost = sa_exc.DBAPIError('SELECT 1', {}, ConnectionResetError(104, 'reset'), connection_invalidated=True)

    refusal = ctx.health.refusal(lost)  # e.g. an operator terminated one backend

    assert refusal is not None and refusal.code == 'database_unavailable'
    await until(lambda: not ctx.health.checking, 'the probe answers')
    assert ctx.health.reachable and told == []  # no outage announced: no banner, no "unreachable" log
    async with ctx.db.session(read_only=True) as session:
        assert await session.scalar(text('SELECT 1')) == 1
    subscription.cancel()
