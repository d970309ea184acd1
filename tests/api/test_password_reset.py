"""Forgot password (API-CONTRACT §8): a single-use, expiring link by e-mail; the answer never tells who has an account.

Bodies as LovedCRM's web client sends them, services/auth.ts: ``forgotPassword(email)`` →
``POST /api/auth/forgot-password {email}``; ``resetPassword(token, newPassword)`` →
``POST /api/auth/reset-password {token, new_password}`` (both ``skipAuth``; its proxy strips ``/api``).
The mail goes to a fake SMTP server on 127.0.0.1 (tests/mail_inbox.py).
"""

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from accounts import PASSWORD
from mail_inbox import SmtpInbox
from sqlalchemy import update
from waiting import until

from models import PasswordResetToken

NEW_PASSWORD = 'Better456'
ACCEPTED = {'message': 'If an account exists for this e-mail, a reset link has been sent'}
LINK = re.compile(r'(\S+)/reset-password\?token=([A-Za-z0-9_-]+)')


@pytest.fixture
async def inbox():  # type: ignore[no-untyped-def]
    server = await SmtpInbox().start()
    yield server
    await server.stop()


@pytest.fixture
async def mailing_api(api_with, inbox):  # type: ignore[no-untyped-def]
    """A client for the app with SMTP set up (same database as ``api``)."""
    return await api_with(smtp_host='127.0.0.1', smtp_port=inbox.port, smtp_starttls=False, smtp_from='crm@example.com')


async def ask_for_link(client, email: str) -> Any:  # type: ignore[no-untyped-def]
    response = await client.post('/auth/forgot-password', json={'email': email})
    assert (response.status_code, response.json()) == (202, ACCEPTED), response.text
    return response


async def mailed_token(inbox: SmtpInbox, count: int = 1) -> tuple[str, str]:
    """The base URL and token of the newest reset e-mail, once ``count`` have arrived."""
    await until(lambda: len(inbox.messages) >= count, f'{count} e-mail(s) arrive')
    found = LINK.search(inbox.messages[count - 1].get_content())
    assert found, inbox.messages[count - 1].get_content()
    return found.group(1), found.group(2)


async def reset(client, token: str, password: str = NEW_PASSWORD) -> Any:  # type: ignore[no-untyped-def]
    return await client.post('/auth/reset-password', json={'token': token, 'new_password': password})


async def test_the_answer_is_the_same_whether_or_not_an_account_exists(mailing_api, register, inbox):
    ana = await register('Ana Souza')

    await ask_for_link(mailing_api, f'nobody-{uuid.uuid4().hex[:6]}@example.com')
    await ask_for_link(mailing_api, ana.email.upper())  # e-mail addresses are compared case-insensitively

    base, token = await mailed_token(inbox)
    [message] = inbox.messages
    assert (message['To'], message['From']) == (ana.email, 'crm@example.com')
    assert message['Subject'] == 'Reset your LovedCRM password'  # in the account's language (en by default)
    assert 'Hello Ana Souza' in message.get_content() and '60 minutes' in message.get_content()
    assert base == 'http://testserver'  # our own page, /reset-password, on the address the request came to
    assert len(token) >= 40


async def test_the_link_sets_the_new_password_once_and_ends_every_session(api, mailing_api, register, login, inbox):
    ana = await register('Ana Souza')
    other_device = await login(ana.email)
    await ask_for_link(mailing_api, ana.email)
    _, token = await mailed_token(inbox)

    response = await reset(api, token)

    assert (response.status_code, response.json()) == (
        200,
        {'message': 'Password has been reset; sign in with the new password'},
    )
    for signed_in in (ana, other_device):
        refused = await api.get('/auth/me', headers=signed_in.bearer)
        assert (refused.status_code, refused.json()['code']) == (401, 'session_invalid')
    old = await api.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})
    assert old.status_code == 401
    assert (await login(ana.email, NEW_PASSWORD)).user_id == ana.user_id
    again = await reset(api, token, 'Another789')
    assert (again.status_code, again.json()) == (
        400,
        {'detail': 'Invalid or expired reset token', 'code': 'reset_token_invalid'},
    )


