"""The current organization and its members (API-CONTRACT §3): reading, renaming, roles, removal."""

import uuid
from datetime import datetime

import pytest

ORGANIZATION_FIELDS = {
    'id', 'name', 'description', 'website', 'slug', 'is_active', 'created_at', 'updated_at', 'owner_id',
}  # fmt: skip
MEMBER_FIELDS = {'id', 'user_id', 'organization_id', 'role', 'is_active', 'created_at', 'updated_at', 'user'}


async def test_the_current_organization_is_the_one_of_the_token(api, register):
    ana = await register('Ana Souza')

    response = await api.get('/organizations/current', headers=ana.headers)

    assert response.status_code == 200
    body = response.json()
    assert ORGANIZATION_FIELDS <= set(body)
    assert (body['id'], body['name'], body['owner_id']) == (ana.org_id, "Ana Souza's Organization", ana.user_id)
    assert (body['slug'], body['is_active']) == (ana.organization['slug'], True)


async def test_an_owner_renames_and_describes_the_organization(api, register):
    ana = await register('Ana Souza')

    response = await api.put(
        '/organizations/current',
        headers=ana.headers,
        json={'name': '  Souza Imóveis ', 'description': 'Casas e apartamentos', 'website': 'https://souza.example'},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body['name'], body['description'], body['website']) == (
        'Souza Imóveis',
        'Casas e apartamentos',
        'https://souza.example',
    )
    assert datetime.fromisoformat(body['updated_at']) > datetime.fromisoformat(ana.organization['updated_at'])
    again = (await api.get('/organizations/current', headers=ana.headers)).json()
    assert again['name'] == 'Souza Imóveis' and again['slug'] == ana.organization['slug']


async def test_a_partial_update_leaves_the_other_fields_alone(api, register):
    ana = await register('Ana Souza')
    await api.put('/organizations/current', headers=ana.headers, json={'description': 'Imóveis'})

    response = await api.put('/organizations/current', headers=ana.headers, json={'website': 'https://a.example'})

    body = response.json()
    assert (body['name'], body['description'], body['website']) == (
        "Ana Souza's Organization",
        'Imóveis',
        'https://a.example',
    )


