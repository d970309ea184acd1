"""What a client receives first, and the ping/pong it can rely on."""

from datetime import datetime
from typing import Any

import pytest
from ws_helpers import join, open_socket, register
from ws_server import Server

GREETINGS = {
    '/ws/pipeline': 'pipeline_connection_established',
    '/ws/crm/pipeline': 'pipeline_connection_established',
    '/ws/collaborate': 'connection_established',
}


def aware(value: str) -> datetime:
    """An ISO 8601 datetime that carries its zone."""
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


@pytest.mark.parametrize('path', list(GREETINGS))
async def test_the_first_frame_introduces_the_organization_the_user_and_who_is_online(
    sqlite_server: Server, path: str
) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    await ana.create_lead('Acme Ltda')
    await ana.create_lead('Padaria Pão Quente')

    async with open_socket(ana, path, greet=False) as socket:
        first = await socket.receive()

    assert set(first) == {'type', 'message', 'organization', 'user', 'active_users', 'seq'}
    assert first['type'] == GREETINGS[path]
    assert isinstance(first['message'], str) and first['message']
    assert first['organization'] == {'id': ana.organization_id, 'name': "Ana Souza's Organization"}
    assert first['user'] == {'user_id': ana.user_id, 'full_name': 'Ana Souza', 'email': ana.email, 'avatar_url': None}
    [me] = first['active_users']
    assert set(me) == {'user_id', 'full_name', 'email', 'avatar_url', 'last_seen', 'connected_at'}
    assert (me['user_id'], me['full_name'], me['email'], me['avatar_url']) == (
        ana.user_id,
        'Ana Souza',
        ana.email,
        None,
    )
    assert aware(me['connected_at']) <= aware(me['last_seen'])
    assert first['seq'] == 2  # two leads created: the client knows where the event stream stands


async def test_active_users_lists_every_teammate_online_once(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(bruno), open_socket(bruno, '/ws/collaborate'), open_socket(ana) as socket:
        online = socket.greeting['active_users']

    assert [(u['user_id'], u['full_name']) for u in online] == [
        (bruno.user_id, 'Bruno Lima'),
        (ana.user_id, 'Ana Souza'),
    ]


@pytest.mark.parametrize('path', ['/ws/pipeline', '/ws/collaborate'])
async def test_ping_gets_a_pong_echoing_the_timestamp_as_sent(sqlite_server: Server, path: str) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    timestamps: list[Any] = [1732870000123, 1732870000.5, '2026-11-29T10:00:00Z', {'sent': [1, 'two']}, None, True]

    async with open_socket(ana, path) as socket:
        pongs = []
        for timestamp in timestamps:
            await socket.send({'type': 'ping', 'timestamp': timestamp})
            pongs.append(await socket.receive())
        await socket.send({'type': 'ping'})
        without = await socket.receive()

    assert pongs == [{'type': 'pong', 'timestamp': timestamp} for timestamp in timestamps]
    assert without == {'type': 'pong', 'timestamp': None}


async def test_unknown_frame_types_are_ignored_and_the_socket_stays_open(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana) as socket:
        for frame in ({'type': 'subscribe', 'channel': 'leads'}, {'no_type': True}, {'type': None}, {'type': 42}):
            await socket.send(frame)
        unrequested = await socket.round_trip()
        lead = await ana.create_lead('Acme Ltda')
        created = await socket.receive()

    assert unrequested == []
    assert (created['type'], created['lead']['id']) == ('lead_created', lead['id'])


async def test_a_silent_client_gets_a_ping_from_the_server(tight_server: Server) -> None:
    ana = await register(tight_server, 'Ana Souza')

    async with open_socket(ana) as socket:
        ping = await socket.receive(pings=True)  # WS_PING_SECONDS=1 on this server

    assert set(ping) == {'type', 'timestamp'}
    assert ping['type'] == 'ping'
    aware(ping['timestamp'])
