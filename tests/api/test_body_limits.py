"""Request bodies are bounded (MAX_REQUEST_BYTES, default 1 MiB): refused with a JSON 413 before anything parses them.

An attacker sends a huge body to an endpoint that needs no sign-in, declared or streamed without a length;
an integration sends fields we do not model (ignored, API-CONTRACT §0), but never megabytes of them.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_process import ServerProcess
from starlette.types import Receive, Scope, Send

from lovedcrm_ui.api.limits import BodyLimit

MIB = 1024 * 1024
HUGE = 200 * MIB
CHUNK = 64 * 1024


def assert_refused(response: httpx.Response, limit: int = MIB) -> None:
    """The one 413 body."""
    assert response.status_code == 413, response.text[:300]
    assert response.json() == {'detail': f'Request body too large: at most {limit} bytes', 'code': 'request_too_large'}


class Counted:
    """A request body streamed from a generator (no Content-Length), counting what the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"email": "ana@example.com", "password": "'
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b'x' * CHUNK
        yield b'"}'


async def test_a_streamed_200_mb_login_is_cut_off_after_the_limit(api: httpx.AsyncClient) -> None:
    body = Counted(HUGE)
    response = await api.post('/auth/login', content=body, headers={'content-type': 'application/json'})
    assert_refused(response)
    assert body.pulled <= MIB + 2 * CHUNK  # the app stopped reading at the limit: 200 MB were never taken in


async def test_a_declared_200_mb_body_is_refused_without_reading_it(api: httpx.AsyncClient) -> None:
    body = Counted(HUGE)
    headers = {'content-type': 'application/json', 'content-length': str(HUGE)}
    response = await api.post('/auth/login', content=body, headers=headers)
    assert_refused(response)
    assert body.pulled == 0


async def test_a_10_mb_unknown_field_is_refused_by_the_limit(api: httpx.AsyncClient, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    body = {'name': 'Acme Ltda', 'padding': 'x' * (10 * MIB)}
    response = await api.post('/crm/leads', headers=ana.headers, json=body)
    assert_refused(response)
    listed = await api.get('/crm/leads', headers=ana.headers)
    assert listed.json()['total_count'] == 0


async def test_unknown_fields_within_the_limit_are_ignored_up_to_the_last_byte(api_with, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    small = await api_with(max_request_bytes=4096)

    def body(size: int) -> bytes:
        head = {'name': 'Acme Ltda', 'estimatedValue': 5000, 'padding': ''}
        padding = size - len(json.dumps(head).encode())
        return json.dumps({**head, 'padding': 'x' * padding}).encode()

    headers = {**ana.headers, 'content-type': 'application/json'}
    accepted = await small.post('/crm/leads', headers=headers, content=body(4096))
    refused = await small.post('/crm/leads', headers=headers, content=body(4097))

    assert accepted.status_code == 201, accepted.text
    assert set(accepted.json()) >= {'id', 'name'} and 'padding' not in accepted.json()
    assert_refused(refused, 4096)


async def test_socket_io_long_polling_keeps_engineio_s_own_limit() -> None:
    # a board's batched keystrokes travel as one POST to NiceGUI's socket.io: engineio bounds it, we do not
    received: list[bytes] = []

    async def engineio(scope: Scope, receive: Receive, send: Send) -> None:
        more = True
        while more:
            message = await receive()
            received.append(message.get('body', b''))
            more = message.get('more_body', False)
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'ok'})

    transport = httpx.ASGITransport(app=BodyLimit(engineio, max_bytes=1024))
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        polling = await client.post('/_nicegui_ws/socket.io/?EIO=4&transport=polling&sid=x', content=b'4' * 10_000)
        other = await client.post('/_nicegui/anything', content=b'4' * 10_000)

    assert polling.status_code == 200
    assert b''.join(received) == b'4' * 10_000
    assert_refused(other, 1024)


async def test_an_app_that_answers_before_reading_everything_keeps_its_answer() -> None:
    # only a body that really passes the limit is refused: an early answer on a short read stays the app's
    async def early(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({'type': 'http.response.start', 'status': 202, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'accepted'})

    transport = httpx.ASGITransport(app=BodyLimit(early, max_bytes=1024))
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        response = await client.post('/crm/leads', content=b'x' * 1000)

    assert (response.status_code, response.text) == (202, 'accepted')


# the real server (uvicorn, NiceGUI's app): the refusal reaches an attacker still sending


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``main.py`` on SQLite with the default limit (1 MiB)."""
    process = ServerProcess(tmp_path_factory.mktemp('limits')).start()
    yield process
    process.stop()


def resident_kib(pid: int) -> int:
    """The process's resident memory (VmRSS) in KiB."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    raise AssertionError('no VmRSS')


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of one HTTP/1.1 response."""
    head = await reader.readuntil(b'\r\n\r\n')
    status_line, *header_lines = head.decode('latin-1').split('\r\n')
    headers = dict(line.split(': ', 1) for line in header_lines if line)
    headers = {name.lower(): value for name, value in headers.items()}
    body = await reader.readexactly(int(headers['content-length']))
    return int(status_line.split()[1]), headers, json.loads(body)


def request_head(server: ServerProcess, path: str, framing: str) -> bytes:
    return (
        f'POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n'
    ).encode()


async def test_a_declared_200_mb_body_is_answered_before_a_byte_of_it_is_sent(server: ServerProcess) -> None:
    reader, writer = await asyncio.open_connection('127.0.0.1', server.port)
    try:
        writer.write(request_head(server, '/auth/login', f'Content-Length: {HUGE}'))
        await writer.drain()
        status, headers, body = await asyncio.wait_for(read_response(reader), timeout=15)
    finally:
        writer.close()
    assert (status, body['code']) == (413, 'request_too_large')
    assert headers['content-type'] == 'application/json'


async def test_a_chunked_200_mb_body_is_refused_early_and_the_server_does_not_grow(server: ServerProcess) -> None:
    assert server.process is not None
    before = resident_kib(server.process.pid)
    reader, writer = await asyncio.open_connection('127.0.0.1', server.port)
    answer = asyncio.create_task(read_response(reader))
    sent = 0
    try:
        writer.write(request_head(server, f'/auth/login?probe={uuid.uuid4().hex}', 'Transfer-Encoding: chunked'))
        writer.write(b'%x\r\n{"email": "ana@example.com", "password": "\r\n' % 42)
        chunk = b'%x\r\n%s\r\n' % (CHUNK, b'x' * CHUNK)
        while sent < HUGE and not answer.done():
            writer.write(chunk)
            sent += CHUNK
            try:
                await asyncio.wait_for(writer.drain(), timeout=15)
            except ConnectionError:
                break  # the server hung up after answering: the answer is read below
        status, _headers, body = await asyncio.wait_for(answer, timeout=15)
    finally:
        answer.cancel()
        writer.close()

    assert (status, body['code']) == (413, 'request_too_large')
    # the answer came while the body was still being sent: socket buffers, not 200 MB, lie in between
    assert sent <= 32 * MIB
    assert resident_kib(server.process.pid) - before < 64 * 1024
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        assert (await client.get('/healthz')).status_code == 200  # and it serves others as before
