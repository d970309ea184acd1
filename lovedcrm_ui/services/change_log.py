"""A lead's change log: every write of its events, with the fields each one changed (old → new).

Every event stores the lead's full snapshot after the write, so a write's before/after is the previous event's
snapshot and its own. Note events (``lead_note_changed``) are read for their snapshot but not listed: the notes
feed shows them, and ``notes`` is left out of the compared fields for the same reason.
"""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import EventType, PipelineEvent, User
from models.event import ChangeLogEntry, FieldChange

# the fields a change lists, in the order the dialog shows them (stage: a move of its own)
LOGGED_FIELDS = (
    'name',
    'email',
    'phone',
    'estimated_value',
    'source',
    'tags',
    'assigned_user_id',
    'is_favorite',
    'custom_fields',
    'probability',
    'expected_close_date',
    'last_contact_at',
    'last_contact_channel',
)


def field_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldChange]:
    """The logged fields whose value differs between two snapshots (a field missing from ``before`` is skipped)."""
    if before is None:
        return []
    return [
        FieldChange(field=name, old=before.get(name), new=after.get(name))
        for name in LOGGED_FIELDS
        if name in before and before.get(name) != after.get(name)
    ]


async def change_log(session: AsyncSession, *, organization_id: uuid.UUID, lead_id: uuid.UUID) -> list[ChangeLogEntry]:
    """A lead's creation, field edits and stage moves, newest first, with who and when."""
    rows = await session.execute(
        select(PipelineEvent, col(User.full_name), col(User.email))
        .outerjoin(User, col(User.id) == col(PipelineEvent.actor_user_id))
        .where(col(PipelineEvent.organization_id) == organization_id, col(PipelineEvent.lead_id) == lead_id)
        .order_by(col(PipelineEvent.seq))
    )
    entries: list[ChangeLogEntry] = []
    previous: dict[str, Any] | None = None
    for event, full_name, email in rows.all():
        lead = event.payload.get('lead') or {}
        before = previous if previous is not None else event.payload.get('before')
        previous = lead
        from_stage, to_stage, changes = None, None, []
        if event.type == EventType.LEAD_CREATED:
            to_stage = lead.get('stage')
        elif event.type == EventType.LEAD_STAGE_CHANGED:
            from_stage, to_stage = event.payload.get('old_stage'), event.payload.get('new_stage', lead.get('stage'))
            if from_stage == to_stage:
                continue  # a reorder within the column is not a change of the lead
        elif event.type == EventType.LEAD_UPDATED:
            changes = field_changes(before, lead)
            if not changes:
                continue  # e.g. only ``notes`` sent by a LovedCRM client: the feed has it
        else:
            continue  # notes (the feed), deletions (nothing left to open)
        entries.append(
            ChangeLogEntry(
                seq=event.seq,
                type=event.type,
                changes=changes,
                from_stage=from_stage,
                to_stage=to_stage,
                actor_user_id=event.actor_user_id,
                actor_name=full_name or email,
                at=event.created_at,
            )
        )
    entries.reverse()
    return entries
