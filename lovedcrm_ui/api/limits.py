"""The request body limit: a body over ``MAX_REQUEST_BYTES`` is refused (413) before anything parses it.

Routes that receive a file to import (``is_upload_path``) take ``MAX_IMPORT_BYTES`` instead, and only those.

A declared ``Content-Length`` over the limit is answered at once, without reading a byte of the body; a
body of unknown length (chunked) is counted while the app reads it and refused as soon as it passes the
limit, so the server never holds more than the limit of one request in memory. Unknown JSON fields stay
ignored (API-CONTRACT §0); this limit is what bounds them.
"""

import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..services.errors import ErrorCode
from .errors import error_body

# NiceGUI's socket.io (long polling POSTs a board's batched keystrokes): engineio bounds those bodies itself
# (max_http_buffer_size, 1,000,000 bytes by Content-Length; a body without one is drained, not kept), so an
# operator lowering MAX_REQUEST_BYTES never cuts typed text off a board
SOCKET_IO_PREFIX = '/_nicegui_ws/'
# file uploads take MAX_IMPORT_BYTES instead (plus the multipart framing around the file): the CSV import route,
# and NiceGUI's upload elements (the board's import dialog is the only one)
UPLOAD_PATHS = frozenset({'/crm/leads/import', '/crm/leads/import/'})
NICEGUI_UPLOAD = re.compile(r'/_nicegui/client/[^/]+/upload/[^/]+')
MULTIPART_SLACK = 64 * 1024


def is_upload_path(path: str) -> bool:
    """A route that receives a file to import."""
    return path in UPLOAD_PATHS or NICEGUI_UPLOAD.fullmatch(path) is not None


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
    """ASGI middleware refusing bodies over ``max_bytes`` (``upload_bytes`` on upload routes) with a JSON 413."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes

    def limit_for(self, path: str) -> int:
        """The body limit of one path."""
        if self.upload_bytes is not None and is_upload_path(path):
            return self.upload_bytes + MULTIPART_SLACK
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http' or scope['path'].startswith(SOCKET_IO_PREFIX):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope['path'])
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, scope['path'])
            return
        await _CountedRequest(self, limit, scope, receive, send).run()

    async def _refuse(self, send: Send, path: str) -> None:
        if self.upload_bytes is not None and is_upload_path(path):
            body = error_body(f'The file is too large: at most {self.upload_bytes} bytes', ErrorCode.IMPORT_TOO_LARGE)
        else:
            body = error_body(refusal_detail(self.max_bytes), ErrorCode.REQUEST_TOO_LARGE)
        payload = json.dumps(body).encode()
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

    def __init__(self, limit: BodyLimit, max_bytes: int, scope: Scope, receive: Receive, send: Send) -> None:
        self.limit, self.scope, self.receive, self.send = limit, scope, receive, send
        self.max_bytes = max_bytes
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
            await self.limit._refuse(self.send, self.scope['path'])

    async def counted_receive(self) -> Message:
        if self.exceeded:
            return {'type': 'http.disconnect'}  # an app that goes on reading learns the body ends here
        message = await self.receive()
        if message['type'] == 'http.request':
            self.received += len(message.get('body', b''))
            if self.received > self.max_bytes:
                self.exceeded = True
                raise RequestTooLarge(self.max_bytes)
        return message

    async def checked_send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return  # whatever the app makes of the cut body (a 400, a handler's 413), the answer is ours
        if message['type'] == 'http.response.start':
            self.started = True
        await self.send(message)
