"""Who may see and change leads: roles inside an organization, and the wall between organizations."""

import uuid

import pytest

BY_ID = [
    ('GET', '', None),
    ('PUT', '', {'name': 'Taken'}),
    ('PUT', '/stage', {'stage': 'fechado', 'notes': 'Taken'}),
    ('PUT', '/favorite', {'is_favorite': True}),
    ('GET', '/history', None),
    ('DELETE', '', None),
]


def writes(lead_id: str) -> list[tuple[str, str, object]]:
    """Every lead write a client can send, aimed at one lead where it needs one."""
    path = f'/crm/leads/{lead_id}'
    return [
        ('POST', '/crm/leads', {'name': 'New lead'}),
        ('PUT', path, {'name': 'Renamed'}),
        ('PUT', f'{path}/stage', {'stage': 'contato', 'notes': 'Moved'}),
        ('PUT', f'{path}/stage', {'stage': 'lead', 'position': 0}),
        ('PUT', f'{path}/favorite', {'is_favorite': True}),
        ('DELETE', path, None),
    ]


def reads(lead_id: str) -> list[tuple[str, str, object]]:
    """Every lead read a client can send."""
    path = f'/crm/leads/{lead_id}'
    return [
        ('GET', '/crm/leads', None),
        ('GET', '/crm/leads/statistics', None),
        ('POST', '/crm/leads/search', {'query': 'acme'}),
        ('GET', '/crm/leads/pipeline/filters', None),
        ('GET', path, None),
        ('GET', f'{path}/history', None),
    ]


async def test_a_viewer_reads_every_lead_but_changes_none(api, register, join, leads, store):
    ana = await register('Ana Souza')
    vera = await join(ana, 'viewer', name='Vera Viewer')
    lead = await leads.create(ana, 'Acme Ltda')

    for method, path, body in reads(lead['id']):
        response = await api.request(method, path, headers=vera.headers, json=body)
        assert response.status_code == 200, (method, path, response.text)
    for method, path, body in [*writes(lead['id']), *writes(str(uuid.uuid4()))[1:]]:
        response = await api.request(method, path, headers=vera.headers, json=body)
        assert (response.status_code, response.json()) == (
            403,
            {'detail': 'Viewers cannot change leads', 'code': 'viewer_read_only'},
        ), path

    assert await leads.every(ana) == [lead]
    assert (await store.seq(ana.org_id), len(await store.events(ana.org_id))) == (1, 1)


@pytest.mark.parametrize('role', ['member', 'admin'])
async def test_members_and_admins_change_leads(api, register, join, leads, store, role):
    ana = await register('Ana Souza')
    bruno = await join(ana, role, name='Bruno Lima')
    lead = await leads.create(ana, 'Acme Ltda')

    for method, path, body in writes(lead['id']):
        response = await api.request(method, path, headers=bruno.headers, json=body)
        assert response.status_code in (200, 201, 204), (method, path, response.text)

    events = await store.events(ana.org_id)
    assert [e.seq for e in events] == list(range(1, 8))
    assert {str(e.actor_user_id) for e in events[1:]} == {bruno.user_id}
    assert [lead['name'] for lead in await leads.every(ana)] == ['New lead']


async def test_a_lowered_role_applies_to_the_next_request(api, register, join, leads):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    lead = await leads.create(bruno, 'Acme Ltda')

    lowered = await api.put(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json={'role': 'viewer'})
    assert lowered.status_code == 200, lowered.text

    refused = await leads.move(bruno, lead['id'], 'contato')
    assert refused.status_code == 403
    assert (await leads.get(bruno, lead['id']))['stage'] == 'lead'


async def test_a_removed_member_reaches_no_lead(api, register, join, leads):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    lead = await leads.create(ana, 'Acme Ltda')

    removed = await api.delete(f'/organizations/members/{bruno.user_id}', headers=ana.headers)
    assert removed.status_code in (200, 204), removed.text

    for method, path, body in [*reads(lead['id']), *writes(lead['id'])]:
        response = await api.request(method, path, headers=bruno.headers, json=body)
        assert (response.status_code, response.json()) == (
            403,
            {'detail': 'Not a member of this organization', 'code': 'not_a_member'},
        )
    assert await leads.get(ana, lead['id']) == lead


