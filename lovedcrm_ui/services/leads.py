"""Leads: create, read, update, favourite, delete — every write records exactly one event."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import EventType, Lead, Membership, PipelineStage, utcnow
from models.lead import LeadCreate, LeadPublic, LeadUpdate

from .access import Caller
from .activity_rows import kept_activities
from .errors import Conflict, ErrorCode, Invalid, NotFound
from .note_rows import add_note_row, kept_notes, takes_note
from .outcomes import outcome_values, sent_outcome
from .pipeline_events import allocate_seq, record_event
from .positions import top_position

CONFLICT_DETAIL = 'Lead was changed by someone else'


def lead_public(lead: Lead, now: datetime | None = None) -> LeadPublic:
    """The API / event shape of a lead, with ``days_in_current_stage`` from its last stage change."""
    now = now or utcnow()
    return LeadPublic.model_validate(
        lead,
        update={
            'is_closed': lead.stage == PipelineStage.FECHADO,
            'days_in_current_stage': max(0, (now - lead.stage_changed_at).days),
        },
    )


def snapshot(lead: Lead) -> dict[str, Any]:
    """The full lead as JSON, stored in every event (replay needs no extra query)."""
    return lead_public(lead).model_dump(mode='json')


async def get_lead(
    session: AsyncSession, *, organization_id: uuid.UUID, lead_id: uuid.UUID, for_update: bool = False
) -> Lead:
    """One lead of the organization; another organization's lead is simply not found."""
    query = select(Lead).where(col(Lead.id) == lead_id, col(Lead.organization_id) == organization_id)
    if for_update:
        query = query.with_for_update()
    lead = (await session.execute(query)).scalar_one_or_none()
    if lead is None:
        raise NotFound('Lead not found', code=ErrorCode.LEAD_NOT_FOUND)
    return lead


async def ensure_assignable(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID | None) -> None:
    """A lead can only be assigned to an active member of its organization (422 otherwise)."""
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
        raise Invalid('assigned_user_id must be a member of this organization', code=ErrorCode.ASSIGNEE_NOT_MEMBER)


def check_version(lead: Lead, expected_version: int | None) -> None:
    """Optimistic concurrency: a stale ``expected_version`` gets 409 with the current lead."""
    if expected_version is not None and expected_version != lead.version:
        raise Conflict(CONFLICT_DETAIL, code=ErrorCode.VERSION_CONFLICT, extra={'current': snapshot(lead)})


async def create_lead(session: AsyncSession, *, caller: Caller, data: LeadCreate) -> Lead:
    """Add a lead at the top of its stage column; event ``lead_created``."""
    caller.require_writer()
    seq = await allocate_seq(session, caller.organization_id)
    await ensure_assignable(session, caller.organization_id, data.assigned_user_id)
    now = utcnow()
    lead = Lead.model_validate(
        data,
        update={
            'custom_fields': {k: v for k, v in data.custom_fields.items() if v is not None},
            'organization_id': caller.organization_id,
            'position': await top_position(session, caller.organization_id, data.stage),
            'stage_changed_at': now,
            'created_at': now,
            'updated_at': now,
        },
    )
    session.add(lead)
    await session.flush()
    if lead.notes is not None:  # LovedCRM's ``notes`` on create: the lead's first note (blank: none)
        if lead.notes.strip():
            await add_note_row(session, lead=lead, author_id=caller.user_id, body=lead.notes, at=now)
        else:
            lead.notes = None
        await session.flush()
    await record_event(
        session,
        organization_id=caller.organization_id,
        seq=seq,
        type=EventType.LEAD_CREATED,
        lead_id=lead.id,
        actor_id=caller.user_id,
        payload={'lead': snapshot(lead)},
    )
    await session.commit()
    return lead


async def update_lead(session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, changes: LeadUpdate) -> Lead:
    """Change the fields sent (not the stage); event ``lead_updated``."""
    caller.require_writer()
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    check_version(lead, changes.expected_version)
    await apply_update(session, caller=caller, lead=lead, changes=changes, seq=seq)
    await session.commit()
    return lead


