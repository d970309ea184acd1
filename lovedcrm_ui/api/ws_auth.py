"""Who an API socket belongs to: the handshake's checks, fresh tokens sent later, and slowing refused clients.

A socket is authenticated once, at the handshake (or by its first ``auth`` frame). From then on it
lives as long as its *session* (API-CONTRACT §7 "Open sockets and token expiry"): the access token
may expire meanwhile; logout, a revoked session, a password change or a removal close it at once
(the socket hub hears those as access changes). A client may send ``{"type": "auth", "token"}`` at
any time: a fresh token of the same user and organization is adopted, its session then being the one
the socket follows.

Refused handshakes are counted per client address: after ``WS_REFUSED_HANDSHAKES`` within
``WS_REFUSED_WINDOW_SECONDS`` the next ones get a 429 before any token is read or query made, so a
client retrying a dead token once a second costs a few queries a minute, not one a second.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import WebSocket

from models import AuthSession, Organization, User

from ..context import AppContext
from ..security import TokenClaims, TokenError
from ..services.access import Caller, check_member
from ..services.errors import DomainError, ErrorCode


class Refused(Exception):
    """The handshake is refused: HTTP status and error code (before accept) or close code (after ``auth`` message)."""

    def __init__(
        self, status: int, detail: str, close_code: int, code: ErrorCode, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.close_code, self.code = status, detail, close_code, code
        self.headers = headers or {}


@dataclass
class Identity:
    """Who the socket belongs to, from a verified token and a live membership."""

    caller: Caller
    claims: TokenClaims
    user: User
    organization: Organization
    session_expires_at: datetime  # the socket closes (4401) when its session ends by itself


def client_address(websocket: WebSocket) -> str:
    """The address the handshake came from (the key of the refusal count)."""
    return websocket.client.host if websocket.client else 'unknown'


def check_not_slowed(ctx: AppContext, address: str) -> None:
    """Refuse at once (429, no database) an address whose handshakes were refused too often lately."""
    wait = ctx.ws_refusals.retry_after(address)
    if wait is not None:
        raise Refused(
            429,
            'Too many refused connection attempts. Try again later.',
            1013,
            ErrorCode.HANDSHAKE_RATE_LIMITED,
            headers={'Retry-After': str(wait)},
        )


def count_refusal(ctx: AppContext, address: str, refusal: Refused) -> None:
    """One more refused handshake from ``address`` (the slowing's own 429s are not counted)."""
    if refusal.code != ErrorCode.HANDSHAKE_RATE_LIMITED:
        ctx.ws_refusals.hit(address)


async def authenticate(ctx: AppContext, token: Any, org_id: Any) -> Identity:
    """Verify an access token, its organization claim and the live membership (never client ids)."""
    if not token or not isinstance(token, str):
        raise Refused(403, 'Missing token', 4401, ErrorCode.TOKEN_MISSING)
    try:
        claims = ctx.tokens.verify(token, expected_type='access')
    except TokenError as exc:
        raise Refused(403, exc.detail, 4401, exc.code) from exc
    try:
        organization_id = uuid.UUID(str(org_id))
    except ValueError as exc:
        raise Refused(403, 'Invalid organization ID format', 4403, ErrorCode.ORG_ID_INVALID) from exc
    if claims.organization_id != organization_id:
        raise Refused(403, 'Access denied: organization mismatch', 4403, ErrorCode.ORGANIZATION_MISMATCH)
    try:
        async with ctx.db.session(read_only=True) as session:
            caller = await check_member(
                session, user_id=claims.user_id, session_id=claims.session_id, organization_id=organization_id
            )
            user = await session.get(User, claims.user_id)
            organization = await session.get(Organization, organization_id)
            auth_session = await session.get(AuthSession, claims.session_id)
    except DomainError as exc:
        raise Refused(403, exc.detail, 4403 if exc.status_code == 403 else 4401, exc.code) from exc
    assert user is not None and organization is not None and auth_session is not None
    ctx.session_activity.seen(claims.session_id)
    return Identity(caller, claims, user, organization, auth_session.expires_at)


async def renewed(ctx: AppContext, identity: Identity, frame: dict[str, Any]) -> Identity:
    """The identity a later ``auth`` frame carries, if it may replace ``identity``; else Refused.

    Same user, same organization, a live session and membership: the token may belong to the same
    session (refreshed) or to another live one of the user (signed in again).
    """
    renewal = await authenticate(ctx, frame.get('token'), identity.caller.organization_id)
    if renewal.caller.user_id != identity.caller.user_id:
        raise Refused(403, 'Token of another user', 4403, ErrorCode.TOKEN_INVALID)
    return renewal
