"""The tenancy guard (API-CONTRACT §2): runs before routing on every API and unknown path."""

import json
import uuid
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ..context import AppContext
from ..paths import is_api_prefix, is_public_api_path, is_ui_path
from ..security import TokenError
from ..services.access import Caller, member_role
from ..services.errors import DomainError, ErrorCode
from .errors import error_body


class GuardError(DomainError):
    """A refusal of the guard: status, detail and code of the JSON response."""

    def __init__(self, status: int, detail: str, code: ErrorCode) -> None:
        super().__init__(detail, code=code)
        self.status_code = status


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(' ')
    if scheme.lower() != 'bearer' or not token.strip():
        return None
    return token.strip()


async def authorize(ctx: AppContext, authorization: str | None, org_header: str | None) -> Caller:
    """Steps 1 to 7 of the guard, in the contract's order; raises GuardError."""
    token = bearer_token(authorization)
    if token is None:
        raise GuardError(403, 'Missing or invalid authorization header', ErrorCode.AUTHORIZATION_MISSING)
    if not org_header or not org_header.strip():
        raise GuardError(400, 'Missing X-Org-Id header for organization context', ErrorCode.ORG_HEADER_MISSING)
    try:
        claims = ctx.tokens.verify(token, expected_type='access')
    except TokenError as exc:
        raise GuardError(401, exc.detail, exc.code) from exc
    # revocation belongs to step 3, so the session is read before the organization is looked at;
    # the same query fetches the role in the token's organization for step 7
    try:
        async with ctx.db.lookup() as session:  # one statement: no transaction round trips
            email, role = await member_role(
                session, user_id=claims.user_id, session_id=claims.session_id, organization_id=claims.organization_id
            )
    except DomainError as exc:
        raise GuardError(exc.status_code, exc.detail, exc.code) from exc
    if claims.organization_id is None:
        raise GuardError(401, 'Invalid token: missing organization context', ErrorCode.TOKEN_WITHOUT_ORGANIZATION)
    try:
        organization_id = uuid.UUID(org_header.strip())
    except ValueError as exc:
        raise GuardError(400, 'Invalid organization ID format', ErrorCode.ORG_ID_INVALID) from exc
    if organization_id != claims.organization_id:
        raise GuardError(403, 'Access denied: organization mismatch', ErrorCode.ORGANIZATION_MISMATCH)
    if role is None:
        raise GuardError(403, 'Not a member of this organization', ErrorCode.NOT_A_MEMBER)
    return Caller(
        user_id=claims.user_id,
        email=email,
        organization_id=organization_id,
        role=role,
        session_id=claims.session_id,
        token_expires_at=claims.expires_at,
    )


class TenancyGuard:
    """ASGI middleware: authorizes organization-scoped requests and puts the ``Caller`` in scope state."""

    def __init__(self, app: ASGIApp, ctx: AppContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        path: str = scope['path']
        if is_ui_path(path) or is_public_api_path(path) or scope['method'] == 'OPTIONS':
            await self.app(scope, receive, send)
            return
        headers = {k.decode('latin-1').lower(): v.decode('latin-1') for k, v in scope['headers']}
        if not is_api_prefix(path) and 'text/html' in headers.get('accept', ''):
            await self.app(scope, receive, send)  # a browser on an unknown page gets the app's 404 page
            return
        try:
            caller = await authorize(self.ctx, headers.get('authorization'), headers.get('x-org-id'))
        except GuardError as exc:
            await _json(send, exc.status_code, error_body(exc.detail, exc.code))
            return
        self.ctx.session_activity.seen(caller.session_id)  # "last used" in the owner's list of sessions
        scope.setdefault('state', {})['caller'] = caller
        await self.app(scope, receive, send)


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            'type': 'http.response.start',
            'status': status,
            'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(payload)).encode())],
        }
    )
    await send({'type': 'http.response.body', 'body': payload})