def field_changes(changes: LeadUpdate) -> dict[str, Any]:
    """The fields an update sets, normalized (empty source → 'web', no tags → [], a null favourite → unchanged)."""
    values = changes.model_dump(exclude_unset=True, exclude={'expected_version'})
    if 'name' in values and values['name'] is None:
        raise Invalid('name cannot be empty', code=ErrorCode.LEAD_NAME_EMPTY)
    if values.get('source', '') is None:
        values['source'] = 'web'
    if 'is_favorite' in values and values['is_favorite'] is None:
        values.pop('is_favorite')
    if 'tags' in values and values['tags'] is None:
        values['tags'] = []
    if 'custom_fields' in values and values['custom_fields'] is None:
        values.pop('custom_fields')
    return values


def merged_custom_fields(current: dict[str, Any] | None, sent: dict[str, Any]) -> dict[str, Any]:
    """Plugin field values after an update: the keys sent replace theirs, a null removes one, the rest stay."""
    merged = {**(current or {}), **sent}
    return {key: value for key, value in merged.items() if value is not None}


async def apply_update(session: AsyncSession, *, caller: Caller, lead: Lead, changes: LeadUpdate, seq: int) -> None:
    """Set the fields of ``changes`` on a locked lead and record ``lead_updated`` as ``seq`` (no commit)."""
    values = field_changes(changes)
    if 'assigned_user_id' in values:
        await ensure_assignable(session, caller.organization_id, values['assigned_user_id'])
    if 'custom_fields' in values:  # a new object: the JSON column is saved when the attribute is replaced
        values['custom_fields'] = merged_custom_fields(lead.custom_fields, values['custom_fields'])
    sent = sent_outcome(values)
    if sent:  # won / lost only in fechado (services/outcomes.py)
        values.update(
            outcome_values(stage=lead.stage, current_outcome=lead.outcome, current_reason=lead.lost_reason, sent=sent)
        )
    before = snapshot(lead)
    if 'notes' in values:  # LovedCRM's ``notes``: a new note when it differs from the latest (services/notes.py)
        text = values.pop('notes')
        if takes_note(lead, text):
            await add_note_row(session, lead=lead, author_id=caller.user_id, body=text)
    lead.sqlmodel_update(values)
    await _record_update(session, caller, lead, seq, before)


async def set_favorite(session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, is_favorite: bool) -> Lead:
    """Star or unstar a lead; event ``lead_updated``."""
    caller.require_writer()
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    before = snapshot(lead)
    lead.is_favorite = is_favorite
    await _record_update(session, caller, lead, seq, before)
    await session.commit()
    return lead


async def _record_update(session: AsyncSession, caller: Caller, lead: Lead, seq: int, before: dict[str, Any]) -> None:
    lead.version += 1
    lead.updated_at = utcnow()
    await session.flush()
    await record_event(
        session,
        organization_id=caller.organization_id,
        seq=seq,
        type=EventType.LEAD_UPDATED,
        lead_id=lead.id,
        actor_id=caller.user_id,
        payload={'lead': snapshot(lead), 'before': _filter_fields(before)},
    )


# what boards need of the state before an update to keep filtered counts and totals exact
FILTER_FIELDS = (
    'name',
    'email',
    'phone',
    'source',
    'assigned_user_id',
    'tags',
    'is_favorite',
    'estimated_value',
    'stage',
    'custom_fields',
    'outcome',
    'probability',  # weighted totals (services/forecast.py)
)


def _filter_fields(lead: dict[str, Any]) -> dict[str, Any]:
    return {key: lead.get(key) for key in FILTER_FIELDS}


async def delete_lead(
    session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, expected_version: int | None = None
) -> dict[str, Any]:
    """Delete a lead; event ``lead_deleted`` keeps its last snapshot (returned: an undo restores from it)."""
    caller.require_writer()
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    check_version(lead, expected_version)
    last = snapshot(lead)
    # its notes and activities go with it (ON DELETE CASCADE); the event keeps them and an undo puts them back
    notes = await kept_notes(session, lead_id)
    activities = await kept_activities(session, lead_id)
    await session.delete(lead)
    await record_event(
        session,
        organization_id=caller.organization_id,
        seq=seq,
        type=EventType.LEAD_DELETED,
        lead_id=lead_id,
        actor_id=caller.user_id,
        payload={'lead': last, 'kept': {'notes': notes, 'activities': activities}},
    )
    await session.commit()
    return last
