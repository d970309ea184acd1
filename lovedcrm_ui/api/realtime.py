"""HTTP side of the real-time API: the polling fallback and the connection statistics."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query

from models.types import PlainText

from ..events.presence import PresenceEntry
from ..services.errors import ErrorCode, Forbidden
from ..services.pipeline_events import current_seq, events_since
from .deps import CallerDep, CtxDep, ReadSessionDep
from .guard import authorize

router = APIRouter(tags=['real-time'])

OrgIdPath = Annotated[PlainText, Path()]  # compared as text with the caller's organization (the rule of all text)


@router.get('/crm/pipeline/events')
async def pipeline_events(
    caller: CallerDep,
    session: ReadSessionDep,
    ctx: CtxDep,
    since: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Events with ``seq > since``, in order, as WebSocket frames (for clients without WebSockets)."""
    latest = await current_seq(session, organization_id=caller.organization_id)
    if since > latest:
        return {'events': [], 'latest_seq': latest, 'has_more': False, 'resync_required': True}
    events = await events_since(session, organization_id=caller.organization_id, since=since, limit=limit)
    last = events[-1].seq if events else since
    return {
        'events': [event.frame for event in events],
        'latest_seq': latest,
        'has_more': last < latest,
        'resync_required': False,
    }


def _entry(entry: PresenceEntry) -> dict[str, Any]:
    return {
        'user_id': str(entry.user_id),
        'full_name': entry.full_name,
        'email': entry.email,
        'avatar_url': None,
        'connected_at': entry.connected_at.isoformat(),
        'last_seen': entry.last_seen.isoformat(),
    }


async def _stats_caller(ctx: CtxDep, org_id: str, authorization: str | None, x_org_id: str | None) -> uuid.UUID:
    # /ws/* is outside the HTTP tenancy guard (sockets authenticate themselves): run its checks here
    caller = await authorize(ctx, authorization, x_org_id)  # a GuardError is a DomainError: the same JSON refusal
    if str(caller.organization_id) != org_id.strip().lower():
        raise Forbidden('Organization access denied', code=ErrorCode.ORGANIZATION_MISMATCH)
    return caller.organization_id


@router.get('/ws/organization-stats/{org_id}')
async def organization_stats(
    org_id: OrgIdPath,
    ctx: CtxDep,
    authorization: Annotated[str | None, Header()] = None,
    x_org_id: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Open boards and sockets of the organization, on this server process."""
    organization_id = await _stats_caller(ctx, org_id, authorization, x_org_id)
    users = ctx.presence.users(organization_id)
    return {
        'organization_id': str(organization_id),
        'total_connections': ctx.presence.connection_count(organization_id),
        'active_users': len(users),
        'connected_users': [_entry(entry) for entry in users],
    }


@router.get('/ws/active-users/{org_id}')
async def active_users(
    org_id: OrgIdPath,
    ctx: CtxDep,
    authorization: Annotated[str | None, Header()] = None,
    x_org_id: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Who is online in the organization."""
    organization_id = await _stats_caller(ctx, org_id, authorization, x_org_id)
    users = ctx.presence.users(organization_id)
    return {
        'organization_id': str(organization_id),
        'active_users': [_entry(e) for e in users],
        'total_active': len(users),
    }
