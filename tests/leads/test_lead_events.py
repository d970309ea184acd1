"""The event history: one event per write with a gap-free per-organization seq, and its delivery on the bus."""

import asyncio
import json
import uuid
from datetime import datetime

import pytest
from contract import STAGES

from lovedcrm_ui.events import LeadEvent
from lovedcrm_ui.services.pipeline_events import allocate_seq, record_event

CREATED_LEAD_FIELDS = {'id', 'name', 'email', 'stage', 'estimated_value', 'organization_id'}
MOVED_LEAD_FIELDS = {
    'id', 'name', 'email', 'phone', 'stage', 'previous_stage', 'estimated_value', 'source', 'assigned_user_id',
    'organization_id', 'notes', 'is_favorite', 'created_at', 'updated_at', 'tags', 'position', 'version',
}  # fmt: skip


def listen(ctx, account) -> list[LeadEvent]:
    """Subscribe to an organization's lead events; the list fills as they are published."""
    received: list[LeadEvent] = []
    ctx.bus.subscribe(uuid.UUID(account.org_id), received.append)
    return received


async def test_every_write_leaves_one_event_with_the_next_seq(api, register, leads, store):
    ana = await register('Ana Souza')

    created = await leads.create(ana, email='compras@acme.com', estimated_value='900')
    path = f'/crm/leads/{created["id"]}'
    updated = (await api.put(path, headers=ana.headers, json={'phone': '+55 11 4000-1000'})).json()
    starred = (await api.put(f'{path}/favorite', headers=ana.headers, json={'is_favorite': True})).json()
    moved = await leads.moved(ana, created['id'], 'negociacao', notes='Asked for a discount')
    last = await leads.get(ana, created['id'])
    assert (await api.delete(path, headers=ana.headers)).status_code == 204

    events = await store.events(ana.org_id)
    assert [(e.seq, e.type) for e in events] == [
        (1, 'lead_created'),
        (2, 'lead_updated'),
        (3, 'lead_updated'),
        (4, 'lead_stage_changed'),
        (5, 'lead_deleted'),
    ]
    assert [e.payload['lead'] for e in events] == [created, updated, starred, moved, last]
    assert {str(e.lead_id) for e in events} == {created['id']}
    assert {str(e.actor_user_id) for e in events} == {ana.user_id}
    assert all(e.created_at.tzinfo is not None for e in events)
    assert await store.seq(ana.org_id) == 5


async def test_failed_writes_leave_no_event_and_no_gap(api, register, join, leads, store, ctx):
    ana = await register('Ana Souza')
    vera = await join(ana, 'viewer', name='Vera Viewer')
    outsider = await register('Carla Dias')
    lead = await leads.create(ana, notes='n' * 9_995)
    received = listen(ctx, ana)
    path, unknown = f'/crm/leads/{lead["id"]}', f'/crm/leads/{uuid.uuid4()}'

    failures = [
        (404, 'PUT', unknown, {'name': 'X'}),
        (404, 'PUT', f'{unknown}/stage', {'stage': 'contato'}),
        (404, 'PUT', f'{unknown}/favorite', {'is_favorite': True}),
        (404, 'DELETE', unknown, None),
        (403, 'POST', '/crm/leads', {'name': 'X'}),
        (403, 'PUT', f'{path}/stage', {'stage': 'contato'}),
        (409, 'PUT', path, {'name': 'X', 'expected_version': 7}),
        (409, 'PUT', f'{path}/stage', {'stage': 'contato', 'expected_version': 7}),
        (409, 'DELETE', f'{path}?expected_version=7', None),
        (422, 'POST', '/crm/leads', {'name': ' '}),
        (422, 'POST', '/crm/leads', {'name': 'X', 'assigned_user_id': outsider.user_id}),
        (422, 'PUT', path, {'assigned_user_id': outsider.user_id}),
        (422, 'PUT', f'{path}/stage', {'stage': 'fechado', 'notes': 'n' * 10_001}),
    ]
    for status, method, target, body in failures:
        who = vera if status == 403 else ana
        response = await api.request(method, target, headers=who.headers, json=body)
        assert response.status_code == status, (method, target, response.text)

    assert await leads.get(ana, lead['id']) == lead
    assert (await store.seq(ana.org_id), [e.seq for e in await store.events(ana.org_id)]) == (1, [1])
    assert received == []
    renamed = (await api.put(path, headers=ana.headers, json={'name': 'Acme SA'})).json()
    assert [(e.seq, e.type) for e in await store.events(ana.org_id)] == [(1, 'lead_created'), (2, 'lead_updated')]
    assert [(e.seq, e.lead) for e in received] == [(2, renamed)]


