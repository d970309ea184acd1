"""Won / lost: the one rule for a lead's ``outcome`` and ``lost_reason``, and the organization's lost reasons.

Every write that can change a lead's stage or outcome (the update, the stage move, the dialog's save) asks
``outcome_values`` what the two fields become, so the API and the board can never disagree.
"""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Lead, PipelineStage, utcnow
from models.metrics import LostReasonCount
from models.organization import LostReasons
from models.types import LeadOutcome

from ..db import queue_event
from ..events import AccessChange, AccessKind
from .access import Caller
from .errors import ErrorCode, Invalid
from .organizations import get_organization

OUTCOME_FIELDS = ('outcome', 'lost_reason')
TOP_LOST_REASONS = 5


def outcome_values(
    *, stage: str, current_outcome: str | None, current_reason: str | None, sent: dict[str, Any]
) -> dict[str, Any]:
    """What ``outcome`` and ``lost_reason`` become when a lead is (or stays) in ``stage`` and ``sent`` asks.

    ``sent`` holds the keys a client sent (a null is sent too). Outside fechado both are cleared, and asking for
    an outcome there is 422 ``outcome_needs_closed_stage``; a reason without "lost" is 422
    ``lost_reason_needs_lost``. An outcome changed away from "lost" drops the reason; a blank reason is null.
    """
    reason = sent['lost_reason'] if 'lost_reason' in sent else None
    if isinstance(reason, str):
        reason = reason.strip() or None
    if stage != PipelineStage.FECHADO:
        if sent.get('outcome') is not None:
            raise Invalid(
                'outcome can only be set on a lead in the fechado stage', code=ErrorCode.OUTCOME_NEEDS_CLOSED_STAGE
            )
        if reason is not None:
            raise Invalid('lost_reason needs outcome "lost"', code=ErrorCode.LOST_REASON_NEEDS_LOST)
        return {'outcome': None, 'lost_reason': None}
    outcome = sent['outcome'] if 'outcome' in sent else current_outcome
    outcome = None if outcome is None else LeadOutcome(outcome)
    if 'lost_reason' not in sent and outcome == LeadOutcome.LOST and current_outcome == LeadOutcome.LOST:
        reason = current_reason  # still lost, reason not sent: it stays
    if reason is not None and outcome != LeadOutcome.LOST:
        raise Invalid('lost_reason needs outcome "lost"', code=ErrorCode.LOST_REASON_NEEDS_LOST)
    return {'outcome': outcome, 'lost_reason': reason}


def sent_outcome(values: dict[str, Any]) -> dict[str, Any]:
    """The outcome keys among a write's values (removed from ``values``)."""
    return {name: values.pop(name) for name in OUTCOME_FIELDS if name in values}


async def lost_reasons(session: AsyncSession, *, organization_id: uuid.UUID) -> list[str]:
    """The organization's lost reasons, as typed (any member may read them)."""
    organization = await get_organization(session, organization_id=organization_id)
    return list(organization.lost_reasons or [])


async def set_lost_reasons(session: AsyncSession, *, caller: Caller, reasons: LostReasons) -> list[str]:
    """Replace the organization's lost reasons (owner/admin); the same name twice (ignoring case) is 422."""
    caller.require_manager()
    seen: set[str] = set()
    for reason in reasons.reasons:
        if reason.casefold() in seen:
            raise Invalid(f'"{reason}" is in the list twice', code=ErrorCode.LOST_REASON_DUPLICATE)
        seen.add(reason.casefold())
    organization = await get_organization(session, organization_id=caller.organization_id)
    organization.lost_reasons = list(reasons.reasons)  # a new list: the JSON column is saved when replaced
    organization.updated_at = utcnow()
    queue_event(
        session, AccessChange(AccessKind.ORGANIZATION_UPDATED, user_id=caller.user_id, organization_id=organization.id)
    )
    await session.commit()
    return list(organization.lost_reasons)


async def top_lost_reasons(
    session: AsyncSession, *, conditions: list[Any], limit: int = TOP_LOST_REASONS
) -> list[LostReasonCount]:
    """The most frequent reasons among the lost deals matching ``conditions`` (most first, then by name)."""
    count = func.count().label('count')
    rows = await session.execute(
        select(col(Lead.lost_reason), count)
        .where(
            *conditions,
            col(Lead.stage) == PipelineStage.FECHADO,
            col(Lead.outcome) == LeadOutcome.LOST,
            col(Lead.lost_reason).is_not(None),
        )
        .group_by(col(Lead.lost_reason))
        .order_by(count.desc(), col(Lead.lost_reason))
        .limit(limit)
    )
    return [LostReasonCount(reason=str(reason), count=int(n)) for reason, n in rows.all()]