async def test_an_admin_may_change_the_organization(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')

    response = await api.put('/organizations/current', headers=bia.headers, json={'name': 'Reis & Souza'})

    assert response.status_code == 200
    assert response.json()['name'] == 'Reis & Souza'


@pytest.mark.parametrize('role', ['member', 'viewer'])
async def test_members_and_viewers_cannot_change_the_organization(api, register, join, role):
    ana = await register('Ana Souza')
    bruno = await join(ana, role=role)

    response = await api.put('/organizations/current', headers=bruno.headers, json={'name': 'Taken over'})

    assert response.status_code == 403
    assert isinstance(response.json()['detail'], str)
    assert (await api.get('/organizations/current', headers=ana.headers)).json()['name'] == "Ana Souza's Organization"


async def test_invalid_organization_changes_are_schema_errors(api, register):
    ana = await register('Ana Souza')
    changes = [
        {'name': 'A'},
        {'name': '  A  '},
        {'name': ''},
        {'name': None},
        {'name': 'x' * 256},
        {'idle_warning_days': 0},
        {'idle_alert_days': 366},
    ]

    for change in changes:
        response = await api.put('/organizations/current', headers=ana.headers, json=change)

        assert response.status_code == 422, change
        assert isinstance(response.json()['detail'], list)
    current = (await api.get('/organizations/current', headers=ana.headers)).json()
    assert (current['name'], current['idle_warning_days'], current['idle_alert_days']) == (
        "Ana Souza's Organization",
        7,
        14,
    )


async def test_idle_thresholds_are_adjustable_but_stay_ordered(api, register):
    ana = await register('Ana Souza')
    current = (await api.get('/organizations/current', headers=ana.headers)).json()
    assert (current['idle_warning_days'], current['idle_alert_days']) == (7, 14)

    changed = await api.put(
        '/organizations/current', headers=ana.headers, json={'idle_warning_days': 3, 'idle_alert_days': 10}
    )
    inverted = await api.put('/organizations/current', headers=ana.headers, json={'idle_warning_days': 12})

    assert changed.status_code == 200
    assert (changed.json()['idle_warning_days'], changed.json()['idle_alert_days']) == (3, 10)
    assert inverted.status_code == 400
    after = (await api.get('/organizations/current', headers=ana.headers)).json()
    assert (after['idle_warning_days'], after['idle_alert_days']) == (3, 10)


async def test_the_member_list_shows_each_member_with_their_user(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='viewer')

    response = await api.get('/organizations/members', headers=bruno.headers)

    assert response.status_code == 200
    members = response.json()
    assert [(m['user_id'], m['role']) for m in members] == [(ana.user_id, 'owner'), (bruno.user_id, 'viewer')]
    for member in members:
        assert set(member) == MEMBER_FIELDS
        assert member['organization_id'] == ana.org_id and member['is_active'] is True
        assert member['user']['id'] == member['user_id']
        assert 'password_hash' not in member['user']
    assert members[1]['user']['email'] == bruno.email
    assert 'password' not in response.text


async def test_an_owner_changes_a_members_role(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')

    response = await api.put(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json={'role': 'viewer'})

    assert response.status_code == 200
    assert set(response.json()) == MEMBER_FIELDS
    assert (response.json()['user_id'], response.json()['role']) == (bruno.user_id, 'viewer')
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert {m['user_id']: m['role'] for m in members}[bruno.user_id] == 'viewer'
    # the new role applies to Bruno's existing token at once
    refused = await api.put('/organizations/current', headers=bruno.headers, json={'name': 'Nope'})
    assert refused.status_code == 403


async def test_an_unknown_role_is_a_schema_error(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')

    response = await api.put(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json={'role': 'god'})

    assert response.status_code == 422


async def test_an_admin_cannot_create_owners(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')
    bruno = await join(ana, role='member')

    response = await api.put(f'/organizations/members/{bruno.user_id}', headers=bia.headers, json={'role': 'owner'})

    assert response.status_code == 403
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert sorted(m['role'] for m in members) == ['admin', 'member', 'owner']


async def test_an_admin_cannot_touch_an_owner(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')

    demoted = await api.put(f'/organizations/members/{ana.user_id}', headers=bia.headers, json={'role': 'viewer'})
    removed = await api.delete(f'/organizations/members/{ana.user_id}', headers=bia.headers)

    assert (demoted.status_code, removed.status_code) == (403, 403)


@pytest.mark.parametrize('role', ['member', 'viewer'])
async def test_members_and_viewers_cannot_manage_members(api, register, join, role):
    ana = await register('Ana Souza')
    bruno = await join(ana, role=role)
    carla = await join(ana, role='member', name='Carla Dias')

    changed = await api.put(f'/organizations/members/{carla.user_id}', headers=bruno.headers, json={'role': 'admin'})
    removed = await api.delete(f'/organizations/members/{carla.user_id}', headers=bruno.headers)

    assert (changed.status_code, removed.status_code) == (403, 403)


async def test_the_last_owner_can_be_neither_demoted_nor_removed(api, register):
    ana = await register('Ana Souza')

    demoted = await api.put(f'/organizations/members/{ana.user_id}', headers=ana.headers, json={'role': 'admin'})
    removed = await api.delete(f'/organizations/members/{ana.user_id}', headers=ana.headers)

    assert demoted.status_code == 400 and isinstance(demoted.json()['detail'], str)
    assert removed.status_code == 400 and isinstance(removed.json()['detail'], str)
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert [(m['user_id'], m['role']) for m in members] == [(ana.user_id, 'owner')]


async def test_a_second_owner_lets_the_first_step_down(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='admin')
    promoted = await api.put(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json={'role': 'owner'})
    assert promoted.status_code == 200

    stepped_down = await api.put(f'/organizations/members/{ana.user_id}', headers=ana.headers, json={'role': 'member'})

    assert stepped_down.status_code == 200
    assert stepped_down.json()['role'] == 'member'
    last = await api.put(f'/organizations/members/{bruno.user_id}', headers=bruno.headers, json={'role': 'admin'})
    assert last.status_code == 400


async def test_a_removed_member_disappears_and_loses_access(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')

    response = await api.delete(f'/organizations/members/{bruno.user_id}', headers=ana.headers)

    assert response.status_code == 200
    assert isinstance(response.json()['message'], str)
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert [m['user_id'] for m in members] == [ana.user_id]
    for path in ('/organizations/current', '/organizations/members'):
        refused = await api.get(path, headers=bruno.headers)
        assert (refused.status_code, refused.json()) == (
            403,
            {'detail': 'Not a member of this organization', 'code': 'not_a_member'},
        )
    switch = await api.post('/auth/switch-organization', headers=bruno.bearer, json={'organization_id': ana.org_id})
    assert switch.status_code == 403
    assert (await api.delete(f'/organizations/members/{bruno.user_id}', headers=ana.headers)).status_code == 404


async def test_a_removed_owner_hands_the_organization_to_the_remaining_owner(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='admin')
    await api.put(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json={'role': 'owner'})

    response = await api.delete(f'/organizations/members/{ana.user_id}', headers=bruno.headers)

    assert response.status_code == 200
    assert (await api.get('/organizations/current', headers=bruno.headers)).json()['owner_id'] == bruno.user_id


async def test_unknown_members_are_not_found(api, register):
    ana = await register('Ana Souza')
    stranger = str(uuid.uuid4())

    changed = await api.put(f'/organizations/members/{stranger}', headers=ana.headers, json={'role': 'viewer'})
    removed = await api.delete(f'/organizations/members/{stranger}', headers=ana.headers)
    malformed = await api.delete('/organizations/members/not-a-uuid', headers=ana.headers)

    assert (changed.status_code, removed.status_code, malformed.status_code) == (404, 404, 422)


@pytest.mark.parametrize(
    ('typed', 'stored'),
    [
        ('souza.com.br', 'https://souza.com.br'),
        ('  http://souza.com.br/contato ', 'http://souza.com.br/contato'),
        ('https://imóveis-souza.com.br', 'https://imóveis-souza.com.br'),
        ('', None),
    ],
)
async def test_a_website_is_kept_as_a_web_address(api, register, typed, stored):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    response = await api.put('/organizations/current', headers=ana.headers, json={'website': typed})
    assert response.status_code == 200, response.text
    assert response.json()['website'] == stored


@pytest.mark.parametrize(
    'typed', ['javascript:alert(1)', 'souza', 'souza com br', 'ftp://souza.com.br', 'https://a..com', 'mailto:a@b.com']
)
async def test_a_website_that_is_no_web_address_is_refused(api, register, typed):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    response = await api.put('/organizations/current', headers=ana.headers, json={'website': typed, 'name': 'Novo'})
    assert response.status_code == 422, response.text
    assert 'web address' in str(response.json()['detail'])
    current = await api.get('/organizations/current', headers=ana.headers)
    assert (current.json()['website'], current.json()['name']) == (None, "Ana Souza's Organization")  # nothing written
