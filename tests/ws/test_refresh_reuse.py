"""A replayed refresh token revokes its session: that session's open sockets close at once, others stay open."""

import httpx
import jwt
from waiting import WAIT
from ws_helpers import login, open_socket, register
from ws_server import Server


async def post_refresh(server: Server, token: str) -> httpx.Response:
    """POST /auth/refresh with ``token`` in the body."""
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        return await client.post('/auth/refresh', json={'refresh_token': token})


async def test_a_replayed_refresh_token_closes_that_sessions_sockets(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    phone = await login(ana)
    rotated = await post_refresh(event_server, ana.refresh_token)
    assert rotated.status_code == 200, rotated.text
    # time passes: the replacement is older than the grace window of a client's own parallel refresh
    current = jwt.decode(rotated.json()['refresh_token'], options={'verify_signature': False})['jti']
    await event_server.sql('UPDATE auth_sessions SET refresh_rotated_at = NULL WHERE refresh_token_id = $1', current)

    async with open_socket(ana) as laptop, open_socket(phone) as other:
        replay = await post_refresh(event_server, ana.refresh_token)
        closed = await laptop.until_closed()
        lead = await phone.create_lead('Acme Ltda')
        still_open = await other.receive()

    assert (replay.status_code, replay.json()['code']) == (401, 'refresh_token_reused')
    assert closed == ([], 4403, 'Session ended')
    assert (still_open['type'], still_open['lead']['id']) == ('lead_created', lead['id'])
