"""A lead's notes feed through the API: add, list, edit, delete; only the author changes a note; LovedCRM's
``notes`` field keeps working both ways; a note never bumps the lead's version nor forces a recount of the facets."""

import uuid

from lovedcrm_ui.events import LeadEvent
from lovedcrm_ui.services.facets import facet_cache


def listen(ctx, account) -> list[LeadEvent]:  # type: ignore[no-untyped-def]
    received: list[LeadEvent] = []
    ctx.bus.subscribe(uuid.UUID(account.org_id), received.append)
    return received


async def test_a_team_keeps_a_feed_of_notes_on_a_lead(api, register, join, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}/notes'
    assert (await api.get(path, headers=ana.headers)).json() == []

    first = await api.post(path, headers=ana.headers, json={'body': 'Ligou pedindo proposta'})
    assert first.status_code == 201, first.text
    second = await api.post(path, headers=bruno.headers, json={'body': 'Proposta enviada\nsegunda linha'})
    assert second.status_code == 201, second.text

    feed = (await api.get(path, headers=bruno.headers)).json()
    assert [(n['body'], n['author_name'], n['edited']) for n in feed] == [
        ('Proposta enviada\nsegunda linha', 'Bruno Lima', False),
        ('Ligou pedindo proposta', 'Ana Souza', False),
    ]
    now = await leads.get(ana, lead['id'])
    assert (now['notes'], now['version'], now['updated_at']) == (
        'Proposta enviada\nsegunda linha',
        lead['version'],
        lead['updated_at'],
    )

    note_id = first.json()['id']
    edited = await api.put(f'{path}/{note_id}', headers=ana.headers, json={'body': 'Ligou pedindo proposta (urgente)'})
    assert edited.status_code == 200, edited.text
    assert (edited.json()['body'], edited.json()['edited']) == ('Ligou pedindo proposta (urgente)', True)

    deleted = await api.delete(f'{path}/{second.json()["id"]}', headers=bruno.headers)
    assert deleted.status_code == 204, deleted.text
    feed = (await api.get(path, headers=ana.headers)).json()
    assert [n['body'] for n in feed] == ['Ligou pedindo proposta (urgente)']
    assert (await leads.get(ana, lead['id']))['notes'] == 'Ligou pedindo proposta (urgente)'  # the latest left

    await api.delete(f'{path}/{note_id}', headers=ana.headers)
    assert (await leads.get(ana, lead['id']))['notes'] is None


async def test_only_the_author_changes_a_note_and_viewers_only_read(api, register, join, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await join(ana, 'admin', name='Bruno Lima')
    vera = await join(ana, 'viewer', name='Vera Viewer')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}/notes'
    note = (await api.post(path, headers=ana.headers, json={'body': 'Minha nota'})).json()

    for method, body in (('PUT', {'body': 'Reescrita'}), ('DELETE', None)):
        refused = await api.request(method, f'{path}/{note["id"]}', headers=bruno.headers, json=body)
        assert (refused.status_code, refused.json()['code']) == (403, 'note_author_only'), refused.text
    viewer = await api.post(path, headers=vera.headers, json={'body': 'Posso?'})
    assert (viewer.status_code, viewer.json()['code']) == (403, 'viewer_read_only')
    assert [n['body'] for n in (await api.get(path, headers=vera.headers)).json()] == ['Minha nota']
    gone = await api.put(f'{path}/{uuid.uuid4()}', headers=ana.headers, json={'body': 'x'})
    assert (gone.status_code, gone.json()['code']) == (404, 'note_not_found')


async def test_another_organization_s_lead_and_notes_are_not_found(api, register, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}/notes'
    note = (await api.post(path, headers=ana.headers, json={'body': 'Só nossa'})).json()

    for method, target, body in (
        ('GET', path, None),
        ('POST', path, {'body': 'Intrusa'}),
        ('PUT', f'{path}/{note["id"]}', {'body': 'Intrusa'}),
        ('DELETE', f'{path}/{note["id"]}', None),
        ('GET', f'/crm/leads/{lead["id"]}/changes', None),
    ):
        response = await api.request(method, target, headers=carla.headers, json=body)
        assert (response.status_code, response.json()['code']) == (404, 'lead_not_found'), (method, target)
    assert [n['body'] for n in (await api.get(path, headers=ana.headers)).json()] == ['Só nossa']


async def test_hostile_note_text_is_refused_with_422(api, register, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}/notes'
    note = (await api.post(path, headers=ana.headers, json={'body': 'ok'})).json()

    for body in ({'body': 'a\x00b'}, {'body': '   '}, {'body': ''}, {'body': 'x' * 10_001}, {}, {'body': None}):
        for method, target in (('POST', path), ('PUT', f'{path}/{note["id"]}')):
            response = await api.request(method, target, headers=ana.headers, json=body)
            assert response.status_code == 422, (method, body, response.text)
    html = await api.post(path, headers=ana.headers, json={'body': '<script>alert(1)</script>'})
    assert html.json()['body'] == '<script>alert(1)</script>'  # stored as text, shown as text
    assert len((await api.get(path, headers=ana.headers)).json()) == 2


