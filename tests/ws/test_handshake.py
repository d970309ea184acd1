"""Connecting: who is let in, who is refused before the socket is accepted, and authentication by message."""

import json
import time

import pytest
from websockets.exceptions import InvalidStatus
from ws_helpers import connect_raw, forge_token, join, login, open_socket, register, ws_url
from ws_server import Server


async def refusal(url: str) -> tuple[int, str]:
    """Status and ``detail`` of a handshake the server refuses (it must not accept it)."""
    with pytest.raises(InvalidStatus) as refused:
        connection = await connect_raw(url)
        await connection.close()  # reached only if the server accepted: the test fails on raises
    response = refused.value.response
    return response.status_code, json.loads(response.body or b'{}').get('detail', '')


@pytest.mark.parametrize('path', ['/ws/pipeline', '/ws/crm/pipeline', '/ws/collaborate'])
async def test_a_socket_without_a_token_is_refused_before_it_is_accepted(sqlite_server: Server, path: str) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    status, detail = await refusal(ws_url(sqlite_server, path, org_id=ana.organization_id))

    assert (status, detail) == (403, 'Missing token')


async def test_every_unusable_credential_is_refused_with_403_and_a_reason(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    carla = await register(sqlite_server, 'Carla Dias')
    expired = forge_token(ana.access_token, exp=int(time.time()) - 60)

    attempts = {
        'garbage token': (ana.organization_id, 'not-a-token'),
        'expired token': (ana.organization_id, expired),
        'refresh token': (ana.organization_id, ana.refresh_token),
        "another organization's id": (carla.organization_id, ana.access_token),
        'organization id that is not a UUID': ('acme', ana.access_token),
        'no organization id': (None, ana.access_token),
    }
    seen = {
        name: await refusal(ws_url(sqlite_server, token=token, org_id=org)) for name, (org, token) in attempts.items()
    }

    assert seen == {
        'garbage token': (403, 'Unauthorized - invalid token'),
        'expired token': (403, 'Unauthorized - token expired'),
        'refresh token': (403, 'Invalid token type'),
        "another organization's id": (403, 'Access denied: organization mismatch'),
        'organization id that is not a UUID': (403, 'Invalid organization ID format'),
        'no organization id': (403, 'Invalid organization ID format'),
    }


async def test_a_removed_member_cannot_connect_any_more(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    async with open_socket(bruno):
        pass  # a member connects

    await ana.request('DELETE', f'/organizations/members/{bruno.user_id}')

    assert await refusal(ws_url(sqlite_server, token=bruno.access_token, org_id=bruno.organization_id)) == (
        403,
        'Not a member of this organization',
    )


async def test_a_logged_out_session_cannot_connect_but_another_session_can(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    phone = await login(ana)

    await ana.request('POST', '/auth/logout')

    assert await refusal(ws_url(sqlite_server, token=ana.access_token, org_id=ana.organization_id)) == (
        403,
        'Unauthorized - invalid token',
    )
    async with open_socket(phone) as socket:
        assert socket.greeting['user']['user_id'] == ana.user_id


async def test_connections_per_user_are_limited_with_429(tight_server: Server) -> None:
    ana = await register(tight_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(ana), open_socket(ana, '/ws/collaborate'):
        status, detail = await refusal(ws_url(tight_server, token=ana.access_token, org_id=ana.organization_id))
        async with open_socket(bruno) as teammate:  # the limit is per user
            assert teammate.greeting['user']['user_id'] == bruno.user_id

    assert (status, detail) == (429, 'Too many connections')


async def test_authentication_by_message_cannot_bypass_the_connection_limit(tight_server: Server) -> None:
    ana = await register(tight_server, 'Ana Souza')

    async with open_socket(ana), open_socket(ana), open_socket(ana, greet=False, token=None, auth='message') as third:
        await third.send({'type': 'auth', 'token': ana.access_token, 'org_id': ana.organization_id})
        frames, code, reason = await third.until_closed()

    assert frames == []
    assert (code, reason) == (1013, 'Too many connections')


async def test_authentication_by_message_keeps_the_token_out_of_the_url(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana, greet=False, token=None, org_id=None, auth='message') as socket:
        await socket.send({'type': 'auth', 'token': ana.access_token, 'org_id': ana.organization_id})
        first = await socket.receive()
        lead = await ana.create_lead('Acme Ltda')
        created = await socket.receive()

    assert first['type'] == 'pipeline_connection_established'
    assert first['user']['user_id'] == ana.user_id
    assert first['organization'] == {'id': ana.organization_id, 'name': ana.organization_name}
    assert (created['type'], created['lead']['id']) == ('lead_created', lead['id'])


async def test_authentication_by_message_must_arrive_in_time(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana, greet=False, token=None, org_id=None, auth='message') as socket:
        frames, code, reason = await socket.until_closed()  # WS_AUTH_TIMEOUT_SECONDS=1 on this server

    assert frames == []
    assert (code, reason) == (4401, 'Authentication required')


@pytest.mark.parametrize(
    'message',
    [
        {'type': 'auth', 'token': 'not-a-token'},
        {'type': 'ping', 'timestamp': 1},
        'not json',
    ],
    ids=['bad token', 'not an auth frame', 'not JSON'],
)
async def test_a_bad_authentication_message_closes_with_4401(sqlite_server: Server, message: dict | str) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    if isinstance(message, dict):
        message = {**message, 'org_id': ana.organization_id}

    async with open_socket(ana, greet=False, token=None, org_id=None, auth='message') as socket:
        await socket.send(message)
        frames, code, _reason = await socket.until_closed()

    assert frames == []
    assert code == 4401


async def test_authentication_by_message_for_another_organization_closes_with_4403(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    carla = await register(sqlite_server, 'Carla Dias')

    async with open_socket(ana, greet=False, token=None, org_id=None, auth='message') as socket:
        await socket.send({'type': 'auth', 'token': ana.access_token, 'org_id': carla.organization_id})
        frames, code, reason = await socket.until_closed()

    assert frames == []
    assert (code, reason) == (4403, 'Access denied: organization mismatch')
