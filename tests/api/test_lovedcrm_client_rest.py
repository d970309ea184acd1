"""LovedCRM's own web client against our REST API (issue 15, API-CONTRACT §8): each call with the body it sends.

The client is paulohenriquevn/lovedcrm (Next.js). Its ``services/base.ts`` strips nothing but ``/api`` (a rewrite),
sends ``Authorization`` + ``X-Org-Id`` on organization paths and shows an error's ``detail`` as the message
(``new Error(errorData.detail || errorData.message)``, base.ts:179), so a refusal it can meet must carry a
string ``detail``. Each body below quotes the client file and line it was taken from.
"""

import re
import uuid

import httpx
import pytest
from accounts import PASSWORD
from mail_inbox import SmtpInbox
from waiting import until

NEW_PASSWORD = 'Newpass123'


def refusal(response: httpx.Response, status: int, code: str) -> str:
    """The ``detail`` of a refusal, which must be a sentence the client can show (not a list)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body['code'] == code
    assert isinstance(body['detail'], str) and body['detail']
    return str(body['detail'])


async def roles(api, owner) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """User id → role, as the team page lists them."""
    members = (await api.get('/organizations/members', headers=owner.headers)).json()
    return {m['user_id']: m['role'] for m in members}


# ----- invites: the form always sends message and invited_name, "" when left empty -------------------------------


async def test_an_invite_made_through_the_api_is_mailed_with_its_link(api_with, register):
    """LovedCRM's client never sees an invite's token: with SMTP set up the server mails the link itself."""
    inbox = await SmtpInbox().start()
    try:
        client = await api_with(
            smtp_host='127.0.0.1', smtp_port=inbox.port, smtp_starttls=False, smtp_from='crm@example.com'
        )
        ana = await register('Ana Souza')
        body = {'email': 'bruno@example.com', 'role': 'member', 'message': 'Bem-vindo!', 'invited_name': ''}

        response = await client.post('/organizations/invites', headers=ana.headers, json=body)

        assert response.status_code == 201, response.text
        await until(lambda: len(inbox.messages) == 1, 'the invite e-mail arrives')
        [letter] = inbox.messages
        text = letter.get_content()
        assert letter['To'] == 'bruno@example.com'
        assert 'Ana Souza' in letter['Subject'] or 'Ana Souza' in text
        assert 'Bem-vindo!' in text
        token = re.search(r'http://testserver/invite/([A-Za-z0-9_-]+)', text)
        assert token, text
        shown = await client.get(f'/invites/{token.group(1)}')
        assert shown.status_code == 200 and shown.json()['invited_email'] == 'bruno@example.com'
    finally:
        await inbox.stop()


@pytest.mark.parametrize('blank', ['', '   ', '\n\t'])
async def test_an_invite_left_without_message_or_name_is_sent(api, register, blank):
    ana = await register('Ana Souza')
    # hooks/use-invite-form.ts:31-37 (INITIAL_FORM_DATA) and :62-70 (sanitizeFormData trims, '' stays '')
    body = {'email': 'bruno@example.com', 'role': 'member', 'message': blank, 'invited_name': blank}

    response = await api.post('/organizations/invites', headers=ana.headers, json=body)

    assert response.status_code == 201, response.text
    invite = response.json()
    assert (invite['email'], invite['message'], invite['invited_name']) == ('bruno@example.com', None, None)
    listed = (await api.get('/organizations/invites', headers=ana.headers)).json()
    assert [(i['email'], i['message']) for i in listed] == [('bruno@example.com', None)]


async def test_a_written_invite_message_still_keeps_its_rules(api, register):
    ana = await register('Ana Souza')
    written = {'email': 'bruno@example.com', 'role': 'member', 'message': 'Venha para o time!', 'invited_name': 'Bruno'}
    too_short = {'email': 'carla@example.com', 'role': 'member', 'message': 'Oi!', 'invited_name': ''}

    sent = await api.post('/organizations/invites', headers=ana.headers, json=written)
    refused = await api.post('/organizations/invites', headers=ana.headers, json=too_short)

    assert sent.status_code == 201, sent.text
    assert (sent.json()['message'], sent.json()['invited_name']) == ('Venha para o time!', 'Bruno')
    assert refused.status_code == 422
    assert [error['loc'] for error in refused.json()['detail']] == [['body', 'message']]


async def test_invite_refusals_the_client_shows_are_sentences(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')
    body = {'email': 'carla@example.com', 'role': 'admin', 'message': '', 'invited_name': ''}

    response = await api.post('/organizations/invites', headers=bia.headers, json=body)

    # shown as the toast's text by hooks/use-invite-actions.ts:40 (error_.message)
    assert refusal(response, 403, 'invite_admin_owner_only') == 'Only owners can invite admins'


# ----- PUT /users/me/password (the settings page's "Alterar senha") ------------------------------------------------


def settings_password_body(current: str, new: str, confirm: str | None = None) -> dict[str, str]:
    """services/settings.ts:33-38 (updatePassword): the confirmation is the new password again."""
    return {'current_password': current, 'new_password': new, 'confirm_password': new if confirm is None else confirm}


async def test_changing_the_password_from_the_settings_page_keeps_this_login(api, register, login):
    ana = await register('Ana Souza')
    elsewhere = await login(ana.email)  # the same person signed in on another device

    response = await api.put(
        '/users/me/password', headers=ana.headers, json=settings_password_body(PASSWORD, NEW_PASSWORD)
    )

    assert response.status_code == 204, response.text  # as LovedCRM's backend: the client reads nothing back
    new_login = await api.post('/auth/login', json={'email': ana.email, 'password': NEW_PASSWORD})
    old_login = await api.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})
    assert (new_login.status_code, old_login.status_code) == (200, 401)
    # the client keeps using the tokens it has: this login stays signed in and can still refresh…
    assert (await api.get('/users/me', headers=ana.headers)).status_code == 200
    refreshed = await api.post('/auth/refresh', json={'refresh_token': ana.refresh_token})
    assert refreshed.status_code == 200, refreshed.text
    # …while every other session of the account ends
    assert (await api.get('/users/me', headers=elsewhere.headers)).json()['code'] == 'session_invalid'


async def test_the_older_two_field_body_changes_the_password_too(api, register):
    ana = await register('Ana Souza')
    # services/users.ts:47-51 (changePassword): no confirmation
    body = {'current_password': PASSWORD, 'new_password': NEW_PASSWORD}

    response = await api.put('/users/me/password', headers=ana.headers, json=body)

    assert response.status_code == 204, response.text
    assert (await api.post('/auth/login', json={'email': ana.email, 'password': NEW_PASSWORD})).status_code == 200


async def test_a_differing_confirmation_changes_nothing(api, register):
    ana = await register('Ana Souza')
    body = settings_password_body(PASSWORD, NEW_PASSWORD, confirm='Newpass124')

    response = await api.put('/users/me/password', headers=ana.headers, json=body)

    assert refusal(response, 422, 'password_confirmation_mismatch') == 'New password and confirmation do not match'
    assert (await api.get('/users/me', headers=ana.headers)).status_code == 200  # still signed in
    assert (await api.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})).status_code == 200


@pytest.mark.parametrize(
    ('current', 'new', 'status', 'code'),
    [
        ('Wrong1234', NEW_PASSWORD, 400, 'current_password_wrong'),
        (PASSWORD, 'short1A', 422, 'password_too_short'),
        (PASSWORD, 'nodigitsHere', 422, 'password_needs_digit'),
    ],
)
async def test_password_refusals_are_those_of_change_password(api, register, current, new, status, code):
    ana = await register('Ana Souza')

    response = await api.put('/users/me/password', headers=ana.headers, json=settings_password_body(current, new))

    refusal(response, status, code)
    assert (await api.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})).status_code == 200


async def test_password_guesses_through_the_settings_page_share_the_sign_in_budget(api_with, register):
    ana = await register('Ana Souza')
    client = await api_with(login_max_failures=3)
    wrong = settings_password_body('Wrong1234', NEW_PASSWORD)

    statuses = [(await client.put('/users/me/password', headers=ana.headers, json=wrong)).status_code for _ in range(4)]
    right = await client.put(
        '/users/me/password', headers=ana.headers, json=settings_password_body(PASSWORD, NEW_PASSWORD)
    )
    login = await client.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})

    assert statuses == [400, 400, 400, 429]
    refusal(right, 429, 'password_check_rate_limited')  # the right password is not even checked meanwhile
    assert login.status_code == 429


# ----- role changes: PATCH with an object or a bare string, and LovedCRM's backend form ----------------------------


async def test_the_team_page_changes_a_role_with_a_bare_string(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')

    # app/[locale]/admin/team/hooks/useTeamActions.ts:57 passes the role itself as the body of
    # services/members.ts:55-57 (patch → JSON.stringify('admin'))
    response = await api.patch(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json='admin')

    assert response.status_code == 200, response.text
    assert (response.json()['user_id'], response.json()['role']) == (bruno.user_id, 'admin')
    assert (await roles(api, ana))[bruno.user_id] == 'admin'


async def test_the_organization_page_changes_a_role_with_an_object(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='admin')

    # app/containers/organizations/hooks/useOrganizationHandlers.ts:122 → services/members.ts:55-57
    response = await api.patch(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json={'role': 'member'})

    assert response.status_code == 200, response.text
    assert (await roles(api, ana))[bruno.user_id] == 'member'


async def test_lovedcrm_s_backend_form_changes_a_role(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')

    # LovedCRM's api/routers/organizations.py:206 (PUT /members/{user_id}/role, new_role as a query parameter)
    response = await api.put(f'/organizations/members/{bruno.user_id}/role?new_role=viewer', headers=ana.headers)

    assert response.status_code == 200, response.text
    assert (await roles(api, ana))[bruno.user_id] == 'viewer'


@pytest.mark.parametrize(
    'send',
    [
        lambda api, who, headers: api.patch(f'/organizations/members/{who}', headers=headers, json='admin'),
        lambda api, who, headers: api.patch(f'/organizations/members/{who}', headers=headers, json={'role': 'admin'}),
        lambda api, who, headers: api.put(
            f'/organizations/members/{who}/role', headers=headers, params={'new_role': 'admin'}
        ),
    ],
    ids=['patch-string', 'patch-object', 'put-role'],
)
async def test_every_form_keeps_the_rule_that_admins_cannot_make_admins(api, register, join, send):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')
    bruno = await join(ana, role='member')

    response = await send(api, bruno.user_id, bia.headers)

    assert refusal(response, 403, 'admin_role_owner_only') == 'Only owners can make someone an admin'
    assert (await roles(api, ana))[bruno.user_id] == 'member'


async def test_every_form_keeps_the_last_owner(api, register):
    ana = await register('Ana Souza')

    by_string = await api.patch(f'/organizations/members/{ana.user_id}', headers=ana.headers, json='member')
    by_query = await api.put(f'/organizations/members/{ana.user_id}/role?new_role=member', headers=ana.headers)

    refusal(by_string, 400, 'last_owner_demote')
    refusal(by_query, 400, 'last_owner_demote')
    assert (await roles(api, ana))[ana.user_id] == 'owner'


@pytest.mark.parametrize('body', ['boss', {'role': 'boss'}, 42, None])
async def test_a_role_that_does_not_exist_is_refused(api, register, join, body):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')

    response = await api.patch(f'/organizations/members/{bruno.user_id}', headers=ana.headers, json=body)
    by_query = await api.put(f'/organizations/members/{bruno.user_id}/role?new_role=boss', headers=ana.headers)

    assert (response.status_code, response.json()['code']) == (422, 'validation_error')
    assert (by_query.status_code, by_query.json()['code']) == (422, 'validation_error')
    assert (await roles(api, ana))[bruno.user_id] == 'member'


async def test_a_role_change_in_another_organization_finds_nobody(api, register):
    ana, carla = await register('Ana Souza'), await register('Carla Dias')

    response = await api.patch(f'/organizations/members/{carla.user_id}', headers=ana.headers, json='viewer')

    refusal(response, 404, 'member_not_found')
    assert (await roles(api, carla))[carla.user_id] == 'owner'


# ----- GET /members/stats (every page's header: "N membros") ------------------------------------------------------


async def test_member_stats_count_the_team_by_role(api, register, join, operator):
    ana = await register('Ana Souza')
    await join(ana, role='admin', name='Bia Reis')
    await join(ana, role='member', name='Bruno Lima')
    carla = await join(ana, role='viewer', name='Carla Dias')
    gone = await join(ana, role='member', name='Davi Rocha')
    await api.delete(f'/organizations/members/{gone.user_id}', headers=ana.headers)
    await operator.deactivate_user(carla.user_id)  # still a member, with a disabled account
    invite = {'email': 'eva@example.com', 'role': 'member', 'message': '', 'invited_name': ''}
    await api.post('/organizations/invites', headers=ana.headers, json=invite)
    expired = await api.post(
        '/organizations/invites', headers=ana.headers, json={**invite, 'email': 'fabio@example.com'}
    )
    await operator.expire_invite(expired.json()['id'])
    other = await register('Gil Souto')  # another organization's team and invites count for it only
    await api.post('/organizations/invites', headers=other.headers, json={**invite, 'email': 'hana@example.com'})

    # hooks/use-member-count.ts:34 → services/members.ts:90-91 (GET /api/members/stats, X-Org-Id by base.ts:14-21)
    response = await api.get('/members/stats', headers=ana.headers)

    assert response.status_code == 200, response.text
    assert response.json() == {
        'total': 4,
        'active': 3,
        'pending_invites': 1,
        'by_role': {'owners': 1, 'admins': 1, 'members': 1, 'viewers': 1},
    }
    assert (await api.get('/members/stats', headers=other.headers)).json() == {
        'total': 1,
        'active': 1,
        'pending_invites': 1,
        'by_role': {'owners': 1, 'admins': 0, 'members': 0, 'viewers': 0},
    }


async def test_member_stats_are_for_members_of_the_organization_only(api, register):
    ana, carla = await register('Ana Souza'), await register('Carla Dias')

    no_token = await api.get('/members/stats', headers={'X-Org-Id': ana.org_id, 'Accept': 'text/html'})
    aimed_elsewhere = await api.get('/members/stats', headers={**carla.headers, 'X-Org-Id': ana.org_id})

    refusal(no_token, 403, 'authorization_missing')  # JSON even for a browser asking for HTML
    refusal(aimed_elsewhere, 403, 'organization_mismatch')


# ----- organizations carry owner_id (the client decides "is owner" by it) ------------------------------------------


async def test_every_organization_object_names_its_owner(api, register, login, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')
    signed_in = await login(ana.email)

    # components/providers/org-provider.tsx:43 and hooks/use-org-context.ts:36: organization.owner_id === user.id
    current = (await api.get('/organizations/current', headers=bruno.headers)).json()
    mine = (await api.get('/users/me/organizations', headers=bruno.bearer)).json()
    switched = await api.post('/auth/switch-organization', headers=bruno.bearer, json={'organization_id': ana.org_id})

    assert ana.organization['owner_id'] == ana.user_id  # registration
    assert signed_in.organization['owner_id'] == ana.user_id  # login
    assert current['owner_id'] == ana.user_id
    owners = {org['id']: org['owner_id'] for org in mine}  # Ana's organization, and the one Bruno registered with
    assert owners[ana.org_id] == ana.user_id and sorted(owners.values()) == sorted([ana.user_id, bruno.user_id])
    assert switched.json()['organization']['owner_id'] == ana.user_id


# ----- leads: the camelCase names the lead forms send --------------------------------------------------------------


def created_lead_body(**fields: object) -> dict[str, object]:
    """components/crm/lead-create-logic.tsx:41-51 (prepareLeadData): ``estimatedValue`` in camelCase."""
    return {
        'name': 'Padaria Estrela',
        'phone': '+55 11 99999-0000',
        'stage': 'contato',
        'source': 'Website',
        'estimatedValue': 5000,
        'tags': ['padaria'],
        'notes': 'Ligou pedindo orçamento',
        **fields,
    }


async def test_a_lead_created_by_the_client_keeps_its_value(api, register):
    ana = await register('Ana Souza')

    response = await api.post('/crm/leads', headers=ana.headers, json=created_lead_body())

    assert response.status_code == 201, response.text
    lead = response.json()
    assert (lead['estimated_value'], lead['stage'], lead['source']) == ('5000.00', 'contato', 'Website')
    assert 'estimatedValue' not in lead  # answers stay snake_case


async def test_a_lead_edited_by_the_client_keeps_its_new_value(api, register):
    ana = await register('Ana Souza')
    lead = (await api.post('/crm/leads', headers=ana.headers, json=created_lead_body())).json()

    # components/crm/lead-edit-logic.tsx:78-79 (buildMetadataFields): updates.estimatedValue = data.estimatedValue
    response = await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'estimatedValue': 7500.5})

    assert response.status_code == 200, response.text
    assert response.json()['estimated_value'] == '7500.50'
    stored = (await api.get(f'/crm/leads/{lead["id"]}', headers=ana.headers)).json()
    assert (stored['estimated_value'], stored['name'], stored['notes']) == ('7500.50', lead['name'], lead['notes'])


async def test_every_two_word_lead_field_is_accepted_in_camel_case(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')
    lead = (
        await api.post('/crm/leads', headers=ana.headers, json=created_lead_body(assignedUserId=bruno.user_id))
    ).json()
    assert lead['assigned_user_id'] == bruno.user_id

    changes = {'assignedUserId': ana.user_id, 'isFavorite': True, 'expectedVersion': lead['version']}
    updated = await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json=changes)
    stale = await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'expectedVersion': lead['version']})
    stranger = await api.put(
        f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'assignedUserId': str(uuid.uuid4())}
    )

    assert updated.status_code == 200, updated.text
    assert (updated.json()['assigned_user_id'], updated.json()['is_favorite']) == (ana.user_id, True)
    assert (stale.status_code, stale.json()['code']) == (409, 'version_conflict')
    refusal(stranger, 422, 'assignee_not_member')


async def test_snake_case_wins_when_both_spellings_are_sent(api, register):
    ana = await register('Ana Souza')

    created = await api.post(
        '/crm/leads', headers=ana.headers, json=created_lead_body(estimatedValue=1, estimated_value='2.50')
    )
    lead = created.json()
    updated = await api.put(
        f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'estimated_value': None, 'estimatedValue': 9}
    )

    assert lead['estimated_value'] == '2.50'
    assert updated.json()['estimated_value'] is None


async def test_a_bad_camel_case_value_is_refused_under_the_field_s_name(api, register):
    ana = await register('Ana Souza')

    response = await api.post('/crm/leads', headers=ana.headers, json=created_lead_body(estimatedValue=-5))

    assert response.status_code == 422
    assert [(e['loc'], e['type']) for e in response.json()['detail']] == [
        (['body', 'estimated_value'], 'greater_than_equal')
    ]


async def test_the_openapi_schema_names_lead_fields_once(api):
    schemas = (await api.get('/openapi.json')).json()['components']['schemas']

    for model in ('LeadCreate', 'LeadUpdate'):
        names = set(schemas[model]['properties'])
        assert 'estimated_value' in names and not {n for n in names if n != n.lower()}, names
        assert 'snake_case wins' in schemas[model]['description']


# ----- billing: the one self-hosted plan, in the billing page's shapes ---------------------------------------------

PLAN_KEYS = {'id', 'name', 'slug', 'price_cents', 'features', 'is_active', 'created_at', 'updated_at'}
CLIENT_FEATURES = {  # hooks/use-features.ts:34-45, the keys its pages gate on
    'user_management',
    'basic_dashboard',
    'advanced_reports',
    'analytics',
    'priority_support',
    'api_access',
    'team_collaboration',
    'custom_integrations',
    'white_label',
    'audit_logs',
}


async def test_the_plans_on_offer_are_public(api):
    # services/billing.ts:29: GET /api/billing/available-plans with skipAuth (no Authorization, no X-Org-Id)
    response = await api.get('/billing/available-plans')

    assert response.status_code == 200, response.text
    [plan] = response.json()
    assert set(plan) == PLAN_KEYS
    assert (plan['slug'], plan['price_cents'], plan['is_active']) == ('self-hosted', 0, True)
    assert set(plan['features']) == CLIENT_FEATURES


async def test_the_billing_page_reads_the_organization_s_plan(api, register):
    ana = await register('Ana Souza')
    plan = (await api.get('/billing/available-plans')).json()[0]

    # stores/billing.ts:97, :139, :160 → services/billing.ts:41, :53, :65 (X-Org-Id by base.ts:14-21)
    current = await api.get('/billing/current-plan', headers=ana.headers)
    features = await api.get('/billing/features', headers=ana.headers)
    comparison = await api.get('/billing/plan-comparison', headers=ana.headers)

    assert current.status_code == features.status_code == comparison.status_code == 200
    subscription = current.json()
    assert subscription['plan'] == plan
    assert (subscription['organization_id'], subscription['is_active']) == (ana.org_id, True)
    assert (subscription['stripe_subscription_id'], subscription['stripe_customer_id']) == (None, None)
    assert subscription['created_at'] == ana.organization['created_at']
    assert features.json() == {
        'organization_id': ana.org_id,
        'features': plan['features'],
        'plan_name': plan['name'],
        'plan_slug': 'self-hosted',
    }
    assert comparison.json() == {
        'plans': [plan],
        'current_plan_slug': 'self-hosted',
        'upgrade_available': False,
        'downgrade_available': False,
    }


async def test_each_organization_has_its_own_subscription(api, register):
    ana, carla = await register('Ana Souza'), await register('Carla Dias')

    first = (await api.get('/billing/current-plan', headers=ana.headers)).json()
    again = (await api.get('/billing/current-plan', headers=ana.headers)).json()
    other = (await api.get('/billing/current-plan', headers=carla.headers)).json()

    assert first == again
    assert first['id'] != other['id'] and other['organization_id'] == carla.org_id


@pytest.mark.parametrize('path', ['/billing/current-plan', '/billing/features', '/billing/plan-comparison'])
async def test_the_organization_s_billing_needs_the_organization(api, register, path):
    ana, carla = await register('Ana Souza'), await register('Carla Dias')

    refusal(await api.get(path), 403, 'authorization_missing')
    refusal(await api.get(path, headers=ana.bearer), 400, 'org_header_missing')
    refusal(await api.get(path, headers={**carla.headers, 'X-Org-Id': ana.org_id}), 403, 'organization_mismatch')


@pytest.mark.parametrize(
    ('method', 'path', 'body'),
    [
        ('POST', '/billing/upgrade', {'plan_slug': 'expert'}),  # services/billing.ts:77-78
        ('POST', '/billing/downgrade', {'confirm': True, 'reason': 'User requested downgrade'}),  # :92-97
        ('GET', '/billing/invoices', None),
        ('GET', '/billing/available-plans/extra', None),
    ],
)
async def test_other_billing_paths_are_guarded_then_not_found(api, register, method, path, body):
    ana = await register('Ana Souza')

    signed_out = await api.request(method, path, json=body)
    signed_in = await api.request(method, path, headers=ana.headers, json=body)

    refusal(signed_out, 403, 'authorization_missing')
    assert (signed_in.status_code, signed_in.json()) == (404, {'detail': 'Not Found', 'code': 'not_found'})


# ----- the profile form's languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(('sent', 'stored'), [('en-US', 'en'), ('pt-BR', 'pt-BR'), ('pt', 'pt-BR'), ('en_GB', 'en')])
async def test_the_profile_form_s_regional_language_tags_are_taken(api, register, sent, stored):
    ana = await register('Ana Souza')
    # components/settings/ProfileForm.tsx:31-35 offers 'pt-BR', 'en-US' and 'es-ES'

    response = await api.put('/users/me', headers=ana.headers, json={'language': sent})

    assert response.status_code == 200, response.text
    assert response.json()['language'] == stored


async def test_a_language_we_do_not_speak_is_still_refused(api, register):
    ana = await register('Ana Souza')

    response = await api.put('/users/me', headers=ana.headers, json={'language': 'es-ES'})

    assert (response.status_code, response.json()['code']) == (422, 'validation_error')


# ----- the pipeline's Metrics tab and the advanced metrics service -------------------------------------------------


async def test_the_metrics_tab_reads_numbers_it_can_format(api, register):
    """The Métricas tab calls ``GET /crm/leads/pipeline/metrics`` without parameters (pipeline-metrics-hooks.tsx) and
    formats ``total_pipeline_value``/``closed_pipeline_value`` as numbers and each stage time with ``toFixed()``."""
    ana = await register('Ana Souza')
    for name, value in (('Acme', '1000.50'), ('Beta', '250')):
        created = await api.post('/crm/leads', headers=ana.headers, json={'name': name, 'estimatedValue': value})
        assert created.status_code == 201
    lead_id = created.json()['id']
    moved = await api.put(f'/crm/leads/{lead_id}/stage', headers=ana.headers, json={'stage': 'fechado'})
    assert moved.status_code == 200

    body = (await api.get('/crm/leads/pipeline/metrics', headers=ana.headers)).json()

    assert (body['total_pipeline_value'], body['closed_pipeline_value']) == (1250.5, 250.0)
    assert (body['total_leads'], body['conversion_rate']) == (2, 50.0)
    assert set(body['average_stage_times']) == {'lead', 'contato', 'proposta', 'negociacao', 'fechado'}
    assert all(isinstance(days, int | float) for days in body['average_stage_times'].values())


async def test_the_advanced_metrics_request_the_client_builds_is_answered(api, register):
    """``getPipelineAdvancedMetrics`` (services/crm-leads.ts) sends camelCase names and repeats list parameters."""
    ana = await register('Ana Souza')
    for name, value, source in (('Acme', '1000', 'site'), ('Beta', '50', 'evento'), ('Gama', '700', 'site')):
        body = {'name': name, 'estimated_value': value, 'source': source, 'stage': 'proposta'}
        assert (await api.post('/crm/leads', headers=ana.headers, json=body)).status_code == 201
    query = (
        f'assignedUsers={ana.user_id}&endDate=2099-12-31&sources=site&sources=evento&stages=proposta'
        '&stages=negociacao&startDate=2020-01-01&valueMax=900&valueMin=100'
    )
    unassigned = (await api.get(f'/crm/leads/metrics/advanced?{query}', headers=ana.headers)).json()
    assert unassigned['executive_summary']['total_pipeline_value'] == 0  # nobody was assigned these leads

    query = query.replace(f'assignedUsers={ana.user_id}&', '')
    answer = await api.get(f'/crm/leads/metrics/advanced?{query}', headers=ana.headers)
    assert answer.status_code == 200, answer.text
    summary = answer.json()['executive_summary']
    assert summary['total_pipeline_value'] == 700.0  # Gama only: Acme is over valueMax, Beta under valueMin
    distribution = {item['stage']: item['count'] for item in answer.json()['stage_distribution']}
    assert distribution['proposta'] == 1