async def test_lovedcrm_notes_field_adds_notes_and_reads_the_latest(api, register, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    lead = await leads.create(ana, notes='Conheci na feira')
    path = f'/crm/leads/{lead["id"]}'
    assert lead['notes'] == 'Conheci na feira'

    same = (await api.put(path, headers=ana.headers, json={'notes': 'Conheci na feira'})).json()
    changed = (await api.put(path, headers=ana.headers, json={'notes': 'Quer desconto'})).json()
    await api.post(f'{path}/notes', headers=ana.headers, json={'body': 'Nota pelo feed'})

    feed = (await api.get(f'{path}/notes', headers=ana.headers)).json()
    assert [(n['body'], n['author_name']) for n in feed] == [
        ('Nota pelo feed', 'Ana Souza'),
        ('Quer desconto', 'Ana Souza'),
        ('Conheci na feira', 'Ana Souza'),
    ]
    assert (same['notes'], changed['notes']) == ('Conheci na feira', 'Quer desconto')
    assert (await leads.get(ana, lead['id']))['notes'] == 'Nota pelo feed'
    listed = (await api.get('/crm/leads', headers=ana.headers)).json()['leads']
    assert listed[0]['notes'] == 'Nota pelo feed'


async def test_a_note_is_an_event_that_keeps_the_version_and_the_facets(api, ctx, register, leads, store):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    lead = await leads.create(ana, tags=['vip'], estimated_value='100')
    await api.get('/crm/leads/statistics', headers=ana.headers)  # the facets are counted once
    async with ctx.db.session(read_only=True) as session:
        cache = facet_cache(session)
    rebuilds = cache.rebuilds
    received = listen(ctx, ana)

    note = (await api.post(f'/crm/leads/{lead["id"]}/notes', headers=ana.headers, json={'body': 'Oi'})).json()
    stale_edit = await api.put(
        f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'phone': '123', 'expected_version': lead['version']}
    )

    assert stale_edit.status_code == 200, stale_edit.text  # the note made no conflict of a pending edit
    assert [e.type for e in received] == ['lead_note_changed', 'lead_updated']
    frame = received[0].frame
    assert (frame['action'], frame['note']['id'], frame['lead']['notes'], frame['lead']['version']) == (
        'added',
        note['id'],
        'Oi',
        lead['version'],
    )
    stats = (await api.get('/crm/leads/statistics', headers=ana.headers)).json()
    assert stats['total_leads'] == 1
    assert cache.rebuilds == rebuilds  # applied, not recounted
    filters = (await api.get('/crm/leads/pipeline/filters', headers=ana.headers)).json()
    assert filters['available_tags'] == ['vip']


async def test_the_change_log_lists_field_edits_with_old_and_new_values(api, register, join, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    lead = await leads.create(ana, estimated_value='1000', tags=['feira'])
    path = f'/crm/leads/{lead["id"]}'
    await api.put(path, headers=bruno.headers, json={'estimated_value': '2500.50', 'tags': ['feira', 'vip']})
    await api.put(f'{path}/favorite', headers=ana.headers, json={'is_favorite': True})
    await api.post(f'{path}/notes', headers=ana.headers, json={'body': 'not in the change log'})
    await leads.moved(bruno, lead['id'], 'proposta')

    log = (await api.get(f'{path}/changes', headers=ana.headers)).json()

    assert [(e['type'], e['actor_name']) for e in log] == [
        ('lead_stage_changed', 'Bruno Lima'),
        ('lead_updated', 'Ana Souza'),
        ('lead_updated', 'Bruno Lima'),
        ('lead_created', 'Ana Souza'),
    ]
    assert (log[0]['from_stage'], log[0]['to_stage']) == ('lead', 'proposta')
    assert log[1]['changes'] == [{'field': 'is_favorite', 'old': False, 'new': True}]
    assert log[2]['changes'] == [
        {'field': 'estimated_value', 'old': '1000.00', 'new': '2500.50'},
        {'field': 'tags', 'old': ['feira'], 'new': ['feira', 'vip']},
    ]
    history = (await api.get(f'{path}/history', headers=ana.headers)).json()
    assert [e['type'] for e in history] == ['lead_created', 'lead_stage_changed']  # unchanged, stage moves only


async def test_openapi_documents_the_notes_and_the_change_log(api):  # type: ignore[no-untyped-def]
    paths = (await api.get('/openapi.json')).json()['paths']
    assert set(paths['/crm/leads/{lead_id}/notes']) == {'get', 'post'}
    assert set(paths['/crm/leads/{lead_id}/notes/{note_id}']) == {'put', 'delete'}
    assert 'get' in paths['/crm/leads/{lead_id}/changes']
