"""The lead_activities rows a lead's delete keeps and its undo puts back (as note_rows.py does for the notes)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Lead, LeadActivity

# what a ``lead_deleted`` event keeps of each activity (JSON); the rest (organization, lead) is the restored lead's
KEPT = ('id', 'kind', 'title', 'due_at', 'done', 'done_at', 'assignee_user_id', 'created_by_user_id', 'version')
TIMES = ('due_at', 'done_at', 'created_at', 'updated_at')


async def kept_activities(session: AsyncSession, lead_id: uuid.UUID) -> list[dict[str, Any]]:
    """A lead's activities as JSON, oldest first: its ``lead_deleted`` event keeps them for an undo."""
    rows = (
        await session.scalars(
            select(LeadActivity)
            .where(col(LeadActivity.lead_id) == lead_id)
            .order_by(col(LeadActivity.created_at), col(LeadActivity.id))
        )
    ).all()
    return [row.model_dump(mode='json', include={*KEPT, 'created_at', 'updated_at'}) for row in rows]


def people_in(kept: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Everyone the kept activities name (assignees and authors), to check who is still there."""
    return {
        uuid.UUID(str(row[key])) for row in kept for key in ('assignee_user_id', 'created_by_user_id') if row.get(key)
    }


async def put_back_activities(
    session: AsyncSession, *, lead: Lead, kept: list[dict[str, Any]], members: set[uuid.UUID], users: set[uuid.UUID]
) -> None:
    """Insert the activities ``kept_activities`` saved, with their ids, times and versions. An assignee who is no
    longer an active member (``members``) becomes nobody, as the assignee rule asks of every write; an author
    whose account is gone (not in ``users``) becomes None, as deleting the account would have made it.
    No event, no commit: the restore's ``lead_created`` carries the lead with its ``next_activity``."""
    for row in kept:
        values: dict[str, Any] = {key: row.get(key) for key in KEPT}
        for key in TIMES:
            values[key] = datetime.fromisoformat(str(row[key])) if row.get(key) else None
        assignee = uuid.UUID(str(row['assignee_user_id'])) if row.get('assignee_user_id') else None
        author = uuid.UUID(str(row['created_by_user_id'])) if row.get('created_by_user_id') else None
        values.update(
            id=uuid.UUID(str(row['id'])),
            assignee_user_id=assignee if assignee in members else None,
            created_by_user_id=author if author in users else None,
        )
        session.add(LeadActivity(organization_id=lead.organization_id, lead_id=lead.id, **values))
