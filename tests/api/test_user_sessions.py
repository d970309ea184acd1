"""A user's own login sessions (API-CONTRACT §8): listed with device, address and last use; ended one or all others.

Paths and bodies as LovedCRM's web client sends them, services/settings.ts: ``getActiveSessions`` →
``GET /api/users/me/sessions``; ``revokeSession(id)`` → ``DELETE /api/users/me/sessions/${sessionId}``;
``revokeAllSessions`` → ``POST /api/users/me/sessions/revoke-all`` with no body (its ``/api`` prefix is
stripped by its proxy). It sends ``X-Org-Id`` with ``/api/users/me…`` when it has an organization
(services/base.ts, ``ORG_OPTIONAL_ENDPOINTS``). Its security page reads ``id``, ``device``, ``location``,
``last_active`` and ``current`` (components/settings/SecuritySettingsView.tsx, ``useActiveSessions``).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from waiting import until

from lovedcrm_ui.context import AppContext
from models import AuthSession

CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
SAFARI_IPHONE = (
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
    'Version/17.0 Mobile/15E148 Safari/604.1'
)
FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0'


def context_of(api) -> AppContext:  # type: ignore[no-untyped-def]
    return api._transport.app.state.ctx  # type: ignore[no-any-return]


@dataclass
class Device:
    """One signed-in client of a person: its tokens and the headers it sends."""

    access_token: str
    refresh_token: str
    org_id: str

    @property
    def bearer(self) -> dict[str, str]:
        return {'Authorization': f'Bearer {self.access_token}'}

    @property
    def headers(self) -> dict[str, str]:
        return {**self.bearer, 'X-Org-Id': self.org_id}


async def sign_in(api, account, user_agent: str) -> Device:  # type: ignore[no-untyped-def]
    """The same person signed in again from another device (a new session)."""
    response = await api.post(
        '/auth/login', json={'email': account.email, 'password': account.password}, headers={'User-Agent': user_agent}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Device(body['access_token'], body['refresh_token'], body['organization']['id'])


def sid(tokens, account) -> str:  # type: ignore[no-untyped-def]
    return str(tokens.claims(account.access_token)['sid'])


async def listed(api, account) -> list[dict]:  # type: ignore[no-untyped-def]
    response = await api.get('/users/me/sessions', headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def last_used(api, session_id: str) -> datetime:  # type: ignore[no-untyped-def]
    async with context_of(api).db.session(read_only=True) as session:
        value = await session.scalar(select(AuthSession.last_used_at).where(AuthSession.id == uuid.UUID(session_id)))
    assert value is not None
    return value


async def set_last_used(api, session_id: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    async with context_of(api).db.session() as session:
        await session.execute(
            update(AuthSession).where(AuthSession.id == uuid.UUID(session_id)).values(last_used_at=when)
        )
        await session.commit()


async def test_the_list_shows_every_live_session_with_device_address_and_this_one_first(api, register, tokens):
    ana = await register('Ana Souza')
    laptop = await sign_in(api, ana, CHROME_LINUX)
    phone = await sign_in(api, ana, SAFARI_IPHONE)

    sessions = await listed(api, laptop)

    assert sessions[0]['id'] == sid(tokens, laptop)
    assert {s['id'] for s in sessions} == {sid(tokens, ana), sid(tokens, laptop), sid(tokens, phone)}
    by_id = {s['id']: s for s in sessions}
    this, other = by_id[sid(tokens, laptop)], by_id[sid(tokens, phone)]
    assert (this['is_current'], this['current'], other['is_current'], other['current']) == (True, True, False, False)
    assert (this['user_agent'], this['device']) == (CHROME_LINUX, 'Chrome on Linux')
    assert (other['user_agent'], other['device']) == (SAFARI_IPHONE, 'Safari on iPhone')
    assert by_id[sid(tokens, ana)]['device'] == 'Python'  # registered by httpx: its User-Agent is kept too
    for session in sessions:
        assert set(session) == {
            'id', 'created_at', 'last_used_at', 'user_agent', 'ip_address', 'is_current',
            'device', 'ip', 'location', 'last_active', 'current',
        }  # fmt: skip
        assert session['ip_address'] == session['ip'] == session['location'] == '127.0.0.1'
        assert session['last_active'] == session['last_used_at']
        assert abs(datetime.fromisoformat(session['created_at']) - datetime.now(UTC)) < timedelta(minutes=1)


async def test_the_list_needs_no_organization_and_shows_only_ones_own_live_sessions(api, register, tokens):
    ana = await register('Ana Souza')
    bruno = await register('Bruno Lima')
    phone = await sign_in(api, ana, SAFARI_IPHONE)
    await api.post('/auth/logout', headers=phone.bearer)

    response = await api.get('/users/me/sessions', headers=ana.bearer)  # Bearer only

    assert response.status_code == 200
    assert [s['id'] for s in response.json()] == [sid(tokens, ana)]
    assert [s['id'] for s in await listed(api, bruno)] == [sid(tokens, bruno)]


async def test_ending_another_session_signs_it_out_at_once(api, register, tokens):
    ana = await register('Ana Souza')
    laptop = await sign_in(api, ana, CHROME_LINUX)
    phone = await sign_in(api, ana, SAFARI_IPHONE)

    response = await api.delete(f'/users/me/sessions/{sid(tokens, phone)}', headers=laptop.headers)

    assert (response.status_code, response.json()) == (200, {'message': 'Session ended'})
    refused = await api.get('/auth/me', headers=phone.bearer)
    assert (refused.status_code, refused.json()['code']) == (401, 'session_invalid')
    refresh = await api.post('/auth/refresh', json={'refresh_token': phone.refresh_token})
    assert refresh.status_code == 401
    assert sid(tokens, phone) not in {s['id'] for s in await listed(api, laptop)}
    assert (await api.get('/organizations/current', headers=laptop.headers)).status_code == 200


async def test_a_session_that_is_not_ones_own_live_one_is_not_found(api, register, tokens):
    ana = await register('Ana Souza')
    bruno = await register('Bruno Lima')
    phone = await sign_in(api, ana, SAFARI_IPHONE)
    await api.post('/auth/logout', headers=phone.bearer)

    for other in (sid(tokens, bruno), str(uuid.uuid4()), sid(tokens, phone)):
        response = await api.delete(f'/users/me/sessions/{other}', headers=ana.headers)
        assert (response.status_code, response.json()) == (
            404,
            {'detail': 'Session not found', 'code': 'session_not_found'},
        )
    assert (await api.get('/auth/me', headers=bruno.bearer)).status_code == 200  # Bruno's session lives on
    malformed = await api.delete('/users/me/sessions/not-an-id', headers=ana.headers)
    assert (malformed.status_code, malformed.json()['code']) == (422, 'validation_error')


async def test_revoke_all_ends_every_other_session_and_keeps_this_one(api, register, tokens):
    ana = await register('Ana Souza')
    laptop = await sign_in(api, ana, CHROME_LINUX)
    phone = await sign_in(api, ana, SAFARI_IPHONE)

    response = await api.post('/users/me/sessions/revoke-all', headers=laptop.headers)

    assert (response.status_code, response.json()) == (200, {'message': 'Other sessions ended', 'revoked': 2})
    for gone in (ana, phone):
        assert (await api.get('/auth/me', headers=gone.bearer)).status_code == 401
    assert [s['id'] for s in await listed(api, laptop)] == [sid(tokens, laptop)]
    again = await api.post('/users/me/sessions/revoke-all', headers=laptop.headers)
    assert again.json() == {'message': 'Other sessions ended', 'revoked': 0}


async def test_the_sessions_endpoints_need_a_live_access_token(api, register, tokens):
    ana = await register('Ana Souza')
    target = f'/users/me/sessions/{sid(tokens, ana)}'

    for method, path in (('GET', '/users/me/sessions'), ('POST', '/users/me/sessions/revoke-all'), ('DELETE', target)):
        anonymous = await api.request(method, path)
        assert (anonymous.status_code, anonymous.json()['code']) == (403, 'not_authenticated'), path
        stale = await api.request(method, path, headers={'Authorization': f'Bearer {tokens.expired(ana.access_token)}'})
        assert (stale.status_code, stale.json()['code']) == (401, 'token_expired'), path


async def test_sign_in_registration_and_password_change_record_the_device(api, register, tokens):
    email = f'carla-{uuid.uuid4().hex[:6]}@example.com'
    registered = await api.post(
        '/auth/register',
        json={'email': email, 'password': 'Secret123', 'full_name': 'Carla Dias', 'terms_accepted': True},
        headers={'User-Agent': FIREFOX_WINDOWS},
    )
    carla = registered.json()
    changed = await api.post(
        '/auth/change-password',
        json={'current_password': 'Secret123', 'new_password': 'Better456'},
        headers={'Authorization': f'Bearer {carla["access_token"]}', 'User-Agent': CHROME_LINUX},
    )
    assert changed.status_code == 200, changed.text

    bearer = {'Authorization': f'Bearer {changed.json()["access_token"]}'}
    sessions = (await api.get('/users/me/sessions', headers=bearer)).json()

    assert [(s['device'], s['current']) for s in sessions] == [('Chrome on Linux', True)]  # the change ended the rest
    first_session = uuid.UUID(tokens.claims(carla['access_token'])['sid'])
    async with context_of(api).db.session(read_only=True) as session:
        first = await session.scalar(select(AuthSession.user_agent).where(AuthSession.id == first_session))
    assert first == FIREFOX_WINDOWS


async def test_refresh_marks_the_session_used(api, register, tokens):
    ana = await register('Ana Souza')
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    await set_last_used(api, sid(tokens, ana), long_ago)

    assert (await api.post('/auth/refresh', json={'refresh_token': ana.refresh_token})).status_code == 200

    assert datetime.now(UTC) - await last_used(api, sid(tokens, ana)) < timedelta(minutes=1)


async def test_using_a_session_marks_it_used_at_most_once_a_minute(api, register, tokens):
    ana = await register('Ana Souza')
    phone = await sign_in(api, ana, SAFARI_IPHONE)
    tablet = await sign_in(api, ana, FIREFOX_WINDOWS)
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    for account in (phone, tablet):
        await set_last_used(api, sid(tokens, account), long_ago)

    await api.get('/organizations/current', headers=phone.headers)  # an ordinary authenticated request

    async def phone_marked() -> bool:
        return datetime.now(UTC) - await last_used(api, sid(tokens, phone)) < timedelta(minutes=1)

    await until(phone_marked, 'the phone session shows its recent use')
    await set_last_used(api, sid(tokens, phone), long_ago)
    await api.get('/organizations/current', headers=phone.headers)  # again within the minute: not written
    await api.get('/auth/me', headers=tablet.bearer)  # the tablet's first use is written, in order after it

    async def tablet_marked() -> bool:
        return datetime.now(UTC) - await last_used(api, sid(tokens, tablet)) < timedelta(minutes=1)

    await until(tablet_marked, 'the tablet session shows its recent use')
    assert await last_used(api, sid(tokens, phone)) == long_ago
