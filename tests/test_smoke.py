"""A first end-to-end check of the wiring: register, then read the organization."""


async def test_register_then_read_current_organization(api, register):
    ana = await register('Ana Souza')
    response = await api.get('/organizations/current', headers=ana.headers)
    assert response.status_code == 200
    assert response.json()['name'] == "Ana Souza's Organization"
    assert response.json()['owner_id'] == ana.user_id


async def test_teammate_joins_through_invite(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='viewer')
    members = (await api.get('/organizations/members', headers=bruno.headers)).json()
    assert sorted(m['role'] for m in members) == ['owner', 'viewer']
