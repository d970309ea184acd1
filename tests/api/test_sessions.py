"""Living with tokens (API-CONTRACT §1, §7): claims, refresh, logout, password change, switching organization."""

from datetime import UTC, datetime

import pytest

NEW_PASSWORD = 'Better456'


async def change_password(api, account, current, new=NEW_PASSWORD):
    """The signed-in user changes their password."""
    body = {'current_password': current, 'new_password': new}
    return await api.post('/auth/change-password', headers=account.bearer, json=body)


async def test_access_and_refresh_tokens_carry_the_documented_claims(register, tokens, settings):
    ana = await register('Ana Souza')

    access, refresh = tokens.claims(ana.access_token), tokens.claims(ana.refresh_token)

    for claims in (access, refresh):
        assert {'sub', 'email', 'org_id', 'role', 'type', 'iat', 'exp', 'iss', 'jti', 'sid'} <= set(claims)
        assert (claims['sub'], claims['email'], claims['org_id']) == (ana.user_id, ana.email, ana.org_id)
        assert claims['role'] == 'owner'
        assert claims['iss'] == settings.jwt_issuer
    assert (access['type'], refresh['type']) == ('access', 'refresh')
    assert access['sid'] == refresh['sid'] and access['jti'] != refresh['jti']
    assert access['exp'] - access['iat'] == settings.access_token_expire_minutes * 60
    assert refresh['exp'] - refresh['iat'] == settings.refresh_token_expire_days * 86400
    assert abs(access['iat'] - datetime.now(UTC).timestamp()) < 60


@pytest.mark.parametrize('path', ['/auth/me', '/organizations/current'])
async def test_tokens_not_signed_by_the_server_are_refused(api, register, tokens, path):
    ana = await register('Ana Souza')
    forgeries = [
        tokens.forge(ana.access_token, algorithm='none'),
        tokens.forge(ana.access_token, algorithm='HS512'),
        tokens.forge(ana.access_token, key='another-secret-key-that-is-long-enough-for-hs256'),
        tokens.forge(ana.access_token, iss='someone-else'),
        tokens.forge(ana.access_token, drop=('sid',)),
        'not.a.jwt',
        'garbage',
    ]

    for forged in forgeries:
        response = await api.get(path, headers={'Authorization': f'Bearer {forged}', 'X-Org-Id': ana.org_id})
        assert response.status_code == 401, forged
        assert response.json() == {'detail': 'Unauthorized - invalid token', 'code': 'token_invalid'}


@pytest.mark.parametrize('path', ['/auth/me', '/organizations/current', '/users/me/organizations'])
async def test_an_expired_access_token_is_refused_as_expired(api, register, tokens, path):
    ana = await register('Ana Souza')
    stale = tokens.expired(ana.access_token)

    response = await api.get(path, headers={'Authorization': f'Bearer {stale}', 'X-Org-Id': ana.org_id})

    assert response.status_code == 401
    assert response.json() == {'detail': 'Unauthorized - token expired', 'code': 'token_expired'}


@pytest.mark.parametrize('path', ['/auth/me', '/organizations/current', '/users/me/organizations'])
async def test_a_refresh_token_does_not_open_the_api(api, register, path):
    ana = await register('Ana Souza')

    response = await api.get(path, headers={'Authorization': f'Bearer {ana.refresh_token}', 'X-Org-Id': ana.org_id})

    assert response.status_code == 401
    assert response.json() == {'detail': 'Invalid token type', 'code': 'token_type_invalid'}


async def test_a_disabled_account_loses_its_open_sessions(api, register, operator):
    ana = await register('Ana Souza')

    await operator.deactivate_user(ana.user_id)

    assert (await api.get('/organizations/current', headers=ana.headers)).status_code == 401
    assert (await api.get('/auth/me', headers=ana.bearer)).status_code == 401
    assert (await api.post('/auth/refresh', json={'refresh_token': ana.refresh_token})).status_code == 401


