"""Lead events: every socket of the organization gets them, the actor's included; no other organization does."""

from datetime import datetime
from typing import Any

from ws_helpers import join, open_socket, register
from ws_server import Server

CREATED_LEAD_FIELDS = {'id', 'name', 'email', 'stage', 'estimated_value', 'organization_id'}
MOVED_LEAD_FIELDS = {
    'id', 'name', 'email', 'phone', 'stage', 'previous_stage', 'estimated_value', 'source', 'assigned_user_id',
    'organization_id', 'notes', 'is_favorite', 'created_at', 'updated_at', 'tags', 'position', 'version',
}  # fmt: skip
EVENT_FIELDS = {'type', 'organization_id', 'timestamp', 'user_id', 'seq'}


def check_envelope(frame: dict[str, Any], *, seq: int, actor: str, org_id: str) -> None:
    """The fields every lead event carries."""
    assert EVENT_FIELDS <= set(frame), frame
    assert (frame['seq'], frame['user_id'], frame['organization_id']) == (seq, actor, org_id), frame
    assert datetime.fromisoformat(frame['timestamp']).tzinfo is not None


async def test_the_whole_organization_sees_each_change_in_order_the_actor_included(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')

    async with open_socket(ana) as ana_socket, open_socket(bruno, '/ws/collaborate') as bruno_socket:
        start = ana_socket.greeting['seq']
        lead = await ana.create_lead('Acme Ltda', email='compras@acme.com', estimated_value='5000', phone='+55 11 4000')
        await ana.update_lead(lead['id'], name='Acme Ltda.', notes='Wants a demo')
        moved = await bruno.move_lead(lead['id'], 'proposta', notes='Sent the proposal')
        await ana.delete_lead(lead['id'])
        seen_by_ana = await ana_socket.events(4)
        seen_by_bruno = await bruno_socket.events(4)

    assert seen_by_ana == seen_by_bruno  # the same frames, byte for byte the same encoding
    created, updated, stage_changed, deleted = seen_by_ana
    actors = [ana.user_id, ana.user_id, bruno.user_id, ana.user_id]
    for offset, (frame, actor) in enumerate(zip(seen_by_ana, actors, strict=True), start=1):
        check_envelope(frame, seq=start + offset, actor=actor, org_id=ana.organization_id)

    assert created['type'] == 'lead_created'
    assert CREATED_LEAD_FIELDS <= set(created['lead'])
    assert {k: created['lead'][k] for k in CREATED_LEAD_FIELDS} == {
        'id': lead['id'],
        'name': 'Acme Ltda',
        'email': 'compras@acme.com',
        'stage': 'lead',
        'estimated_value': '5000.00',
        'organization_id': ana.organization_id,
    }

    assert updated['type'] == 'lead_updated'
    assert updated['lead_id'] == lead['id']
    assert (updated['lead']['name'], updated['lead']['notes']) == ('Acme Ltda.', 'Wants a demo')

    assert stage_changed['type'] == 'lead_stage_changed'
    assert MOVED_LEAD_FIELDS <= set(stage_changed['lead'])
    assert stage_changed['lead_id'] == lead['id']
    # the stage *before* the move, unlike LovedCRM which sends the new one
    assert (stage_changed['old_stage'], stage_changed['new_stage']) == ('lead', 'proposta')
    assert (stage_changed['lead']['previous_stage'], stage_changed['lead']['stage']) == ('lead', 'proposta')
    assert stage_changed['lead']['notes'] == moved['notes'] == 'Sent the proposal'  # the latest note (issue 17)
    assert stage_changed['lead']['version'] == moved['version']

    assert deleted['type'] == 'lead_deleted'
    assert deleted['lead_id'] == lead['id']


async def test_another_organization_receives_nothing(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    carla = await register(event_server, 'Carla Dias')

    async with open_socket(ana) as ana_socket, open_socket(carla) as carla_socket:
        lead = await ana.create_lead('Acme Ltda')
        await ana.move_lead(lead['id'], 'contato')
        await ana.update_lead(lead['id'], is_favorite=True)
        await ana.delete_lead(lead['id'])
        ana_saw = await ana_socket.events(4)
        # Ana already received all four, so they were fanned out: a round trip shows what Carla got
        carla_saw = await carla_socket.round_trip()
        carla_lead = await carla.create_lead('Oficina da Carla')
        carla_own = await carla_socket.receive()
        ana_after = await ana_socket.round_trip()

    assert [f['type'] for f in ana_saw] == ['lead_created', 'lead_stage_changed', 'lead_updated', 'lead_deleted']
    assert carla_saw == []
    assert carla_socket.greeting['seq'] == 0
    assert (carla_own['type'], carla_own['seq'], carla_own['lead']['id']) == ('lead_created', 1, carla_lead['id'])
    assert ana_after == []  # and Ana does not see Carla's lead


async def test_a_reorder_within_a_column_is_a_stage_change_to_the_same_stage(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    first = await ana.create_lead('Acme Ltda')
    second = await ana.create_lead('Padaria Pão Quente')  # new leads go on top

    async with open_socket(ana) as socket:
        moved = await ana.move_lead(first['id'], 'lead', position=0)
        [frame] = await socket.events(1)

    assert frame['type'] == 'lead_stage_changed'
    assert (frame['old_stage'], frame['new_stage'], frame['lead']['previous_stage']) == ('lead', 'lead', 'lead')
    assert frame['rebalanced'] is False
    assert frame['lead']['position'] == moved['position'] < second['position']
