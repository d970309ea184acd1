"""A refused handshake's JSON body carries the same stable ``code`` as the HTTP API's errors."""

import json

import pytest
from websockets.exceptions import InvalidStatus
from ws_helpers import connect_raw, register, ws_url
from ws_server import Server


async def refused_body(url: str) -> dict[str, str]:
    """The JSON body of a handshake the server refuses before accepting it."""
    with pytest.raises(InvalidStatus) as refused:
        connection = await connect_raw(url)
        await connection.close()  # reached only if the server accepted: the test fails on raises
    return json.loads(refused.value.response.body or b'{}')  # type: ignore[no-any-return]


async def test_refused_handshakes_say_why_by_code(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    carla = await register(sqlite_server, 'Carla Dias')

    attempts = {
        'token_missing': ws_url(sqlite_server, org_id=ana.organization_id),
        'token_invalid': ws_url(sqlite_server, token='not-a-token', org_id=ana.organization_id),
        'token_type_invalid': ws_url(sqlite_server, token=ana.refresh_token, org_id=ana.organization_id),
        'organization_mismatch': ws_url(sqlite_server, token=ana.access_token, org_id=carla.organization_id),
        'org_id_invalid': ws_url(sqlite_server, token=ana.access_token, org_id='acme'),
    }

    for code, url in attempts.items():
        body = await refused_body(url)
        assert body['code'] == code, body
        assert isinstance(body['detail'], str)
