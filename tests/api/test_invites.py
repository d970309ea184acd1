"""Inviting people (API-CONTRACT §3): the managers' side and the public invite link."""

import asyncio
from datetime import datetime, timedelta

import pytest

INVITE_FIELDS = {
    'id', 'organization_id', 'email', 'role', 'status', 'message', 'invited_name', 'created_at', 'expires_at',
    'responded_at', 'is_active', 'is_expired', 'is_pending', 'can_be_accepted', 'can_be_cancelled',
    'organization_name', 'invited_by_name',
}  # fmt: skip
LINK_FIELDS = {
    'organization_name', 'organization_slug', 'invited_by_name', 'role', 'created_at', 'expires_at', 'is_expired',
    'message', 'invited_email',
}  # fmt: skip


async def invite(api, by, email, **fields):
    """``by`` invites ``email``; returns the response."""
    return await api.post('/organizations/invites', headers=by.headers, json={'email': email, **fields})


async def test_an_owner_invites_someone_by_email(api, register, operator):
    ana = await register('Ana Souza')

    response = await invite(
        api, ana, 'Dora@Example.com', role='viewer', message='Join our sales team!', invited_name='Dora Melo'
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == INVITE_FIELDS
    assert (body['organization_id'], body['email'], body['role']) == (ana.org_id, 'dora@example.com', 'viewer')
    assert (body['message'], body['invited_name']) == ('Join our sales team!', 'Dora Melo')
    assert (body['status'], body['responded_at']) == ('pending', None)
    assert body['is_active'] and body['is_pending'] and body['can_be_accepted'] and body['can_be_cancelled']
    assert body['is_expired'] is False
    assert (body['organization_name'], body['invited_by_name']) == ("Ana Souza's Organization", 'Ana Souza')
    lifetime = datetime.fromisoformat(body['expires_at']) - datetime.fromisoformat(body['created_at'])
    assert abs(lifetime - timedelta(days=7)) < timedelta(minutes=1)
    assert (await operator.invite_token(body['id'])) not in response.text


async def test_the_default_role_is_member(api, register):
    ana = await register('Ana Souza')

    response = await invite(api, ana, 'dora@example.com')

    assert (response.status_code, response.json()['role'], response.json()['message']) == (201, 'member', None)


async def test_no_response_ever_reveals_an_invite_token(api, register, operator):
    ana = await register('Ana Souza')
    created = (await invite(api, ana, 'dora@example.com')).json()
    token = await operator.invite_token(created['id'])

    responses = [
        await api.get('/organizations/invites', headers=ana.headers),
        await api.get('/organizations/invites', headers=ana.headers, params={'status_filter': 'pending'}),
        await api.get('/organizations/invites/stats', headers=ana.headers),
        await api.get(f'/invites/{token}'),
        await api.delete(f'/organizations/invites/{created["id"]}', headers=ana.headers),
        await api.get('/organizations/invites', headers=ana.headers),
    ]

    assert all(r.status_code == 200 for r in responses)
    assert not any(token in r.text for r in responses)
    assert all('token' not in item for item in responses[0].json())


async def test_bad_invites_are_schema_errors(api, register):
    ana = await register('Ana Souza')
    bad = [
        {'email': 'not-an-email'},
        {'role': 'superuser'},
        {'message': 'Join us'},
        {'message': 'x' * 501},
        {'invited_name': 'x' * 101},
    ]

    for fields in bad:
        response = await api.post(
            '/organizations/invites', headers=ana.headers, json={'email': 'dora@example.com', **fields}
        )

        assert response.status_code == 422, fields
        assert isinstance(response.json()['detail'], list)
    assert (await api.get('/organizations/invites', headers=ana.headers)).json() == []


async def test_nobody_can_invite_an_owner(api, register):
    ana = await register('Ana Souza')

    response = await invite(api, ana, 'dora@example.com', role='owner')

    assert response.status_code == 403


async def test_an_admin_invites_members_but_not_admins(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')

    refused = await invite(api, bia, 'dora@example.com', role='admin')
    accepted = await invite(api, bia, 'dora@example.com', role='member')

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert accepted.json()['invited_by_name'] == 'Bia Reis'


@pytest.mark.parametrize('role', ['member', 'viewer'])
async def test_members_and_viewers_cannot_invite(api, register, join, role):
    ana = await register('Ana Souza')
    bruno = await join(ana, role=role)

    response = await invite(api, bruno, 'dora@example.com')

    assert response.status_code == 403


async def test_a_member_or_a_pending_invitee_cannot_be_invited_again(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')
    await invite(api, ana, 'dora@example.com')

    for email in (bruno.email, bruno.email.upper(), ana.email, 'dora@example.com', 'DORA@example.com'):
        response = await invite(api, ana, email)
        assert response.status_code == 409, email
        assert isinstance(response.json()['detail'], str)


async def test_a_cancelled_invite_can_be_sent_again(api, register):
    ana = await register('Ana Souza')
    first = (await invite(api, ana, 'dora@example.com')).json()
    await api.delete(f'/organizations/invites/{first["id"]}', headers=ana.headers)

    assert (await invite(api, ana, 'dora@example.com')).status_code == 201


async def test_invites_are_listed_newest_first_with_filters_and_pages(api, register, operator):
    ana = await register('Ana Souza')
    ids = [(await invite(api, ana, f'guest{i}@example.com')).json()['id'] for i in range(4)]
    await api.delete(f'/organizations/invites/{ids[0]}', headers=ana.headers)
    await operator.expire_invite(ids[1])

    async def listed(**params):
        response = await api.get('/organizations/invites', headers=ana.headers, params=params)
        assert response.status_code == 200
        return [(item['email'], item['status']) for item in response.json()]

    assert await listed() == [
        ('guest3@example.com', 'pending'),
        ('guest2@example.com', 'pending'),
        ('guest1@example.com', 'expired'),
        ('guest0@example.com', 'cancelled'),
    ]
    assert await listed(status_filter='pending') == [
        ('guest3@example.com', 'pending'),
        ('guest2@example.com', 'pending'),
    ]
    assert await listed(status_filter='cancelled') == [('guest0@example.com', 'cancelled')]
    assert await listed(status_filter='expired') == [('guest1@example.com', 'expired')]
    assert await listed(status_filter='accepted') == []
    assert await listed(limit=2, offset=1) == [('guest2@example.com', 'pending'), ('guest1@example.com', 'expired')]
    assert await listed(offset=10) == []
    for params in ({'limit': 0}, {'limit': 101}, {'offset': -1}, {'status_filter': 'lost'}):
        response = await api.get('/organizations/invites', headers=ana.headers, params=params)
        assert response.status_code == 422, params


async def test_invite_stats_count_every_status(api, register, operator, join):
    ana = await register('Ana Souza')
    await join(ana, role='member')  # one accepted
    ids = [(await invite(api, ana, f'guest{i}@example.com')).json()['id'] for i in range(4)]
    await api.delete(f'/organizations/invites/{ids[0]}', headers=ana.headers)
    await operator.expire_invite(ids[1])
    token = await operator.invite_token(ids[2])
    await api.post(f'/invites/{token}/reject', json={'token': token})

    response = await api.get('/organizations/invites/stats', headers=ana.headers)

    assert response.status_code == 200
    assert response.json() == {
        'total_invites': 5,
        'pending_invites': 1,
        'accepted_invites': 1,
        'rejected_invites': 1,
        'expired_invites': 1,
        'cancelled_invites': 1,
    }


async def test_cancelling_an_invite_once(api, register, operator):
    ana = await register('Ana Souza')
    created = (await invite(api, ana, 'Dora@example.com')).json()
    token = await operator.invite_token(created['id'])

    first = await api.delete(f'/organizations/invites/{created["id"]}', headers=ana.headers)
    second = await api.delete(f'/organizations/invites/{created["id"]}', headers=ana.headers)

    assert (first.status_code, first.json()) == (200, {'message': 'Invite to dora@example.com has been cancelled'})
    assert second.status_code == 400 and isinstance(second.json()['detail'], str)
    assert (await api.get(f'/invites/{token}')).status_code == 404
    listed = (await api.get('/organizations/invites', headers=ana.headers)).json()
    assert (listed[0]['status'], listed[0]['can_be_cancelled'], listed[0]['is_pending']) == ('cancelled', False, False)
    assert listed[0]['responded_at'] is not None


async def test_only_managers_cancel_invites(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')
    created = (await invite(api, ana, 'dora@example.com')).json()

    response = await api.delete(f'/organizations/invites/{created["id"]}', headers=bruno.headers)

    assert response.status_code == 403
    assert (await api.delete('/organizations/invites/not-a-uuid', headers=ana.headers)).status_code == 422


async def test_the_invite_link_shows_what_is_offered(api, register, operator):
    ana = await register('Ana Souza')
    created = (await invite(api, ana, 'dora@example.com', role='viewer', message='Join our sales team!')).json()
    token = await operator.invite_token(created['id'])

    response = await api.get(f'/invites/{token}')

    assert response.status_code == 200
    body = response.json()
    assert set(body) == LINK_FIELDS
    assert (body['organization_name'], body['organization_slug']) == (
        "Ana Souza's Organization",
        ana.organization['slug'],
    )
    assert (body['invited_by_name'], body['role'], body['invited_email']) == ('Ana Souza', 'viewer', 'dora@example.com')
    assert (body['message'], body['is_expired']) == ('Join our sales team!', False)
    assert body['expires_at'] == created['expires_at']


async def test_an_unknown_invite_link_is_not_found(api):
    for method, path, body in [
        ('GET', '/invites/no-such-token', None),
        ('POST', '/invites/no-such-token/accept', {'token': 'no-such-token'}),
        ('POST', '/invites/no-such-token/reject', {'token': 'no-such-token'}),
    ]:
        response = await api.request(method, path, json=body)
        assert (response.status_code, response.json()) == (
            404,
            {'detail': 'Invalid or expired invite', 'code': 'invite_invalid'},
        ), path


async def test_the_body_token_must_match_the_link(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    token = await operator.invite_token((await invite(api, ana, dora.email)).json()['id'])

    for action in ('accept', 'reject'):
        response = await api.post(f'/invites/{token}/{action}', headers=dora.bearer, json={'token': 'other-token'})
        assert (response.status_code, response.json()) == (
            400,
            {'detail': 'Token mismatch', 'code': 'invite_token_mismatch'},
        )
    assert (await api.get(f'/invites/{token}')).status_code == 200


async def test_only_the_invited_person_can_accept(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    eve = await register('Eve Lopes')
    token = await operator.invite_token((await invite(api, ana, dora.email)).json()['id'])

    response = await api.post(f'/invites/{token}/accept', headers=eve.bearer, json={'token': token})

    assert response.status_code == 403
    assert (await api.get('/users/me/organizations', headers=eve.bearer)).json()[0]['id'] == eve.org_id
    assert (await api.get(f'/invites/{token}')).status_code == 200


async def test_accepting_joins_the_organization_with_the_invited_role(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    token = await operator.invite_token((await invite(api, ana, dora.email.upper(), role='viewer')).json()['id'])

    response = await api.post(f'/invites/{token}/accept', headers=dora.bearer, json={'token': token})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {'message', 'organization_id', 'role'}
    assert (body['organization_id'], body['role']) == (ana.org_id, 'viewer')
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert {m['user_id']: m['role'] for m in members} == {ana.user_id: 'owner', dora.user_id: 'viewer'}
    organizations = (await api.get('/users/me/organizations', headers=dora.bearer)).json()
    assert {o['id'] for o in organizations} == {dora.org_id, ana.org_id}
    listed = (await api.get('/organizations/invites', headers=ana.headers)).json()
    assert (listed[0]['status'], listed[0]['can_be_accepted']) == ('accepted', False)


async def test_an_invite_link_works_once(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    token = await operator.invite_token((await invite(api, ana, dora.email)).json()['id'])
    assert (await api.post(f'/invites/{token}/accept', headers=dora.bearer, json={'token': token})).status_code == 200

    again = await api.post(f'/invites/{token}/accept', headers=dora.bearer, json={'token': token})
    shown = await api.get(f'/invites/{token}')

    assert (again.status_code, again.json()) == (404, {'detail': 'Invalid or expired invite', 'code': 'invite_invalid'})
    assert shown.status_code == 404


async def test_accepting_without_signing_in_uses_the_invited_account(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    token = await operator.invite_token((await invite(api, ana, dora.email)).json()['id'])

    response = await api.post(f'/invites/{token}/accept', json={'token': token})

    assert response.status_code == 200
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert dora.user_id in {m['user_id'] for m in members}


async def test_rejecting_an_invite(api, register, operator):
    ana = await register('Ana Souza')
    token = await operator.invite_token((await invite(api, ana, 'dora@example.com')).json()['id'])

    response = await api.post(f'/invites/{token}/reject', json={'token': token, 'reason': 'Not now, thanks'})

    assert response.status_code == 200
    assert isinstance(response.json()['message'], str)
    assert (await api.get(f'/invites/{token}')).status_code == 404
    assert (await api.post(f'/invites/{token}/accept', json={'token': token})).status_code == 404
    listed = (await api.get('/organizations/invites', headers=ana.headers)).json()
    assert (listed[0]['status'], listed[0]['is_pending']) == ('rejected', False)
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert [m['user_id'] for m in members] == [ana.user_id]


async def test_an_expired_invite_can_be_seen_but_not_accepted(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    created = (await invite(api, ana, dora.email)).json()
    token = await operator.invite_token(created['id'])
    await operator.expire_invite(created['id'])

    shown = await api.get(f'/invites/{token}')
    accepted = await api.post(f'/invites/{token}/accept', headers=dora.bearer, json={'token': token})

    assert (shown.status_code, shown.json()['is_expired']) == (200, True)
    assert accepted.status_code == 400 and isinstance(accepted.json()['detail'], str)
    assert (await api.post(f'/invites/{token}/reject', json={'token': token})).status_code == 400
    listed = (await api.get('/organizations/invites', headers=ana.headers)).json()
    assert (listed[0]['status'], listed[0]['is_expired'], listed[0]['can_be_accepted']) == ('expired', True, False)
    assert [m['user_id'] for m in (await api.get('/organizations/members', headers=ana.headers)).json()] == [
        ana.user_id
    ]
    assert (await invite(api, ana, dora.email)).status_code == 201  # an expired invite does not block a new one


async def test_a_removed_member_can_be_invited_back(api, register, join, operator):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='admin')
    await api.delete(f'/organizations/members/{bruno.user_id}', headers=ana.headers)

    token = await operator.invite_token((await invite(api, ana, bruno.email, role='viewer')).json()['id'])
    response = await api.post(f'/invites/{token}/accept', headers=bruno.bearer, json={'token': token})

    assert (response.status_code, response.json()['role']) == (200, 'viewer')
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert {m['user_id']: m['role'] for m in members}[bruno.user_id] == 'viewer'
    assert (await api.get('/organizations/current', headers=bruno.headers)).status_code == 200


async def test_a_signed_out_token_cannot_accept_an_invite(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    token = await operator.invite_token((await invite(api, ana, dora.email)).json()['id'])
    await api.post('/auth/logout', headers=dora.bearer)

    response = await api.post(f'/invites/{token}/accept', headers=dora.bearer, json={'token': token})

    assert (response.status_code, response.json()) == (
        401,
        {'detail': 'Unauthorized - invalid token', 'code': 'session_invalid'},
    )
    assert (await api.get(f'/invites/{token}')).status_code == 200


async def test_a_double_click_on_accept_joins_once(api, register, operator):
    ana = await register('Ana Souza')
    dora = await register('Dora Melo')
    token = await operator.invite_token((await invite(api, ana, dora.email)).json()['id'])

    responses = await asyncio.gather(
        *(api.post(f'/invites/{token}/accept', headers=dora.bearer, json={'token': token}) for _ in range(2))
    )

    assert sorted(r.status_code for r in responses) == [200, 404]
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert sorted(m['role'] for m in members) == ['member', 'owner']


async def test_two_managers_inviting_one_person_at_once_send_one_invite(api, register):
    ana = await register('Ana Souza')

    responses = await asyncio.gather(*(invite(api, ana, 'dora@example.com') for _ in range(2)))

    assert sorted(r.status_code for r in responses) == [201, 409]
    assert len((await api.get('/organizations/invites', headers=ana.headers)).json()) == 1