async def test_each_organization_numbers_its_own_events(register, leads, store):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')

    a1 = await leads.create(ana, 'Acme')
    c1 = await leads.create(carla, 'Casa')
    await leads.moved(ana, a1['id'], 'contato')
    await leads.moved(carla, c1['id'], 'fechado')
    await leads.create(ana, 'Acme 2')

    ana_events, carla_events = await store.events(ana.org_id), await store.events(carla.org_id)
    assert [(e.seq, e.type) for e in ana_events] == [
        (1, 'lead_created'),
        (2, 'lead_stage_changed'),
        (3, 'lead_created'),
    ]
    assert [(e.seq, e.type) for e in carla_events] == [(1, 'lead_created'), (2, 'lead_stage_changed')]
    assert {e.payload['lead']['organization_id'] for e in ana_events} == {ana.org_id}
    assert {e.payload['lead']['organization_id'] for e in carla_events} == {carla.org_id}


async def test_a_hundred_and_twenty_leads_are_listed_searched_and_counted(api, register, leads, store):
    ana = await register('Ana Souza')
    for i in range(120):
        stage = 'fechado' if i >= 100 else STAGES[i % 4]
        email = f'contact{i}@acme.com' if i % 2 == 0 else f'contact{i}@other.org'
        await leads.create(ana, f'Lead {i:03d}', email=email, stage=stage)
    newest_first = [f'Lead {i:03d}' for i in range(119, -1, -1)]

    pages = []
    for page in range(1, 7):
        response = await api.get('/crm/leads', headers=ana.headers, params={'page': page})
        pages.append(response.json())
    assert [len(p['leads']) for p in pages] == [20] * 6
    assert [p['has_more'] for p in pages] == [True] * 5 + [False]
    assert {p['total_count'] for p in pages} == {120}
    assert [lead['name'] for p in pages for lead in p['leads']] == newest_first
    assert [lead['name'] for lead in await leads.every(ana)] == newest_first
    assert len(await leads.every(ana, stage='fechado')) == 20

    async def search(query: str, page: int, page_size: int) -> dict:
        body = {'query': query, 'page': page, 'page_size': page_size}
        return (await api.post('/crm/leads/search', headers=ana.headers, json=body)).json()

    acme = [await search('@ACME.com', page, 50) for page in (1, 2)]
    assert [(len(p['leads']), p['total_count'], p['has_more']) for p in acme] == [(50, 60, True), (10, 60, False)]
    assert len({lead['id'] for p in acme for lead in p['leads']}) == 60
    hundreds = await search('lead 1', 1, 100)
    assert (hundreds['total_count'], len(hundreds['leads'])) == (20, 20)
    everyone = await search('lead', 2, 100)
    assert (everyone['total_count'], len(everyone['leads']), everyone['has_more']) == (120, 20, False)

    stats = (await api.get('/crm/leads/statistics', headers=ana.headers)).json()
    assert stats == {
        'stage_counts': {'lead': 25, 'contato': 25, 'proposta': 25, 'negociacao': 25, 'fechado': 20},
        'total_leads': 120,
        'conversion_rate': 16.67,
    }
    assert [e.seq for e in await store.events(ana.org_id)] == list(range(1, 121))


