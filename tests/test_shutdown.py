"""SIGTERM (a deploy, ``docker stop``): API sockets close with 1001, the write in flight is stored, the exit is 0.

A real ``main.py`` (tests/server_process.py) on SQLite and on PostgreSQL. To have a write deterministically in
flight when the signal arrives, the test holds the lock the write needs (SQLite's write lock; PostgreSQL's
organization row) until the server has stopped accepting connections. How the open boards are told is
checked with simulated users (tests/ui/test_server_restart.py).
"""

import asyncio
import json
import signal
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from api_person import ApiPerson, new_account
from fastapi import FastAPI
from pg_harness import pg_url
from pipeline_server import postgres_database
from prometheus_client.parser import text_string_to_metric_families
from server_process import ServerProcess
from waiting import WAIT, until

from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.context import AppContext

GRACE = 20.0  # SHUTDOWN_GRACE_SECONDS of the server under test: far more than the test needs


@dataclass
class Server(ServerProcess):
    """``main.py`` on SQLite (its data directory) or on a PostgreSQL URL."""

    database_url: str = ''
    settings: dict[str, str] = field(default_factory=dict)

    stop_timeout = GRACE + 5

    def extra_environment(self) -> dict[str, str]:
        """The test's settings and database."""
        env = {'SECRET_KEY': 'shutdown-tests-secret-key-long-enough-for-hs256', **self.settings}
        if self.database_url:
            env['DATABASE_URL'] = self.database_url
        return env

    async def metric(self, name: str) -> float:
        """One unlabelled sample of ``GET /metrics``."""
        async with httpx.AsyncClient(base_url=self.url, timeout=WAIT) as client:
            text = (await client.get('/metrics')).text
        samples = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples if not s.labels}
        return samples[name]

    async def refuses_connections(self) -> bool:
        """Nothing listens on the port any more."""
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=WAIT) as client:
                await client.get('/healthz')
        except httpx.ConnectError:
            return True
        return False


@pytest.fixture(params=['sqlite', 'postgres'])
def backend(request: pytest.FixtureRequest) -> str:
    """Each database the run asks for (``--db``)."""
    choice = request.config.getoption('--db')
    if choice not in ('both', request.param):
        pytest.skip(f'{request.param} is not tested with --db {choice}')
    return str(request.param)


@contextmanager
def database(backend: str) -> Iterator[str]:
    """The server's DATABASE_URL: empty for SQLite in its data directory, else a fresh PostgreSQL database."""
    if backend == 'sqlite':
        yield ''
        return
    with postgres_database('lovedcrm_shutdown') as url:
        yield url


@asynccontextmanager
async def write_lock_held(server: Server, organization_id: str) -> AsyncIterator[None]:
    """Hold the lock a lead write of the organization needs, as another writer would, until the block ends."""
    if not server.database_url:
        conn = sqlite3.connect(server.data_dir / 'lovedcrm.db', isolation_level=None)
        conn.execute('BEGIN IMMEDIATE')  # the database's one write lock
        try:
            yield
        finally:
            conn.execute('ROLLBACK')
            conn.close()
        return
    admin = await asyncpg.connect(pg_url(server.database_url.rsplit('/', 1)[1], driver='postgresql'))
    try:
        async with admin.transaction():  # every lead write takes its organization's row lock first
            await admin.execute('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', uuid.UUID(organization_id))
            yield
    finally:
        await admin.close()


async def stored_stage(server: Server, lead_id: str) -> str:
    """The lead's stage as stored (read directly: the server is gone)."""
    if not server.database_url:
        with sqlite3.connect(server.data_dir / 'lovedcrm.db') as conn:
            row = conn.execute('SELECT stage FROM leads WHERE id = ?', (uuid.UUID(lead_id).hex,)).fetchone()
        return str(row[0])
    admin = await asyncpg.connect(pg_url(server.database_url.rsplit('/', 1)[1], driver='postgresql'))
    try:
        return str(await admin.fetchval('SELECT stage FROM leads WHERE id = $1', uuid.UUID(lead_id)))
    finally:
        await admin.close()


