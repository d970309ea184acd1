"""The tenancy guard (API-CONTRACT §2): who may reach an organization's data, checked before routing."""

import uuid

import pytest

GUARDED = ['/crm/leads', '/organizations/current', '/users/me', '/billing/anything', '/nope']
OTHER_ORG = str(uuid.uuid4())


def bearer(token: str, org: str | None = None) -> dict[str, str]:
    """Request headers with an optional X-Org-Id."""
    return {'Authorization': f'Bearer {token}', **({'X-Org-Id': org} if org is not None else {})}


# Each case breaks the row under test *and* the rows after it, so only the contract's order gives this answer.
@pytest.mark.parametrize('path', GUARDED)
async def test_the_guard_checks_in_the_contracts_order(api, register, operator, tokens, path):
    ana = await register('Ana Souza')
    without_org = tokens.forge(ana.access_token, org_id=None)
    cases = [
        (1, {'X-Org-Id': 'not-a-uuid'}, 403, 'Missing or invalid authorization header'),
        (1, {'Authorization': 'Basic YW5hOnNlY3JldA==', 'X-Org-Id': ana.org_id}, 403,
         'Missing or invalid authorization header'),
        (1, {'Authorization': 'Bearer ', 'X-Org-Id': ana.org_id}, 403, 'Missing or invalid authorization header'),
        (2, bearer('garbage'), 400, 'Missing X-Org-Id header for organization context'),
        (2, bearer('garbage', ''), 400, 'Missing X-Org-Id header for organization context'),
        (3, bearer('garbage', 'not-a-uuid'), 401, 'Unauthorized - invalid token'),
        (3, bearer(tokens.expired(ana.access_token), 'not-a-uuid'), 401, 'Unauthorized - token expired'),
        (3, bearer(ana.refresh_token, 'not-a-uuid'), 401, 'Invalid token type'),
        (4, bearer(without_org, 'not-a-uuid'), 401, 'Invalid token: missing organization context'),
        (4, bearer(tokens.forge(ana.access_token, drop=('org_id',)), OTHER_ORG), 401,
         'Invalid token: missing organization context'),
        (5, bearer(ana.access_token, 'not-a-uuid'), 400, 'Invalid organization ID format'),
        (6, bearer(ana.access_token, OTHER_ORG), 403, 'Access denied: organization mismatch'),
    ]  # fmt: skip
    for row, headers, status, detail in cases:
        response = await api.get(path, headers=headers)
        assert (response.status_code, response.json()['detail']) == (status, detail), (row, headers)

    await operator.end_membership(ana.user_id, ana.org_id)
    response = await api.get(path, headers=ana.headers)
    assert (response.status_code, response.json()) == (
        403,
        {'detail': 'Not a member of this organization', 'code': 'not_a_member'},
    )


@pytest.mark.parametrize('path', GUARDED)
async def test_a_revoked_token_is_refused_before_the_organization_is_looked_at(api, register, path):
    ana = await register('Ana Souza')
    await api.post('/auth/logout', headers=ana.bearer)

    for org in (ana.org_id, 'not-a-uuid', OTHER_ORG):
        response = await api.get(path, headers=bearer(ana.access_token, org))
        assert (response.status_code, response.json()) == (
            401,
            {'detail': 'Unauthorized - invalid token', 'code': 'session_invalid'},
        ), org


async def test_every_method_is_guarded(api):
    for method in ('GET', 'POST', 'PUT', 'DELETE', 'PATCH'):
        response = await api.request(method, '/crm/leads', headers={'X-Org-Id': OTHER_ORG})

        assert response.status_code == 403, method
        assert response.json() == {'detail': 'Missing or invalid authorization header', 'code': 'authorization_missing'}


async def test_the_organization_header_is_matched_whatever_its_spelling(api, register):
    ana = await register('Ana Souza')

    for org in (ana.org_id.upper(), f'  {ana.org_id} '):
        response = await api.get('/organizations/current', headers=bearer(ana.access_token, org))
        assert response.status_code == 200, org


async def test_an_authorized_request_to_an_unknown_path_is_a_json_404(api, register):
    ana = await register('Ana Souza')

    for path in ('/nope', '/billing/anything', '/crm/unknown', '/organizations/nothing/here'):
        response = await api.get(path, headers=ana.headers)

        assert response.status_code == 404, path
        assert response.headers['content-type'].startswith('application/json')
        assert response.json() == {'detail': 'Not Found', 'code': 'not_found'}


