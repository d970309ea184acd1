"""Helpers for the real-time API tests: people and leads over REST, WebSocket clients.

Imported by the tests as ``from ws_helpers import …`` (pytest puts this folder on ``sys.path``).
"""

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import jwt
import websockets
from accounts import PASSWORD
from websockets.exceptions import ConnectionClosed
from ws_server import SECRET_KEY, Server

ISSUER = 'lovedcrm-pipeline'
PRESENCE = ('user_joined', 'user_left')
WAIT = 15.0  # upper bound of every wait for a frame or a condition: generous for a loaded 2-core machine


# ----- people and leads over the REST API ------------------------------------------------------


@dataclass
class Person:
    """A registered user acting in one organization."""

    server: Server
    email: str
    full_name: str
    user_id: str
    org_id: str
    org_name: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """Bearer + X-Org-Id for the person's organization."""
        return {'Authorization': f'Bearer {self.access_token}', 'X-Org-Id': self.org_id}

    def on(self, server: Server) -> 'Person':
        """The same person and tokens, talking to another replica."""
        return replace(self, server=server)

    @asynccontextmanager
    async def api(self) -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client acting as this person."""
        async with httpx.AsyncClient(base_url=self.server.url, headers=self.headers, timeout=WAIT) as client:
            yield client

    async def request(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """One API call as this person; the JSON answer (None for 204)."""
        async with self.api() as client:
            response = await client.request(method, path, **kwargs)
        assert response.status_code == expect, f'{method} {path}: {response.status_code} {response.text}'
        return response.json() if response.content else None

    async def create_lead(self, name: str, **fields: Any) -> dict[str, Any]:
        """Create a lead."""
        return dict(await self.request('POST', '/crm/leads', 201, json={'name': name, **fields}))

    async def update_lead(self, lead_id: str, **fields: Any) -> dict[str, Any]:
        """Change some fields of a lead."""
        return dict(await self.request('PUT', f'/crm/leads/{lead_id}', json=fields))

    async def move_lead(self, lead_id: str, stage: str, **fields: Any) -> dict[str, Any]:
        """Move a lead to another stage."""
        return dict(await self.request('PUT', f'/crm/leads/{lead_id}/stage', json={'stage': stage, **fields}))

    async def delete_lead(self, lead_id: str) -> None:
        """Delete a lead."""
        await self.request('DELETE', f'/crm/leads/{lead_id}', 204)


def person_from(server: Server, body: dict[str, Any]) -> Person:
    """A Person from an auth response."""
    user, organization = body['user'], body['organization']
    return Person(
        server=server,
        email=user['email'],
        full_name=user['full_name'],
        user_id=user['id'],
        org_id=organization['id'],
        org_name=organization['name'],
        access_token=body['access_token'],
        refresh_token=body['refresh_token'],
    )


async def register(server: Server, full_name: str) -> Person:
    """Register a user with an organization of their own (a unique e-mail per call)."""
    email = f'{full_name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com'
    account = {'email': email, 'password': PASSWORD, 'full_name': full_name, 'terms_accepted': True}
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        response = await client.post('/auth/register', json=account)
    assert response.status_code == 201, response.text
    return person_from(server, response.json())


async def join(owner: Person, full_name: str, role: str = 'member') -> Person:
    """Register someone, have ``owner`` invite them, accept, and switch them to the owner's organization."""
    newcomer = await register(owner.server, full_name)
    await owner.request('POST', '/organizations/invites', 201, json={'email': newcomer.email, 'role': role})
    rows = await owner.server.sql("SELECT token FROM invites WHERE email = $1 AND status = 'pending'", newcomer.email)
    token = rows[0][0]
    bearer = {'Authorization': f'Bearer {newcomer.access_token}'}
    async with httpx.AsyncClient(base_url=owner.server.url, headers=bearer, timeout=WAIT) as client:
        accepted = await client.post(f'/invites/{token}/accept', json={'token': token})
        assert accepted.status_code == 200, accepted.text
        switched = await client.post('/auth/switch-organization', json={'organization_id': owner.org_id})
        assert switched.status_code == 200, switched.text
    return person_from(owner.server, switched.json())


async def login(person: Person) -> Person:
    """The same person signed in again: a new session with its own tokens."""
    async with httpx.AsyncClient(base_url=person.server.url, timeout=WAIT) as client:
        response = await client.post('/auth/login', json={'email': person.email, 'password': PASSWORD})
    assert response.status_code == 200, response.text
    again = person_from(person.server, response.json())
    assert again.org_id == person.org_id
    return again


def forge_token(token: str, **changes: Any) -> str:
    """A token signed with the server's key from a real one, with some claims changed (e.g. ``exp``)."""
    claims = jwt.decode(token, SECRET_KEY, algorithms=['HS256'], issuer=ISSUER, options={'verify_exp': False})
    return jwt.encode({**claims, **changes}, SECRET_KEY, algorithm='HS256')