async def register(server: Server) -> ApiPerson[Any]:
    """Ana, with an organization of her own."""
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        response = await client.post('/auth/register', json=new_account('Ana Souza'))
    assert response.status_code == 201, response.text
    return ApiPerson.from_auth(server, response.json())


async def test_sigterm_closes_sockets_with_1001_finishes_the_write_in_flight_and_exits_0(
    backend: str, tmp_path: Path
) -> None:
    # the live-path guard reads once per 15 s: the pool in use is the move, not the guard's query
    settings = {'SHUTDOWN_GRACE_SECONDS': str(GRACE), 'SQLITE_BUSY_TIMEOUT_MS': '60000', 'LIVE_CHECK_SECONDS': '15'}
    with database(backend) as url:
        server = Server(tmp_path / 'server', database_url=url, settings=settings).start()
        try:
            ana = await register(server)
            lead = await ana.create_lead('Acme Ltda')
            address = f'ws://127.0.0.1:{server.port}/ws/pipeline?token={ana.access_token}&org_id={ana.organization_id}'
            async with websockets.connect(address, open_timeout=WAIT) as socket:
                greeting = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
                assert greeting['type'] == 'pipeline_connection_established'
                assert await server.metric('lovedcrm_open_sockets') == 1
                async with write_lock_held(server, ana.organization_id):
                    path = f'/crm/leads/{lead["id"]}/stage'
                    move = asyncio.create_task(ana.request('PUT', path, json={'stage': 'fechado'}))
                    await until(lambda: server.metric('lovedcrm_db_pool_in_use'), 'the move waits for the lock')

                    assert server.process is not None
                    server.process.send_signal(signal.SIGTERM)
                    signalled = time.monotonic()
                    await asyncio.wait_for(socket.wait_closed(), WAIT)
                    await until(server.refuses_connections, 'no new connection is accepted')
                    assert not move.done()  # still waiting for the lock: in flight through the shutdown
                moved = await asyncio.wait_for(move, WAIT)  # the lock is free: the move completes
            exit_code = await asyncio.to_thread(server.process.wait, GRACE)
            took = time.monotonic() - signalled
        finally:
            server.stop()

        assert (socket.close_code, socket.close_reason) == (1001, 'Server restarting')
        assert (moved['stage'], moved['version']) == ('fechado', lead['version'] + 1)
        assert await stored_stage(server, lead['id']) == 'fechado'
        assert exit_code == 0
        assert took < GRACE  # it waited for the write, not for the whole grace period
        log = server.log_path.read_text()
        assert 'shutting down: telling 0 open page(s), closing 1 API socket(s)' in log
        assert 'Traceback' not in log and 'graceful shutdown exceeded' not in log, server.log_tail()


async def test_while_going_away_readiness_fails_and_new_sockets_are_turned_away(ctx: AppContext) -> None:
    app = FastAPI()
    install_api(app, ctx)
    await ctx.drain.begin(1.0)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        ready = await client.get('/readyz')
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {'type': 'websocket.connect'}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        'type': 'websocket',
        'path': '/ws/pipeline',
        'raw_path': b'/ws/pipeline',
        'query_string': b'token=t&org_id=o',
        'headers': [(b'host', b'testserver')],
        'client': ('127.0.0.1', 5000),
        'server': ('testserver', 80),
        'scheme': 'ws',
        'root_path': '',
        'subprotocols': [],
        'extensions': {'websocket.http.response': {}},
        'state': {},
    }
    await app(scope, receive, send)

    assert (ready.status_code, ready.json()) == (503, {'status': 'shutting down'})
    start = next(m for m in sent if m['type'] == 'websocket.http.response.start')
    body = b''.join(m.get('body', b'') for m in sent if m['type'] == 'websocket.http.response.body')
    assert start['status'] == 503 and (b'retry-after', b'1') in start['headers']
    assert json.loads(body) == {'detail': 'Server restarting; connect again', 'code': 'service_unavailable'}