async def test_a_removed_member_is_shut_out_at_once(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')
    assert (await api.get('/organizations/current', headers=bruno.headers)).status_code == 200

    removed = await api.delete(f'/organizations/members/{bruno.user_id}', headers=ana.headers)
    assert removed.status_code == 200

    for path in ('/organizations/current', '/organizations/members', '/users/me', '/crm/leads'):
        response = await api.get(path, headers=bruno.headers)
        assert (response.status_code, response.json()) == (
            403,
            {'detail': 'Not a member of this organization', 'code': 'not_a_member'},
        )
    assert (await api.get('/auth/me', headers=bruno.bearer)).status_code == 200  # still a user, just not here


async def test_a_browser_on_an_unknown_page_is_not_answered_by_the_guard(api):
    response = await api.get('/some-page', headers={'Accept': 'text/html,application/xhtml+xml'})

    assert response.status_code == 404
    assert 'authorization' not in response.text.lower()


async def test_a_browser_on_an_api_path_still_meets_the_guard(api):
    response = await api.get('/crm/leads', headers={'Accept': 'text/html'})

    assert response.status_code == 403
    assert response.json() == {'detail': 'Missing or invalid authorization header', 'code': 'authorization_missing'}


PUBLIC = [
    ('GET', '/health', 200),
    ('GET', '/healthz', 200),
    ('GET', '/readyz', 200),
    ('POST', '/auth/login', 422),
    ('POST', '/auth/register', 422),
    ('GET', '/invites/some-token', 404),
    ('POST', '/invites/some-token/reject', 422),
    ('GET', '/openapi.json', 200),
]


async def test_public_paths_need_no_headers(api):
    guard_refusals = ('Missing or invalid authorization header', 'Missing X-Org-Id header for organization context')
    for method, path, status in PUBLIC:
        response = await api.request(method, path)

        assert response.status_code == status, path
        assert response.json().get('detail') not in guard_refusals


async def test_auth_only_paths_need_no_organization(api, register):
    ana = await register('Ana Souza')

    assert (await api.get('/auth/me', headers=ana.bearer)).status_code == 200
    assert (await api.get('/users/me/organizations', headers=ana.bearer)).status_code == 200
    assert (await api.post('/auth/refresh', json={'refresh_token': ana.refresh_token})).status_code == 200
    assert (await api.post('/auth/logout', headers=ana.bearer)).status_code == 200


async def test_auth_only_paths_still_need_a_token(api):
    for path in ('/auth/me', '/users/me/organizations'):
        response = await api.get(path)
        assert (response.status_code, response.json()) == (
            403,
            {'detail': 'Not authenticated', 'code': 'not_authenticated'},
        ), path


async def test_a_user_of_another_organization_cannot_reach_in(api, register, join):
    ana = await register('Ana Souza')
    await join(ana, role='member', name='Bruno Lima')
    invite = await api.post('/organizations/invites', headers=ana.headers, json={'email': 'dora@example.com'})
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    bruno_id = next(m['user_id'] for m in members if m['role'] == 'member')
    carla = await register('Carla Dias')
    intruding = bearer(carla.access_token, ana.org_id)

    for path in ('/organizations/current', '/organizations/members', '/organizations/invites'):
        response = await api.get(path, headers=intruding)
        assert (response.status_code, response.json()) == (
            403,
            {'detail': 'Access denied: organization mismatch', 'code': 'organization_mismatch'},
        )
    own_members = (await api.get('/organizations/members', headers=carla.headers)).json()
    assert [m['user_id'] for m in own_members] == [carla.user_id]
    assert (await api.get('/organizations/invites', headers=carla.headers)).json() == []

    attempts = [
        ('DELETE', f'/organizations/invites/{invite.json()["id"]}', None),
        ('PUT', f'/organizations/members/{bruno_id}', {'role': 'viewer'}),
        ('PUT', f'/organizations/members/{ana.user_id}', {'role': 'viewer'}),
        ('DELETE', f'/organizations/members/{bruno_id}', None),
        ('DELETE', f'/organizations/members/{ana.user_id}', None),
    ]
    for method, path, body in attempts:
        response = await api.request(method, path, headers=carla.headers, json=body)
        assert response.status_code == 404, (method, path)

    after = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert sorted(m['role'] for m in after) == ['member', 'owner']
    invites = (await api.get('/organizations/invites', headers=ana.headers)).json()
    assert sorted(i['status'] for i in invites) == ['accepted', 'pending']
