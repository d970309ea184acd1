"""Recording lead events: the per-organization sequence, the event row, publish after commit."""

import uuid
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import EventType, Organization, PipelineEvent, User, utcnow
from models.event import StageHistoryEntry

from ..db import queue_event, table_of
from ..events import LeadEvent
from .errors import ErrorCode, NotFound

# The hot write path (every lead write) as Core statements on the tables, built once: no ORM unit of work, no
# per-call statement construction or cache key; the statement cache compiles each once per engine.
ORGANIZATIONS = table_of(Organization)
EVENTS = table_of(PipelineEvent)
CLAIM_SEQ = (
    update(ORGANIZATIONS)
    .where(ORGANIZATIONS.c.id == bindparam('organization_id'))
    .values(event_seq=ORGANIZATIONS.c.event_seq + bindparam('count'))
    .returning(ORGANIZATIONS.c.event_seq)
)
INSERT_EVENT = insert(EVENTS)


async def allocate_seq(session: AsyncSession, organization_id: uuid.UUID, count: int = 1) -> int:
    """Claim the organization's next event number (the first of ``count`` consecutive ones, for a bulk write).

    Called first in every lead write: the UPDATE takes the organization's row lock, so writes of one
    organization serialize (no deadlock: every writer locks the organization before any lead), the
    sequence has no gaps (a rollback gives the numbers back) and ``seq`` order is commit order.
    """
    seq = (await session.execute(CLAIM_SEQ, {'organization_id': organization_id, 'count': count})).scalar()
    if seq is None:
        raise NotFound('Organization not found', code=ErrorCode.ORGANIZATION_NOT_FOUND)
    return int(seq) - count + 1


async def record_event(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    seq: int,
    type: str,
    lead_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    payload: dict[str, Any],
) -> LeadEvent:
    """Insert the event row (now: no unit of work to flush) and queue its publication for after the commit."""
    event = LeadEvent(
        organization_id=organization_id,
        seq=seq,
        type=type,
        lead_id=lead_id,
        actor_user_id=actor_id,
        payload=payload,
        created_at=utcnow(),
    )
    await session.execute(
        INSERT_EVENT,
        {
            'organization_id': event.organization_id,
            'seq': event.seq,
            'type': event.type,
            'lead_id': event.lead_id,
            'actor_user_id': event.actor_user_id,
            'payload': event.payload,
            'created_at': event.created_at,
        },
    )
    queue_event(session, event)
    return event


def event_from_row(row: PipelineEvent) -> LeadEvent:
    """The bus form of a stored event."""
    return LeadEvent(
        organization_id=row.organization_id,
        seq=row.seq,
        type=row.type,
        lead_id=row.lead_id,
        actor_user_id=row.actor_user_id,
        payload=row.payload,
        created_at=row.created_at,
    )


async def events_since(session: AsyncSession, *, organization_id: uuid.UUID, since: int, limit: int) -> list[LeadEvent]:
    """An organization's events with ``seq > since``, in order, at most ``limit``."""
    rows = await session.execute(
        select(PipelineEvent)
        .where(col(PipelineEvent.organization_id) == organization_id, col(PipelineEvent.seq) > since)
        .order_by(col(PipelineEvent.seq))
        .limit(limit)
    )
    return [event_from_row(row) for row in rows.scalars()]


async def current_seq(session: AsyncSession, *, organization_id: uuid.UUID) -> int:
    """The organization's last committed event number."""
    seq = await session.scalar(select(col(Organization.event_seq)).where(col(Organization.id) == organization_id))
    if seq is None:
        raise NotFound('Organization not found', code=ErrorCode.ORGANIZATION_NOT_FOUND)
    return int(seq)


async def committed_seqs(session: AsyncSession, *, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The last committed event number of each organization (one query; missing organizations are left out)."""
    rows = await session.execute(
        select(col(Organization.id), col(Organization.event_seq)).where(col(Organization.id).in_(organization_ids))
    )
    return {organization_id: int(seq) for organization_id, seq in rows.all()}


async def stage_history(
    session: AsyncSession, *, organization_id: uuid.UUID, lead_id: uuid.UUID
) -> list[StageHistoryEntry]:
    """A lead's creation and stage moves, oldest first: who moved it from where to where, when."""
    rows = await session.execute(
        select(PipelineEvent, col(User.full_name), col(User.email))
        .outerjoin(User, col(User.id) == col(PipelineEvent.actor_user_id))
        .where(
            col(PipelineEvent.organization_id) == organization_id,
            col(PipelineEvent.lead_id) == lead_id,
            col(PipelineEvent.type).in_([EventType.LEAD_CREATED, EventType.LEAD_STAGE_CHANGED]),
        )
        .order_by(col(PipelineEvent.seq))
    )
    history = []
    for event, full_name, email in rows.all():
        lead = event.payload.get('lead') or {}
        old_stage = event.payload.get('old_stage')
        new_stage = event.payload.get('new_stage', lead.get('stage'))
        if event.type == EventType.LEAD_STAGE_CHANGED and old_stage == new_stage:
            continue  # a reorder within the column is not a stage change
        history.append(
            StageHistoryEntry(
                seq=event.seq,
                type=event.type,
                from_stage=old_stage,
                to_stage=new_stage,
                actor_user_id=event.actor_user_id,
                actor_name=full_name or email,
                at=event.created_at,
            )
        )
    return history
