"""Real servers on a PostgreSQL database of their own, people moving leads on them, and what reaches a WebSocket.

For the tests (and bench/db_outage.py) that break something under load: a database outage
(tests/test_db_outage.py) and ``kill -9`` (tests/test_kill9.py). tests/ is on ``sys.path``:
``from pipeline_server import …``.

- ``PgServer``: ``main.py`` (``server_process.ServerProcess``) on a given PostgreSQL URL; replicas of one
  deployment share the database and ``SECRET_KEY``.
- ``Load``: people moving their own leads, one request after another, every answer recorded as a ``Call``
  (when it started and ended, status, body code); the moves that got a 200 are the acknowledged ones.
- ``Subscriber``: a WebSocket on ``/ws/pipeline`` recording every lead event it receives.
- ``stored_events``: the organization's ``pipeline_events`` rows, read as the admin.
"""

import asyncio
import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import websockets
from api_person import ApiPerson, new_account
from pg_harness import app_url, create_app_database_sync, pg_admin_sync, pg_url
from server_process import ServerProcess
from waiting import WAIT

SECRET_KEY = 'pipeline-server-secret-key-long-enough-for-hs256'
STAGES = ('contato', 'proposta', 'negociacao', 'fechado', 'lead')  # a lead created in "lead" moves on each call
TRY_AGAIN_LATER = 1013  # the close code of a socket whose send queue overflowed
PACE = 0.05  # seconds between one person's calls: a steady load, not a flood (the machine is shared)


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A fresh, empty database owned by the app's role (main.py migrates it): its postgresql:// URL; dropped after."""
    name = f'{prefix}_{uuid.uuid4().hex[:12]}'
    create_app_database_sync(name)
    try:
        yield app_url(name, driver='postgresql')
    finally:
        pg_admin_sync(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


@dataclass
class PgServer(ServerProcess):
    """``main.py`` on ``database_url`` with the shared secrets and its own ``settings`` (extra environment)."""

    database_url: str = ''
    settings: dict[str, str] = field(default_factory=dict)

    stop_timeout = 10.0

    def extra_environment(self) -> dict[str, str]:
        """The secrets every replica shares, the database, the test's settings."""
        return {
            'SECRET_KEY': SECRET_KEY,
            'STORAGE_SECRET': 'pipeline-server-storage-secret',
            'DATABASE_URL': self.database_url,
            **self.settings,
        }

    def kill(self) -> None:
        """``kill -9``: no shutdown handler runs, open transactions and sockets just end."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


async def register(server: ServerProcess, full_name: str) -> ApiPerson[Any]:
    """Register a user with an organization of their own."""
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        response = await client.post('/auth/register', json=new_account(full_name))
    assert response.status_code == 201, response.text
    return ApiPerson.from_auth(server, response.json())


async def stored_events(database_url: str, organization_id: str) -> list[dict[str, Any]]:
    """The organization's events as stored, in ``seq`` order (read as the admin: row security does not hide them)."""
    conn = await asyncpg.connect(pg_url(database_url.rsplit('/', 1)[1], driver='postgresql'))
    try:
        rows = await conn.fetch(
            'SELECT seq, type, lead_id, payload FROM pipeline_events WHERE organization_id = $1 ORDER BY seq',
            uuid.UUID(organization_id),
        )
    finally:
        await conn.close()
    events = []
    for row in rows:
        payload = json.loads(row['payload']) if isinstance(row['payload'], str) else row['payload']
        lead = payload.get('lead') or {}
        events.append(
            {
                'seq': row['seq'],
                'type': row['type'],
                'lead_id': str(row['lead_id']),
                'stage': payload.get('new_stage'),
                'version': lead.get('version'),
            }
        )
    return events


# ----- load ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One API call under load and its answer (``status`` None: no HTTP answer at all)."""

    replica: str
    what: str
    started: float
    ended: float
    status: int | None
    content_type: str = ''
    code: str | None = None
    retry_after: str | None = None
    error: str = ''

    @property
    def elapsed(self) -> float:
        return self.ended - self.started


@dataclass(frozen=True)
class Move:
    """A move the server acknowledged with a 200: the lead, the version it reached, its stage."""

    lead_id: str
    version: int
    stage: str


class Load:
    """People moving their own leads and reading the board, one call after another, until ``stop()``."""

    def __init__(self, pace: float = PACE) -> None:
        self.pace = pace
        self.calls: list[Call] = []
        self.acknowledged: list[Move] = []
        self.in_flight = 0  # calls sent and not yet answered (or failed)
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def mover(self, person: ApiPerson[Any], lead_id: str, replica: str) -> None:
        """Keep moving ``lead_id`` to the next stage as ``person`` on the replica ``person.server``."""
        self._tasks.append(asyncio.create_task(self._move(person, lead_id, replica)))

    def reader(self, person: ApiPerson[Any], replica: str) -> None:
        """Keep reading the leads list as ``person``."""
        self._tasks.append(asyncio.create_task(self._read(person, replica)))

    def calls_on(self, replica: str) -> list[Call]:
        """The calls made to one replica, in the order they started."""
        return sorted((c for c in self.calls if c.replica == replica), key=lambda c: c.started)

    async def stop(self) -> None:
        """Let every person finish the call they are in, then stop."""
        self._stopping.set()
        await asyncio.gather(*self._tasks)

    async def _move(self, person: ApiPerson[Any], lead_id: str, replica: str) -> None:
        async with person.api() as client:
            step = 0
            while not self._stopping.is_set():
                stage = STAGES[step % len(STAGES)]
                response = await self._call(client, replica, 'move', 'PUT', f'/crm/leads/{lead_id}/stage', stage)
                if response is not None and response.status_code == 200:
                    self.acknowledged.append(Move(lead_id, int(response.json()['version']), stage))
                    step += 1
                await self._pause()

    async def _read(self, person: ApiPerson[Any], replica: str) -> None:
        async with person.api() as client:
            while not self._stopping.is_set():
                await self._call(client, replica, 'read', 'GET', '/crm/leads', None)
                await self._pause()

    async def _call(
        self, client: httpx.AsyncClient, replica: str, what: str, method: str, path: str, stage: str | None
    ) -> httpx.Response | None:
        started = time.monotonic()
        self.in_flight += 1
        try:
            response = await client.request(method, path, json={'stage': stage} if stage else None)
        except httpx.HTTPError as exc:
            self.calls.append(Call(replica, what, started, time.monotonic(), None, error=repr(exc)))
            return None
        finally:
            self.in_flight -= 1
        content_type = response.headers.get('content-type', '')
        code = response.json().get('code') if content_type == 'application/json' and response.is_error else None
        self.calls.append(
            Call(
                replica,
                what,
                started,
                time.monotonic(),
                response.status_code,
                content_type,
                code,
                response.headers.get('retry-after'),
            )
        )
        return response

    async def _pause(self) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), self.pace)
        except TimeoutError:
            pass