async def test_a_subscriber_receives_its_organizations_events_as_frames(api, register, join, leads, store, ctx):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    carla = await register('Carla Dias')
    received = listen(ctx, ana)

    created = await leads.create(ana, email='compras@acme.com', estimated_value='1500', phone='123')
    path = f'/crm/leads/{created["id"]}'
    await leads.create(carla, 'Casa Dias')
    updated = (await api.put(path, headers=bruno.headers, json={'tags': ['vip']})).json()
    moved = await leads.moved(bruno, created['id'], 'proposta', notes='Proposal sent')
    reordered = await leads.moved(ana, created['id'], 'proposta', position=0)
    assert (await api.delete(path, headers=ana.headers)).status_code == 204

    assert [(e.seq, e.type) for e in received] == [
        (1, 'lead_created'),
        (2, 'lead_updated'),
        (3, 'lead_stage_changed'),
        (4, 'lead_stage_changed'),
        (5, 'lead_deleted'),
    ]
    stored = await store.events(ana.org_id)
    frames = [e.frame for e in received]
    actors = [ana.user_id, bruno.user_id, bruno.user_id, ana.user_id, ana.user_id]
    for frame, row, actor in zip(frames, stored, actors, strict=True):
        assert (frame['organization_id'], frame['user_id'], frame['seq']) == (ana.org_id, actor, row.seq)
        assert datetime.fromisoformat(frame['timestamp']) == row.created_at
    for event in received:
        assert json.loads(event.frame_json) == event.frame

    born = frames[0]['lead']
    assert set(born) == CREATED_LEAD_FIELDS
    assert born == {key: created[key] for key in CREATED_LEAD_FIELDS}
    assert born['estimated_value'] == '1500.00'
    assert (frames[1]['lead'], frames[1]['lead_id']) == (updated, created['id'])
    first_move = frames[2]
    assert first_move['lead_id'] == created['id']
    assert (first_move['old_stage'], first_move['new_stage']) == ('lead', 'proposta')
    assert MOVED_LEAD_FIELDS <= set(first_move['lead'])
    assert first_move['lead'] == {**moved, 'previous_stage': 'lead'}
    assert first_move['lead']['notes'] == 'Proposal sent'
    reorder = frames[3]
    assert (reorder['old_stage'], reorder['new_stage'], reorder['lead']['previous_stage']) == ('proposta',) * 3
    assert reorder['lead']['position'] == reordered['position']
    assert frames[4]['lead_id'] == created['id']


async def test_concurrent_writes_reach_the_subscriber_in_seq_order(api, register, leads, ctx):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')
    lead = await leads.create(ana)
    received = listen(ctx, ana)

    async def write(i: int) -> int:
        if i % 3 == 0:
            response = await api.post('/crm/leads', headers=ana.headers, json={'name': f'Lead {i}'})
        elif i % 3 == 1:
            response = await leads.move(ana, lead['id'], STAGES[i % 5], position=i % 2)
        else:
            response = await api.post('/crm/leads', headers=carla.headers, json={'name': f'Casa {i}'})
        return response.status_code

    statuses = await asyncio.gather(*(write(i) for i in range(24)))

    assert set(statuses) <= {200, 201}
    assert [e.seq for e in received] == list(range(2, 18))
    assert {str(e.organization_id) for e in received} == {ana.org_id}


async def test_a_rolled_back_write_publishes_nothing(register, leads, store, ctx):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    received = listen(ctx, ana)
    org = uuid.UUID(ana.org_id)

    async def unfinished_write(fail: bool) -> None:
        async with ctx.db.session(cross_org=True) as session:
            seq = await allocate_seq(session, org)
            await record_event(
                session,
                organization_id=org,
                seq=seq,
                type='lead_updated',
                lead_id=uuid.UUID(lead['id']),
                actor_id=uuid.UUID(ana.user_id),
                payload={'lead': {**lead, 'name': 'Never saved'}},
            )
            if fail:
                raise RuntimeError('the write fails before its commit')
            await session.rollback()

    await unfinished_write(fail=False)
    with pytest.raises(RuntimeError):
        await unfinished_write(fail=True)

    assert received == []
    assert (await store.seq(ana.org_id), len(await store.events(ana.org_id))) == (1, 1)
    moved = await leads.moved(ana, lead['id'], 'contato')
    assert [(e.seq, e.type, e.lead) for e in received] == [(2, 'lead_stage_changed', moved)]


async def test_an_unsubscribed_listener_hears_nothing_more(register, leads, ctx):
    ana = await register('Ana Souza')
    received: list[LeadEvent] = []
    unsubscribe = ctx.bus.subscribe(uuid.UUID(ana.org_id), received.append)
    await leads.create(ana, 'First')

    unsubscribe()
    await leads.create(ana, 'Second')

    assert [e.lead['name'] for e in received if e.lead] == ['First']
