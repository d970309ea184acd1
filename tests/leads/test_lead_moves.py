"""Moving cards on the board: stage, place in the column, notes, days in stage, and the event each move leaves."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from lovedcrm_ui.services.pipeline_events import event_from_row


def moment(timestamp: str) -> datetime:
    """An ISO 8601 timestamp of the API."""
    return datetime.fromisoformat(timestamp)


async def column_of(leads, who, stage: str, *names: str) -> dict[str, dict]:
    """Create leads in ``stage`` so that the column reads ``names`` top to bottom (new leads go on top)."""
    made = {}
    for name in reversed(names):
        made[name] = await leads.create(who, name, stage=stage)
    assert await leads.column(who, stage) == list(names)
    return made


async def test_a_move_records_the_stage_before_and_the_lead_after(register, leads, store):
    ana = await register('Ana Souza')
    lead = await leads.create(ana, estimated_value='1200', tags=['vip'])

    moved = await leads.moved(ana, lead['id'], 'proposta')

    assert (moved['stage'], moved['version'], moved['is_closed']) == ('proposta', 2, False)
    assert moved['days_in_current_stage'] == 0
    assert moment(moved['stage_changed_at']) > moment(lead['stage_changed_at'])
    assert moment(moved['updated_at']) == moment(moved['stage_changed_at'])
    event = (await store.events(ana.org_id))[-1]
    assert (event.seq, event.type) == (2, 'lead_stage_changed')
    assert (str(event.lead_id), str(event.actor_user_id)) == (lead['id'], ana.user_id)
    assert (event.payload['old_stage'], event.payload['new_stage']) == ('lead', 'proposta')
    assert event.payload['lead'] == await leads.get(ana, lead['id']) == moved
    assert (event.payload['position'], event.payload['rebalanced']) == (moved['position'], False)

    closed = await leads.moved(ana, lead['id'], 'fechado')
    assert (closed['is_closed'], closed['version']) == (True, 3)
    event = (await store.events(ana.org_id))[-1]
    assert (event.seq, event.payload['old_stage'], event.payload['new_stage']) == (3, 'proposta', 'fechado')
    assert event.payload['lead'] == closed


async def test_the_history_lists_creation_and_stage_changes(api, register, join, leads):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    lead = await leads.create(ana)
    await leads.moved(bruno, lead['id'], 'contato')
    await leads.moved(bruno, lead['id'], 'contato', position=0)  # a reorder is no stage change
    await leads.moved(ana, lead['id'], 'negociacao')

    history = (await api.get(f'/crm/leads/{lead["id"]}/history', headers=bruno.headers)).json()

    assert [(h['from_stage'], h['to_stage'], h['actor_name']) for h in history] == [
        (None, 'lead', 'Ana Souza'),
        ('lead', 'contato', 'Bruno Lima'),
        ('contato', 'negociacao', 'Ana Souza'),
    ]
    assert [h['seq'] for h in history] == [1, 2, 4]
    assert [h['actor_user_id'] for h in history] == [ana.user_id, bruno.user_id, ana.user_id]
    assert all(moment(h['at']).tzinfo is not None for h in history)


async def test_a_card_dropped_on_a_column_without_position_goes_on_top(register, leads):
    ana = await register('Ana Souza')
    await column_of(leads, ana, 'contato', 'C1', 'C2', 'C3')
    newcomer = await leads.create(ana, 'New')

    await leads.moved(ana, newcomer['id'], 'contato')

    assert await leads.column(ana, 'contato') == ['New', 'C1', 'C2', 'C3']
    assert await leads.column(ana, 'lead') == []


async def test_position_is_the_index_in_the_target_column(register, leads):
    ana = await register('Ana Souza')
    await column_of(leads, ana, 'contato', 'C1', 'C2', 'C3')
    x = await leads.create(ana, 'X')
    top, last = ['X', 'C1', 'C2', 'C3'], ['C1', 'C2', 'C3', 'X']

    for position, expected in [
        (0, top),
        (1, ['C1', 'X', 'C2', 'C3']),
        (2, ['C1', 'C2', 'X', 'C3']),
        (3, last),
        (4, last),  # past the end: last
        (99, last),
        (10**12, last),
        (1e300, last),
        (-1, top),
    ]:
        await leads.moved(ana, x['id'], 'contato', position=position)
        assert await leads.column(ana, 'contato') == expected, position
        await leads.moved(ana, x['id'], 'lead')
        assert await leads.column(ana, 'contato') == ['C1', 'C2', 'C3']


async def test_a_reorder_within_a_column_keeps_the_stage(api, register, leads, store):
    ana = await register('Ana Souza')
    made = await column_of(leads, ana, 'lead', 'L1', 'L2', 'L3', 'L4', 'L5')
    bottom = made['L5']

    moved = await leads.moved(ana, bottom['id'], 'lead', position=1)

    assert await leads.column(ana, 'lead') == ['L1', 'L5', 'L2', 'L3', 'L4']
    assert (moved['stage'], moved['version'], moved['stage_changed_at']) == ('lead', 2, bottom['stage_changed_at'])
    event = (await store.events(ana.org_id))[-1]
    assert event.type == 'lead_stage_changed'
    assert (event.payload['old_stage'], event.payload['new_stage']) == ('lead', 'lead')
    assert event.payload['position'] == moved['position'] == event.payload['lead']['position']
    history = (await api.get(f'/crm/leads/{bottom["id"]}/history', headers=ana.headers)).json()
    assert [h['type'] for h in history] == ['lead_created']

    await leads.moved(ana, made['L1']['id'], 'lead', position=2)  # downwards: the index is where it lands
    assert await leads.column(ana, 'lead') == ['L5', 'L2', 'L1', 'L3', 'L4']
    await leads.moved(ana, made['L5']['id'], 'lead', position=4)
    assert await leads.column(ana, 'lead') == ['L2', 'L1', 'L3', 'L4', 'L5']
    await leads.moved(ana, made['L3']['id'], 'lead', position=2)  # where it already is
    assert await leads.column(ana, 'lead') == ['L2', 'L1', 'L3', 'L4', 'L5']
    await leads.moved(ana, made['L4']['id'], 'lead')  # no position: stays where it is
    assert await leads.column(ana, 'lead') == ['L2', 'L1', 'L3', 'L4', 'L5']


async def test_notes_of_a_move_become_the_leads_latest_note(api, register, leads):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)

    first = await leads.moved(ana, lead['id'], 'contato', notes='Called, interested')
    assert first['notes'] == 'Called, interested'
    second = await leads.moved(ana, lead['id'], 'proposta', notes='Sent the proposal')
    assert second['notes'] == 'Sent the proposal'  # the latest note (issue 17: no longer appended)
    silent = await leads.moved(ana, lead['id'], 'negociacao')
    assert silent['notes'] == 'Sent the proposal'
    noted = await leads.create(ana, 'Noted', notes='From the fair')
    moved = await leads.moved(ana, noted['id'], 'contato', notes='  Call on Monday  ')
    assert moved['notes'] == '  Call on Monday  '

    feed = (await api.get(f'/crm/leads/{lead["id"]}/notes', headers=ana.headers)).json()
    assert [note['body'] for note in feed] == ['Sent the proposal', 'Called, interested']
    feed = (await api.get(f'/crm/leads/{noted["id"]}/notes', headers=ana.headers)).json()
    assert [note['body'] for note in feed] == ['  Call on Monday  ', 'From the fair']


async def test_notes_over_10000_characters_refuse_the_whole_move(register, leads, store):
    ana = await register('Ana Souza')
    lead = await leads.create(ana, notes='n' * 9_990)
    other = await leads.create(ana, 'Other', stage='contato')
    seq = await store.seq(ana.org_id)

    refused = await leads.move(ana, lead['id'], 'contato', notes='y' * 10_001, position=1)

    assert refused.status_code == 422, refused.text
    assert await leads.get(ana, lead['id']) == lead
    assert await leads.column(ana, 'contato') == ['Other']
    assert await leads.get(ana, other['id']) == other
    assert (await store.seq(ana.org_id), len(await store.events(ana.org_id))) == (seq, seq)

    fits = await leads.moved(ana, lead['id'], 'contato', notes='x' * 10_000)
    assert fits['notes'] == 'x' * 10_000
    assert [e.seq for e in await store.events(ana.org_id)][-1] == seq + 1


async def test_days_in_stage_count_from_the_last_stage_change(api, register, leads, store):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    await leads.create(ana, 'Other')
    three_days_ago = datetime.now(UTC) - timedelta(days=3, minutes=5)
    await store.set_lead(lead['id'], stage_changed_at=three_days_ago)

    assert (await leads.get(ana, lead['id']))['days_in_current_stage'] == 3
    listed = (await api.get('/crm/leads', headers=ana.headers)).json()['leads']
    assert {item['name']: item['days_in_current_stage'] for item in listed} == {'Acme Ltda': 3, 'Other': 0}

    reordered = await leads.moved(ana, lead['id'], 'lead', position=0)
    assert reordered['days_in_current_stage'] == 3
    assert moment(reordered['stage_changed_at']) == three_days_ago
    edited = (await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'phone': '1'})).json()
    assert edited['days_in_current_stage'] == 3

    moved = await leads.moved(ana, lead['id'], 'contato')
    assert moved['days_in_current_stage'] == 0
    assert datetime.now(UTC) - moment(moved['stage_changed_at']) < timedelta(minutes=1)


async def test_tiny_gaps_are_respaced_and_the_order_kept(register, leads, store):
    ana = await register('Ana Souza')
    names = ['L1', 'L2', 'L3', 'L4', 'L5']
    made = await column_of(leads, ana, 'lead', *names)
    for i, name in enumerate(names):  # an order only a float's last digits still tell apart
        await store.set_lead(made[name]['id'], position=5.0 + i * 1e-9)
    assert await leads.column(ana, 'lead') == names

    moved = await leads.moved(ana, made['L5']['id'], 'lead', position=2)

    assert await leads.column(ana, 'lead') == ['L1', 'L2', 'L5', 'L3', 'L4']
    positions = sorted(lead['position'] for lead in await leads.every(ana))
    assert min(b - a for a, b in itertools.pairwise(positions)) >= 1
    event = (await store.events(ana.org_id))[-1]
    assert (event.payload['rebalanced'], event.payload['position']) == (True, moved['position'])
    assert event.payload['lead'] == await leads.get(ana, moved['id'])
    assert event_from_row(event).frame['rebalanced'] is True  # API clients learn to re-read the column

    calm = await leads.moved(ana, made['L1']['id'], 'lead', position=1)
    assert await leads.column(ana, 'lead') == ['L2', 'L1', 'L5', 'L3', 'L4']
    assert (await store.events(ana.org_id))[-1].payload['rebalanced'] is False
    assert event_from_row((await store.events(ana.org_id))[-1]).frame['rebalanced'] is False
    assert calm['version'] == 2


async def test_many_drops_at_the_same_place_keep_their_order(register, leads, store):
    ana = await register('Ana Souza')
    await column_of(leads, ana, 'proposta', 'Top', 'Bottom')
    dropped = [await leads.create(ana, f'D{i:02d}') for i in range(40)]

    for lead in dropped:  # every drop lands right under Top: the gap above halves each time
        await leads.moved(ana, lead['id'], 'proposta', position=1)

    assert await leads.column(ana, 'proposta') == ['Top', *[f'D{i:02d}' for i in range(39, -1, -1)], 'Bottom']
    moves = [e for e in await store.events(ana.org_id) if e.type == 'lead_stage_changed']
    assert len(moves) == 40
    assert any(e.payload['rebalanced'] for e in moves)
    assert not any(e.payload['rebalanced'] for e in moves[:20])
    positions = [lead['position'] for lead in await leads.every(ana, stage='proposta')]
    assert len(set(positions)) == 42


async def test_invalid_moves_are_422(api, register, leads, store):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)

    for body in [
        {'stage': 'won'},
        {'stage': 'Contato'},
        {},
        {'stage': 'contato', 'expected_version': 0},
        {'stage': 'contato', 'position': 'top'},
        {'stage': 'contato', 'notes': 'n' * 10_001},
    ]:
        response = await api.put(f'/crm/leads/{lead["id"]}/stage', headers=ana.headers, json=body)
        assert response.status_code == 422, (body, response.text)

    for position in ['NaN', 'Infinity', '-Infinity', '1e999']:  # no index, though a float accepts them
        response = await leads.move(ana, lead['id'], 'contato', position=position)
        assert response.status_code == 422, (position, response.text)
        assert response.json()['detail'][0]['loc'] == ['body', 'position']

    assert await leads.get(ana, lead['id']) == lead
    assert await store.seq(ana.org_id) == 1


@pytest.mark.parametrize('body', ['{"stage": "contato", "position": NaN}', '{"name": "Acme", "estimated_value": NaN}'])
async def test_a_bare_nan_in_a_body_is_422(api, register, leads, body):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}/stage' if 'stage' in body else '/crm/leads'

    response = await api.request(
        'PUT' if 'stage' in body else 'POST',
        path,
        headers={**ana.headers, 'Content-Type': 'application/json'},
        content=body,
    )

    assert response.status_code == 422
