"""A lead's activities (next steps): add, edit, complete, reopen, delete — live for every teammate.

Design (issue 17, "next step"):

- ``lead_activities`` holds them; ``leads.next_activity`` keeps the lead's earliest open activity (its card's next
  step) as JSON, recomputed in the same transaction as every activity write. So every lead snapshot (the board's
  read, every event, the API's lead) carries it: the board draws a card's next step without one query per card, and
  a card a live event draws (a teammate's new or moved lead) has it too.
- An activity write does NOT bump the lead's ``version`` nor its ``updated_at`` (as a note: services/notes.py): a
  teammate's open, edited lead dialog still saves without a conflict. Each activity has a ``version`` of its own
  for optimistic concurrency (``expected_version`` on a change: 409 ``activity_version_conflict``).
- Each write goes through the one write path (organization row lock → ``seq``, one ``pipeline_events`` row with
  the lead's full snapshot, published after commit), as type ``lead_activity_changed`` with
  ``{"lead", "activity", "action": "added" | "edited" | "done" | "reopened" | "deleted"}``.
- Any writer adds, edits, completes or deletes any activity of the organization's leads (team work); viewers read.
  The assignee must be an active member (422 ``assignee_not_member``).
"""

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import EventType, Lead, LeadActivity, Membership, User, utcnow
from models.activity import ActivityCreate, ActivityPublic, ActivityUpdate, NextActivity

from .access import Caller
from .errors import Conflict, ErrorCode, Invalid, NotFound
from .leads import get_lead, snapshot
from .pipeline_events import allocate_seq, record_event

Status = Literal['open', 'done', 'all']
LIST_MAX = 500


def activity_public(activity: LeadActivity, lead_name: str, assignee_name: str | None) -> ActivityPublic:
    """The API / event shape of an activity."""
    return ActivityPublic.model_validate(activity, update={'lead_name': lead_name, 'assignee_name': assignee_name})


def next_summary(activity: LeadActivity | None) -> dict[str, Any] | None:
    """What ``leads.next_activity`` stores for the lead's earliest open activity (None: none planned)."""
    if activity is None:
        return None
    return NextActivity.model_validate(activity).model_dump(mode='json')


async def next_open(session: AsyncSession, lead_id: uuid.UUID) -> LeadActivity | None:
    """The lead's earliest open activity (due time, then id: one answer for ties)."""
    return await session.scalar(
        select(LeadActivity)
        .where(col(LeadActivity.lead_id) == lead_id, col(LeadActivity.done).is_(False))
        .order_by(col(LeadActivity.due_at), col(LeadActivity.id))
        .limit(1)
    )


def _listing(organization_id: uuid.UUID) -> Select[tuple[LeadActivity, str, str | None, str | None]]:
    assignee = User.__table__.alias('assignee')  # type: ignore[attr-defined]
    return (
        select(LeadActivity, col(Lead.name), assignee.c.full_name, assignee.c.email)
        .join(Lead, col(Lead.id) == col(LeadActivity.lead_id))
        .outerjoin(assignee, assignee.c.id == col(LeadActivity.assignee_user_id))
        .where(col(LeadActivity.organization_id) == organization_id)
    )


async def _rows(session: AsyncSession, query: Select[Any]) -> list[ActivityPublic]:
    rows = await session.execute(query)
    return [activity_public(a, lead_name, full_name or email) for a, lead_name, full_name, email in rows.all()]


async def list_activities(
    session: AsyncSession, *, organization_id: uuid.UUID, lead_id: uuid.UUID
) -> list[ActivityPublic]:
    """A lead's activities: the open ones by due time, then the done ones, latest done first (404: unknown lead)."""
    await get_lead(session, organization_id=organization_id, lead_id=lead_id)
    return sort_for_lead(await _rows(session, _listing(organization_id).where(col(LeadActivity.lead_id) == lead_id)))


def sort_for_lead(activities: list[ActivityPublic]) -> list[ActivityPublic]:
    """Open by due time (then id), then done with the latest done first."""
    open_ = sorted((a for a in activities if not a.done), key=lambda a: (a.due_at, str(a.id)))
    done = sorted((a for a in activities if a.done), key=lambda a: (a.done_at or a.updated_at, str(a.id)), reverse=True)
    return open_ + done


async def search_activities(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
    status: Status = 'open',
    limit: int = LIST_MAX,
) -> list[ActivityPublic]:
    """The organization's activities (one assignee's when given): open by due time, done latest first."""
    query = _listing(organization_id)
    if assignee_id is not None:
        query = query.where(col(LeadActivity.assignee_user_id) == assignee_id)
    if status == 'open':
        query = query.where(col(LeadActivity.done).is_(False)).order_by(col(LeadActivity.due_at), col(LeadActivity.id))
    elif status == 'done':
        query = query.where(col(LeadActivity.done).is_(True)).order_by(
            col(LeadActivity.done_at).desc(), col(LeadActivity.id)
        )
    else:
        query = query.order_by(col(LeadActivity.done), col(LeadActivity.due_at), col(LeadActivity.id))
    return await _rows(session, query.limit(limit))


