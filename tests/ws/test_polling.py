"""The HTTP side: the polling fallback for clients without WebSockets, and the connection statistics."""

import httpx
from ws_helpers import join, open_socket, register
from ws_server import Server


async def test_polling_returns_the_same_events_as_the_socket_in_pages(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    async with open_socket(ana) as socket:
        lead = await ana.create_lead('Acme Ltda', estimated_value='900')
        await bruno.move_lead(lead['id'], 'contato', notes='Called')
        await ana.update_lead(lead['id'], is_favorite=True)
        await bruno.delete_lead(lead['id'])
        live = await socket.events(4)

    everything = await ana.request('GET', '/crm/pipeline/events')
    first_page = await ana.request('GET', '/crm/pipeline/events', params={'since': 0, 'limit': 3})
    second_page = await ana.request('GET', '/crm/pipeline/events', params={'since': 3, 'limit': 3})
    caught_up = await ana.request('GET', '/crm/pipeline/events', params={'since': 4})

    assert everything == {'events': live, 'latest_seq': 4, 'has_more': False, 'resync_required': False}
    assert first_page == {'events': live[:3], 'latest_seq': 4, 'has_more': True, 'resync_required': False}
    assert second_page == {'events': live[3:], 'latest_seq': 4, 'has_more': False, 'resync_required': False}
    assert caught_up == {'events': [], 'latest_seq': 4, 'has_more': False, 'resync_required': False}


async def test_polling_ahead_of_the_organization_asks_for_a_resync(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    await ana.create_lead('Acme Ltda')

    ahead = await ana.request('GET', '/crm/pipeline/events', params={'since': 9})

    assert ahead == {'events': [], 'latest_seq': 1, 'has_more': False, 'resync_required': True}


async def test_polling_shows_only_the_callers_organization(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    carla = await register(event_server, 'Carla Dias')
    await ana.create_lead('Acme Ltda')
    carla_lead = await carla.create_lead('Oficina da Carla')

    carla_sees = await carla.request('GET', '/crm/pipeline/events')

    assert [(e['type'], e['lead']['id'], e['organization_id']) for e in carla_sees['events']] == [
        ('lead_created', carla_lead['id'], carla.organization_id)
    ]


async def test_polling_is_behind_the_tenancy_guard_and_validates_its_query(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    carla = await register(sqlite_server, 'Carla Dias')
    async with httpx.AsyncClient(base_url=sqlite_server.url) as client:
        anonymous = await client.get('/crm/pipeline/events')
        other_org = await client.get('/crm/pipeline/events', headers={**ana.headers, 'X-Org-Id': carla.organization_id})
    negative = await ana.request('GET', '/crm/pipeline/events', 422, params={'since': -1})
    too_many = await ana.request('GET', '/crm/pipeline/events', 422, params={'limit': 1001})

    assert (anonymous.status_code, anonymous.json()) == (
        403,
        {'detail': 'Missing or invalid authorization header', 'code': 'authorization_missing'},
    )
    assert (other_org.status_code, other_org.json()) == (
        403,
        {'detail': 'Access denied: organization mismatch', 'code': 'organization_mismatch'},
    )
    assert negative['detail'][0]['loc'] == ['query', 'since']
    assert too_many['detail'][0]['loc'] == ['query', 'limit']


async def test_stats_count_the_open_sockets_of_the_organization(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    carla = await register(sqlite_server, 'Carla Dias')

    async with open_socket(ana), open_socket(ana, '/ws/collaborate'), open_socket(bruno), open_socket(carla):
        stats = await ana.request('GET', f'/ws/organization-stats/{ana.organization_id}')
        active = await bruno.request('GET', f'/ws/active-users/{bruno.organization_id}')

    entry_fields = {'user_id', 'full_name', 'email', 'avatar_url', 'connected_at', 'last_seen'}
    assert set(stats) == {'organization_id', 'total_connections', 'active_users', 'connected_users'}
    assert (stats['organization_id'], stats['total_connections'], stats['active_users']) == (ana.organization_id, 3, 2)
    assert [(u['user_id'], u['full_name']) for u in stats['connected_users']] == [
        (ana.user_id, 'Ana Souza'),
        (bruno.user_id, 'Bruno Lima'),
    ]
    assert all(set(u) == entry_fields for u in stats['connected_users'])
    assert set(active) == {'organization_id', 'active_users', 'total_active'}
    assert (active['organization_id'], active['total_active']) == (ana.organization_id, 2)
    assert active['active_users'] == stats['connected_users']


async def test_stats_of_another_organization_are_refused(sqlite_server: Server) -> None:
    ana = await register(sqlite_server, 'Ana Souza')
    carla = await register(sqlite_server, 'Carla Dias')
    async with httpx.AsyncClient(base_url=sqlite_server.url) as client:
        anonymous = await client.get(f'/ws/organization-stats/{ana.organization_id}')

    for path in (f'/ws/organization-stats/{carla.organization_id}', f'/ws/active-users/{carla.organization_id}'):
        refused = await ana.request('GET', path, 403)
        assert refused == {'detail': 'Organization access denied', 'code': 'organization_mismatch'}
    assert (anonymous.status_code, anonymous.json()) == (
        403,
        {'detail': 'Missing or invalid authorization header', 'code': 'authorization_missing'},
    )
