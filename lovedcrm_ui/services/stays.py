"""The stage history as stays ([entered, left) in one stage) and what the metrics take from them.

The database does the work, on SQLite and PostgreSQL alike: one window pass
(``LEAD(…) OVER (PARTITION BY lead_id ORDER BY seq)``) over each lead's creation and stage-change events cuts
its history into pieces (``pieces_cte``), and one statement sums them per stage, per lead and per closing;
only a few rows per stage come back to Python. Rules: docs/METRICS.md.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Date,
    Float,
    Numeric,
    String,
    Uuid,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import STAGE_ORDER, EventType, Lead, PipelineEvent, PipelineStage
from models.types import LeadOutcome, UTCDateTime

from .board import to_money

CLOSED = PipelineStage.FECHADO.value
LOST = LeadOutcome.LOST.value
RANK = {stage.value: rank for rank, stage in enumerate(STAGE_ORDER)}

# --- SQL building blocks that differ between SQLite and PostgreSQL


def greatest(first: Any, second: Any, dialect: str) -> ColumnElement[Any]:
    """The larger of two values (SQLite's two-argument ``max``)."""
    return func.max(first, second) if dialect == 'sqlite' else func.greatest(first, second)


def least(first: Any, second: Any, dialect: str) -> ColumnElement[Any]:
    """The smaller of two values (SQLite's two-argument ``min``)."""
    return func.min(first, second) if dialect == 'sqlite' else func.least(first, second)


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """``later - earlier`` in days, as a float."""
    if dialect == 'sqlite':  # timestamps are stored as ISO text, which julianday() reads (to the millisecond)
        return func.julianday(later) - func.julianday(earlier)
    return func.extract('epoch', later - earlier) / 86400.0


def utc_day(moment: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column (whatever the session's time zone)."""
    if dialect == 'sqlite':
        return func.date(moment)
    return cast(func.timezone('UTC', moment), Date)


def as_date(value: Any) -> date:
    """A day as the database returns it (a date, or ISO text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def moment(value: datetime) -> ColumnElement[datetime]:
    """A timestamp parameter stored exactly like the columns (so SQLite compares like with like)."""
    return literal(value, UTCDateTime())


def rank(stage: Any) -> ColumnElement[int]:
    """A stage's position in the pipeline (0 = lead … 4 = fechado)."""
    return case(RANK, value=stage, else_=-1)


def real_stage_change() -> ColumnElement[bool]:
    """An event that changed a lead's stage (a reorder within a column keeps ``old_stage == new_stage``)."""
    payload = col(PipelineEvent.payload)
    return and_(
        col(PipelineEvent.type) == EventType.LEAD_STAGE_CHANGED,
        payload['old_stage'].as_string() != payload['new_stage'].as_string(),
    )


def event_lead_join() -> ColumnElement[bool]:
    """Events joined to their lead: deleted leads have no row, so their events drop out."""
    return and_(col(Lead.id) == col(PipelineEvent.lead_id), col(Lead.organization_id) == PipelineEvent.organization_id)


def pieces_cte(organization_id: uuid.UUID, conditions: list[Any], *, shared: bool) -> CTE:
    """The stage history of the leads matching ``conditions`` as pieces of time between two of their events.

    Each lead contributes its creation and its ``lead_stage_changed`` events in ``seq`` order; each of those
    starts a piece (lead_id, seq, before, stage, entered, left_at) that lasts until the next one (``left_at``
    NULL: until now). ``before`` is the stage the lead was in just before (NULL for the creation), ``stage``
    the one it is in during the piece: the next event's ``old_stage``, or its current stage after the last
    event. A stay is a run of pieces in one stage: a reorder within a column starts a piece but no stay
    (``before == stage``). ``old_stage`` is thus the one thing read from the large JSON payloads (that read is
    most of the cost), and one window pass does the rest. The join to ``leads`` drops deleted leads' events
    and brings the lead's ``created``, ``current`` stage and ``value`` along.
    """
    lead_fields: tuple[Any, ...] = (
        col(Lead.stage).label('current'),
        col(Lead.created_at).label('created'),
        col(Lead.estimated_value).label('value'),
        # 0 for a lost deal, 1 otherwise: a lead in fechado without an outcome counts as won (docs/METRICS.md)
        case((col(Lead.outcome) == LOST, 0), else_=1).label('won'),
    )
    creations = select(
        col(Lead.id).label('lead_id'),
        literal(0, BigInteger).label('seq'),
        col(Lead.created_at).label('at'),
        cast(null(), String).label('before'),
        *lead_fields,
    ).where(*conditions)
    changes = (
        select(
            col(PipelineEvent.lead_id),
            col(PipelineEvent.seq),
            col(PipelineEvent.created_at),
            col(PipelineEvent.payload)['old_stage'].as_string(),
            *lead_fields,
        )
        .join(Lead, event_lead_join())
        .where(
            col(PipelineEvent.organization_id) == organization_id,
            col(PipelineEvent.type) == EventType.LEAD_STAGE_CHANGED,
            *conditions,
        )
    )
    b = union_all(creations, changes).subquery('boundaries').c
    pieces = select(
        b.lead_id,
        b.seq,
        b.before,
        func.coalesce(func.lead(b.before).over(partition_by=b.lead_id, order_by=b.seq), b.current).label('stage'),
        b.at.label('entered'),
        func.lead(b.at).over(partition_by=b.lead_id, order_by=b.seq).label('left_at'),
        b.created,
        b.current,
        b.value,
        b.won,
    )
    # ``shared``: several parts of one statement read the pieces, which are then computed once
    return pieces.cte('pieces').prefix_with('MATERIALIZED') if shared else pieces.cte('pieces')


@dataclass(frozen=True)
class StayStats:
    """Days in one stage over its stays (quartiles by linear interpolation); None without stays."""

    stays: int = 0
    mean: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    low: float | None = None
    high: float | None = None


def quantile(values: dict[int, float], count: int, quarter: int) -> float:
    """The ``quarter``/4 quantile of ``count`` sorted values; ``values`` holds the needed 1-based ranks."""
    position = (count - 1) * quarter / 4
    below = math.floor(position)
    value = values[below + 1]
    if position > below:
        value += (values[below + 2] - value) * (position - below)
    return value


@dataclass
class Progress:
    """How far leads got: the furthest stage each reached, and the days from creation to closing."""

    reached: dict[int, int] = field(default_factory=dict)  # furthest stage rank → leads
    cycle_days: float = 0.0  # summed over the leads now closed
    closed: int = 0

    def at_least(self, stage_rank: int) -> int:
        """Leads that reached the stage of rank ``stage_rank`` or a later one."""
        return sum(count for furthest, count in self.reached.items() if furthest >= stage_rank)

    @property
    def avg_cycle_days(self) -> float | None:
        """Mean days from creation to first entering fechado over the leads now closed (None without)."""
        return self.cycle_days / self.closed if self.closed else None


@dataclass
class StayFigures:
    """What the metrics take from the stays, read in one statement."""

    stats: dict[str, StayStats]
    progress: Progress
    closings: list[tuple[uuid.UUID, datetime, Decimal]]  # (lead, entered fechado, its estimated value)


# the one statement's columns: each part fills its own and leaves the others NULL
PART_COLUMNS = ('kind', 'stage', 'lead_id', 'k', 'n', 'x', 'y', 'at', 'value')


def _row(kind: str, **values: Any) -> list[Any]:
    """A part's select list in ``PART_COLUMNS`` order, typed NULLs where the part has nothing."""
    nulls: dict[str, Any] = {
        'stage': cast(null(), String),
        'lead_id': cast(null(), Uuid()),
        'k': cast(null(), BigInteger),
        'n': cast(null(), BigInteger),
        'x': cast(null(), Float),
        'y': cast(null(), Float),
        'at': cast(null(), UTCDateTime()),
        'value': cast(null(), Numeric(12, 2)),
    }
    columns = {'kind': literal(kind, String), **nulls, **values}
    return [columns[name].label(name) for name in PART_COLUMNS]


def starts_stay(pieces: CTE) -> ColumnElement[bool]:
    """A piece that starts a stay: the lead's creation, or an event that changed its stage."""
    return or_(pieces.c.seq == 0, pieces.c.before != pieces.c.stage)


def _clipped(pieces: CTE, start: datetime | None, end: datetime | None, now: datetime, dialect: str) -> Any:
    """The pieces overlapping [start, end]: (lead_id, seq, stage, days inside, first). ``first`` is 1 on the
    first piece of each stay inside the period: a stay's start, or the piece the period starts in (the one
    before it ended by the start). A piece of no length inside the period is left out."""
    entered: Any = pieces.c.entered
    left: Any = func.coalesce(pieces.c.left_at, moment(now))
    first = starts_stay(pieces)
    if start is not None:
        entered = greatest(entered, moment(start), dialect)
        first = or_(first, pieces.c.entered <= moment(start))
    if end is not None:
        left = least(left, moment(end), dialect)
    return select(
        pieces.c.lead_id,
        pieces.c.seq,
        pieces.c.stage,
        days_between(left, entered, dialect).label('days'),
        case((first, 1), else_=0).label('first'),
    ).where(left > entered)


def _stage_means_part(clipped: Any) -> Any:
    """Per stage: the stays overlapping the period and their summed days inside it."""
    c = clipped.subquery('clipped').c
    return select(*_row('stay', stage=c.stage, n=func.sum(c.first), x=func.sum(c.days))).group_by(c.stage)


def _stage_quartiles_part(clipped: Any) -> Any:
    """Per stage: ranks 1 and n of its stays by days inside the period, and the two ranks around each
    quartile, with the stage's stay count and mean (sorting every stay costs: only /insights asks)."""
    c = clipped.subquery('clipped').c
    stay_number = func.sum(c.first).over(partition_by=c.lead_id, order_by=c.seq, rows=(None, 0))
    numbered = select(c.lead_id, c.stage, c.days, stay_number.label('stay')).subquery('numbered').c
    per_stay = (
        select(numbered.stage, func.sum(numbered.days).label('days'))
        .group_by(numbered.lead_id, numbered.stay, numbered.stage)
        .subquery('per_stay')
        .c
    )
    ranked = select(
        per_stay.stage,
        per_stay.days,
        func.row_number().over(partition_by=per_stay.stage, order_by=per_stay.days).label('k'),
        func.count().over(partition_by=per_stay.stage).label('n'),
        func.sum(per_stay.days).over(partition_by=per_stay.stage).label('total'),
    ).subquery('ranked')
    k, n = ranked.c.k, ranked.c.n
    needed = [k == 1, k == n]
    for quarter in (1, 2, 3):
        needed += [k == (n - 1) * quarter // 4 + 1, k == (n - 1) * quarter // 4 + 2]
    return select(*_row('stay', stage=ranked.c.stage, k=k, n=n, x=ranked.c.total, y=ranked.c.days)).where(or_(*needed))


def _created_within(pieces: CTE, start: datetime | None, end: datetime | None) -> list[Any]:
    """Pieces of the leads created within [start, end]."""
    conditions = []
    if start is not None:
        conditions.append(pieces.c.created >= moment(start))
    if end is not None:
        conditions.append(pieces.c.created <= moment(end))
    return conditions


def _progress_part(pieces: CTE, start: datetime | None, end: datetime | None, dialect: str) -> Any:
    """Leads created in the period by the furthest stage they were ever in, with the summed days from
    creation to first entering fechado of those now closed and not lost."""
    p = pieces.c
    per_lead = (
        select(
            func.max(rank(p.stage)).label('furthest'),
            func.min(case((p.stage == CLOSED, p.entered))).label('closed_at'),
            func.max(p.created).label('created'),
            func.max(p.current).label('current'),
            func.max(p.won).label('won'),
        )
        .where(*_created_within(pieces, start, end))
        .group_by(p.lead_id)
        .subquery('per_lead')
        .c
    )
    cycle = case(
        (
            and_(per_lead.current == CLOSED, per_lead.won == 1),
            days_between(per_lead.closed_at, per_lead.created, dialect),
        )
    )
    return select(*_row('reach', k=per_lead.furthest, n=func.count(), x=func.sum(cycle), y=func.count(cycle))).group_by(
        per_lead.furthest
    )


def _closings_part(pieces: CTE, start: datetime | None, end: datetime | None) -> Any:
    """Each entry into fechado (up to ``end``) of the leads created in the period and not lost, with the lead's
    value."""
    p = pieces.c
    return select(*_row('closed', lead_id=p.lead_id, at=p.entered, value=p.value)).where(
        p.stage == CLOSED,
        p.won == 1,
        starts_stay(pieces),
        *_created_within(pieces, start, end),
        *([p.entered <= moment(end)] if end is not None else []),
    )


async def stay_figures(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    conditions: list[Any],
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    with_quartiles: bool = False,
    with_progress: bool = False,
    with_closings: bool = False,
) -> StayFigures:
    """Days in each stage for the leads matching ``conditions`` over [start, end] (current stays end ``now``),
    and on request their quartiles, how far the leads created in the period got and when they entered
    fechado: all in one statement over the stays."""
    dialect = session.get_bind().dialect.name
    pieces = pieces_cte(organization_id, conditions, shared=with_progress or with_closings)
    clipped = _clipped(pieces, start, end, now, dialect)
    parts = [_stage_quartiles_part(clipped) if with_quartiles else _stage_means_part(clipped)]
    if with_progress:
        parts.append(_progress_part(pieces, start, end, dialect))
    if with_closings:
        parts.append(_closings_part(pieces, start, end))
    statement: Any = union_all(*parts) if len(parts) > 1 else parts[0]
    rows = await session.execute(statement)
    picked: dict[str, tuple[int, float, dict[int, float]]] = {}
    figures = StayFigures(stats={stage.value: StayStats() for stage in STAGE_ORDER}, progress=Progress(), closings=[])
    for kind, stage, lead_id, k, n, x, y, at, value in rows.all():
        if kind == 'stay':  # n: the stage's stays, x: their summed days; k, y: one stay's rank and days
            if n:
                values = picked.setdefault(stage, (int(n), float(x) / int(n), {}))[2]
                if k is not None:
                    values[int(k)] = float(y)
        elif kind == 'reach':
            figures.progress.reached[int(k)] = int(n)
            figures.progress.cycle_days += max(0.0, float(x or 0.0))
            figures.progress.closed += int(y or 0)
        else:
            figures.closings.append((lead_id, at, to_money(value)))
    for stage, (count, mean, values) in picked.items():
        if stage not in figures.stats:
            continue  # no other stage is stored; a guard, not a case
        if not values:
            figures.stats[stage] = StayStats(stays=count, mean=mean)
            continue
        figures.stats[stage] = StayStats(
            stays=count,
            mean=mean,
            median=quantile(values, count, 2),
            q1=quantile(values, count, 1),
            q3=quantile(values, count, 3),
            low=values[1],
            high=values[count],
        )
    return figures
