"""Plugin fields through the API: ``custom_fields`` on leads, checked by the installed plugins' rules.

Without plugins no key is accepted; with examples.temperature its field takes its choices only. Updates merge (a key
sent as null is removed), go through the versioned write path and reach API sockets' snapshots like any field.
"""

import uuid

import pytest
from accounts import PASSWORD


@pytest.fixture
async def plugin_api(api_with):  # type: ignore[no-untyped-def]
    return await api_with(**{'plugins': 'examples.temperature'})


async def register_with(client, name='Ana Souza'):  # type: ignore[no-untyped-def]
    email = f'{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com'
    response = await client.post(
        '/auth/register', json={'email': email, 'password': PASSWORD, 'full_name': name, 'terms_accepted': True}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': body['organization']['id']}


async def test_without_plugins_no_custom_field_is_accepted(api, register):  # type: ignore[no-untyped-def]
    ana = await register()
    created = await api.post('/crm/leads', json={'name': 'Acme'}, headers=ana.headers)
    assert created.status_code == 201 and created.json()['custom_fields'] == {}
    refused = await api.post(
        '/crm/leads', json={'name': 'Acme', 'custom_fields': {'temperature': 'quente'}}, headers=ana.headers
    )
    assert refused.status_code == 422
    assert refused.json()['code'] == 'custom_field_unknown'
    assert 'none are installed' in refused.json()['detail']


async def test_the_plugin_field_is_written_merged_and_removed(plugin_api):  # type: ignore[no-untyped-def]
    headers = await register_with(plugin_api)
    created = await plugin_api.post(
        '/crm/leads', json={'name': 'Acme', 'custom_fields': {'temperature': 'morna'}}, headers=headers
    )
    assert created.status_code == 201, created.text
    lead = created.json()
    assert lead['custom_fields'] == {'temperature': 'morna'}

    # an update without custom_fields leaves them; with them, it merges; null removes; each bumps the version once
    renamed = await plugin_api.put(f'/crm/leads/{lead["id"]}', json={'name': 'Acme SA'}, headers=headers)
    assert renamed.json()['custom_fields'] == {'temperature': 'morna'}
    hot = await plugin_api.put(
        f'/crm/leads/{lead["id"]}',
        json={'custom_fields': {'temperature': 'quente'}, 'expected_version': 2},
        headers=headers,
    )
    assert hot.status_code == 200, hot.text
    assert hot.json()['custom_fields'] == {'temperature': 'quente'} and hot.json()['version'] == 3
    stale = await plugin_api.put(
        f'/crm/leads/{lead["id"]}',
        json={'custom_fields': {'temperature': 'fria'}, 'expected_version': 2},
        headers=headers,
    )
    assert stale.status_code == 409 and stale.json()['current']['custom_fields'] == {'temperature': 'quente'}
    cleared = await plugin_api.put(
        f'/crm/leads/{lead["id"]}', json={'custom_fields': {'temperature': None}}, headers=headers
    )
    assert cleared.json()['custom_fields'] == {}
    fetched = await plugin_api.get(f'/crm/leads/{lead["id"]}', headers=headers)
    assert fetched.json()['custom_fields'] == {}


@pytest.mark.parametrize(
    ('custom_fields', 'code'),
    [
        ({'temperature': 'escaldante'}, 'custom_field_invalid'),
        ({'temperature': 1}, 'custom_field_invalid'),
        ({'temperature': True}, 'custom_field_invalid'),
        ({'cor': 'azul'}, 'custom_field_unknown'),
        ({'Temperature': 'quente'}, 'validation_error'),  # not a key at all
        ({'temperature': 'a\x00b'}, 'validation_error'),
        ({'temperature': 'x' * 501}, 'validation_error'),
        ({f'k{i}': 'x' for i in range(51)}, 'validation_error'),
        ({'temperature': {'nested': 1}}, 'validation_error'),
        ('quente', 'validation_error'),
    ],
)
async def test_bad_custom_fields_are_422_and_change_nothing(plugin_api, custom_fields, code):  # type: ignore[no-untyped-def]
    headers = await register_with(plugin_api)
    lead = (await plugin_api.post('/crm/leads', json={'name': 'Acme'}, headers=headers)).json()
    created = await plugin_api.post('/crm/leads', json={'name': 'X', 'custom_fields': custom_fields}, headers=headers)
    assert created.status_code == 422 and created.json()['code'] == code, created.text
    updated = await plugin_api.put(f'/crm/leads/{lead["id"]}', json={'custom_fields': custom_fields}, headers=headers)
    assert updated.status_code == 422 and updated.json()['code'] == code, updated.text
    after = (await plugin_api.get(f'/crm/leads/{lead["id"]}', headers=headers)).json()
    assert after['version'] == 1 and after['custom_fields'] == {}
    listed = (await plugin_api.get('/crm/leads', headers=headers)).json()
    assert listed['total_count'] == 1


async def test_custom_fields_are_in_the_openapi_schema(plugin_api):  # type: ignore[no-untyped-def]
    schema = (await plugin_api.get('/openapi.json')).json()['components']['schemas']
    assert 'custom_fields' in schema['LeadCreate']['properties']
    assert 'custom_fields' in schema['LeadUpdate']['properties']
    assert 'custom_fields' in schema['LeadPublic']['properties']
