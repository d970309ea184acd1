"""Teammates' activity and presence: relayed to the others with the server's idea of who did it."""

import uuid
from typing import Any

from api_person import ApiPerson
from waiting import until
from ws_helpers import join, open_socket, register
from ws_server import Server


def relayed(frame: dict[str, Any]) -> dict[str, Any]:
    """A relayed frame without its timestamp (checked separately)."""
    assert isinstance(frame.pop('timestamp'), str)
    return frame


def info(person: ApiPerson) -> dict[str, Any]:
    """The ``user_info`` the server puts on frames about ``person``."""
    return {'user_id': person.user_id, 'full_name': person.full_name, 'email': person.email, 'avatar_url': None}


async def test_drag_and_activity_reach_teammates_stamped_by_the_server_never_the_sender(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    lead_id = str(uuid.uuid4())
    forged = str(uuid.uuid4())

    async with open_socket(bruno) as bruno_socket, open_socket(ana) as ana_socket:
        await bruno_socket.receive()  # user_joined: Ana came after him
        sent: list[dict[str, Any]] = [
            {'type': 'lead_drag_start', 'lead_id': lead_id, 'user_id': forged, 'user_info': {'full_name': 'Mallory'}},
            {'type': 'stage_change', 'lead_id': lead_id, 'old_stage': 'lead', 'new_stage': 'contato'},
            {'type': 'lead_drag_end', 'lead_id': lead_id, 'position': 2},
            {'type': 'user_activity', 'activity': 'viewing', 'lead_id': lead_id},
        ]
        for frame in sent:
            await ana_socket.send(frame)
        bruno_saw = [relayed(await bruno_socket.receive()) for _ in sent]
        ana_saw = await ana_socket.round_trip()

    stamp = {'user_id': ana.user_id, 'user_info': info(ana), 'organization_id': ana.organization_id}
    assert bruno_saw == [
        {'type': 'lead_drag_start', 'lead_id': lead_id, **stamp},
        {'type': 'stage_change', 'lead_id': lead_id, 'old_stage': 'lead', 'new_stage': 'contato', **stamp},
        {'type': 'lead_drag_end', 'lead_id': lead_id, 'position': 2, **stamp},
        {'type': 'pipeline_user_activity_update', 'activity': 'viewing', 'lead_id': lead_id, **stamp},
    ]
    assert ana_saw == []  # the sender gets none of its own activity back


async def test_typing_and_activity_on_the_collaboration_socket(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(bruno, '/ws/collaborate') as bruno_socket, open_socket(ana, '/ws/collaborate') as ana_socket:
        await bruno_socket.receive()  # user_joined
        await ana_socket.send({'type': 'typing', 'is_typing': True, 'lead_id': 'l-1'})
        await ana_socket.send({'type': 'typing'})
        await ana_socket.send({'type': 'user_activity', 'activity': 'editing notes'})
        await ana_socket.send({'type': 'lead_drag_start', 'lead_id': 'l-1'})  # a pipeline frame: not relayed here
        bruno_saw = [relayed(await bruno_socket.receive()) for _ in range(3)]
        bruno_rest = await bruno_socket.round_trip()
        ana_saw = await ana_socket.round_trip()

    stamp = {'user_id': ana.user_id, 'user_info': info(ana), 'organization_id': ana.organization_id}
    assert bruno_saw == [
        {'type': 'user_typing', 'is_typing': True, 'lead_id': 'l-1', **stamp},
        {'type': 'user_typing', 'is_typing': False, **stamp},
        {'type': 'user_activity_update', 'activity': 'editing notes', **stamp},
    ]
    assert bruno_rest == []
    assert ana_saw == []


async def test_relays_stay_inside_the_organization(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    carla = await register(sqlite_server, 'Carla Dias')

    async with open_socket(carla) as carla_socket, open_socket(ana) as ana_socket:
        await ana_socket.send({'type': 'lead_drag_start', 'lead_id': 'l-1'})
        await ana_socket.round_trip()  # Ana's frame was handled before her pong
        carla_saw = await carla_socket.round_trip()

    assert carla_saw == []


async def test_teammates_are_told_who_joins_and_leaves(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(ana) as ana_socket:
        async with open_socket(bruno, '/ws/collaborate') as bruno_socket:
            joined = relayed(await ana_socket.receive())
            bruno_saw = await bruno_socket.round_trip()
        left = relayed(await ana_socket.receive())

    assert joined == {
        'type': 'user_joined',
        'user_id': bruno.user_id,
        'user_info': info(bruno),
        'total_online': 2,
        'total_connections': 2,
    }
    assert bruno_saw == []  # not told about himself
    assert left == {
        'type': 'user_left',
        'user_id': bruno.user_id,
        'user_info': info(bruno),
        'total_online': 1,
        'total_connections': 1,
    }


async def test_closing_one_of_two_sockets_leaves_the_other_working(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async def two_connections_left() -> bool:
        stats = await ana.request('GET', f'/ws/organization-stats/{ana.organization_id}')
        return bool(stats['total_connections'] == 2)

    async with open_socket(bruno) as bruno_socket, open_socket(ana) as laptop:
        joined = await bruno_socket.receive()
        async with open_socket(ana, '/ws/collaborate') as phone:
            second = await bruno_socket.round_trip()  # Ana was already online: no second user_joined
            await phone.close()
        await until(two_connections_left, 'the closed socket is gone')
        unannounced = await bruno_socket.round_trip()  # Ana is still online through her laptop
        lead = await ana.create_lead('Acme Ltda')
        on_laptop = await laptop.receive()
        on_bruno = await bruno_socket.receive()

    assert (joined['type'], joined['user_id'], joined['total_connections']) == ('user_joined', ana.user_id, 2)
    assert second == []
    assert unannounced == []
    assert on_laptop == on_bruno
    assert (on_laptop['type'], on_laptop['lead']['id']) == ('lead_created', lead['id'])
