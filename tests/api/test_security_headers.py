"""Every HTTP response carries the browser security headers: CSP, no framing, nosniff, referrer and permissions.

The pages themselves (NiceGUI, in a real browser) are tests/browser/test_csp.py.
"""

import pytest

from lovedcrm_ui.web_security import content_security_policy, origin_allowed


def directives(policy: str) -> dict[str, list[str]]:
    """A CSP as directive → sources."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(';'):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_protected(headers) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The headers every response has; returns the CSP's directives."""
    assert headers['x-frame-options'] == 'DENY'
    assert headers['x-content-type-options'] == 'nosniff'
    assert headers['referrer-policy'] == 'strict-origin-when-cross-origin'
    assert 'camera=()' in headers['permissions-policy'] and 'microphone=()' in headers['permissions-policy']
    policy = directives(headers['content-security-policy'])
    assert policy['frame-ancestors'] == ["'none'"]
    assert policy['object-src'] == ["'none'"]
    return policy


@pytest.mark.parametrize(
    ('method', 'path', 'status'),
    [
        ('GET', '/health', 200),
        ('GET', '/crm/leads', 403),  # refused by the tenancy guard (a middleware)
        ('GET', '/auth/me', 403),
        ('POST', '/auth/login', 422),
        ('GET', '/no/such/path', 403),
    ],
)
async def test_every_api_response_carries_the_security_headers(api, method, path, status):
    response = await api.request(method, path)

    assert response.status_code == status
    policy = assert_protected(response.headers)
    assert policy['default-src'] == ["'self'"]
    assert 'strict-transport-security' not in response.headers  # plain HTTP: COOKIE_SECURE is off


async def test_signed_in_answers_and_errors_carry_them_too(api, register):
    ana = await register('Ana Souza')

    found = await api.get('/crm/leads', headers=ana.headers)
    missing = await api.get('/crm/leads/00000000-0000-0000-0000-000000000000', headers=ana.headers)

    assert (found.status_code, missing.status_code) == (200, 404)
    for response in (found, missing):
        assert_protected(response.headers)


async def test_the_page_policy_lets_the_page_reach_only_its_own_origin_and_websocket(api):
    response = await api.get('/health', headers={'Host': 'crm.example.com:8443'})

    policy = assert_protected(response.headers)
    assert policy['connect-src'] == ["'self'", 'ws://crm.example.com:8443', 'wss://crm.example.com:8443']
    assert policy['img-src'] == ["'self'", 'data:', 'blob:']
    assert set(policy['script-src']) == {"'self'", "'unsafe-inline'", "'unsafe-eval'"}  # what NiceGUI/Vue need


def test_a_forged_host_header_cannot_inject_directives():
    policy = directives(content_security_policy('/login', 'evil.example; script-src *'))

    assert policy['connect-src'] == ["'self'"]
    assert set(policy['script-src']) == {"'self'", "'unsafe-inline'", "'unsafe-eval'"}


async def test_hsts_only_when_cookies_are_secure(api_with):
    secure = await api_with(cookie_secure=True)

    response = await secure.get('/health')

    assert response.headers['strict-transport-security'] == 'max-age=31536000'
    assert_protected(response.headers)


async def test_the_api_docs_page_keeps_its_assets_and_still_cannot_be_framed(api):
    response = await api.get('/docs')

    assert response.status_code == 200
    policy = assert_protected(response.headers)
    # Swagger UI's script and style come from jsDelivr (FastAPI's default); everything else stays closed
    assert 'https://cdn.jsdelivr.net' in policy['script-src']
    assert 'https://cdn.jsdelivr.net' in policy['style-src']
    assert 'https://cdn.jsdelivr.net/npm/swagger-ui-dist' in response.text
    assert policy['connect-src'] == ["'self'"]


@pytest.mark.parametrize(
    ('origin', 'host', 'allowed'),
    [
        (None, '127.0.0.1:8080', True),  # no Origin: not a browser page (an integration, a script)
        ('', '127.0.0.1:8080', True),
        ('http://127.0.0.1:8080', '127.0.0.1:8080', True),
        ('https://crm.example.com', 'crm.example.com', True),  # behind a TLS proxy that forwards the Host
        ('https://crm.example.com', 'crm.example.com:443', True),
        ('HTTPS://CRM.example.com/', 'crm.example.com', True),
        ('https://evil.example', 'crm.example.com', False),
        ('http://127.0.0.1:9999', '127.0.0.1:8080', False),  # same site, another origin
        ('https://crm.example.com.evil.example', 'crm.example.com', False),
        ('null', 'crm.example.com', False),  # sandboxed frames, file:// pages
        ('file://', 'crm.example.com', False),
        ('https://crm.example.com', None, False),
        ('https://app.partner.example', 'crm.example.com', True),  # listed in ALLOWED_ORIGINS
    ],
)
def test_the_origin_rule(origin, host, allowed):
    assert origin_allowed(origin, host, frozenset({'https://app.partner.example'})) is allowed
