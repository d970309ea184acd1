"""Order inside a stage column: fractional positions, rebalanced when gaps get too small."""

import uuid

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Lead

from ..db import table_of

STEP = 1024.0
# below this gap a midpoint loses meaning in float64 after a few dozen more halvings: respace the column
MIN_GAP = 1e-6
MAX_INDEX = 2**31


LEADS = table_of(Lead)


def _column(organization_id: uuid.UUID, stage: str, exclude: uuid.UUID | None = None) -> Select[uuid.UUID, float]:
    # Core columns of the table (no ORM compile step): a move reads its neighbours with this on every call
    query = select(LEADS.c.id, LEADS.c.position).where(
        LEADS.c.organization_id == organization_id, LEADS.c.stage == stage
    )
    if exclude is not None:
        query = query.where(LEADS.c.id != exclude)
    return query.order_by(LEADS.c.position, LEADS.c.id)


async def top_position(session: AsyncSession, organization_id: uuid.UUID, stage: str) -> float:
    """A position above every lead of the column."""
    first = await session.scalar(
        select(func.min(col(Lead.position))).where(
            col(Lead.organization_id) == organization_id, col(Lead.stage) == stage
        )
    )
    return 0.0 if first is None else float(first) - STEP


async def position_at(
    session: AsyncSession, *, organization_id: uuid.UUID, stage: str, lead_id: uuid.UUID, index: int
) -> tuple[float, bool]:
    """The position that puts ``lead_id`` at ``index`` (0 = top) of the column; True if it was respaced."""
    # past the end means last anyway; the bound keeps OFFSET within a 64-bit integer
    index = min(max(0, index), MAX_INDEX)
    for attempt in range(2):
        # the top needs only the first lead of the column; elsewhere the neighbours above and below
        query = _column(organization_id, stage, exclude=lead_id).offset(max(index - 1, 0)).limit(1 if index == 0 else 2)
        rows = [float(r.position) for r in (await session.execute(query)).all()]
        if index == 0:
            before, after = None, (rows[0] if rows else None)
        else:
            before = rows[0] if rows else None
            after = rows[1] if len(rows) > 1 else None
            if before is None:  # index past the end: go last
                last = await session.scalar(
                    select(func.max(col(Lead.position))).where(
                        col(Lead.organization_id) == organization_id, col(Lead.stage) == stage, col(Lead.id) != lead_id
                    )
                )
                before = None if last is None else float(last)
        if before is None:
            return (0.0 if after is None else after - STEP), attempt > 0
        if after is None:
            return before + STEP, attempt > 0
        if after - before > MIN_GAP:
            return (before + after) / 2, attempt > 0
        await respace_column(session, organization_id=organization_id, stage=stage, exclude=lead_id)
    raise RuntimeError('respacing did not open a gap')  # unreachable: respacing leaves STEP between neighbours


async def respace_column(
    session: AsyncSession, *, organization_id: uuid.UUID, stage: str, exclude: uuid.UUID | None = None
) -> None:
    """Give every lead of the column positions STEP apart, keeping their order."""
    rows = (await session.execute(_column(organization_id, stage, exclude=exclude))).all()
    changes = [{'id': row.id, 'position': i * STEP} for i, row in enumerate(rows) if row.position != i * STEP]
    if changes:
        await session.execute(update(Lead), changes)  # one executemany by primary key
