"""Role changes follow the invite rule: only an owner makes admins (and owners); an admin grants member or viewer."""

import pytest


async def roles(api, owner) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """User id → role, as the member list shows it."""
    members = (await api.get('/organizations/members', headers=owner.headers)).json()
    return {m['user_id']: m['role'] for m in members}


async def test_an_admin_cannot_promote_a_member_to_admin(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')
    bruno = await join(ana, role='member')

    response = await api.put(f'/organizations/members/{bruno.user_id}', headers=bia.headers, json={'role': 'admin'})

    assert response.status_code == 403
    assert response.json() == {'detail': 'Only owners can make someone an admin', 'code': 'admin_role_owner_only'}
    assert (await roles(api, ana))[bruno.user_id] == 'member'
    # nor can Bruno, once in, do anything only a manager may
    refused = await api.put('/organizations/current', headers=bruno.headers, json={'name': 'Taken over'})
    assert refused.status_code == 403


async def test_an_admin_cannot_make_a_viewer_an_admin_either(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')
    carla = await join(ana, role='viewer', name='Carla Dias')

    response = await api.put(f'/organizations/members/{carla.user_id}', headers=bia.headers, json={'role': 'admin'})

    assert (response.status_code, response.json()['code']) == (403, 'admin_role_owner_only')
    assert (await roles(api, ana))[carla.user_id] == 'viewer'


@pytest.mark.parametrize(('start', 'end'), [('member', 'viewer'), ('viewer', 'member')])
async def test_an_admin_still_moves_people_between_member_and_viewer(api, register, join, start, end):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')
    bruno = await join(ana, role=start)

    response = await api.put(f'/organizations/members/{bruno.user_id}', headers=bia.headers, json={'role': end})

    assert response.status_code == 200, response.text
    assert (await roles(api, ana))[bruno.user_id] == end


async def test_the_owner_may_make_an_admin(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')

    response = await api.put(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json={'role': 'admin'})

    assert response.status_code == 200, response.text
    assert (await roles(api, ana))[bruno.user_id] == 'admin'
    # and the new admin manages the organization at once
    renamed = await api.put('/organizations/current', headers=bruno.headers, json={'name': 'Padaria Nova'})
    assert renamed.status_code == 200, renamed.text
