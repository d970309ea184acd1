"""Helpers for the real-time API tests: people over REST (``api_person.ApiPerson``), WebSocket clients.

Imported by the tests as ``from ws_helpers import …`` (pytest puts this folder on ``sys.path``); waits
are tests/waiting.py's (``from waiting import until``).
"""

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import websockets
from accounts import PASSWORD
from api_person import ApiPerson, new_account
from waiting import WAIT  # upper bound of every wait for a frame or a condition
from websockets.exceptions import ConnectionClosed
from ws_server import SECRET_KEY, Server

ISSUER = 'lovedcrm-pipeline'
PRESENCE = ('user_joined', 'user_left')


# ----- people over the REST API (their calls: ``ApiPerson``) -------------------------------------


async def register(server: Server, full_name: str) -> ApiPerson[Server]:
    """Register a user with an organization of their own (a unique e-mail per call)."""
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        response = await client.post('/auth/register', json=new_account(full_name))
    assert response.status_code == 201, response.text
    return ApiPerson.from_auth(server, response.json())


async def join(owner: ApiPerson[Server], full_name: str, role: str = 'member') -> ApiPerson[Server]:
    """Register someone, have ``owner`` invite them, accept, and switch them to the owner's organization."""
    newcomer = await register(owner.server, full_name)
    await owner.request('POST', '/organizations/invites', 201, json={'email': newcomer.email, 'role': role})
    rows = await owner.server.sql("SELECT token FROM invites WHERE email = $1 AND status = 'pending'", newcomer.email)
    token = rows[0][0]
    bearer = {'Authorization': f'Bearer {newcomer.access_token}'}
    async with httpx.AsyncClient(base_url=owner.server.url, headers=bearer, timeout=WAIT) as client:
        accepted = await client.post(f'/invites/{token}/accept', json={'token': token})
        assert accepted.status_code == 200, accepted.text
        switched = await client.post('/auth/switch-organization', json={'organization_id': owner.organization_id})
        assert switched.status_code == 200, switched.text
    return ApiPerson.from_auth(owner.server, switched.json())


async def login(person: ApiPerson[Server]) -> ApiPerson[Server]:
    """The same person signed in again: a new session with its own tokens."""
    async with httpx.AsyncClient(base_url=person.server.url, timeout=WAIT) as client:
        response = await client.post('/auth/login', json={'email': person.email, 'password': PASSWORD})
    assert response.status_code == 200, response.text
    again = ApiPerson.from_auth(person.server, response.json())
    assert again.organization_id == person.organization_id
    return again


def forge_token(token: str, **changes: Any) -> str:
    """A token signed with the server's key from a real one, with some claims changed (e.g. ``exp``)."""
    claims = jwt.decode(token, SECRET_KEY, algorithms=['HS256'], issuer=ISSUER, options={'verify_exp': False})
    return jwt.encode({**claims, **changes}, SECRET_KEY, algorithm='HS256')


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
    person: ApiPerson[Server], path: str = '/ws/pipeline', *, greet: bool = True, **params: str | int | None
) -> AsyncIterator[Socket]:
    """A socket of ``person`` (token and org_id in the query unless overridden), greeting read first."""
    query: dict[str, str | int | None] = {'token': person.access_token, 'org_id': person.organization_id, **params}
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
async def open_stalled_socket(person: ApiPerson[Server]) -> AsyncIterator[Socket]:
    """A socket whose client stops reading after the greeting until it calls ``receive`` again.

    The client holds one frame, its kernel a few KiB (small receive buffer) and nothing is compressed,
    so what the server sends piles up on the server side: in the kernel's send buffer (up to a few
    MiB), then in the socket's send queue.
    """
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ('127.0.0.1', person.server.port))
    url = ws_url(person.server, token=person.access_token, org_id=person.organization_id)
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
