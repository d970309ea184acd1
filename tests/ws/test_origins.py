"""Cross-site WebSocket hijacking: a page of another origin may open neither NiceGUI's socket.io nor /ws/*.

A browser sends its cookies (NiceGUI's signed-in session) and any token it holds with a socket opened by
any page, so the server decides by the ``Origin`` header: its own origin (the Host the browser used) and
ALLOWED_ORIGINS pass, others are refused before a session exists; clients without an Origin (integrations,
scripts) are not browsers and pass.
"""

import json

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from ws_helpers import WAIT, connect_raw, open_socket, register, ws_url
from ws_server import Server

from lovedcrm_ui.config import Settings

EVIL = 'https://evil.example'
HANDSHAKE = '/_nicegui_ws/socket.io/?EIO=4&transport=polling'  # NiceGUI mounts python-socketio there


async def engineio_handshake(server: Server, origin: str | None) -> httpx.Response:
    """The first request of a browser's socket.io connection (engine.io long-polling open)."""
    headers = {'Origin': origin} if origin else {}
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        return await client.get(HANDSHAKE, headers=headers)


async def test_socketio_refuses_a_page_of_another_origin(sqlite_server: Server) -> None:
    refused = await engineio_handshake(sqlite_server, EVIL)
    same_site = await engineio_handshake(sqlite_server, 'http://127.0.0.1:1')  # same host, another port

    assert refused.status_code == 400
    assert 'not an accepted origin' in refused.text
    assert 'sid' not in refused.text  # no engine.io session was opened
    assert 'access-control-allow-origin' not in refused.headers
    assert same_site.status_code == 400


@pytest.mark.parametrize('origin', ['own', None])
async def test_socketio_accepts_its_own_pages_and_clients_without_an_origin(sqlite_server: Server, origin) -> None:
    opened = await engineio_handshake(sqlite_server, sqlite_server.url if origin == 'own' else None)

    assert opened.status_code == 200, opened.text
    assert opened.text.startswith('0{') and '"sid"' in opened.text  # engine.io's open packet
    if origin == 'own':
        assert opened.headers['access-control-allow-origin'] == sqlite_server.url


async def test_socketio_websocket_transport_refuses_another_origin(sqlite_server: Server) -> None:
    url = f'{sqlite_server.ws_url}/_nicegui_ws/socket.io/?EIO=4&transport=websocket'

    with pytest.raises(InvalidStatus) as refused:
        connection = await connect_raw(url, origin=EVIL)
        await connection.close()  # reached only if the server accepted: the test fails on raises
    own = await connect_raw(url, origin=sqlite_server.url)
    greeting = await own.recv()
    await own.close()

    assert refused.value.response.status_code == 403  # engine.io's refusal, as the ASGI server sends it
    assert str(greeting).startswith('0{')


@pytest.mark.parametrize('auth', ['query', 'message'])
async def test_ws_api_refuses_a_page_of_another_origin_before_accepting(sqlite_server: Server, auth) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    params = {'token': ana.access_token, 'org_id': ana.organization_id} if auth == 'query' else {'auth': 'message'}

    with pytest.raises(InvalidStatus) as refused:
        connection = await connect_raw(ws_url(sqlite_server, **params), origin=EVIL)
        await connection.close()

    assert refused.value.response.status_code == 403
    body = json.loads(refused.value.response.body or b'{}')
    assert body == {'detail': 'Origin not allowed', 'code': 'origin_not_allowed'}


async def test_ws_api_accepts_its_own_pages_and_clients_without_an_origin(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    url = ws_url(sqlite_server, token=ana.access_token, org_id=ana.organization_id)

    own_page = await connect_raw(url, origin=sqlite_server.url)
    greeting = json.loads(await own_page.recv())
    await own_page.close()
    async with open_socket(ana) as integration:  # a script: no Origin header at all
        assert integration.greeting['type'] == 'pipeline_connection_established'

    assert greeting['type'] == 'pipeline_connection_established'


def test_allowed_origins_setting_is_a_normalized_list() -> None:
    settings = Settings(ALLOWED_ORIGINS=' https://CRM.example.com/ ,https://app.partner.example,,')

    assert settings.origin_allowlist == {'https://crm.example.com', 'https://app.partner.example'}
    assert Settings().origin_allowlist == frozenset()
