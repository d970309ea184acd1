"""Every error body carries a stable ``code`` beside its English ``detail`` (docs/API-ERRORS.md)."""

import uuid

import pytest

OTHER_ORG = str(uuid.uuid4())


def bearer(token: str, org: str | None = None) -> dict[str, str]:
    """Request headers with an optional X-Org-Id."""
    return {'Authorization': f'Bearer {token}', **({'X-Org-Id': org} if org is not None else {})}


async def create_lead(api, who, **fields):  # type: ignore[no-untyped-def]
    response = await api.post('/crm/leads', headers=who.headers, json={'name': 'Acme Ltda', **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_unknown_lead_is_lead_not_found(api, register):
    ana = await register('Ana Souza')

    response = await api.get(f'/crm/leads/{uuid.uuid4()}', headers=ana.headers)

    assert (response.status_code, response.json()) == (404, {'detail': 'Lead not found', 'code': 'lead_not_found'})


async def test_a_stale_edit_is_a_version_conflict_with_the_current_lead(api, register):
    ana = await register('Ana Souza')
    lead = await create_lead(api, ana)
    path = f'/crm/leads/{lead["id"]}'
    await api.put(path, headers=ana.headers, json={'phone': '111', 'expected_version': 1})

    stale = await api.put(path, headers=ana.headers, json={'name': 'Renamed', 'expected_version': 1})

    assert stale.status_code == 409
    body = stale.json()
    assert (body['code'], body['detail']) == ('version_conflict', 'Lead was changed by someone else')
    assert (body['current']['phone'], body['current']['version']) == ('111', 2)


async def test_a_schema_failure_is_a_validation_error_with_pydantic_types(api, register):
    ana = await register('Ana Souza')

    response = await api.post(
        '/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda', 'estimated_value': '12345678901234'}
    )

    assert response.status_code == 422
    body = response.json()
    assert body['code'] == 'validation_error'
    assert [(error['type'], error['loc']) for error in body['detail']] == [
        ('decimal_max_digits', ['body', 'estimated_value'])
    ]


async def test_an_unreadable_query_is_a_validation_error_too(api, register):
    ana = await register('Ana Souza')

    response = await api.get('/crm/pipeline/events', headers=ana.headers, params={'since': -1})

    assert (response.status_code, response.json()['code']) == (422, 'validation_error')
    assert response.json()['detail'][0]['type'] == 'greater_than_equal'


async def test_a_rule_refusal_at_422_has_its_own_code(api, register):
    ana = await register('Ana Souza')
    stranger = await register('Carla Dias')

    response = await api.post(
        '/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda', 'assigned_user_id': stranger.user_id}
    )

    assert (response.status_code, response.json()) == (
        422,
        {'detail': 'assigned_user_id must be a member of this organization', 'code': 'assignee_not_member'},
    )


async def test_a_viewer_changing_a_lead_is_forbidden_as_read_only(api, register, join):
    ana = await register('Ana Souza')
    vera = await join(ana, 'viewer', name='Vera Reis')
    lead = await create_lead(api, ana)

    created = await api.post('/crm/leads', headers=vera.headers, json={'name': 'Nope'})
    moved = await api.put(f'/crm/leads/{lead["id"]}/stage', headers=vera.headers, json={'stage': 'contato'})

    for response in (created, moved):
        assert (response.status_code, response.json()) == (
            403,
            {'detail': 'Viewers cannot change leads', 'code': 'viewer_read_only'},
        )


