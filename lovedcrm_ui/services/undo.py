"""Undo: put back what a person's own write changed, as a new versioned and evented write.

Each undo carries ``expected_version`` = the version the person's own write produced, so a teammate's
change in between makes it refuse (409) instead of overwriting; ``last_change`` then tells who it was.
A deleted lead comes back from the snapshot of its ``lead_deleted`` event, under the same id, as a
``lead_created`` event (every board draws it again; its history continues).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import EventType, Lead, Membership, PipelineEvent, PipelineStage, User, utcnow
from models.lead import LeadPublic, LeadUpdate

from .access import Caller
from .activities import next_open, next_summary
from .activity_rows import people_in, put_back_activities
from .errors import Conflict, ErrorCode, NotFound
from .leads import CONFLICT_DETAIL, snapshot
from .moves import MoveResult, move_lead, save_lead
from .note_rows import add_note_row, put_back_notes
from .pipeline_events import allocate_seq, record_event

# the fields a lead dialog's save can change (and so an undo can put back); custom_fields key by key
EDITABLE = ('name', 'email', 'phone', 'estimated_value', 'source', 'tags', 'assigned_user_id', 'notes', 'is_favorite')


@dataclass(frozen=True)
class LeadPlace:
    """Where a lead sits: its stage and its index among the other leads of that column (0 = top)."""

    stage: str
    index: int


@dataclass(frozen=True)
class LastChange:
    """The latest event of a lead: what it was and who did it (the name as the team page shows it)."""

    type: str
    actor_user_id: uuid.UUID | None
    actor_name: str | None


async def place_of(session: AsyncSession, *, organization_id: uuid.UUID, lead_id: uuid.UUID) -> LeadPlace | None:
    """The lead's stage and index in its column, read before a move so that an undo can put it back there."""
    row = (
        await session.execute(
            select(col(Lead.stage), col(Lead.position)).where(
                col(Lead.id) == lead_id, col(Lead.organization_id) == organization_id
            )
        )
    ).first()
    if row is None:
        return None
    above = await session.scalar(
        select(func.count())
        .select_from(Lead)
        .where(
            col(Lead.organization_id) == organization_id,
            col(Lead.stage) == row.stage,
            or_(
                col(Lead.position) < row.position,
                and_(col(Lead.position) == row.position, col(Lead.id) < lead_id),
            ),
        )
    )
    return LeadPlace(str(row.stage), int(above or 0))


# set by the restore itself: the caller's organization, the next version, now, and the next step recomputed from
# the activities put back (the snapshot's copy could name one that no longer fits)
NOT_RESTORED = {'organization_id', 'version', 'updated_at', 'next_activity'}


