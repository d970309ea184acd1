"""Forecast: the one rule for a lead's chance of closing, the organization's percent per stage, weighted values.

A lead's *effective* probability: 100 when won, 0 when lost, else its own ``probability`` when set, else its
stage's percent from the organization's ``stage_probabilities``. Its weighted value is its estimated value times
that percent. The board's columns (services/board.py, facets.py), its header, the metrics and the insights all
ask this module, so they can never disagree.
"""

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import STAGE_ORDER, Lead, PipelineStage, utcnow
from models.metrics import Forecast, ForecastMonth
from models.organization import DEFAULT_STAGE_PROBABILITIES, StageProbabilities
from models.types import LeadOutcome

from ..db import queue_event
from ..events import AccessChange, AccessKind
from .access import Caller
from .organizations import get_organization

HUNDRED = Decimal(100)
ZERO = Decimal('0.00')
FORECAST_MONTHS = 3  # this month and the next two


def fixed_probability(outcome: str | None, probability: int | None) -> int | None:
    """The percent a lead carries whatever its stage's default: won 100, lost 0, else its own (None: none)."""
    if outcome == LeadOutcome.WON:
        return 100
    if outcome == LeadOutcome.LOST:
        return 0
    return probability


def effective_probability(lead: Mapping[str, Any], defaults: Mapping[str, int]) -> int:
    """A lead snapshot's (API shape) chance of closing in percent under the organization's ``defaults``."""
    fixed = fixed_probability(lead.get('outcome'), lead.get('probability'))
    if fixed is not None:
        return int(fixed)
    return int(defaults.get(str(lead.get('stage')), 0))


def lead_value(lead: Mapping[str, Any] | None) -> Decimal:
    """A snapshot's estimated value (0 when empty)."""
    raw = (lead or {}).get('estimated_value')
    return Decimal(str(raw)) if raw is not None else ZERO


def weighted_value(lead: Mapping[str, Any] | None, defaults: Mapping[str, int]) -> Decimal:
    """A snapshot's value times its effective probability (exact: cents times a whole percent, over 100)."""
    if not lead:
        return ZERO
    return lead_value(lead) * effective_probability(lead, defaults) / HUNDRED


def complete(stored: Mapping[str, Any] | None) -> dict[str, int]:
    """Every stage's percent: the stored map, the default for a stage it lacks."""
    stored = stored or {}
    return {
        stage.value: int(stored.get(stage.value, DEFAULT_STAGE_PROBABILITIES[stage.value])) for stage in STAGE_ORDER
    }


def fixed_probability_sql() -> ColumnElement[Any]:
    """``fixed_probability`` in SQL on ``Lead`` (NULL: the stage's default applies)."""
    return case(
        (col(Lead.outcome) == LeadOutcome.WON.value, 100),
        (col(Lead.outcome) == LeadOutcome.LOST.value, 0),
        else_=col(Lead.probability),
    )


def effective_probability_sql(defaults: Mapping[str, int]) -> ColumnElement[Any]:
    """``effective_probability`` in SQL on ``Lead``."""
    stage_default = case(
        *((col(Lead.stage) == stage, percent) for stage, percent in complete(defaults).items()), else_=0
    )
    return func.coalesce(fixed_probability_sql(), stage_default)


async def stage_probabilities(session: AsyncSession, *, organization_id: uuid.UUID) -> dict[str, int]:
    """The organization's percent per stage (every stage; any member may read them)."""
    organization = await get_organization(session, organization_id=organization_id)
    return complete(organization.stage_probabilities)


async def set_stage_probabilities(
    session: AsyncSession, *, caller: Caller, probabilities: StageProbabilities
) -> dict[str, int]:
    """Change the percent of the stages sent (owner/admin); the others keep theirs. Boards re-read their totals."""
    caller.require_manager()
    organization = await get_organization(session, organization_id=caller.organization_id)
    sent = probabilities.model_dump(exclude_none=True)
    organization.stage_probabilities = {**complete(organization.stage_probabilities), **sent}  # a new object: saved
    organization.updated_at = utcnow()
    queue_event(
        session, AccessChange(AccessKind.ORGANIZATION_UPDATED, user_id=caller.user_id, organization_id=organization.id)
    )
    await session.commit()
    return complete(organization.stage_probabilities)


def month_start(day: date, months_later: int = 0) -> date:
    """The first day of the month ``months_later`` months after ``day``'s."""
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal('0.01'))


async def forecast(
    session: AsyncSession, *, conditions: list[Any], defaults: Mapping[str, int], today: date | None = None
) -> Forecast:
    """The open leads matching ``conditions``: weighted pipeline, and what should close per month from this one.

    Open: not in fechado. ``months``: this month and the next two by ``expected_close_date`` (count, value,
    weighted value); ``overdue_count``: open leads whose expected date has passed; ``undated_count``: open leads
    without one. One statement, no grouping by a dialect's date function.
    """
    today = today or utcnow().date()
    value = func.coalesce(col(Lead.estimated_value), 0)
    weighted = value * effective_probability_sql(defaults)
    close = col(Lead.expected_close_date)
    bounds = [month_start(today, months) for months in range(FORECAST_MONTHS + 1)]
    columns: list[Any] = [func.sum(weighted), func.count(), func.sum(case((close < today, 1), else_=0))]
    columns.append(func.sum(case((close.is_(None), 1), else_=0)))
    for start, end in pairwise(bounds):
        inside = (close >= start) & (close < end)
        columns += [
            func.sum(case((inside, 1), else_=0)),
            func.sum(case((inside, value), else_=0)),
            func.sum(case((inside, weighted), else_=0)),
        ]
    row = (
        await session.execute(select(*columns).where(*conditions, col(Lead.stage) != PipelineStage.FECHADO.value))
    ).one()
    months = [
        ForecastMonth(
            month=f'{start:%Y-%m}',
            count=int(row[4 + 3 * index] or 0),
            value=_money(row[5 + 3 * index]),
            weighted_value=_money(_money(row[6 + 3 * index]) / HUNDRED),
        )
        for index, start in enumerate(bounds[:-1])
    ]
    return Forecast(
        weighted_pipeline_value=_money(_money(row[0]) / HUNDRED),
        open_count=int(row[1] or 0),
        overdue_count=int(row[2] or 0),
        undated_count=int(row[3] or 0),
        months=months,
        stage_probabilities=complete(defaults),
    )