async def get_activity(
    session: AsyncSession, *, organization_id: uuid.UUID, activity_id: uuid.UUID, fresh: bool = False
) -> LeadActivity:
    """One activity of the organization; another organization's is simply not found.

    ``fresh``: read it again even if this session has it (after taking its lead's lock).
    """
    query = select(LeadActivity).where(
        col(LeadActivity.id) == activity_id, col(LeadActivity.organization_id) == organization_id
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    activity = await session.scalar(query)
    if activity is None:
        raise NotFound('Activity not found', code=ErrorCode.ACTIVITY_NOT_FOUND)
    return activity


async def _check_assignee(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID | None) -> None:
    if user_id is None:
        return
    member = await session.scalar(
        select(col(Membership.id)).where(
            col(Membership.organization_id) == organization_id,
            col(Membership.user_id) == user_id,
            col(Membership.is_active).is_(True),
        )
    )
    if member is None:
        raise Invalid('assignee_user_id must be a member of this organization', code=ErrorCode.ASSIGNEE_NOT_MEMBER)


async def add_activity(
    session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, data: ActivityCreate
) -> ActivityPublic:
    """Add an activity (any writer; assignee left out: the caller); event ``lead_activity_changed``."""
    caller.require_writer()
    assignee = data.assignee_user_id if 'assignee_user_id' in data.model_fields_set else caller.user_id
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    await _check_assignee(session, caller.organization_id, assignee)
    now = utcnow()
    activity = LeadActivity(
        organization_id=caller.organization_id,
        lead_id=lead.id,
        kind=data.kind.value,
        title=data.title,
        due_at=data.due_at,
        done=data.done,
        done_at=now if data.done else None,
        assignee_user_id=assignee,
        created_by_user_id=caller.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    return await _record(session, caller, lead, activity, seq, 'added')


async def update_activity(
    session: AsyncSession, *, caller: Caller, activity_id: uuid.UUID, changes: ActivityUpdate
) -> ActivityPublic:
    """Change the fields sent; ``done`` completes or reopens it; event ``lead_activity_changed``."""
    caller.require_writer()
    found = await get_activity(session, organization_id=caller.organization_id, activity_id=activity_id)
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=found.lead_id, for_update=True)
    # under the lead's lock now: the latest version (or gone)
    activity = await get_activity(session, organization_id=caller.organization_id, activity_id=activity_id, fresh=True)
    if changes.expected_version is not None and changes.expected_version != activity.version:
        raise Conflict(
            'Activity was changed by someone else',
            code=ErrorCode.ACTIVITY_VERSION_CONFLICT,
            extra={'current': (await _public(session, activity, lead)).model_dump(mode='json')},
        )
    sent = changes.model_fields_set
    if 'assignee_user_id' in sent:
        await _check_assignee(session, caller.organization_id, changes.assignee_user_id)
        activity.assignee_user_id = changes.assignee_user_id
    for name in ('kind', 'title', 'due_at'):
        value = getattr(changes, name)
        if name in sent and value is None:
            raise Invalid(f'{name} must not be null', code=ErrorCode.INVALID)
        if value is not None:
            setattr(activity, name, value.value if name == 'kind' else value)
    action = 'edited'
    if changes.done is not None and changes.done != activity.done:
        activity.done = changes.done
        activity.done_at = utcnow() if changes.done else None
        action = 'done' if changes.done else 'reopened'
    elif 'done' in sent and changes.done is None:
        raise Invalid('done must not be null', code=ErrorCode.INVALID)
    activity.version += 1
    activity.updated_at = utcnow()
    return await _record(session, caller, lead, activity, seq, action)


async def delete_activity(session: AsyncSession, *, caller: Caller, activity_id: uuid.UUID) -> None:
    """Delete an activity (any writer); event ``lead_activity_changed``."""
    caller.require_writer()
    found = await get_activity(session, organization_id=caller.organization_id, activity_id=activity_id)
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=found.lead_id, for_update=True)
    activity = await get_activity(session, organization_id=caller.organization_id, activity_id=activity_id, fresh=True)
    public = await _public(session, activity, lead)
    await session.delete(activity)
    await _record(session, caller, lead, activity, seq, 'deleted', public=public)


async def _public(session: AsyncSession, activity: LeadActivity, lead: Lead) -> ActivityPublic:
    assignee = (
        await session.scalar(select(User).where(col(User.id) == activity.assignee_user_id))
        if activity.assignee_user_id
        else None
    )
    return activity_public(activity, lead.name, (assignee.full_name or assignee.email) if assignee else None)


async def _record(
    session: AsyncSession,
    caller: Caller,
    lead: Lead,
    activity: LeadActivity,
    seq: int,
    action: str,
    public: ActivityPublic | None = None,
) -> ActivityPublic:
    await session.flush()
    if public is None:
        public = await _public(session, activity, lead)
    lead.next_activity = next_summary(await next_open(session, lead.id))
    await session.flush()  # the lead's ``next_activity`` only: its version and updated_at stay
    payload: dict[str, Any] = {
        'lead': snapshot(lead),
        'activity': public.model_dump(mode='json'),
        'action': action,
    }
    await record_event(
        session,
        organization_id=caller.organization_id,
        seq=seq,
        type=EventType.LEAD_ACTIVITY_CHANGED,
        lead_id=lead.id,
        actor_id=caller.user_id,
        payload=payload,
    )
    await session.commit()
    return public


def is_overdue(due_at: datetime, now: datetime | None = None) -> bool:
    """Whether a due time has passed."""
    return due_at < (now or utcnow())
