"""The request body limit: a body over ``MAX_REQUEST_BYTES`` is refused (413) before anything parses it.

A declared ``Content-Length`` over the limit is answered at once, without reading a byte of the body; a
body of unknown length (chunked) is counted while the app reads it and refused as soon as it passes the
limit, so the server never holds more than the limit of one request in memory. Unknown JSON fields stay
ignored (API-CONTRACT §0); this limit is what bounds them.
"""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..services.errors import ErrorCode
from .errors import error_body

# NiceGUI's socket.io (long polling POSTs a board's batched keystrokes): engineio bounds those bodies itself
# (max_http_buffer_size, 1,000,000 bytes by Content-Length; a body without one is drained, not kept), so an
# operator lowering MAX_REQUEST_BYTES never cuts typed text off a board
SOCKET_IO_PREFIX = '/_nicegui_ws/'


class RequestTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit (an HTTPException: FastAPI lets it through)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, refusal_detail(limit))


def refusal_detail(limit: int) -> str:
    """The 413's ``detail``."""
    return f'Request body too large: at most {limit} bytes'


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it has none (or one that is not a number)."""
    for name, value in scope['headers']:
        if name == b'content-length':
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with a JSON 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope['path'].startswith(SOCKET_IO_PREFIX):
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        await _CountedRequest(self, scope, receive, send).run()

    async def _refuse(self, send: Send) -> None:
        payload = json.dumps(error_body(refusal_detail(self.max_bytes), ErrorCode.REQUEST_TOO_LARGE)).encode()
        headers = [
            (b'content-type', b'application/json'),
            (b'content-length', str(len(payload)).encode()),
            # the rest of the body is never read: the connection cannot carry another request
            (b'connection', b'close'),
        ]
        await send({'type': 'http.response.start', 'status': 413, 'headers': headers})
        await send({'type': 'http.response.body', 'body': payload})


class _CountedRequest:
    """One request whose body is counted as the app reads it; past the limit the app's answer is replaced."""

    def __init__(self, limit: BodyLimit, scope: Scope, receive: Receive, send: Send) -> None:
        self.limit, self.scope, self.receive, self.send = limit, scope, receive, send
        self.received = 0
        self.exceeded = False
        self.started = False  # the app began its response before the body passed the limit

    async def run(self) -> None:
        try:
            await self.limit.app(self.scope, self.counted_receive, self.checked_send)
        except RequestTooLarge:
            if self.started:
                raise
        if self.exceeded and not self.started:
            await self.limit._refuse(self.send)

    async def counted_receive(self) -> Message:
        if self.exceeded:
            return {'type': 'http.disconnect'}  # an app that goes on reading learns the body ends here
        message = await self.receive()
        if message['type'] == 'http.request':
            self.received += len(message.get('body', b''))
            if self.received > self.limit.max_bytes:
                self.exceeded = True
                raise RequestTooLarge(self.limit.max_bytes)
        return message

    async def checked_send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return  # whatever the app makes of the cut body (a 400, a handler's 413), the answer is ours
        if message['type'] == 'http.response.start':
            self.started = True
        await self.send(message)
