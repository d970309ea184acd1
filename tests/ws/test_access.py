"""An open socket follows its session: a logout, a password change or a removal closes it; an expired token does not."""

import time

from waiting import until
from ws_helpers import PASSWORD, forge_token, join, login, open_socket, register
from ws_server import Server


async def test_a_socket_outlives_its_access_token_while_the_session_is_live(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    expires = int(time.time()) + 2
    short_lived = forge_token(ana.access_token, exp=expires)

    async with open_socket(ana, token=short_lived) as socket:
        await until(lambda: time.time() > expires + 1, 'the token used to connect has expired')
        lead = await ana.create_lead('Acme Ltda')
        [created] = await socket.events(1)
        still_answers = await socket.round_trip()

    assert socket.greeting['user']['user_id'] == ana.user_id
    assert (created['type'], created['lead']['id']) == ('lead_created', lead['id'])
    assert still_answers == []


async def test_logging_out_closes_that_sessions_sockets_with_4403_only(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    phone = await login(ana)

    async with (
        open_socket(ana) as laptop,
        open_socket(ana, '/ws/collaborate') as laptop_too,
        open_socket(phone) as other,
    ):
        await ana.request('POST', '/auth/logout')
        closed = [await laptop.until_closed(), await laptop_too.until_closed()]
        lead = await phone.create_lead('Acme Ltda')
        still_open = await other.receive()

    assert closed == [([], 4403, 'Session ended')] * 2
    assert (still_open['type'], still_open['lead']['id']) == ('lead_created', lead['id'])


async def test_removing_a_member_closes_their_sockets_with_4403(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(bruno) as bruno_socket, open_socket(ana) as ana_socket:
        await ana.request('DELETE', f'/organizations/members/{bruno.user_id}')
        frames, code, reason = await bruno_socket.until_closed()
        left = await ana_socket.receive()

    assert (code, reason) == (4403, 'Not a member of this organization')
    assert [f['type'] for f in frames] == ['user_joined']  # Ana's arrival, nothing after the removal
    assert (left['type'], left['user_id']) == ('user_left', bruno.user_id)


async def test_changing_the_password_closes_the_other_sessions_sockets(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    phone = await login(ana)

    async with open_socket(phone) as socket:
        await ana.request(
            'POST', '/auth/change-password', json={'current_password': PASSWORD, 'new_password': 'Newer456secret'}
        )
        frames, code, reason = await socket.until_closed()

    assert frames == []
    assert (code, reason) == (4403, 'Session ended')
