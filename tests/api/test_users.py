"""A user's own profile and organizations (API-CONTRACT §1): /auth/me, /users/me, /users/me/organizations."""

USER_FIELDS = {
    'id', 'email', 'full_name', 'bio', 'location', 'phone', 'timezone', 'language', 'density', 'theme',
    'is_active', 'is_verified', 'is_superuser', 'created_at', 'updated_at', 'last_login',
}  # fmt: skip


async def test_auth_me_returns_the_signed_in_user(api, register):
    ana = await register('Ana Souza')

    response = await api.get('/auth/me', headers=ana.bearer)

    assert response.status_code == 200
    assert set(response.json()) == USER_FIELDS
    assert response.json() == ana.user
    assert 'password' not in response.text


async def test_auth_me_without_a_bearer_token_is_not_authenticated(api):
    api.cookies.clear()

    for headers in ({}, {'Authorization': 'Basic YW5hOnNlY3JldA=='}, {'Authorization': 'Bearer'}):
        response = await api.get('/auth/me', headers=headers)

        assert (response.status_code, response.json()) == (
            403,
            {'detail': 'Not authenticated', 'code': 'not_authenticated'},
        ), headers


async def test_auth_me_ignores_the_access_cookie(api, register):
    ana = await register('Ana Souza')
    api.cookies.set('access_token', ana.access_token)

    response = await api.get('/auth/me')

    assert response.status_code == 403


async def test_users_me_needs_the_organization_context(api, register):
    ana = await register('Ana Souza')

    with_org = await api.get('/users/me', headers=ana.headers)
    without_org = await api.get('/users/me', headers=ana.bearer)

    assert (with_org.status_code, with_org.json()) == (200, ana.user)
    assert (without_org.status_code, without_org.json()) == (
        400,
        {'detail': 'Missing X-Org-Id header for organization context', 'code': 'org_header_missing'},
    )


async def test_a_user_updates_part_of_their_profile(api, register):
    ana = await register('Ana Souza')

    response = await api.put(
        '/users/me',
        headers=ana.headers,
        json={'bio': 'Corretora', 'location': ' São Paulo ', 'phone': '+55 11 99999-0000', 'language': 'pt-BR'},
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS
    assert (body['bio'], body['location'], body['phone'], body['language']) == (
        'Corretora',
        'São Paulo',
        '+55 11 99999-0000',
        'pt-BR',
    )
    assert (body['full_name'], body['email'], body['timezone']) == ('Ana Souza', ana.email, 'UTC')
    assert body['updated_at'] != ana.user['updated_at']
    assert (await api.get('/auth/me', headers=ana.bearer)).json() == body


async def test_a_second_update_keeps_what_the_first_set(api, register):
    ana = await register('Ana Souza')
    await api.put('/users/me', headers=ana.headers, json={'bio': 'Corretora'})

    response = await api.put('/users/me', headers=ana.headers, json={'full_name': 'Ana S. Souza', 'timezone': None})

    assert (response.json()['full_name'], response.json()['bio']) == ('Ana S. Souza', 'Corretora')
    assert response.json()['timezone'] == 'UTC'


async def test_invalid_profile_changes_are_schema_errors(api, register):
    ana = await register('Ana Souza')

    for change in ({'language': 'klingon'}, {'full_name': ''}, {'phone': '9' * 51}, {'bio': 'x' * 2001}):
        response = await api.put('/users/me', headers=ana.headers, json=change)

        assert response.status_code == 422, change
    assert (await api.get('/auth/me', headers=ana.bearer)).json() == ana.user


async def test_the_profile_cannot_change_email_or_privileges(api, register):
    ana = await register('Ana Souza')

    response = await api.put(
        '/users/me',
        headers=ana.headers,
        json={'email': 'boss@example.com', 'is_superuser': True, 'is_active': False, 'password_hash': 'x'},
    )

    assert response.status_code == 200
    assert (response.json()['email'], response.json()['is_superuser']) == (ana.email, False)
    assert (await api.post('/auth/login', json={'email': ana.email, 'password': ana.password})).status_code == 200


async def test_the_profile_name_refuses_markup(api, register):
    ana = await register('Ana Souza')

    response = await api.put('/users/me', headers=ana.headers, json={'full_name': '<img src=x onerror=alert(1)>'})

    assert response.status_code == 422


async def test_my_organizations_lists_every_organization_i_joined(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='viewer')

    response = await api.get('/users/me/organizations', headers=bruno.bearer)

    assert response.status_code == 200
    organizations = response.json()
    assert len(organizations) == 2
    assert ana.org_id in {o['id'] for o in organizations}
    assert "Bruno Lima's Organization" in {o['name'] for o in organizations}
    assert set(organizations[0]) == {'id', 'name', 'slug', 'description', 'website', 'is_active', 'created_at',
                                     'updated_at', 'owner_id'}  # fmt: skip


async def test_my_organizations_forgets_an_organization_i_was_removed_from(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')
    await api.delete(f'/organizations/members/{bruno.user_id}', headers=ana.headers)

    organizations = (await api.get('/users/me/organizations', headers=bruno.bearer)).json()

    assert [o['name'] for o in organizations] == ["Bruno Lima's Organization"]
