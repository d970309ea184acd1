"""A client undoes a delete: POST /crm/leads/{id}/restore brings the lead back from its last snapshot, same id."""

import uuid


async def test_a_deleted_lead_comes_back_with_its_id_and_history(api, register):
    ana = await register('Ana Souza')
    created = await api.post(
        '/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda', 'stage': 'proposta', 'tags': ['vip']}
    )
    lead = created.json()
    moved = await api.put(f'/crm/leads/{lead["id"]}/stage', headers=ana.headers, json={'stage': 'negociacao'})
    assert moved.status_code == 200
    deleted = await api.delete(f'/crm/leads/{lead["id"]}', headers=ana.headers)
    assert deleted.status_code == 204

    restored = await api.post(f'/crm/leads/{lead["id"]}/restore', headers=ana.headers, json={'expected_version': 2})

    assert restored.status_code == 201, restored.text
    back = restored.json()
    assert (back['id'], back['name'], back['stage'], back['tags']) == (lead['id'], 'Acme Ltda', 'negociacao', ['vip'])
    assert back['version'] == 3  # the deleted lead was at version 2: its history continues
    assert back['created_at'] == lead['created_at']
    fetched = await api.get(f'/crm/leads/{lead["id"]}', headers=ana.headers)
    assert fetched.json()['version'] == 3
    history = (await api.get(f'/crm/leads/{lead["id"]}/history', headers=ana.headers)).json()
    assert [(h['from_stage'], h['to_stage']) for h in history][:2] == [(None, 'proposta'), ('proposta', 'negociacao')]


async def test_restore_refuses_what_it_cannot_do_honestly(api, register, join):
    ana = await register('Ana Souza')
    vera = await join(ana, role='viewer', name='Vera Reis')
    other = await register('Otto Org')
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).json()
    path = f'/crm/leads/{lead["id"]}/restore'

    present = await api.post(path, headers=ana.headers)
    assert present.status_code == 409
    assert present.json()['code'] == 'lead_exists'
    assert present.json()['current']['id'] == lead['id']

    await api.delete(f'/crm/leads/{lead["id"]}', headers=ana.headers)
    unknown = await api.post(f'/crm/leads/{uuid.uuid4()}/restore', headers=ana.headers)
    assert (unknown.status_code, unknown.json()['code']) == (404, 'lead_not_found')
    foreign = await api.post(path, headers=other.headers)  # another organization's lead is not found
    assert (foreign.status_code, foreign.json()['code']) == (404, 'lead_not_found')
    viewer = await api.post(path, headers=vera.headers)
    assert (viewer.status_code, viewer.json()['code']) == (403, 'viewer_read_only')
    stale = await api.post(path, headers=ana.headers, json={'expected_version': 7})
    assert (stale.status_code, stale.json()['code']) == (409, 'version_conflict')
    bad = await api.post(path, headers=ana.headers, json={'expected_version': 'x'})
    assert bad.status_code == 422

    assert (await api.post(path, headers=ana.headers, json={'expected_version': 1})).status_code == 201
    again = await api.post(path, headers=ana.headers, json={'expected_version': 1})
    assert (again.status_code, again.json()['code']) == (409, 'lead_exists')


async def test_restore_is_documented(api):
    schema = (await api.get('/openapi.json')).json()
    operation = schema['paths']['/crm/leads/{lead_id}/restore']['post']
    assert '201' in operation['responses']
    assert 'LeadRestore' in schema['components']['schemas']


async def test_a_restored_lead_loses_an_assignee_who_left_the_team(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, name='Bruno Lima')
    lead = (
        await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda', 'assigned_user_id': bruno.user_id})
    ).json()
    await api.delete(f'/crm/leads/{lead["id"]}', headers=ana.headers)
    removed = await api.delete(f'/organizations/members/{bruno.user_id}', headers=ana.headers)
    assert removed.status_code == 200, removed.text

    restored = await api.post(f'/crm/leads/{lead["id"]}/restore', headers=ana.headers)

    assert restored.status_code == 201
    assert restored.json()['assigned_user_id'] is None


