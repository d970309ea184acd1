"""Signing up and signing in (API-CONTRACT §1): what a LovedCRM client sends and receives."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from accounts import PASSWORD

USER_FIELDS = {
    'id', 'email', 'full_name', 'bio', 'location', 'phone', 'timezone', 'language', 'density', 'theme',
    'is_active', 'is_verified', 'is_superuser', 'created_at', 'updated_at', 'last_login',
}  # fmt: skip
ORGANIZATION_FIELDS = {
    'id', 'name', 'slug', 'description', 'website', 'is_active', 'created_at', 'updated_at', 'owner_id',
}  # fmt: skip


def signup(email: str, password: str = PASSWORD, **extra: object) -> dict[str, object]:
    """A registration form as the LovedCRM web client fills it."""
    return {'email': email, 'password': password, 'full_name': 'Ana Souza', 'terms_accepted': True, **extra}


def recent(timestamp: str) -> bool:
    """An ISO 8601 timestamp with a zone, within the last minute."""
    moment = datetime.fromisoformat(timestamp)
    return moment.tzinfo is not None and datetime.now(UTC) - moment < timedelta(minutes=1)


async def test_registration_returns_the_user_the_organization_and_a_token_pair(api):
    response = await api.post('/auth/register', json=signup('Ana.Souza@Example.com'))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {'user', 'organization', 'access_token', 'refresh_token', 'token_type'}
    assert body['token_type'] == 'bearer'
    assert body['access_token'].count('.') == 2 and body['refresh_token'].count('.') == 2
    user, organization = body['user'], body['organization']
    assert set(user) == USER_FIELDS
    assert user['email'] == 'ana.souza@example.com'
    assert user['full_name'] == 'Ana Souza'
    assert (user['bio'], user['location'], user['phone']) == (None, None, None)
    assert (user['timezone'], user['language']) == ('UTC', 'en')
    assert (user['is_active'], user['is_verified'], user['is_superuser']) == (True, True, False)
    assert recent(user['created_at']) and recent(user['updated_at'])
    assert set(organization) == ORGANIZATION_FIELDS
    assert organization['name'] == "Ana Souza's Organization"
    assert organization['slug']
    assert (organization['description'], organization['website'], organization['is_active']) == (None, None, True)
    assert recent(organization['created_at'])
    assert 'password' not in response.text and '$argon2' not in response.text


async def test_the_new_user_owns_the_new_organization(api, register):
    ana = await register('Ana Souza')

    members = (await api.get('/organizations/members', headers=ana.headers)).json()

    assert [(m['user_id'], m['role']) for m in members] == [(ana.user_id, 'owner')]
    assert (await api.get('/organizations/current', headers=ana.headers)).json()['owner_id'] == ana.user_id


async def test_without_a_name_the_organization_is_named_after_the_email(api):
    response = await api.post('/auth/register', json=signup('carla.dias@example.com', full_name=None))

    assert response.status_code == 201
    assert response.json()['user']['full_name'] is None
    assert response.json()['organization']['name'] == "carla.dias's Organization"


async def test_two_people_with_the_same_name_get_distinct_slugs(api):
    first = await api.post('/auth/register', json=signup('ana1@example.com'))
    second = await api.post('/auth/register', json=signup('ana2@example.com'))

    assert first.json()['organization']['name'] == second.json()['organization']['name']
    assert first.json()['organization']['slug'] != second.json()['organization']['slug']


async def test_unknown_fields_such_as_confirm_password_are_ignored(api):
    response = await api.post('/auth/register', json=signup('dan@example.com', confirm_password=PASSWORD, plan='pro'))

    assert response.status_code == 201


async def test_the_name_is_trimmed(api):
    response = await api.post('/auth/register', json=signup('dan@example.com', full_name='  Dan Reis \t'))

    assert response.json()['user']['full_name'] == 'Dan Reis'
    assert response.json()['organization']['name'] == "Dan Reis's Organization"


MALFORMED_REGISTRATIONS = {
    'bad e-mail': {'email': 'not-an-email'},
    'local part over 64': {'email': f'{"a" * 65}@example.com'},
    'terms null': {'terms_accepted': None},
    'password over 128': {'password': 'Aa1' + 'x' * 126},
    'password empty': {'password': ''},
    'script tag': {'full_name': '<script>alert(1)</script>'},
    'javascript url': {'full_name': 'javascript:alert(1)'},
    'event handler': {'full_name': 'Ana onerror=alert(1)'},
    'blank name': {'full_name': '   '},
    'name over 255': {'full_name': 'x' * 256},
}


async def test_malformed_registrations_are_schema_errors(api):
    for case, form in MALFORMED_REGISTRATIONS.items():
        response = await api.post('/auth/register', json={**signup('eva@example.com'), **form})

        assert response.status_code == 422, case
        detail = response.json()['detail']
        assert isinstance(detail, list) and {'type', 'msg', 'loc', 'input'} <= set(detail[0]), case
    assert (await api.post('/auth/login', json={'email': 'eva@example.com', 'password': PASSWORD})).status_code == 401


async def test_terms_accepted_is_required(api):
    form = signup('eva@example.com')
    del form['terms_accepted']

    response = await api.post('/auth/register', json=form)

    assert response.status_code == 422
    assert response.json()['detail'][0]['loc'] == ['body', 'terms_accepted']


async def test_refusing_the_terms_is_a_bad_request_even_with_a_weak_password(api):
    response = await api.post('/auth/register', json=signup('eva@example.com', password='weak', terms_accepted=False))

    assert response.status_code == 400
    assert response.json() == {
        'detail': 'You must accept the terms and conditions to register',
        'code': 'terms_not_accepted',
    }


@pytest.mark.parametrize(
    ('password', 'detail'),
    [
        ('Ab1defg', 'Password must be at least 8 characters long'),
        ('Abcdefgh', 'Password must contain at least one digit'),
        ('abcdefg1', 'Password must contain at least one uppercase letter'),
        ('ABCDEFG1', 'Password must contain at least one lowercase letter'),
    ],
)
async def test_weak_passwords_are_refused_with_a_readable_reason(api, password, detail):
    response = await api.post('/auth/register', json=signup('eva@example.com', password=password))

    assert response.status_code == 422
    assert response.json()['detail'] == detail


async def test_an_email_can_only_register_once_whatever_its_case(api, register):
    ana = await register('Ana Souza', email='ana@example.com')

    for email in ('ana@example.com', 'ANA@Example.COM'):
        response = await api.post('/auth/register', json=signup(email))
        assert response.status_code == 400
        assert response.json() == {'detail': 'Email already exists', 'code': 'email_taken'}
    weak = await api.post('/auth/register', json=signup(ana.email, password='weak'))
    assert weak.status_code == 422  # the password policy is checked before the e-mail


async def test_concurrent_registrations_of_one_email_create_one_account(api):
    responses = await asyncio.gather(
        api.post('/auth/register', json=signup('twin@example.com')),
        api.post('/auth/register', json=signup('Twin@example.com')),
    )

    assert sorted(r.status_code for r in responses) == [201, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert refused.json() == {'detail': 'Email already exists', 'code': 'email_taken'}


async def test_concurrent_registrations_with_one_name_all_succeed(api):
    responses = await asyncio.gather(
        *(api.post('/auth/register', json=signup(f'ana{i}@example.com')) for i in range(4))
    )

    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()['organization']['slug'] for r in responses}) == 4


async def test_registrations_from_one_address_are_rate_limited(api_with):
    client = await api_with(register_max_per_hour=2)
    for i in range(2):
        assert (await client.post('/auth/register', json=signup(f'bulk{i}@example.com'))).status_code == 201

    response = await client.post('/auth/register', json=signup('bulk2@example.com'))

    assert response.status_code == 429
    assert int(response.headers['Retry-After']) > 0
    assert isinstance(response.json()['detail'], str)


async def test_login_accepts_the_email_in_any_case(api, register):
    ana = await register('Ana Souza', email='ana@example.com')

    response = await api.post('/auth/login', json={'email': 'ANA@example.COM', 'password': PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {'user', 'organization', 'access_token', 'refresh_token', 'token_type'}
    assert set(body['user']) == USER_FIELDS and set(body['organization']) == ORGANIZATION_FIELDS
    assert body['user']['id'] == ana.user_id
    assert body['organization']['id'] == ana.org_id
    assert body['token_type'] == 'bearer'
    assert recent(body['user']['last_login'])
    assert 'password' not in response.text


async def test_login_sets_http_only_cookies(api, register):
    ana = await register('Ana Souza')

    response = await api.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})

    cookies = {header.split('=', 1)[0]: header.lower() for header in response.headers.get_list('set-cookie')}
    assert set(cookies) == {'access_token', 'refresh_token'}
    assert all('httponly' in header for header in cookies.values())
    assert response.cookies['access_token'] == response.json()['access_token']
    assert response.cookies['refresh_token'] == response.json()['refresh_token']


async def test_wrong_credentials_are_indistinguishable(api, register, operator):
    ana = await register('Ana Souza')
    bruno = await register('Bruno Lima')
    await operator.deactivate_user(bruno.user_id)

    attempts = [
        {'email': ana.email, 'password': 'Wrong1234'},
        {'email': 'nobody@example.com', 'password': PASSWORD},
        {'email': bruno.email, 'password': PASSWORD},
    ]
    for attempt in attempts:
        response = await api.post('/auth/login', json=attempt)
        assert response.status_code == 401
        assert response.json() == {'detail': 'Invalid credentials', 'code': 'invalid_credentials'}


async def test_malformed_login_is_a_schema_error(api):
    for form in (
        {'email': 'not-an-email', 'password': PASSWORD},
        {'email': 'a@example.com'},
        {'password': PASSWORD},
        {},
    ):
        response = await api.post('/auth/login', json=form)

        assert response.status_code == 422, form
        assert isinstance(response.json()['detail'], list), form


async def test_login_lands_in_the_most_recently_used_organization(api, register, join, login):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')  # join() switches Bruno into Ana's organization

    again = await login(bruno.email)

    assert again.org_id == ana.org_id
    assert again.user_id == bruno.user_id
    organizations = (await api.get('/users/me/organizations', headers=again.bearer)).json()
    own = next(org['id'] for org in organizations if org['id'] != ana.org_id)
    back = await api.post('/auth/switch-organization', headers=again.bearer, json={'organization_id': own})
    assert back.status_code == 200
    assert (await login(bruno.email)).org_id == own


async def test_repeated_login_failures_lock_the_email_even_for_the_right_password(api_with, register):
    ana = await register('Ana Souza')
    client = await api_with(login_max_failures=3)
    for _ in range(3):
        response = await client.post('/auth/login', json={'email': ana.email, 'password': 'Wrong1234'})
        assert response.status_code == 401

    for password in ('Wrong1234', PASSWORD):
        response = await client.post('/auth/login', json={'email': ana.email.upper(), 'password': password})
        assert response.status_code == 429
        assert int(response.headers['Retry-After']) > 0
        assert isinstance(response.json()['detail'], str)


async def test_a_successful_login_clears_earlier_failures(api_with, register):
    ana = await register('Ana Souza')
    client = await api_with(login_max_failures=3)
    for _ in range(2):
        await client.post('/auth/login', json={'email': ana.email, 'password': 'Wrong1234'})
    assert (await client.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})).status_code == 200

    for _ in range(2):
        response = await client.post('/auth/login', json={'email': ana.email, 'password': 'Wrong1234'})
        assert response.status_code == 401
    assert (await client.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})).status_code == 200
