"""A user's display preferences (issue 18): language, time zone, density and theme through ``/users/me``."""

import pytest

PREFERENCES = ('language', 'timezone', 'density', 'theme')


async def test_a_new_user_has_the_default_preferences(api, register):
    ana = await register('Ana Souza')

    body = (await api.get('/users/me', headers=ana.headers)).json()

    assert {key: body[key] for key in PREFERENCES} == {
        'language': 'en',
        'timezone': 'UTC',
        'density': 'comfortable',
        'theme': 'light',
    }


async def test_patch_changes_only_the_preferences_sent(api, register):
    ana = await register('Ana Souza')

    first = await api.patch('/users/me', headers=ana.headers, json={'theme': 'dark', 'timezone': 'America/Sao_Paulo'})
    second = await api.patch('/users/me', headers=ana.headers, json={'density': 'compact', 'language': 'pt-BR'})

    assert first.status_code == second.status_code == 200
    body = (await api.get('/users/me', headers=ana.headers)).json()
    assert {key: body[key] for key in PREFERENCES} == {
        'language': 'pt-BR',
        'timezone': 'America/Sao_Paulo',
        'density': 'compact',
        'theme': 'dark',
    }
    assert body == second.json()
    assert body['full_name'] == 'Ana Souza'


@pytest.mark.parametrize(
    ('change', 'field'),
    [
        ({'theme': 'purple'}, 'theme'),
        ({'theme': ''}, 'theme'),
        ({'density': 'cozy'}, 'density'),
        ({'density': 1}, 'density'),
        ({'timezone': 'Mars/Olympus_Mons'}, 'timezone'),
        ({'timezone': '../../etc/passwd'}, 'timezone'),
        ({'timezone': 'x' * 65}, 'timezone'),
        ({'language': 'klingon'}, 'language'),
    ],
)
async def test_an_invalid_preference_is_a_422_that_names_the_field(api, register, change, field):
    ana = await register('Ana Souza')

    for method in (api.patch, api.put):
        response = await method('/users/me', headers=ana.headers, json=change)

        assert response.status_code == 422, (method, change)
        assert field in str(response.json()['detail']), response.json()
    assert (await api.get('/users/me', headers=ana.headers)).json() == ana.user


async def test_null_leaves_a_preference_as_it_is(api, register):
    ana = await register('Ana Souza')
    await api.patch('/users/me', headers=ana.headers, json={'theme': 'system'})

    response = await api.patch('/users/me', headers=ana.headers, json={'theme': None, 'density': None})

    assert (response.json()['theme'], response.json()['density']) == ('system', 'comfortable')


async def test_the_openapi_schema_documents_the_preferences(api):
    schema = (await api.get('/openapi.json')).json()

    assert 'patch' in schema['paths']['/users/me']
    components = schema['components']['schemas']
    update = components['UserUpdate']['properties']
    public = components['UserPublic']['properties']
    assert 'compact' in str(update['density']) and 'compact' in str(public['density'])
    assert 'system' in str(update['theme']) and 'system' in str(public['theme'])