async def test_team_refusals_tell_managers_only_from_last_owner(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')

    by_member = await api.put('/organizations/current', headers=bruno.headers, json={'name': 'Taken over'})
    demote_self = await api.put(f'/organizations/members/{ana.user_id}', headers=ana.headers, json={'role': 'admin'})

    assert (by_member.status_code, by_member.json()['code']) == (403, 'managers_only')
    assert (demote_self.status_code, demote_self.json()) == (
        400,
        {'detail': 'The last owner cannot be demoted', 'code': 'last_owner_demote'},
    )


@pytest.mark.parametrize(
    ('password', 'code'),
    [
        ('Ab1defg', 'password_too_short'),
        ('Abcdefgh', 'password_needs_digit'),
        ('abcdefg1', 'password_needs_uppercase'),
        ('ABCDEFG1', 'password_needs_lowercase'),
    ],
)
async def test_each_password_rule_has_its_code(api, password, code):
    body = {'email': 'eva@example.com', 'password': password, 'full_name': 'Eva', 'terms_accepted': True}

    response = await api.post('/auth/register', json=body)

    assert (response.status_code, response.json()['code']) == (422, code)


async def test_the_login_limit_is_login_rate_limited(api_with, register):
    ana = await register('Ana Souza')
    client = await api_with(login_max_failures=2)
    for _ in range(2):
        wrong = await client.post('/auth/login', json={'email': ana.email, 'password': 'Wrong1234'})
        assert (wrong.status_code, wrong.json()['code']) == (401, 'invalid_credentials')

    response = await client.post('/auth/login', json={'email': ana.email, 'password': 'Wrong1234'})

    assert response.status_code == 429
    assert int(response.headers['Retry-After']) > 0
    assert response.json() == {
        'detail': 'Too many failed login attempts. Try again later.',
        'code': 'login_rate_limited',
    }


async def test_every_refusal_of_the_tenancy_guard_has_a_code(api, register, operator, tokens):
    ana = await register('Ana Souza')
    revoked = await register('Rita Lopes')
    await api.post('/auth/logout', headers=revoked.bearer)
    cases = [
        ({'X-Org-Id': ana.org_id}, 403, 'authorization_missing'),
        (bearer(ana.access_token), 400, 'org_header_missing'),
        (bearer('garbage', ana.org_id), 401, 'token_invalid'),
        (bearer(tokens.expired(ana.access_token), ana.org_id), 401, 'token_expired'),
        (bearer(ana.refresh_token, ana.org_id), 401, 'token_type_invalid'),
        (bearer(revoked.access_token, revoked.org_id), 401, 'session_invalid'),
        (bearer(tokens.forge(ana.access_token, org_id=None), ana.org_id), 401, 'token_without_organization'),
        (bearer(ana.access_token, 'not-a-uuid'), 400, 'org_id_invalid'),
        (bearer(ana.access_token, OTHER_ORG), 403, 'organization_mismatch'),
    ]
    for headers, status, code in cases:
        response = await api.get('/crm/leads', headers=headers)
        assert response.headers['content-type'].startswith('application/json')
        assert (response.status_code, response.json()['code']) == (status, code), (headers, response.text)
        assert isinstance(response.json()['detail'], str)

    await operator.end_membership(ana.user_id, ana.org_id)
    response = await api.get('/crm/leads', headers=ana.headers)
    assert (response.status_code, response.json()) == (
        403,
        {'detail': 'Not a member of this organization', 'code': 'not_a_member'},
    )


async def test_framework_errors_carry_a_code_too(api, register):
    ana = await register('Ana Souza')

    unknown = await api.get('/crm/no-such-endpoint', headers=ana.headers)
    wrong_method = await api.patch('/crm/leads', headers=ana.headers, json={})
    signed_out = await api.get('/auth/me')

    assert (unknown.status_code, unknown.json()) == (404, {'detail': 'Not Found', 'code': 'not_found'})
    assert (wrong_method.status_code, wrong_method.json()) == (
        405,
        {'detail': 'Method Not Allowed', 'code': 'method_not_allowed'},
    )
    assert (signed_out.status_code, signed_out.json()) == (
        403,
        {'detail': 'Not authenticated', 'code': 'not_authenticated'},
    )


async def test_invite_refusals_tell_an_unknown_link_from_a_mismatched_token(api):
    token = uuid.uuid4().hex

    unknown = await api.get(f'/invites/{token}')
    mismatch = await api.post(f'/invites/{token}/accept', json={'token': 'another'})

    assert (unknown.status_code, unknown.json()['code']) == (404, 'invite_invalid')
    assert (mismatch.status_code, mismatch.json()['code']) == (400, 'invite_token_mismatch')


async def test_registration_with_an_overlong_name_is_refused_by_the_service_too(ctx):  # type: ignore[no-untyped-def]
    """The UI calls the service without the API's schema: the service itself refuses a name the column cannot hold."""
    import pytest

    from lovedcrm_ui.services import auth
    from lovedcrm_ui.services.errors import ErrorCode, Invalid

    async with ctx.db.session() as session:
        with pytest.raises(Invalid) as refused:
            await auth.register(
                session,
                hasher=ctx.hasher,
                tokens=ctx.tokens,
                email='long-name@example.com',
                password='Secret123',
                full_name='A' * 256,
                terms_accepted=True,
            )
    assert refused.value.code == ErrorCode.NAME_TOO_LONG
