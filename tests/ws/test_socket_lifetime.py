"""How long an API socket lives (API-CONTRACT §7 "Open sockets and token expiry").

A socket lives as long as its session, not its access token; a fresh token may be sent on it at any
time; ending a session (from the list of sessions too) closes its sockets at once. A client that keeps
reconnecting with credentials that no longer work, as LovedCRM's web client does once a second
(hooks/use-pipeline-websocket-shared.ts, ``onclose`` → ``connect(url)`` with the same URL), is answered
403 a few times, then 429 without a database query.
"""

import asyncio
import json
import random
import socket
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from waiting import until
from websockets.exceptions import InvalidStatus
from ws_helpers import Socket, connect_raw, forge_token, join, login, open_socket, register, ws_url
from ws_server import Server, start_servers

SLOWED_AFTER = 3  # refused handshakes per address within a minute on the server of the slowing tests


def session_of(token: str) -> str:
    """The session id (``sid``) a token carries."""
    return str(jwt.decode(token, options={'verify_signature': False})['sid'])


async def test_a_socket_closes_with_4401_when_its_session_itself_ends(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    soon = "now() + interval '2 seconds'" if event_server.database_url else "datetime('now', '+2 seconds')"
    await event_server.sql(
        f'UPDATE auth_sessions SET expires_at = {soon} WHERE user_id = (SELECT id FROM users WHERE email = $1)',
        ana.email,
    )

    async with open_socket(ana) as socket_:
        frames, code, reason = await socket_.until_closed()

    assert frames == []
    assert (code, reason) == (4401, 'Session expired')


async def test_a_fresh_token_sent_on_the_socket_is_adopted(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')

    async with open_socket(ana) as socket_:
        again = await login(ana)  # the client signed in again: a new session
        await socket_.send({'type': 'auth', 'token': again.access_token})
        adopted = await socket_.receive()
        await ana.request('POST', '/auth/logout')  # the session the socket was opened with ends: it stays open
        lead = await again.create_lead('Acme Ltda')
        [created] = await socket_.events(1)
        await again.request('POST', '/auth/logout')  # the adopted session ends: now it closes
        frames, code, reason = await socket_.until_closed()

    assert (adopted['type'], adopted['user_id']) == ('authenticated', ana.user_id)
    assert {'expires_at', 'session_expires_at'} <= set(adopted)
    assert (created['type'], created['lead']['id']) == ('lead_created', lead['id'])
    assert (frames, code, reason) == ([], 4403, 'Session ended')


async def test_an_auth_frame_that_is_refused_changes_nothing(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    expired = forge_token(ana.access_token, exp=int(time.time()) - 60)

    async with open_socket(ana) as socket_:
        answers = []
        for frame in (
            {'type': 'auth', 'token': 'not-a-token'},
            {'type': 'auth', 'token': ana.refresh_token},
            {'type': 'auth', 'token': expired},
            {'type': 'auth', 'token': bruno.access_token},
            {'type': 'auth'},
        ):
            await socket_.send(frame)
            answers.append(await socket_.receive())
        lead = await bruno.create_lead('Acme Ltda')
        [created] = await socket_.events(1)
        await ana.request('POST', '/auth/logout')  # still the socket of the session that opened it
        _, code, reason = await socket_.until_closed()

    assert [(a['type'], a['code']) for a in answers] == [
        ('error', 'token_invalid'),
        ('error', 'token_type_invalid'),
        ('error', 'token_expired'),
        ('error', 'token_invalid'),
        ('error', 'token_missing'),
    ]
    assert answers[3]['message'] == 'Token of another user'
    assert created['lead']['id'] == lead['id']
    assert (code, reason) == (4403, 'Session ended')


async def test_ending_sessions_from_the_list_closes_their_sockets_at_once(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    phone, tablet = await login(ana), await login(ana)

    async with open_socket(phone) as on_phone, open_socket(tablet) as on_tablet, open_socket(ana) as on_laptop:
        await ana.request('DELETE', f'/users/me/sessions/{session_of(phone.access_token)}')
        phone_closed = await on_phone.until_closed()
        await ana.request('POST', '/users/me/sessions/revoke-all')
        tablet_closed = await on_tablet.until_closed()
        laptop_answers = await on_laptop.round_trip()

    assert phone_closed == ([], 4403, 'Session ended')
    assert tablet_closed == ([], 4403, 'Session ended')
    assert laptop_answers == []  # this session's socket lives on


# ----- refused handshakes are slowed, per client address ----------------------------------------


@pytest.fixture(scope='module')
def slowed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A SQLite server of its own that slows refused handshakes early and keeps an access log."""
    server = Server(
        tmp_path_factory.mktemp('ws-slowed'),
        settings={'WS_REFUSED_HANDSHAKES': str(SLOWED_AFTER), 'WS_REFUSED_WINDOW_SECONDS': '60', 'ACCESS_LOG': 'true'},
    )
    start_servers(server)
    try:
        yield server
    finally:
        server.stop()


def loopback_address() -> str:
    """A loopback address of its own for one test's client (the slowing counts per address)."""
    return f'127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}'


async def connect_from(address: str, server: Server, url: str) -> Any:
    """Open a WebSocket from ``address``; ``InvalidStatus`` when the handshake is refused."""
    raw = socket.socket()
    raw.bind((address, 0))
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ('127.0.0.1', server.port))
    return await connect_raw(url, sock=raw)


async def handshake(address: str, server: Server, url: str) -> tuple[int, dict[str, Any], str | None]:
    """Status, JSON body and ``Retry-After`` of a handshake from ``address`` that the server refuses."""
    with pytest.raises(InvalidStatus) as refused:
        connection = await connect_from(address, server, url)
        await connection.close()  # reached only if the server accepted: the test fails on raises
    response = refused.value.response
    return response.status_code, json.loads(response.body or b'{}'), response.headers.get('Retry-After')


async def test_a_removed_members_reconnect_loop_is_refused_then_slowed(slowed_server: Server) -> None:
    ana = await register(slowed_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    address = loopback_address()
    url = ws_url(slowed_server, token=bruno.access_token, org_id=bruno.organization_id)
    bruno_socket = Socket(await connect_from(address, slowed_server, url))
    bruno_socket.greeting = await bruno_socket.receive()

    await ana.request('DELETE', f'/organizations/members/{bruno.user_id}')
    _, code, reason = await bruno_socket.until_closed()
    attempts = [await handshake(address, slowed_server, url) for _ in range(SLOWED_AFTER + 2)]

    assert (code, reason) == (4403, 'Not a member of this organization')
    assert [status for status, _, _ in attempts] == [403] * SLOWED_AFTER + [429, 429]
    assert {body['code'] for _, body, _ in attempts[:SLOWED_AFTER]} == {'not_a_member'}
    _, body, retry_after = attempts[-1]
    assert body == {
        'detail': 'Too many refused connection attempts. Try again later.',
        'code': 'handshake_rate_limited',
    }
    assert retry_after is not None and 1 <= int(retry_after) <= 60
    # another client is not slowed by this one: its own refusal is an ordinary 403, a good token connects
    assert (await handshake(loopback_address(), slowed_server, url))[0] == 403
    async with open_socket(ana) as ana_socket:
        assert ana_socket.greeting['user']['user_id'] == ana.user_id


async def test_the_access_log_shows_handshakes_and_requests_without_tokens(slowed_server: Server) -> None:
    ana = await register(slowed_server, 'Ana Souza')
    offset = slowed_server.log_size()
    address = loopback_address()
    secret = forge_token(ana.access_token, jti='secret-in-the-url', exp=int(time.time()) - 60)

    await handshake(address, slowed_server, ws_url(slowed_server, token=secret, org_id=ana.organization_id))
    connection = await connect_from(
        address, slowed_server, ws_url(slowed_server, token=ana.access_token, org_id=ana.organization_id)
    )
    await connection.close()
    await ana.request('GET', f'/crm/leads?page=1&access_token={ana.access_token}')

    def written() -> str:
        return slowed_server.log_path.read_bytes()[offset:].decode(errors='replace')

    # the server writes a request's line once the response has gone out: the client can read the log first
    log = await until(lambda: 'GET /crm/leads?page=1' in written() and written(), "the request's line in the log")
    assert ana.access_token not in log and secret not in log
    assert f'WS /ws/pipeline?token=[redacted]&org_id={ana.organization_id} 403 refused' in log
    assert f'WS /ws/pipeline?token=[redacted]&org_id={ana.organization_id} 101 accepted' in log
    assert 'GET /crm/leads?page=1&access_token=[redacted] 200 ' in log
    assert f' {address}' in log  # the client address ends each socket line
