"""Relayed activity is valid JSON for every teammate: a hostile frame reaches nobody, its sender is told why.

A browser's ``JSON.parse`` fails on ``NaN`` and ``Infinity``, which Python's parser accepts: one such frame
relayed to a board would break every teammate's socket handler. The attacker is a member of the
organization with a socket of their own.
"""

import json
import math
from typing import Any

import pytest
from ws_helpers import join, open_socket, register
from ws_server import Server

from lovedcrm_ui.api.ws_frames import encode_frame, parse_frame

INVALID_JSON = {'type': 'error', 'message': 'Invalid JSON format'}


def strict(raw: str) -> Any:
    """Parse as a browser does: NaN and Infinity are not JSON."""

    def refuse(name: str) -> Any:
        raise ValueError(f'{name} in a frame')

    return json.loads(raw, parse_constant=refuse)


@pytest.mark.parametrize('number', ['NaN', 'Infinity', '-Infinity', '1e999'])
async def test_a_drag_with_a_number_json_cannot_carry_reaches_no_teammate(sqlite_server: Server, number: str) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(bruno) as bruno_socket, open_socket(ana) as ana_socket:
        await bruno_socket.receive()  # user_joined: Ana
        await ana_socket.send(f'{{"type": "lead_drag_start", "lead_id": "l-1", "position": {number}}}')
        ana_saw = await ana_socket.round_trip()
        bruno_saw = await bruno_socket.round_trip()
        # the socket stays open and a valid drag still goes through
        await ana_socket.send({'type': 'lead_drag_start', 'lead_id': 'l-1', 'position': 2.5})
        relayed = await bruno_socket.receive()

    assert ana_saw == [INVALID_JSON]
    assert bruno_saw == []
    assert (relayed['type'], relayed['position']) == ('lead_drag_start', 2.5)


@pytest.mark.parametrize(
    ('field', 'raw_value'),
    [
        ('lead_id', json.dumps('x' * 201)),  # longer than any id
        ('activity', json.dumps('view\x00ing')),  # NUL
        ('activity', '"a\\ud800b"'),  # a lone surrogate: no character at all
        ('activity', '{"action": "viewing"}'),  # not a scalar
        ('position', '[1, 2]'),
        ('position', str(2**53)),  # a browser would round it
    ],
)
async def test_a_relayed_field_out_of_bounds_is_refused_to_its_sender(
    sqlite_server: Server, field: str, raw_value: str
) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(bruno) as bruno_socket, open_socket(ana) as ana_socket:
        await bruno_socket.receive()  # user_joined: Ana
        await ana_socket.send(f'{{"type": "user_activity", "lead_id": "l-1", "{field}": {raw_value}}}')
        ana_saw = await ana_socket.round_trip()
        bruno_saw = await bruno_socket.round_trip()

    assert ana_saw == [
        {
            'type': 'error',
            'message': f'Invalid "{field}": a boolean, a finite number or a string of at most 200 characters',
        }
    ]
    assert bruno_saw == []


async def test_bounds_are_inclusive_and_null_means_absent(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    frame = {'type': 'stage_change', 'lead_id': 'x' * 200, 'old_stage': None, 'new_stage': 'contato'}

    async with open_socket(bruno) as bruno_socket, open_socket(ana) as ana_socket:
        await bruno_socket.receive()  # user_joined: Ana
        await ana_socket.send({**frame, 'position': 2**53 - 1})
        relayed = await bruno_socket.receive()

    assert relayed['lead_id'] == 'x' * 200
    assert relayed['position'] == 2**53 - 1
    assert 'old_stage' not in relayed


async def test_a_ping_cannot_make_the_server_echo_nan(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')

    async with open_socket(ana) as ana_socket:
        await ana_socket.send('{"type": "ping", "timestamp": NaN}')
        raw = await ana_socket.connection.recv()
        echoed = await ana_socket.round_trip()

    assert strict(str(raw)) == INVALID_JSON
    assert echoed == []


def test_the_server_never_encodes_a_number_json_cannot_carry() -> None:
    for number in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            encode_frame({'type': 'lead_drag_start', 'position': number})
        with pytest.raises(ValueError):
            parse_frame(json.dumps({'type': 'ping', 'timestamp': number}))
    assert strict(encode_frame({'type': 'pong', 'timestamp': 1e308})) == {'type': 'pong', 'timestamp': 1e308}
