"""Refresh tokens rotate: each refresh returns a new one and the old one stops working; a replay revokes the session.

A replaced token presented a few seconds after its replacement is the same client's parallel refresh
(409 ``refresh_token_superseded``, nothing issued, the session lives on); presented later it is a
replay (401 ``refresh_token_reused``) and the whole session ends: its access tokens, its newest
refresh token and its sockets (tests/ws/test_refresh_reuse.py).
"""

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import update

from lovedcrm_ui.context import AppContext
from models import AuthSession, utcnow


async def refresh(api: httpx.AsyncClient, token: str) -> httpx.Response:
    """POST /auth/refresh with a refresh token in the body (no cookie)."""
    api.cookies.clear()  # the client keeps the cookies of earlier answers: only the body's token counts here
    return await api.post('/auth/refresh', json={'refresh_token': token})


async def me(api: httpx.AsyncClient, account, access_token: str) -> int:  # type: ignore[no-untyped-def]
    """The status of an organization-scoped request made with ``access_token``."""
    headers = {'Authorization': f'Bearer {access_token}', 'X-Org-Id': account.org_id}
    return (await api.get('/users/me', headers=headers)).status_code


async def let_time_pass(ctx: AppContext, session_id: str, seconds: float = 60) -> None:
    """Move the session's last rotation into the past, beyond the grace window of a parallel refresh."""
    async with ctx.db.session() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == uuid.UUID(session_id))
            .values(refresh_rotated_at=utcnow() - timedelta(seconds=seconds))
        )
        await session.commit()


def session_of(tokens, token: str) -> str:  # type: ignore[no-untyped-def]
    """The login session (``sid``) a token belongs to."""
    return str(tokens.claims(token)['sid'])


async def test_each_refresh_returns_a_new_refresh_token_and_the_old_one_stops_working(api, register):
    ana = await register('Ana Souza')

    first = await refresh(api, ana.refresh_token)
    assert first.status_code == 200, first.text
    newer = first.json()['refresh_token']
    assert newer != ana.refresh_token

    again = await refresh(api, ana.refresh_token)

    assert again.status_code == 409
    assert again.json()['code'] == 'refresh_token_superseded'
    assert 'access_token' not in again.json()
    # the newest token goes on working, and keeps rotating
    second = await refresh(api, newer)
    assert second.status_code == 200, second.text
    assert second.json()['refresh_token'] not in (newer, ana.refresh_token)
    assert await me(api, ana, second.json()['access_token']) == 200


async def test_a_replayed_refresh_token_revokes_the_whole_session(api, register, login, ctx, tokens):
    ana = await register('Ana Souza')
    phone = await login(ana.email)  # another session of the same person
    rotated = (await refresh(api, ana.refresh_token)).json()
    await let_time_pass(ctx, session_of(tokens, ana.refresh_token))

    replay = await refresh(api, ana.refresh_token)  # e.g. a copy an attacker kept

    assert replay.status_code == 401
    assert replay.json() == {
        'detail': 'Refresh token already used; the session is revoked',
        'code': 'refresh_token_reused',
    }
    # everything of that session stops working: the legitimate holder signs in again
    assert await me(api, ana, rotated['access_token']) == 401
    assert await me(api, ana, ana.access_token) == 401
    newest = await refresh(api, rotated['refresh_token'])
    assert (newest.status_code, newest.json()['code']) == (401, 'session_invalid')
    # the person's other sessions are not touched
    assert await me(api, phone, phone.access_token) == 200
    assert (await refresh(api, phone.refresh_token)).status_code == 200


async def test_an_old_refresh_token_is_a_replay_even_right_after_later_rotations(api, register, ctx, tokens):
    ana = await register('Ana Souza')
    one = (await refresh(api, ana.refresh_token)).json()
    await let_time_pass(ctx, session_of(tokens, ana.refresh_token))
    two = (await refresh(api, one['refresh_token'])).json()
    await let_time_pass(ctx, session_of(tokens, ana.refresh_token))

    replay = await refresh(api, one['refresh_token'])

    assert (replay.status_code, replay.json()['code']) == (401, 'refresh_token_reused')
    assert await me(api, ana, two['access_token']) == 401


async def test_two_parallel_refreshes_of_one_client_leave_it_signed_in(api, register):
    ana = await register('Ana Souza')

    answers = await asyncio.gather(*(refresh(api, ana.refresh_token) for _ in range(2)))

    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser['code'] == 'refresh_token_superseded'
    # the client carries on with the pair the winner got
    assert await me(api, ana, winner['access_token']) == 200
    assert (await refresh(api, winner['refresh_token'])).status_code == 200


async def test_the_refresh_cookie_rotates_too(api, register):
    ana = await register('Ana Souza')
    api.cookies.clear()
    api.cookies.set('refresh_token', ana.refresh_token, domain='testserver.local')  # as the sign-in set it

    first = await api.post('/auth/refresh')

    assert first.status_code == 200, first.text
    assert api.cookies.get('refresh_token') == first.json()['refresh_token'] != ana.refresh_token
    assert (await api.post('/auth/refresh')).status_code == 200  # the browser sends the newest cookie


async def test_switching_organization_replaces_the_refresh_token(api, register, join, ctx, tokens):
    ana = await register('Ana Souza')
    bruno = await join(ana, role='member')  # registered, then switched to Ana's organization
    await let_time_pass(ctx, session_of(tokens, bruno.refresh_token))

    switched = await api.post('/auth/switch-organization', headers=bruno.bearer, json={'organization_id': bruno.org_id})
    assert switched.status_code == 200, switched.text

    assert (await refresh(api, bruno.refresh_token)).status_code == 409  # replaced a moment ago
    assert (await refresh(api, switched.json()['refresh_token'])).status_code == 200


async def test_a_session_from_before_rotation_starts_rotating_at_its_next_refresh(api, register, ctx, tokens):
    ana = await register('Ana Souza')
    async with ctx.db.session() as session:  # as a session created before migration 0003 looks
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == uuid.UUID(session_of(tokens, ana.refresh_token)))
            .values(refresh_token_id=None, refresh_rotated_at=None)
        )
        await session.commit()

    first = await refresh(api, ana.refresh_token)

    assert first.status_code == 200, first.text
    assert (await refresh(api, ana.refresh_token)).status_code == 409
    assert (await refresh(api, first.json()['refresh_token'])).status_code == 200