async def eventually(check: Callable[[], Awaitable[Any]], message: str, within: float = WAIT) -> Any:
    """Wait until ``await check()`` is truthy (e.g. a state the server reaches after a close); return it."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f'{message}; last saw {last!r}')


# ----- WebSocket clients --------------------------------------------------------------------------


class Closed(Exception):
    """The server closed the socket while a frame was expected."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f'closed with {code} {reason!r}')
        self.code, self.reason = code, reason


class Socket:
    """A WebSocket client that reads JSON frames (server ``ping`` frames are skipped unless asked for)."""

    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection
        self.greeting: dict[str, Any] = {}

    async def receive(self, *, within: float = WAIT, pings: bool = False) -> dict[str, Any]:
        """The next frame from the server; ``Closed`` if the server closes instead."""
        while True:
            try:
                raw = await asyncio.wait_for(self.connection.recv(), within)
            except ConnectionClosed as closed:
                close = closed.rcvd
                raise Closed(close.code if close else None, close.reason if close else '') from None
            frame = json.loads(raw)
            assert isinstance(frame, dict), raw
            if pings or frame.get('type') != 'ping':
                return frame

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        """Send a frame (a dict as JSON, a string or bytes as they are)."""
        await self.connection.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def frames(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` frames."""
        return [await self.receive() for _ in range(count)]

    async def events(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` lead events; teammates coming and going (presence frames) are passed over."""
        events: list[dict[str, Any]] = []
        while len(events) < count:
            frame = await self.receive()
            if frame['type'] not in PRESENCE:
                events.append(frame)
        return events

    async def round_trip(self) -> list[dict[str, Any]]:
        """Send a ``ping`` and return every frame that arrived before its ``pong`` (a sentinel, not a sleep)."""
        marker = f'sentinel-{uuid.uuid4().hex}'
        await self.send({'type': 'ping', 'timestamp': marker})
        before: list[dict[str, Any]] = []
        while True:
            frame = await self.receive()
            if frame == {'type': 'pong', 'timestamp': marker}:
                return before
            before.append(frame)

    async def until_closed(self, *, within: float = WAIT) -> tuple[list[dict[str, Any]], int | None, str]:
        """Frames received until the server closes the socket, with the close code and reason."""
        frames: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        while True:
            try:
                frames.append(await self.receive(within=max(0.01, deadline - time.monotonic()), pings=True))
            except Closed as closed:
                return frames, closed.code, closed.reason

    async def close(self) -> None:
        """Close from the client side."""
        await self.connection.close()


def ws_url(server: Server, path: str = '/ws/pipeline', **params: str | int | None) -> str:
    """A WebSocket URL with query parameters (None values left out)."""
    query = '&'.join(f'{key}={value}' for key, value in params.items() if value is not None)
    return f'{server.ws_url}{path}' + (f'?{query}' if query else '')


async def connect_raw(url: str, **options: Any) -> websockets.ClientConnection:
    """Open a WebSocket; ``InvalidStatus`` if the handshake is refused."""
    return await websockets.connect(url, open_timeout=WAIT, close_timeout=5, **options)


@asynccontextmanager
async def open_socket(
    person: Person, path: str = '/ws/pipeline', *, greet: bool = True, **params: str | int | None
) -> AsyncIterator[Socket]:
    """A socket of ``person`` (token and org_id in the query unless overridden), greeting read first."""
    query: dict[str, str | int | None] = {'token': person.access_token, 'org_id': person.org_id, **params}
    connection = await connect_raw(ws_url(person.server, path, **query))
    socket_ = Socket(connection)
    try:
        if greet:
            socket_.greeting = await socket_.receive()
            assert socket_.greeting['type'].endswith('connection_established'), socket_.greeting
        yield socket_
    finally:
        await connection.close()


@asynccontextmanager
async def open_stalled_socket(person: Person) -> AsyncIterator[Socket]:
    """A socket whose client stops reading after the greeting until it calls ``receive`` again.

    The client holds one frame, its kernel a few KiB (small receive buffer) and nothing is compressed,
    so what the server sends piles up on the server side: in the kernel's send buffer (up to a few
    MiB), then in the socket's send queue.
    """
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ('127.0.0.1', person.server.port))
    url = ws_url(person.server, token=person.access_token, org_id=person.org_id)
    connection = await connect_raw(url, sock=raw, max_queue=1, compression=None, max_size=None)
    stalled = Socket(connection)
    try:
        stalled.greeting = await stalled.receive()
        yield stalled
    finally:
        await connection.close()


def lead_events(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lead events among frames (those with a ``seq``)."""
    return [frame for frame in frames if frame.get('type', '').startswith('lead_') and 'seq' in frame]
