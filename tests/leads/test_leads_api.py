"""Writing leads as a LovedCRM client does (API-CONTRACT §4): shapes, defaults, validation, paths and errors."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from contract import STAGES

LEAD_FIELDS = {
    'id', 'organization_id', 'name', 'email', 'phone', 'source', 'estimated_value', 'tags', 'notes', 'stage',
    'assigned_user_id', 'last_contact_at', 'last_contact_channel', 'created_at', 'updated_at', 'is_favorite',
    'is_closed', 'days_in_current_stage', 'position', 'version', 'stage_changed_at',
    'custom_fields',  # beyond the contract: plugin fields (docs/EXTENDING.md); LovedCRM's clients ignore it
    'outcome', 'lost_reason',  # beyond the contract: won / lost in fechado
    'next_activity',  # beyond the contract: the earliest open activity (the card's next step)
    'probability', 'expected_close_date',  # beyond the contract: forecast
}  # fmt: skip


def moment(timestamp: str) -> datetime:
    """An ISO 8601 timestamp of the API, which must carry a zone."""
    parsed = datetime.fromisoformat(timestamp)
    assert parsed.tzinfo is not None, timestamp
    return parsed


async def test_a_new_lead_gets_the_contract_defaults(api, register):
    ana = await register('Ana Souza')

    response = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})

    assert response.status_code == 201
    lead = response.json()
    assert set(lead) == LEAD_FIELDS
    uuid.UUID(lead['id'])
    assert lead['organization_id'] == ana.org_id
    assert (lead['name'], lead['email'], lead['phone'], lead['notes']) == ('Acme Ltda', None, None, None)
    assert (lead['source'], lead['stage'], lead['tags'], lead['estimated_value']) == ('web', 'lead', [], None)
    assert (lead['is_closed'], lead['is_favorite'], lead['version']) == (False, False, 1)
    assert lead['days_in_current_stage'] == 0
    assert lead['assigned_user_id'] is None and lead['last_contact_at'] is None
    assert isinstance(lead['position'], float)
    created = moment(lead['created_at'])
    assert datetime.now(UTC) - created < timedelta(minutes=1)
    assert moment(lead['stage_changed_at']) == created == moment(lead['updated_at'])


async def test_a_lead_with_every_field(api, register):
    ana = await register('Ana Souza')
    body = {
        'name': '  Acme Ltda ',
        'email': 'Compras@Acme.com.br',
        'phone': '+55 11 4000-1000',
        'source': 'indicacao',
        'estimated_value': '5000.5',
        'tags': ['vip', ' vip ', 'sp'],
        'notes': 'Met at the fair.\nCall back in May.',
        'stage': 'fechado',
        'assigned_user_id': ana.user_id,
        'confirm': 'unknown fields are ignored',
    }

    lead = (await api.post('/crm/leads/', headers=ana.headers, json=body)).json()

    assert lead['name'] == 'Acme Ltda'
    assert lead['email'].lower() == 'compras@acme.com.br'
    assert (lead['phone'], lead['source'], lead['notes']) == (body['phone'], 'indicacao', body['notes'])
    assert lead['estimated_value'] == '5000.50' and float(lead['estimated_value']) == 5000.5
    assert lead['tags'] == ['vip', 'sp']
    assert (lead['stage'], lead['is_closed'], lead['assigned_user_id']) == ('fechado', True, ana.user_id)


async def test_money_is_a_string_with_two_decimals(register, leads):
    ana = await register('Ana Souza')

    for value, shown in [(0, '0.00'), (5000, '5000.00'), ('0.1', '0.10'), (1234.56, '1234.56'), (None, None)]:
        lead = await leads.create(ana, estimated_value=value)
        assert lead['estimated_value'] == shown, value
        assert (await leads.get(ana, lead['id']))['estimated_value'] == shown


INVALID_FIELDS = [
    ('name', ''),
    ('name', '   '),
    ('name', 'x' * 256),
    ('name', None),
    ('email', 'not-an-email'),
    ('estimated_value', -1),
    ('estimated_value', '-0.01'),
    ('estimated_value', '10.125'),
    ('phone', '9' * 51),
    ('source', 's' * 101),
    ('notes', 'n' * 10_001),
    ('tags', 'vip'),
    ('assigned_user_id', 'someone'),
]


async def test_invalid_lead_fields_are_422(api, register):
    ana = await register('Ana Souza')

    for field, value in [*INVALID_FIELDS, ('stage', 'won'), ('stage', 'Lead')]:
        response = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda', field: value})
        assert response.status_code == 422, (field, response.text)
        errors = response.json()['detail']
        assert {'type', 'msg', 'loc', 'input'} <= set(errors[0])
        assert any(error['loc'][:2] == ['body', field] for error in errors), (field, errors)

    assert (await api.get('/crm/leads', headers=ana.headers)).json()['total_count'] == 0


async def test_fields_at_their_limits_are_accepted(api, register, leads):
    ana = await register('Ana Souza')

    lead = await leads.create(ana, name='x' * 255, phone='9' * 50, source='s' * 100, notes='n' * 10_000)

    assert (len(lead['name']), len(lead['phone']), len(lead['source']), len(lead['notes'])) == (255, 50, 100, 10_000)
    assert (await api.post('/crm/leads', headers=ana.headers, json={})).status_code == 422


async def test_a_lead_can_only_be_assigned_to_a_member(api, register, join, leads):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member')
    outsider = await register('Carla Dias')

    for stranger in (outsider.user_id, str(uuid.uuid4())):
        refused = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme', 'assigned_user_id': stranger})
        assert refused.status_code == 422, refused.text
        assert isinstance(refused.json()['detail'], str)

    lead = await leads.create(ana, assigned_user_id=bruno.user_id)
    assert lead['assigned_user_id'] == bruno.user_id
    reassign = f'/crm/leads/{lead["id"]}'
    refused = await api.put(reassign, headers=ana.headers, json={'assigned_user_id': outsider.user_id})
    assert refused.status_code == 422
    assert (await leads.get(ana, lead['id']))['assigned_user_id'] == bruno.user_id
    mine = await api.put(reassign, headers=ana.headers, json={'assigned_user_id': ana.user_id})
    assert mine.json()['assigned_user_id'] == ana.user_id
    nobody = await api.put(reassign, headers=ana.headers, json={'assigned_user_id': None})
    assert nobody.json()['assigned_user_id'] is None


async def test_an_update_changes_only_the_fields_sent(api, register, leads):
    ana = await register('Ana Souza')
    lead = await leads.create(
        ana, email='compras@acme.com', phone='111', tags=['vip'], notes='First note', estimated_value=100
    )
    path = f'/crm/leads/{lead["id"]}'
    notes = '  Second note,\n\n  kept exactly as typed  \n'

    response = await api.put(path, headers=ana.headers, json={'phone': '222', 'notes': notes, 'stage': 'fechado'})

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated == await leads.get(ana, lead['id'])
    assert (updated['phone'], updated['notes']) == ('222', notes)
    unchanged = ('name', 'email', 'source', 'tags', 'estimated_value', 'stage', 'position', 'created_at')
    assert {key: updated[key] for key in unchanged} == {key: lead[key] for key in unchanged}
    assert updated['stage_changed_at'] == lead['stage_changed_at']
    assert updated['version'] == 2
    assert moment(updated['updated_at']) > moment(lead['updated_at'])

    changes = {'email': None, 'estimated_value': '7.5', 'tags': ['a', 'b'], 'is_favorite': True}
    cleared = (await api.put(path, headers=ana.headers, json=changes)).json()
    assert (cleared['email'], cleared['estimated_value'], cleared['tags']) == (None, '7.50', ['a', 'b'])
    assert cleared['is_favorite'] is True
    assert (cleared['phone'], cleared['notes'], cleared['version']) == ('222', notes, 3)
    assert moment(cleared['updated_at']) > moment(updated['updated_at'])


async def test_invalid_updates_are_422_and_change_nothing(api, register, leads, store):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)

    for field, value in [*INVALID_FIELDS, ('expected_version', 0)]:
        response = await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json={field: value})
        assert response.status_code == 422, (field, response.text)

    assert await leads.get(ana, lead['id']) == lead
    assert (await store.seq(ana.org_id), len(await store.events(ana.org_id))) == (1, 1)


async def test_a_stale_update_is_409_with_the_current_lead(api, register, leads):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}'
    await api.put(path, headers=ana.headers, json={'phone': '111', 'expected_version': 1})

    stale = await api.put(path, headers=ana.headers, json={'name': 'Renamed', 'expected_version': 1})

    assert stale.status_code == 409
    current = await leads.get(ana, lead['id'])
    assert stale.json() == {
        'detail': 'Lead was changed by someone else',
        'code': 'version_conflict',
        'current': current,
    }
    assert (current['name'], current['version']) == ('Acme Ltda', 2)
    fresh = await api.put(path, headers=ana.headers, json={'name': 'Renamed', 'expected_version': 2})
    assert (fresh.status_code, fresh.json()['name'], fresh.json()['version']) == (200, 'Renamed', 3)


async def test_favourite_and_unfavourite(api, register, leads):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}/favorite'

    starred = await api.put(path, headers=ana.headers, json={'is_favorite': True})
    assert starred.status_code == 200
    assert (starred.json()['is_favorite'], starred.json()['version']) == (True, 2)
    assert (await leads.get(ana, lead['id']))['is_favorite'] is True
    unstarred = (await api.put(path, headers=ana.headers, json={'is_favorite': False})).json()
    assert (unstarred['is_favorite'], unstarred['version']) == (False, 3)
    assert (await api.put(path, headers=ana.headers, json={})).status_code == 422


async def test_a_deleted_lead_is_gone(api, register, leads):
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    kept = await leads.create(ana, 'Kept')
    path = f'/crm/leads/{lead["id"]}'

    deleted = await api.delete(path, headers=ana.headers)

    assert (deleted.status_code, deleted.content) == (204, b'')
    for response in (
        await api.get(path, headers=ana.headers),
        await api.delete(path, headers=ana.headers),
        await api.put(path, headers=ana.headers, json={'name': 'Back'}),
        await api.put(f'{path}/stage', headers=ana.headers, json={'stage': 'contato'}),
        await api.put(f'{path}/favorite', headers=ana.headers, json={'is_favorite': True}),
        await api.get(f'{path}/history', headers=ana.headers),
    ):
        assert (response.status_code, response.json()) == (404, {'detail': 'Lead not found', 'code': 'lead_not_found'})
    assert [found['id'] for found in await leads.every(ana)] == [kept['id']]


async def test_unknown_and_malformed_lead_ids(api, register):
    ana = await register('Ana Souza')
    unknown = f'/crm/leads/{uuid.uuid4()}'

    for method, suffix, body in [
        ('GET', '', None),
        ('PUT', '', {'name': 'X'}),
        ('DELETE', '', None),
        ('PUT', '/stage', {'stage': 'contato'}),
        ('PUT', '/favorite', {'is_favorite': True}),
        ('GET', '/history', None),
    ]:
        missing = await api.request(method, unknown + suffix, headers=ana.headers, json=body)
        assert (missing.status_code, missing.json()) == (404, {'detail': 'Lead not found', 'code': 'lead_not_found'}), (
            method,
            suffix,
        )
        malformed = await api.request(method, f'/crm/leads/not-a-uuid{suffix}', headers=ana.headers, json=body)
        assert malformed.status_code == 422, (method, suffix)
        assert malformed.json()['detail'][0]['loc'] == ['path', 'lead_id']


@pytest.mark.parametrize('slash', ['', '/'])
async def test_every_path_answers_with_and_without_a_trailing_slash(api, register, slash):
    ana = await register('Ana Souza')

    async def call(method: str, path: str, expected: int, body: object = None) -> Any:
        response = await api.request(method, path + slash, headers=ana.headers, json=body)
        assert response.status_code != 307, f'{method} {path}{slash} redirects'
        assert response.status_code == expected, (method, path + slash, response.text)
        return response.json() if response.content else None

    lead = await call('POST', '/crm/leads', 201, {'name': 'Acme Ltda'})
    assert isinstance(lead, dict)
    one = f'/crm/leads/{lead["id"]}'
    assert (await call('GET', '/crm/leads', 200))['total_count'] == 1
    assert (await call('GET', '/crm/leads/statistics', 200))['total_leads'] == 1
    assert (await call('POST', '/crm/leads/search', 200, {'query': 'acme'}))['total_count'] == 1
    assert (await call('GET', '/crm/leads/pipeline/filters', 200))['stages'] == STAGES
    assert (await call('GET', one, 200))['id'] == lead['id']
    assert (await call('PUT', one, 200, {'phone': '123'}))['phone'] == '123'
    assert (await call('PUT', f'{one}/stage', 200, {'stage': 'contato'}))['stage'] == 'contato'
    assert (await call('PUT', f'{one}/favorite', 200, {'is_favorite': True}))['is_favorite'] is True
    assert len(await call('GET', f'{one}/history', 200)) == 2
    assert await call('DELETE', one, 204) is None
