"""The access log an operator turns on (ACCESS_LOG): one line per request, secrets never written.

The WebSocket handshake lines are checked on a real server (tests/ws/test_socket_lifetime.py).
"""

import logging

import pytest

from lovedcrm_ui.api.access_log import redacted_target

LOGGER = 'lovedcrm_ui.access'


async def test_each_request_is_one_line_without_tokens_passwords_or_headers(api_with, register, caplog):
    logged = await api_with(access_log=True)
    ana = await register('Ana Souza')

    with caplog.at_level(logging.INFO, logger=LOGGER):
        await logged.get('/crm/leads?token=secret-token-value&page=2', headers=ana.headers)
        await logged.post('/auth/login', json={'email': ana.email, 'password': 'Wrong-password-1'})
        await logged.get('/invites/secret-invite-token')

    lines = [record.getMessage() for record in caplog.records if record.name == LOGGER]
    assert len(lines) == 3
    listing, signing_in, invite = (line.split(' ') for line in lines)
    assert listing[:3] == ['GET', '/crm/leads?token=[redacted]&page=2', '200']
    assert listing[3].endswith('ms') and float(listing[3][:-2]) >= 0
    assert listing[4] == '127.0.0.1'
    assert signing_in[:3] == ['POST', '/auth/login', '401']
    assert invite[:3] == ['GET', '/invites/[redacted]', '404']
    text = caplog.text
    for secret in ('secret-token-value', 'Wrong-password-1', ana.access_token, 'secret-invite-token', ana.email):
        assert secret not in text


async def test_the_log_is_off_by_default(api, register, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        await register('Ana Souza')

    assert [record for record in caplog.records if record.name == LOGGER] == []


@pytest.mark.parametrize(
    ('path', 'query', 'shown'),
    [
        ('/ws/pipeline', b'token=eyJ.a.b&org_id=42', '/ws/pipeline?token=[redacted]&org_id=42'),
        ('/x', b'access_token=a&refresh_token=b&n=3', '/x?access_token=[redacted]&refresh_token=[redacted]&n=3'),
        ('/x', b'new_password=p&Password=q&api_key=k&code=c', '/x?new_password=[redacted]&Password=[redacted]'
         '&api_key=[redacted]&code=[redacted]'),
        ('/x', b'auth=message&page=1&flag', '/x?auth=[redacted]&page=1&flag'),
        ('/x', b'%74oken=t', '/x?%74oken=[redacted]'),  # a percent-encoded name is still a token
        ('/invite/abc123', b'', '/invite/[redacted]'),
        ('/invites/abc123/accept', b'', '/invites/[redacted]/accept'),
        ('/organizations/invites/stats', b'', '/organizations/invites/stats'),
    ],
)  # fmt: skip
def test_secrets_in_urls_are_redacted(path: str, query: bytes, shown: str) -> None:
    assert redacted_target(path, query) == shown