async def test_only_the_newest_link_works(api, mailing_api, register, inbox):
    ana = await register('Ana Souza')
    await ask_for_link(mailing_api, ana.email)
    _, first = await mailed_token(inbox, 1)
    await ask_for_link(mailing_api, ana.email)
    _, second = await mailed_token(inbox, 2)

    assert (await reset(api, first)).json()['code'] == 'reset_token_invalid'
    assert (await reset(api, second)).status_code == 200


async def test_an_expired_or_unknown_link_is_refused(api, mailing_api, register, inbox, ctx):
    ana = await register('Ana Souza')
    await ask_for_link(mailing_api, ana.email)
    _, token = await mailed_token(inbox)
    async with ctx.db.session() as session:
        past = datetime.now(UTC) - timedelta(minutes=1)
        await session.execute(update(PasswordResetToken).values(expires_at=past))
        await session.commit()

    for stale in (token, 'x' * 43, token[:-1]):
        response = await reset(api, stale)
        assert (response.status_code, response.json()['code']) == (400, 'reset_token_invalid'), stale
    assert (await api.post('/auth/login', json={'email': ana.email, 'password': PASSWORD})).status_code == 200


async def test_a_weak_password_is_refused_and_the_link_still_works(api, mailing_api, register, inbox):
    ana = await register('Ana Souza')
    await ask_for_link(mailing_api, ana.email)
    _, token = await mailed_token(inbox)

    weak = await reset(api, token, 'short1A')

    assert (weak.status_code, weak.json()['code']) == (422, 'password_too_short')
    assert (await reset(api, token)).status_code == 200
    missing = await api.post('/auth/reset-password', json={'token': token})
    assert (missing.status_code, missing.json()['code']) == (422, 'validation_error')


async def test_requests_are_limited_per_e_mail_and_per_address(api_with, register, inbox):
    client = await api_with(
        password_reset_max_per_email=2,
        password_reset_max_per_address=4,
        smtp_host='127.0.0.1',
        smtp_port=inbox.port,
        smtp_starttls=False,
    )
    ana = await register('Ana Souza')

    for _ in range(2):
        await ask_for_link(client, ana.email)
    flooding = await client.post('/auth/forgot-password', json={'email': ana.email.upper()})
    unknown = f'nobody-{uuid.uuid4().hex[:6]}@example.com'
    await ask_for_link(client, unknown)
    await ask_for_link(client, unknown)
    spraying = await client.post('/auth/forgot-password', json={'email': f'x-{uuid.uuid4().hex[:6]}@example.com'})

    for refused in (flooding, spraying):
        assert refused.status_code == 429
        assert refused.json() == {
            'detail': 'Too many password reset requests. Try again later.',
            'code': 'password_reset_rate_limited',
        }
        assert 3000 < int(refused.headers['Retry-After']) <= 3600
    await until(lambda: len(inbox.messages) == 2, 'the two admitted requests reach Ana')
    assert {message['To'] for message in inbox.messages} == {ana.email}


async def test_without_smtp_the_answer_is_the_same_and_the_log_says_mail_is_off(api, register, caplog):
    ana = await register('Ana Souza')

    with caplog.at_level(logging.INFO, logger='lovedcrm_ui.services.password_reset'):
        await ask_for_link(api, ana.email)

    assert f'password reset for {ana.email} not sent: mail is off (SMTP_HOST is empty)' in caplog.text


async def test_links_use_public_url_and_production_never_follows_the_host_header(api_with, register, inbox, caplog):
    ana = await register('Ana Souza')
    smtp = {'smtp_host': '127.0.0.1', 'smtp_port': inbox.port, 'smtp_starttls': False}
    public = await api_with(public_url='https://crm.example.com/', **smtp)
    production = await api_with(environment='production', **smtp)

    await ask_for_link(public, ana.email)
    base, _ = await mailed_token(inbox)
    with caplog.at_level(logging.ERROR, logger='lovedcrm_ui.services.password_reset'):
        await production.post('/auth/forgot-password', json={'email': ana.email}, headers={'Host': 'evil.example'})

    assert base == 'https://crm.example.com'
    assert 'set PUBLIC_URL' in caplog.text
    assert len(inbox.messages) == 1