async def test_refresh_returns_a_new_working_pair_for_the_same_organization(api, register, tokens):
    ana = await register('Ana Souza')

    response = await api.post('/auth/refresh', json={'refresh_token': ana.refresh_token})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {'user', 'organization', 'access_token', 'refresh_token', 'token_type'}
    assert body['user']['id'] == ana.user_id and body['organization']['id'] == ana.org_id
    assert tokens.claims(body['access_token'])['jti'] != tokens.claims(ana.access_token)['jti']
    headers = {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': ana.org_id}
    assert (await api.get('/organizations/current', headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ('token', 'detail'),
    [
        ('access', 'Invalid token type'),
        ('expired', 'Unauthorized - token expired'),
        ('garbage', 'Unauthorized - invalid token'),
        ('foreign-key', 'Unauthorized - invalid token'),
    ],
)
async def test_refresh_refuses_anything_but_a_valid_refresh_token(api, register, tokens, token, detail):
    ana = await register('Ana Souza')
    presented = {
        'access': ana.access_token,
        'expired': tokens.expired(ana.refresh_token),
        'garbage': 'garbage',
        'foreign-key': tokens.forge(ana.refresh_token, key='another-secret-key-that-is-long-enough-for-hs256'),
    }[token]

    response = await api.post('/auth/refresh', json={'refresh_token': presented})

    assert response.status_code == 401
    assert response.json()['detail'] == detail


async def test_refresh_without_any_token_is_unauthorized(api):
    api.cookies.clear()

    for kwargs in ({}, {'json': {}}, {'json': {'refresh_token': None}}, {'json': {'refresh_token': ''}}):
        response = await api.post('/auth/refresh', **kwargs)
        assert response.status_code == 401, kwargs
        assert isinstance(response.json()['detail'], str)


async def test_refresh_falls_back_to_the_cookie(api, register):
    ana = await register('Ana Souza')
    api.cookies.clear()
    api.cookies.set('refresh_token', ana.refresh_token)

    response = await api.post('/auth/refresh')

    assert response.status_code == 200
    assert response.json()['user']['id'] == ana.user_id


async def test_logout_revokes_that_login_only(api, register, login):
    ana = await register('Ana Souza')
    laptop = await login(ana.email)

    response = await api.post('/auth/logout', headers=ana.bearer)

    assert response.status_code == 200
    assert response.json() == {'message': 'Successfully logged out'}
    cleared = {header.split('=', 1)[0] for header in response.headers.get_list('set-cookie')}
    assert cleared == {'access_token', 'refresh_token'}
    for path in ('/organizations/current', '/auth/me'):
        refused = await api.get(path, headers=ana.headers)
        assert refused.status_code == 401
        assert refused.json() == {'detail': 'Unauthorized - invalid token', 'code': 'session_invalid'}
    refreshed = await api.post('/auth/refresh', json={'refresh_token': ana.refresh_token})
    assert refreshed.status_code == 401
    assert (await api.get('/organizations/current', headers=laptop.headers)).status_code == 200
    assert (await api.post('/auth/refresh', json={'refresh_token': laptop.refresh_token})).status_code == 200


async def test_logout_with_only_the_refresh_token_revokes_the_access_token_too(api, register):
    ana = await register('Ana Souza')
    api.cookies.clear()

    response = await api.post('/auth/logout', json={'refresh_token': ana.refresh_token})

    assert response.status_code == 200
    assert (await api.get('/organizations/current', headers=ana.headers)).status_code == 401


async def test_logout_without_credentials_is_unauthorized(api):
    api.cookies.clear()

    response = await api.post('/auth/logout')

    assert response.status_code == 401


async def test_a_refreshed_pair_dies_with_its_login(api, register):
    ana = await register('Ana Souza')
    renewed = (await api.post('/auth/refresh', json={'refresh_token': ana.refresh_token})).json()

    await api.post('/auth/logout', headers=ana.bearer)

    headers = {'Authorization': f'Bearer {renewed["access_token"]}', 'X-Org-Id': ana.org_id}
    assert (await api.get('/organizations/current', headers=headers)).status_code == 401
    assert (await api.post('/auth/refresh', json={'refresh_token': renewed['refresh_token']})).status_code == 401


async def test_changing_the_password_ends_every_other_session(api, register, login):
    ana = await register('Ana Souza')
    phone = await login(ana.email)

    response = await change_password(api, ana, ana.password, NEW_PASSWORD)

    assert response.status_code == 200
    fresh = response.json()
    assert fresh['organization']['id'] == ana.org_id
    assert 'password' not in response.text
    new_headers = {'Authorization': f'Bearer {fresh["access_token"]}', 'X-Org-Id': ana.org_id}
    assert (await api.get('/organizations/current', headers=new_headers)).status_code == 200
    assert (await api.post('/auth/refresh', json={'refresh_token': fresh['refresh_token']})).status_code == 200
    for old in (ana, phone):
        assert (await api.get('/organizations/current', headers=old.headers)).status_code == 401
        assert (await api.get('/auth/me', headers=old.bearer)).status_code == 401
        assert (await api.post('/auth/refresh', json={'refresh_token': old.refresh_token})).status_code == 401


async def test_after_a_password_change_only_the_new_password_signs_in(api, register):
    ana = await register('Ana Souza')
    await change_password(api, ana, ana.password, NEW_PASSWORD)

    old = await api.post('/auth/login', json={'email': ana.email, 'password': ana.password})
    new = await api.post('/auth/login', json={'email': ana.email, 'password': NEW_PASSWORD})

    assert old.status_code == 401 and old.json() == {'detail': 'Invalid credentials', 'code': 'invalid_credentials'}
    assert new.status_code == 200


async def test_a_wrong_current_password_changes_nothing(api, register):
    ana = await register('Ana Souza')

    response = await change_password(api, ana, 'Wrong1234', NEW_PASSWORD)

    assert response.status_code == 400
    assert isinstance(response.json()['detail'], str)
    assert (await api.get('/organizations/current', headers=ana.headers)).status_code == 200
    assert (await api.post('/auth/login', json={'email': ana.email, 'password': ana.password})).status_code == 200


@pytest.mark.parametrize('new_password', ['short1A', 'nodigitsHere', 'alllower1', 'ALLUPPER1'])
async def test_a_new_password_must_follow_the_policy(api, register, new_password):
    ana = await register('Ana Souza')

    response = await change_password(api, ana, ana.password, new_password)

    assert response.status_code == 422
    assert isinstance(response.json()['detail'], str)
    assert (await api.get('/organizations/current', headers=ana.headers)).status_code == 200


async def test_changing_the_password_needs_a_signed_in_user(api):
    response = await api.post(
        '/auth/change-password', json={'current_password': 'Secret123', 'new_password': NEW_PASSWORD}
    )

    assert response.status_code == 403
    assert response.json() == {'detail': 'Not authenticated', 'code': 'not_authenticated'}


async def test_switching_to_a_joined_organization_issues_tokens_for_it(api, register, join, tokens):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='viewer')
    organizations = (await api.get('/users/me/organizations', headers=bruno.bearer)).json()
    own = next(org['id'] for org in organizations if org['id'] != ana.org_id)

    response = await api.post('/auth/switch-organization', headers=bruno.bearer, json={'organization_id': own})

    assert response.status_code == 200
    body = response.json()
    assert body['organization']['id'] == own
    assert tokens.claims(body['access_token'])['org_id'] == own
    assert tokens.claims(body['access_token'])['role'] == 'owner'
    assert tokens.claims(bruno.access_token)['role'] == 'viewer'
    headers = {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': own}
    assert (await api.get('/organizations/current', headers=headers)).json()['id'] == own


async def test_switching_to_someone_elses_organization_is_forbidden(api, register):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')

    response = await api.post('/auth/switch-organization', headers=carla.bearer, json={'organization_id': ana.org_id})

    assert response.status_code == 403
    assert isinstance(response.json()['detail'], str)
