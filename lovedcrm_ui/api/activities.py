"""``/crm/leads/{id}/activities`` (a lead's next steps) and ``/crm/activities`` (one activity, or a member's list)."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from models.activity import ActivityCreate, ActivityPublic, ActivityUpdate

from ..services import activities
from ..services.activities import LIST_MAX, Status
from .deps import CallerDep, ReadSessionDep, SessionDep

router = APIRouter(prefix='/crm/activities', tags=['activities'])


async def list_lead_activities(lead_id: uuid.UUID, caller: CallerDep, session: ReadSessionDep) -> list[ActivityPublic]:
    """The lead's activities: open ones by due time first, then done ones (404 "Lead not found", also for another
    organization's lead)."""
    return await activities.list_activities(session, organization_id=caller.organization_id, lead_id=lead_id)


async def add_activity(
    lead_id: uuid.UUID, body: ActivityCreate, caller: CallerDep, session: SessionDep
) -> ActivityPublic:
    """Add an activity (any member but viewers). ``assignee_user_id`` left out: the caller; null: nobody; another
    user must be an active member (422 ``assignee_not_member``). Event ``lead_activity_changed``; the lead's
    ``next_activity`` follows, its ``version`` does not change."""
    return await activities.add_activity(session, caller=caller, lead_id=lead_id, data=body)


async def list_activities(
    caller: CallerDep,
    session: ReadSessionDep,
    mine: bool = True,
    status: Status = 'open',
    limit: Annotated[int, Query(ge=1, le=LIST_MAX)] = 200,
) -> list[ActivityPublic]:
    """The organization's activities: with ``mine`` (default) only those assigned to the caller. ``status``: open
    (by due time, the overdue first), done (latest done first) or all."""
    return await activities.search_activities(
        session,
        organization_id=caller.organization_id,
        assignee_id=caller.user_id if mine else None,
        status=status,
        limit=limit,
    )


async def update_activity(
    activity_id: uuid.UUID, body: ActivityUpdate, caller: CallerDep, session: SessionDep
) -> ActivityPublic:
    """Change the fields sent; ``done`` true completes it, false reopens it. ``expected_version`` another than the
    activity's → 409 ``activity_version_conflict`` with the ``current`` activity. Event ``lead_activity_changed``."""
    return await activities.update_activity(session, caller=caller, activity_id=activity_id, changes=body)


async def delete_activity(activity_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Response:
    """Delete an activity (any member but viewers); event ``lead_activity_changed``."""
    await activities.delete_activity(session, caller=caller, activity_id=activity_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _add(path: str, endpoint: Callable[..., Any], method: str, **options: Any) -> None:
    for variant in (path, path + '/') if path else ('', '/'):
        router.add_api_route(variant, endpoint, methods=[method], include_in_schema=variant == path, **options)


_add('', list_activities, 'GET')
_add('/{activity_id}', update_activity, 'PATCH')
_add('/{activity_id}', delete_activity, 'DELETE', status_code=status.HTTP_204_NO_CONTENT, response_class=Response)


def register(add_route: Callable[..., None]) -> None:
    """Register the lead's activity routes with the leads router's ``add_route``."""
    add_route('/{lead_id}/activities', list_lead_activities, 'GET')
    add_route('/{lead_id}/activities', add_activity, 'POST', status_code=status.HTTP_201_CREATED)
