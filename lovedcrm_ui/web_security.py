"""Browser-facing defences: security headers on every HTTP response, and which origins may open sockets.

The Content-Security-Policy is the strictest NiceGUI 3.18 runs under. Its page template has inline
scripts without nonces and Vue compiles element templates in the browser (``new Function``), so
``script-src`` needs ``'unsafe-inline'`` and ``'unsafe-eval'``; Quasar and NiceGUI set inline styles.
What the policy still buys: nothing is loaded from, sent to or submitted to another origin (an injected
script cannot exfiltrate by image, fetch or WebSocket), no plugins, no ``<base>`` hijack, and no other
site may frame a page (``frame-ancestors 'none'`` + ``X-Frame-Options: DENY`` against clickjacking).
FastAPI's /docs and /redoc load Swagger UI and ReDoc from jsDelivr: those pages get a policy that
allows exactly that, and the same framing ban.
"""

import re
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from nicegui import core
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Settings

# a Host header we may echo into connect-src (anything else falls back to 'self' alone)
SAFE_HOST = re.compile(r'(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?', re.IGNORECASE)
DEFAULT_PORTS = {'http': '80', 'https': '443'}
DOCS_PATHS = ('/docs', '/docs/oauth2-redirect', '/redoc')

APP_POLICY = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
DOCS_POLICY = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
    "img-src 'self' data: blob: https://fastapi.tiangolo.com https://cdn.jsdelivr.net https://validator.swagger.io",
    "font-src 'self' data: https://fonts.gstatic.com",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
COMMON_HEADERS = (
    ('X-Frame-Options', 'DENY'),
    ('X-Content-Type-Options', 'nosniff'),
    ('Referrer-Policy', 'strict-origin-when-cross-origin'),
    (
        'Permissions-Policy',
        'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
    ),
)
HSTS = ('Strict-Transport-Security', 'max-age=31536000')


def content_security_policy(path: str, host: str | None) -> str:
    """The CSP of one response: the docs pages' own, else the app's with this host's WebSocket origins."""
    if path in DOCS_PATHS:
        return '; '.join(DOCS_POLICY)
    connect = "connect-src 'self'"
    if host and SAFE_HOST.fullmatch(host):
        # CSP3 lets 'self' match ws:/wss: of the same host, but not every browser in use does
        connect += f' ws://{host} wss://{host}'
    return '; '.join((*APP_POLICY, connect))


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every HTTP response (pages, API, static files, errors).

    A header a route set itself is kept. HSTS only when cookies are ``Secure`` (the site is served over HTTPS).
    """

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = (*COMMON_HEADERS, HSTS) if hsts else COMMON_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        host = _header(scope, b'host')
        policy = content_security_policy(scope['path'], host)

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers = MutableHeaders(scope=message)
                headers.setdefault('Content-Security-Policy', policy)
                for name, value in self.headers:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope['headers']:
        if key == name:
            return str(value.decode('latin-1'))
    return None


def origin_allowed(origin: str | None, host: str | None, allowlist: Collection[str]) -> bool:
    """Whether a browser page of ``origin`` may open a socket here: the one rule for socket.io and /ws/*.

    No Origin (not a browser page: API clients, integrations) is allowed; otherwise the Origin's host:port
    must be the request's Host (what the browser used, forwarded as-is by a reverse proxy) or be listed in
    ALLOWED_ORIGINS. ``null`` (sandboxed frames, files) and non-web schemes are refused.
    """
    if not origin:
        return True
    origin = origin.strip().lower().rstrip('/')
    if origin in allowlist:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc or not host:
        return False
    requested = _without_default_port(host.strip().lower(), parts.scheme)
    return _without_default_port(parts.netloc, parts.scheme) == requested


def _without_default_port(authority: str, scheme: str) -> str:
    suffix = f':{DEFAULT_PORTS[scheme]}'
    return authority[: -len(suffix)] if authority.endswith(suffix) else authority


def install_socket_origin_check(settings: Settings) -> None:
    """Make NiceGUI's socket.io refuse browser pages of other origins (NiceGUI creates it with ``'*'``).

    engine.io calls the check on every request that carries an Origin (polling and the WebSocket upgrade)
    and answers a refused one with 400 before any session exists.
    """
    allowlist = settings.origin_allowlist

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        return origin_allowed(origin, environ.get('HTTP_HOST'), allowlist)

    core.sio.eio.cors_allowed_origins = allowed
