"""``/members/*``: LovedCRM's member paths outside ``/organizations`` (its web client's page header reads the stats)."""

from fastapi import APIRouter

from models.organization import MemberStats

from ..services import organizations
from .deps import CallerDep, ReadSessionDep

router = APIRouter(prefix='/members', tags=['organizations'])


@router.get('/stats')
async def stats(caller: CallerDep, session: ReadSessionDep) -> MemberStats:
    """Members of the current organization by role, with an enabled account, and the pending invites."""
    return await organizations.member_stats(session, organization_id=caller.organization_id)