async def last_change(session: AsyncSession, *, organization_id: uuid.UUID, lead_id: uuid.UUID) -> LastChange | None:
    """The lead's latest event and its author (None when the lead never existed in this organization)."""
    row = (
        await session.execute(
            select(col(PipelineEvent.type), col(PipelineEvent.actor_user_id), col(User.full_name), col(User.email))
            .outerjoin(User, col(User.id) == col(PipelineEvent.actor_user_id))
            .where(col(PipelineEvent.organization_id) == organization_id, col(PipelineEvent.lead_id) == lead_id)
            .order_by(col(PipelineEvent.seq).desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return LastChange(str(row[0]), row[1], row[2] or row[3])


async def undo_move(
    session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, place: LeadPlace, expected_version: int
) -> MoveResult:
    """Move the lead back to the stage and index it had before the person's move (409 if changed since)."""
    return await move_lead(
        session,
        caller=caller,
        lead_id=lead_id,
        stage=PipelineStage(place.stage),
        index=place.index,
        expected_version=expected_version,
    )


def previous_values(before: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """The values ``before`` had for the fields in ``edited`` (plugin fields one by one; a missing one is null)."""
    values = {key: before.get(key) for key in EDITABLE if key in edited}
    if edited.get('custom_fields'):
        stored = before.get('custom_fields') or {}
        values['custom_fields'] = {key: stored.get(key) for key in edited['custom_fields']}
    return values


async def undo_edit(
    session: AsyncSession,
    *,
    caller: Caller,
    lead_id: uuid.UUID,
    before: Mapping[str, Any],
    edited: Mapping[str, Any],
    expected_version: int,
) -> MoveResult:
    """Give the fields a save changed (``edited``) their values in ``before``, the lead as it was; only those.

    A save that also moved the lead moves it back to its old stage (at the top, as the save put it).
    """
    changes = LeadUpdate.model_validate({**previous_values(before, edited), 'expected_version': expected_version})
    stage = PipelineStage(before['stage']) if 'stage' in edited and edited['stage'] != before.get('stage') else None
    return await save_lead(session, caller=caller, lead_id=lead_id, changes=changes, stage=stage)


async def restore_lead(
    session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, expected_version: int | None = None
) -> Lead:
    """Bring a deleted lead back from the snapshot its ``lead_deleted`` event kept, under the same id.

    ``expected_version``: the version the lead had when it was deleted; if it was restored and deleted
    again since, that version is gone and the restore is refused (409). A lead that is there (never
    deleted, or already restored) → 409 ``lead_exists``; an id this organization never had → 404.
    The assignee is dropped if they are no longer a member; the notes feed and the activities come back whole
    (the delete event kept them; an activity's assignee who left becomes nobody).
    Event ``lead_created`` (``restored``: true).
    """
    caller.require_writer()
    seq = await allocate_seq(session, caller.organization_id)
    present = await session.scalar(
        select(Lead).where(col(Lead.id) == lead_id, col(Lead.organization_id) == caller.organization_id)
    )
    if present is not None:
        raise Conflict(
            'Lead exists: nothing to restore', code=ErrorCode.LEAD_EXISTS, extra={'current': snapshot(present)}
        )
    deleted = await session.scalar(
        select(PipelineEvent)
        .where(
            col(PipelineEvent.organization_id) == caller.organization_id,
            col(PipelineEvent.lead_id) == lead_id,
            col(PipelineEvent.type) == EventType.LEAD_DELETED,
        )
        .order_by(col(PipelineEvent.seq).desc())
        .limit(1)
    )
    if deleted is None or not isinstance(deleted.payload.get('lead'), dict):
        raise NotFound('Lead not found', code=ErrorCode.LEAD_NOT_FOUND)
    last = LeadPublic.model_validate(deleted.payload['lead'])
    if expected_version is not None and expected_version != last.version:
        raise Conflict(CONFLICT_DETAIL, code=ErrorCode.VERSION_CONFLICT)
    lead = Lead(
        **last.model_dump(include=set(Lead.model_fields) - NOT_RESTORED),
        organization_id=caller.organization_id,
        version=last.version + 1,
        updated_at=utcnow(),
    )
    if lead.assigned_user_id is not None and not await _is_member(
        session, caller.organization_id, lead.assigned_user_id
    ):
        lead.assigned_user_id = None
    session.add(lead)
    await session.flush()
    kept = deleted.payload.get('kept') or {}
    if isinstance(kept.get('notes'), list):  # its notes went with it (ON DELETE CASCADE): the whole feed comes back
        authors = {uuid.UUID(str(row['author_user_id'])) for row in kept['notes'] if row.get('author_user_id')}
        present_authors = set((await session.scalars(select(col(User.id)).where(col(User.id).in_(authors)))).all())
        await put_back_notes(session, lead=lead, kept=kept['notes'], authors=present_authors)
    elif lead.notes:  # deleted before the event kept the feed: only the latest note, in the snapshot, comes back
        await add_note_row(session, lead=lead, author_id=None, body=lead.notes)
    if isinstance(kept.get('activities'), list):  # its next steps, done or not, come back too
        named = people_in(kept['activities'])
        await put_back_activities(
            session,
            lead=lead,
            kept=kept['activities'],
            members={user for user in named if await _is_member(session, caller.organization_id, user)},
            users=set((await session.scalars(select(col(User.id)).where(col(User.id).in_(named)))).all()),
        )
        await session.flush()
        lead.next_activity = next_summary(await next_open(session, lead.id))
    await record_event(
        session,
        organization_id=caller.organization_id,
        seq=seq,
        type=EventType.LEAD_CREATED,
        lead_id=lead.id,
        actor_id=caller.user_id,
        payload={'lead': snapshot(lead), 'restored': True},
    )
    await session.commit()
    return lead


async def _is_member(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(col(Membership.id)).where(
            col(Membership.organization_id) == organization_id,
            col(Membership.user_id) == user_id,
            col(Membership.is_active).is_(True),
        )
    )
    return found is not None
