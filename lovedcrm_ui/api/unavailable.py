"""A database failure that nothing handled is a 503, never a 500 or a dropped connection.

A pure ASGI middleware around the whole app (the tenancy guard included: it opens a session itself).
When the request raised a database failure (``db_health.database_refusal``: the database unreachable,
or busy) and nothing has been sent yet, it answers for the app:

- HTTP: ``503`` with ``Retry-After`` and ``{"detail": …, "code": "database_unavailable" | "database_busy"}``
  (a browser asking for a page gets the same as a short HTML page that tries again by itself);
- a WebSocket handshake: the same 503 response (or close code 1013, "try again later", when the server
  cannot send one); an open WebSocket: closed with 1013.

The failure is logged by ``DatabaseHealth`` (once per outage), not as a traceback per request. Any other
error passes through untouched.
"""

import html
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..db_health import DatabaseHealth
from ..paths import is_api_prefix
from ..services.errors import ServiceUnavailable
from .errors import error_body

log = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013  # WebSocket close code: the server cannot serve this now, try again later
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="{seconds}">
<title>LovedCRM Pipeline</title></head><body style="font-family:sans-serif;margin:3rem">
<p lang="pt-BR">Sem conexão com o banco de dados — tentando novamente em instantes.</p>
<p lang="en">{detail}.</p></body></html>"""
# what marks a response (or a socket) as under way: after one of these the app's own answer stands
STARTED = frozenset({'http.response.start', 'websocket.accept', 'websocket.close', 'websocket.http.response.start'})


class DatabaseUnavailable:
    """ASGI middleware: a database failure the app let through becomes a 503 (see the module)."""

    def __init__(self, app: ASGIApp, health: DatabaseHealth) -> None:
        self.app = app
        self.health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket'):
            await self.app(scope, receive, send)
            return
        sent: set[str] = set()

        async def watched_send(message: Message) -> None:
            if message['type'] in STARTED:
                sent.add(message['type'])
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            refusal = self.health.refusal(exc)
            if refusal is None:
                raise
            if scope['type'] == 'websocket':
                await _refuse_socket(scope, send, refusal, sent)
            elif sent:
                # the answer is already under way or sent (e.g. a session closing after it): it stands
                log.info('database failure after %s %s had started its response', scope['method'], scope['path'])
            else:
                await _refuse_request(scope, send, refusal)


async def _refuse_request(scope: Scope, send: Send, refusal: ServiceUnavailable) -> None:
    headers = {k.decode('latin-1').lower(): v.decode('latin-1') for k, v in scope['headers']}
    retry_after = refusal.headers['Retry-After']
    if 'text/html' in headers.get('accept', '') and not is_api_prefix(scope['path']):
        body = PAGE.format(seconds=retry_after, detail=html.escape(refusal.detail)).encode()
        content_type = b'text/html; charset=utf-8'
    else:
        body = json.dumps(error_body(refusal.detail, refusal.code)).encode()
        content_type = b'application/json'
    await _respond(send, 'http.response', body, content_type, retry_after)


async def _refuse_socket(scope: Scope, send: Send, refusal: ServiceUnavailable, sent: set[str]) -> None:
    if 'websocket.close' in sent or 'websocket.http.response.start' in sent:
        return
    if 'websocket.accept' not in sent and 'websocket.http.response' in scope.get('extensions', {}):
        body = json.dumps(error_body(refusal.detail, refusal.code)).encode()
        await _respond(send, 'websocket.http.response', body, b'application/json', refusal.headers['Retry-After'])
        return
    await send({'type': 'websocket.close', 'code': TRY_AGAIN_LATER, 'reason': 'Database unavailable'})


async def _respond(send: Send, kind: str, body: bytes, content_type: bytes, retry_after: str) -> None:
    headers = [
        (b'content-type', content_type),
        (b'content-length', str(len(body)).encode()),
        (b'retry-after', retry_after.encode()),
        (b'cache-control', b'no-store'),
    ]
    await send({'type': f'{kind}.start', 'status': 503, 'headers': headers})
    await send({'type': f'{kind}.body', 'body': body})
