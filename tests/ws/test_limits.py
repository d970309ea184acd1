"""Misbehaving clients: too slow, too big, malformed, naming another organization, too chatty."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from waiting import until
from websockets.exceptions import ConnectionClosed
from ws_helpers import Socket, join, lead_events, open_socket, open_stalled_socket, register
from ws_server import Server

BURST = 300


def writes_to_overflow(frame_bytes: int, queue: int) -> int:
    """Events of ``frame_bytes`` that surely overflow a stalled socket: kernel send buffer, then its queue."""
    try:
        send_buffer = int(Path('/proc/sys/net/ipv4/tcp_wmem').read_text().split()[2])  # autotuning maximum
    except (OSError, IndexError, ValueError):
        send_buffer = 4 * 1024 * 1024  # Linux's default
    return max(50, (3 * send_buffer // 2) // frame_bytes + queue + 4)


async def test_a_client_that_stops_reading_is_dropped_and_never_holds_up_its_teammates(tight_server: Server) -> None:
    ana = await register(tight_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    # each event carries the whole lead (~160 KB here), so a few dozen overflow what the network buffers
    tags = [f'{index:04d}-{uuid.uuid4().hex}' for index in range(4000)]
    lead = await ana.create_lead('Acme Ltda', tags=tags)
    writes = writes_to_overflow(len(json.dumps(lead)), queue=8)  # WS_SEND_QUEUE=8 on this server

    async def follow(socket: Socket) -> list[dict[str, Any]]:
        frames: list[dict[str, Any]] = []
        while len(lead_events(frames)) < writes:
            frames.append(await socket.receive())
        return frames

    async def only_bruno_connected() -> bool:
        stats = await bruno.request('GET', f'/ws/organization-stats/{bruno.organization_id}')
        return bool(stats['total_connections'] == 1)

    async with open_socket(bruno) as bruno_socket, open_stalled_socket(ana) as stalled:
        await bruno_socket.receive()  # user_joined: Ana
        following = asyncio.create_task(follow(bruno_socket))
        async with ana.api() as client:
            for index in range(writes):
                response = await client.put(f'/crm/leads/{lead["id"]}', json={'phone': f'+55 11 4000-{index:04d}'})
                assert response.status_code == 200, response.text
        bruno_saw = await asyncio.wait_for(following, 30)
        await until(only_bruno_connected, "the stalled socket is dropped while it still isn't reading")
        stalled_saw, code, reason = await stalled.until_closed(within=30)

    start = stalled.greeting['seq']
    assert [f['seq'] for f in lead_events(bruno_saw)] == list(range(start + 1, start + 1 + writes))
    assert [(f['type'], f['user_id']) for f in bruno_saw if not f['type'].startswith('lead_')] == [
        ('user_left', ana.user_id)
    ]
    assert (code, reason) == (1013, 'Client is not reading fast enough')
    # what did reach Ana came in order; she must resume from her last seq for the rest
    got = [f['seq'] for f in lead_events(stalled_saw)]
    assert got == list(range(start + 1, start + 1 + len(got)))
    assert len(got) < writes


async def test_a_frame_over_64_kb_is_refused_and_the_socket_stays_open(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana) as socket:
        await socket.send({'type': 'user_activity', 'activity': 'x' * (64 * 1024)})
        refused = await socket.receive()
        await socket.send({'type': 'ping', 'timestamp': 'y' * 60_000})  # under the limit
        pong = await socket.receive()

    assert refused == {'type': 'error', 'message': 'Message too large'}
    assert pong == {'type': 'pong', 'timestamp': 'y' * 60_000}


async def test_three_malformed_frames_in_a_row_close_the_socket(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana) as socket:
        for frame in ('not json', '{"type": "ping"', '[1, 2, 3]'):
            await socket.send(frame)
        frames, code, reason = await socket.until_closed()

    assert frames == [{'type': 'error', 'message': 'Invalid JSON format'}] * 3
    assert (code, reason) == (1003, 'Invalid JSON format')


async def test_a_good_frame_between_malformed_ones_resets_the_count(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana) as socket:
        for frame in ('not json', 'nope', json.dumps({'type': 'ping', 'timestamp': 1}), '{', '"a string"'):
            await socket.send(frame)
        frames = await socket.frames(5)
        rest = await socket.round_trip()

    error = {'type': 'error', 'message': 'Invalid JSON format'}
    assert frames == [error, error, {'type': 'pong', 'timestamp': 1}, error, error]
    assert rest == []


async def test_a_frame_naming_another_organization_gets_an_error_and_a_4403_close(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    carla = await register(sqlite_server, 'Carla Dias')

    async with open_socket(ana) as socket:
        await socket.send({'type': 'ping', 'timestamp': 1, 'organization_id': ana.organization_id})  # its own: fine
        pong = await socket.receive()
        await socket.send({'type': 'lead_drag_start', 'lead_id': 'l-1', 'organization_id': carla.organization_id})
        frames, code, reason = await socket.until_closed()

    assert pong == {'type': 'pong', 'timestamp': 1}
    assert frames == [{'type': 'error', 'message': 'Organization mismatch'}]
    assert (code, reason) == (4403, 'Organization mismatch')


async def test_a_burst_over_the_rate_limit_closes_with_1008(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana) as socket:
        try:
            for index in range(BURST):  # the bucket holds 40 and refills 20 per second
                await socket.send({'type': 'ping', 'timestamp': index})
        except ConnectionClosed:
            pass  # the server may close before the client has sent everything
        frames, code, reason = await socket.until_closed()

    assert (code, reason) == (1008, 'Too many messages')
    assert 40 <= len(frames) < BURST
    assert frames == [{'type': 'pong', 'timestamp': index} for index in range(len(frames))]
