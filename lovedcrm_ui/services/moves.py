"""The stage move: one transaction that validates, repositions, versions and records the event."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models import EventType, Lead, PipelineStage, utcnow
from models.lead import LeadUpdate

from .access import Caller
from .leads import apply_update, check_version, field_changes, get_lead, snapshot
from .note_rows import add_note_row, takes_note
from .outcomes import OUTCOME_FIELDS, outcome_values
from .pipeline_events import allocate_seq, record_event
from .positions import LEADS, position_at


@dataclass(frozen=True)
class MoveResult:
    """The moved lead, and whether the move renumbered its whole column (other leads' positions changed).

    ``snapshot``: the lead as the API returns it, made once for the event (None when nothing was recorded).
    ``before``: the lead as it was before a dialog's save (what an undo puts back; None for a move).
    """

    lead: Lead
    respaced: bool
    snapshot: dict[str, Any] | None = None
    before: dict[str, Any] | None = None


async def move_lead(
    session: AsyncSession,
    *,
    caller: Caller,
    lead_id: uuid.UUID,
    stage: PipelineStage,
    index: int | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
    outcome: dict[str, Any] | None = None,
) -> MoveResult:
    """Move a lead to ``stage`` at ``index`` (0 = top; None = top of a new column, same place otherwise).

    Same stage + index is a reorder: its event has ``old_stage == new_stage``. ``stage_changed_at``
    (and so days-in-stage) only changes when the stage does. A stale ``expected_version`` → 409.
    ``outcome``: the ``outcome`` / ``lost_reason`` keys sent with the move (services/outcomes.py); leaving
    fechado clears both in the same write.
    """
    caller.require_writer()
    seq = await allocate_seq(session, caller.organization_id)  # organization lock first, always
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    check_version(lead, expected_version)
    moved = await apply_move(
        session, caller=caller, lead=lead, stage=stage, index=index, notes=notes, seq=seq, outcome=outcome
    )
    await session.commit()
    return moved


async def save_lead(
    session: AsyncSession, *, caller: Caller, lead_id: uuid.UUID, changes: LeadUpdate, stage: PipelineStage | None
) -> MoveResult:
    """The lead dialog's save: field changes and a new stage (top of its column) in one transaction.

    Records what each part is — ``lead_updated`` for the fields (if any), then ``lead_stage_changed``
    (if the stage differs) — committed together, so no one ever sees half a save, and a stale
    ``changes.expected_version`` refuses the whole save (409 with the current lead).
    """
    caller.require_writer()
    fields = field_changes(changes)
    # won / lost sent with a new stage belong to the move (the rule is checked against the stage it goes to)
    sent = {name: fields[name] for name in OUTCOME_FIELDS if name in fields}
    has_fields = bool(fields)
    seq = await allocate_seq(session, caller.organization_id)
    lead = await get_lead(session, organization_id=caller.organization_id, lead_id=lead_id, for_update=True)
    check_version(lead, changes.expected_version)
    before = snapshot(lead)
    moves = stage is not None and stage != lead.stage
    if moves and sent:
        changes = changes.model_copy(update=dict.fromkeys(OUTCOME_FIELDS))
        changes.model_fields_set.difference_update(OUTCOME_FIELDS)
        has_fields = bool(field_changes(changes))
    if not has_fields and not moves:
        # nothing to record: give the sequence number back (a committed number without an event is a gap)
        session.expunge(lead)  # keeps its loaded values through the rollback
        await session.rollback()
        return MoveResult(lead, False)
    saved = MoveResult(lead, False)
    if has_fields:
        await apply_update(session, caller=caller, lead=lead, changes=changes, seq=seq)
        if moves:
            seq = await allocate_seq(session, caller.organization_id)
    if moves and stage is not None:
        saved = await apply_move(
            session, caller=caller, lead=lead, stage=stage, index=0, notes=None, seq=seq, outcome=sent
        )
    await session.commit()
    return MoveResult(lead, saved.respaced, before=before)


async def apply_move(
    session: AsyncSession,
    *,
    caller: Caller,
    lead: Lead,
    stage: PipelineStage,
    index: int | None,
    notes: str | None,
    seq: int,
    outcome: dict[str, Any] | None = None,
) -> MoveResult:
    """Move a locked lead and record ``lead_stage_changed`` as ``seq`` (no commit)."""
    old_stage, old_outcome = lead.stage, lead.outcome
    closing = outcome_values(
        stage=stage, current_outcome=lead.outcome, current_reason=lead.lost_reason, sent=outcome or {}
    )
    stage_changes = old_stage != stage
    rebalanced = False
    position = lead.position
    if stage_changes or index is not None:
        position, rebalanced = await position_at(
            session, organization_id=caller.organization_id, stage=stage, lead_id=lead.id, index=index or 0
        )
    now = utcnow()
    if takes_note(lead, notes) and notes is not None:  # the move's ``notes``: a new note, the lead's latest
        await add_note_row(session, lead=lead, author_id=caller.user_id, body=notes, at=now)
        await session.flush()
    values: dict[str, Any] = {
        'position': position,
        'stage': stage,
        'version': lead.version + 1,  # the row is locked: the same as version + 1 in SQL
        'updated_at': now,
        **closing,
    }
    if stage_changes:
        values['stage_changed_at'] = now
    # one Core UPDATE by primary key instead of the unit of work's flush; the loaded lead takes the values as
    # its committed state, so the session has nothing left to flush for it
    await session.execute(update(LEADS).where(LEADS.c.id == lead.id).values(values))
    for name, value in values.items():
        set_committed_value(lead, name, value)
    lead_snapshot = snapshot(lead)
    await record_event(
        session,
        organization_id=caller.organization_id,
        seq=seq,
        type=EventType.LEAD_STAGE_CHANGED,
        lead_id=lead.id,
        actor_id=caller.user_id,
        payload={
            'lead': lead_snapshot,
            'old_stage': old_stage,
            'new_stage': str(stage),
            'old_outcome': old_outcome,  # weighted totals: a won lead counted 100, a lost one 0 (services/forecast.py)
            'position': lead.position,
            'rebalanced': rebalanced,
        },
    )
    return MoveResult(lead, rebalanced, lead_snapshot)
