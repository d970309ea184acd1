"""The access log an operator turns on with ``ACCESS_LOG``: one line per HTTP request and per WebSocket handshake.

    GET /crm/leads?page=2 200 12.3ms 203.0.113.7
    WS /ws/pipeline?token=[redacted]&org_id=6536… 403 refused 3.1ms 203.0.113.7

Method (``WS`` for a socket), path with its query, status, duration and client address, on the logger
``lovedcrm_ui.access`` (with ``LOG_FORMAT=json`` each also as a field: ``method``, ``path``, ``status``,
``duration_ms``, ``client``). Headers (``Authorization``, cookies) and bodies are never read. Secrets a URL
may carry are replaced by ``[redacted]``: the values of token-, password-, secret- and key-like query
parameters, and invite tokens in paths (``/invites/<token>``, ``/invite/<token>``).
"""

import logging
import re
import time
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger('lovedcrm_ui.access')

REDACTED = '[redacted]'
SECRET_NAME = re.compile(r'token|passw|secret|key|signature|^code$|^auth', re.IGNORECASE)
SECRET_IN_PATH = re.compile(r'^(/invites?/)[^/]+')  # an invite link's token is its only credential


def redacted_target(path: str, query: bytes) -> str:
    """``path?query`` with the secrets a URL may carry replaced."""
    path = SECRET_IN_PATH.sub(rf'\g<1>{REDACTED}', path)
    if not query:
        return path
    parts = []
    for part in query.decode('latin-1').split('&'):
        name, equals, _value = part.partition('=')
        parts.append(f'{name}={REDACTED}' if equals and SECRET_NAME.search(unquote_plus(name)) else part)
    return f'{path}?{"&".join(parts)}'


def handshake_or_status(message: Message) -> str | None:
    """What a message sent to the client says about the outcome, if it is the first that does."""
    kind = message['type']
    if kind == 'http.response.start':
        return str(message['status'])
    if kind == 'websocket.http.response.start':  # a refused handshake with a body
        return f'{message["status"]} refused'
    if kind == 'websocket.accept':
        return '101 accepted'
    if kind == 'websocket.close':  # closed before accepting: the server answers 403
        return '403 refused'
    return None


class AccessLog:
    """Pure ASGI middleware: times each request and logs its outcome once; changes nothing it passes on.

    A request's line is written when it ends; a socket's when its handshake is answered.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket'):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        socket = scope['type'] == 'websocket'
        outcome: str | None = None

        async def watched_send(message: Message) -> None:
            nonlocal outcome
            if outcome is None:
                outcome = handshake_or_status(message)
                if outcome is not None and socket:
                    self._write(scope, outcome, started)
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except BaseException:
            if outcome is None and not socket:
                outcome = '500'  # Starlette's outermost handler answers it
            raise
        finally:
            if not socket or outcome is None:
                self._write(scope, outcome or 'disconnected', started)

    @staticmethod
    def _write(scope: Scope, status: str, started: float) -> None:
        method = 'WS' if scope['type'] == 'websocket' else scope.get('method', '-')
        target = redacted_target(scope.get('path', ''), scope.get('query_string', b''))
        client = scope.get('client')
        address = client[0] if client else '-'
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        # the same facts as fields of their own for LOG_FORMAT=json (logs.py); the target is the redacted one
        fields = {
            'method': method,
            'path': target,
            'status': int(status) if status.isdigit() else status,  # '101 accepted', 'disconnected' stay text
            'duration_ms': duration_ms,
            'client': address,
        }
        log.info('%s %s %s %.1fms %s', method, target, status, duration_ms, address, extra=fields)