# ----- what a WebSocket client receives ----------------------------------------------------------


class Subscriber:
    """A ``/ws/pipeline`` socket of one person (``since``: resume after that seq) recording the lead events.

    It behaves as docs/REALTIME.md asks of a client: closed with 1013 (its send queue overflowed, e.g. by a
    burst of events caught up after an outage), it reconnects with ``since`` = the last seq it received.
    """

    def __init__(self, person: ApiPerson[Any], since: int | None = None) -> None:
        port = person.server.url.rsplit(':', 1)[1]
        self._base = f'ws://127.0.0.1:{port}/ws/pipeline?token={person.access_token}&org_id={person.organization_id}'
        self.url = self._base + (f'&since={since}' if since is not None else '')
        self.greeting: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.resumed = 0  # reconnections after a 1013
        self.closed: BaseException | None = None
        self._connection: websockets.ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def seqs(self) -> list[int]:
        """The ``seq`` of every lead event received, in arrival order."""
        return [int(event['seq']) for event in self.events]

    async def __aenter__(self) -> 'Subscriber':
        self.greeting = await self._connect(self.url)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()

    async def _connect(self, url: str) -> dict[str, Any]:
        self._connection = await websockets.connect(url, open_timeout=WAIT, close_timeout=5, max_size=None)
        greeting: dict[str, Any] = json.loads(await asyncio.wait_for(self._connection.recv(), WAIT))
        return greeting

    async def _read(self) -> None:
        while True:
            assert self._connection is not None
            try:
                async for raw in self._connection:
                    frame = json.loads(raw)
                    if str(frame.get('type', '')).startswith('lead_') and 'seq' in frame:
                        self.events.append(frame)
                return
            except websockets.ConnectionClosed as closed:
                if closed.rcvd is None or closed.rcvd.code != TRY_AGAIN_LATER:
                    self.closed = closed
                    return
            self.resumed += 1
            since = self.seqs[-1] if self.events else int(self.greeting['seq'])
            await self._connect(f'{self._base}&since={since}')