async def test_a_restored_lead_gets_its_whole_notes_feed_back(api, register, join):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await join(ana, name='Bruno Lima')
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).json()
    notes = f'/crm/leads/{lead["id"]}/notes'
    for who, body in ((ana, 'Primeiro contato'), (bruno, 'Ligou de volta'), (ana, 'Pediu proposta')):
        assert (await api.post(notes, headers=who.headers, json={'body': body})).status_code == 201
    first = (await api.get(notes, headers=ana.headers)).json()
    edited = next(n for n in first if n['body'] == 'Ligou de volta')
    changed = await api.put(f'{notes}/{edited["id"]}', headers=bruno.headers, json={'body': 'Ligou de volta às 15h'})
    assert changed.status_code == 200, changed.text
    before = (await api.get(notes, headers=ana.headers)).json()
    assert (await api.delete(f'/crm/leads/{lead["id"]}', headers=ana.headers)).status_code == 204

    restored = await api.post(f'/crm/leads/{lead["id"]}/restore', headers=ana.headers)

    assert restored.status_code == 201, restored.text
    assert restored.json()['notes'] == 'Pediu proposta'
    # the feed is back as it was: same notes, authors, times and "edited" marks (the delete event kept it)
    assert (await api.get(notes, headers=ana.headers)).json() == before
    # and its author can still edit their own note
    again = await api.put(f'{notes}/{edited["id"]}', headers=bruno.headers, json={'body': 'Retornar sexta'})
    assert again.status_code == 200, again.text


async def test_a_restored_lead_gets_its_activities_back_and_its_next_step(api, register, join):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await join(ana, name='Bruno Lima')
    carla = await join(ana, name='Carla Dias')
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).json()
    activities = f'/crm/leads/{lead["id"]}/activities'
    plans = (
        (ana, {'kind': 'call', 'title': 'Ligar para o João', 'due_at': '2031-03-10T13:00:00Z'}),
        (bruno, {'kind': 'meeting', 'title': 'Reunião de proposta', 'due_at': '2031-03-12T17:00:00Z'}),
        (
            ana,
            {
                'kind': 'task',
                'title': 'Enviar contrato',
                'due_at': '2031-03-20T12:00:00Z',
                'assignee_user_id': carla.user_id,
            },
        ),
    )
    for who, body in plans:
        added = await api.post(activities, headers=who.headers, json=body)
        assert added.status_code == 201, added.text
    call = next(a for a in (await api.get(activities, headers=ana.headers)).json() if a['kind'] == 'call')
    done = await api.patch(f'/crm/activities/{call["id"]}', headers=ana.headers, json={'done': True})
    assert done.status_code == 200, done.text
    before = (await api.get(activities, headers=ana.headers)).json()
    next_step = (await api.get(f'/crm/leads/{lead["id"]}', headers=ana.headers)).json()['next_activity']
    assert next_step['title'] == 'Reunião de proposta'
    assert (await api.delete(f'/crm/leads/{lead["id"]}', headers=ana.headers)).status_code == 204
    assert (await api.get(activities, headers=ana.headers)).status_code == 404  # gone with the lead
    assert (await api.delete(f'/organizations/members/{carla.user_id}', headers=ana.headers)).status_code == 200

    restored = await api.post(f'/crm/leads/{lead["id"]}/restore', headers=ana.headers)

    assert restored.status_code == 201, restored.text
    assert restored.json()['next_activity'] == next_step  # the card's next step is back with the lead
    after = (await api.get(activities, headers=ana.headers)).json()
    # as they were (ids, done, versions, times, authors), except that Carla left: her task is now nobody's
    for activity in before:
        if activity['assignee_user_id'] == carla.user_id:
            activity.update(assignee_user_id=None, assignee_name=None)
    assert after == before
    mine = (await api.get('/crm/activities?mine=true', headers=bruno.headers)).json()
    assert [a['title'] for a in mine] == ['Reunião de proposta']  # Minhas atividades has it again
    # and it works as before: Bruno completes his meeting with the version it had
    meeting = next(a for a in after if a['kind'] == 'meeting')
    completed = await api.patch(
        f'/crm/activities/{meeting["id"]}',
        headers=bruno.headers,
        json={'done': True, 'expected_version': meeting['version']},
    )
    assert completed.status_code == 200, completed.text