async def test_another_organizations_lead_is_not_found(api, register, leads, store):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')
    lead = await leads.create(ana, 'Acme Ltda', email='compras@acme.com', tags=['vip'], source='feira')
    own = await leads.create(carla, 'Casa Dias')

    for method, suffix, body in BY_ID:
        response = await api.request(method, f'/crm/leads/{lead["id"]}{suffix}', headers=carla.headers, json=body)
        assert (response.status_code, response.json()) == (
            404,
            {'detail': 'Lead not found', 'code': 'lead_not_found'},
        ), (method, suffix)
    moved = await leads.move(carla, lead['id'], 'contato', position=0, expected_version=1)
    assert (moved.status_code, moved.json()) == (404, {'detail': 'Lead not found', 'code': 'lead_not_found'})

    assert await leads.get(ana, lead['id']) == lead
    assert [e.type for e in await store.events(ana.org_id)] == ['lead_created']
    assert (await store.seq(carla.org_id), [e.seq for e in await store.events(carla.org_id)]) == (1, [1])
    assert (await leads.moved(carla, own['id'], 'contato'))['version'] == 2
    assert [e.seq for e in await store.events(carla.org_id)] == [1, 2]


async def test_lists_counts_and_options_show_only_the_own_organization(api, register, leads):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')
    for i in range(3):
        await leads.create(ana, f'Acme {i}', email=f'acme{i}@acme.com', stage='fechado', tags=['vip'], source='feira')
    own = await leads.create(carla, 'Casa Dias', stage='contato')

    listed = (await api.get('/crm/leads', headers=carla.headers)).json()
    assert ([item['id'] for item in listed['leads']], listed['total_count']) == ([own['id']], 1)
    closed = (await api.get('/crm/leads', headers=carla.headers, params={'stage': 'fechado'})).json()
    assert (closed['leads'], closed['total_count']) == ([], 0)
    found = (await api.post('/crm/leads/search', headers=carla.headers, json={'query': 'acme'})).json()
    assert (found['leads'], found['total_count'], found['has_more']) == ([], 0, False)
    assert (await api.post('/crm/leads/search', headers=carla.headers, json={'query': 'a'})).json()['total_count'] == 1
    stats = (await api.get('/crm/leads/statistics', headers=carla.headers)).json()
    assert stats == {
        'stage_counts': {'lead': 0, 'contato': 1, 'proposta': 0, 'negociacao': 0, 'fechado': 0},
        'total_leads': 1,
        'conversion_rate': 0.0,
    }
    options = (await api.get('/crm/leads/pipeline/filters', headers=carla.headers)).json()
    assert (options['sources'], options['available_tags']) == (['web'], [])
    assert options['assigned_users'] == [{'id': carla.user_id, 'name': 'Carla Dias'}]
    assert options['date_ranges']['earliest'] == options['date_ranges']['latest'] == own['created_at']
    assert (await api.get('/crm/leads/statistics', headers=ana.headers)).json()['total_leads'] == 3


async def test_naming_another_organization_in_the_header_is_refused(api, register, leads):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')
    lead = await leads.create(ana, 'Acme Ltda')
    intruder = {**carla.headers, 'X-Org-Id': ana.org_id}
    lost = {**ana.headers, 'X-Org-Id': str(uuid.uuid4())}

    for method, path, body in [*reads(lead['id']), *writes(lead['id'])]:
        for headers in (intruder, lost):
            response = await api.request(method, path, headers=headers, json=body)
            assert (response.status_code, response.json()) == (
                403,
                {'detail': 'Access denied: organization mismatch', 'code': 'organization_mismatch'},
            )
        anonymous = await api.request(method, path, json=body)
        assert anonymous.status_code == 403
    assert await leads.every(ana) == [lead]
