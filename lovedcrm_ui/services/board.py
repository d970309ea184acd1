"""What the pipeline board reads: filtered columns (first N by position), counts and totals."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVarTuple

from sqlalchemy import Select, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import STAGE_ORDER, Lead, Membership, User, utcnow
from models.lead import FilterChoices, LeadPublic
from models.user import initials

from .facets import ZERO, lead_facets, to_money
from .forecast import HUNDRED, effective_probability_sql, stage_probabilities
from .lead_queries import contains_text
from .leads import lead_public

PAGE_SIZE = 50
RowTypes = TypeVarTuple('RowTypes')


@dataclass(frozen=True)
class BoardFilter:
    """The board's filter; the same rules run in SQL (reads) and in Python (live events)."""

    text: str = ''
    source: str | None = None
    assignee_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    favorites_only: bool = False
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    # plugin field filters (docs/EXTENDING.md): (field key, stored choice value, or '-' for "not set"), by key
    fields: tuple[tuple[str, str], ...] = ()

    def matches(self, lead: Mapping[str, Any]) -> bool:
        """Whether a lead snapshot (API shape) passes the filter — must agree with ``where()``."""
        needle = self.text.strip().lower()
        if needle and not any(needle in str(lead.get(key) or '').lower() for key in ('name', 'email', 'phone')):
            return False
        if self.source and lead.get('source') != self.source:
            return False
        if self.assignee_id and str(lead.get('assigned_user_id') or '') != str(self.assignee_id):
            return False
        if self.tags and not set(self.tags) & set(lead.get('tags') or []):
            return False
        if self.favorites_only and not lead.get('is_favorite'):
            return False
        if self.value_min is not None or self.value_max is not None:
            raw = lead.get('estimated_value')
            if raw is None:
                return False
            value = Decimal(str(raw))
            if self.value_min is not None and value < self.value_min:
                return False
            if self.value_max is not None and value > self.value_max:
                return False
        if self.fields:
            values = lead.get('custom_fields') or {}
            for key, wanted in self.fields:
                stored = values.get(key)
                if (stored is not None) if wanted == FIELD_NOT_SET else (stored != wanted):
                    return False
        return True

    def where(self, dialect: str) -> list[Any]:
        """SQL conditions on ``Lead`` for this filter."""
        conditions: list[Any] = []
        if self.text.strip():
            columns = (col(Lead.name), col(Lead.email), col(Lead.phone))
            conditions.append(contains_text(columns, self.text.strip(), dialect))
        if self.source:
            conditions.append(col(Lead.source) == self.source)
        if self.assignee_id:
            conditions.append(col(Lead.assigned_user_id) == self.assignee_id)
        if self.tags:
            if dialect == 'postgresql':
                clause = 'EXISTS (SELECT 1 FROM json_array_elements_text(leads.tags) AS t(v) WHERE t.v IN :tags)'
            else:
                clause = 'EXISTS (SELECT 1 FROM json_each(leads.tags) WHERE json_each.value IN :tags)'
            conditions.append(text(clause).bindparams(bindparam('tags', list(self.tags), expanding=True)))
        if self.favorites_only:
            conditions.append(col(Lead.is_favorite).is_(True))
        if self.value_min is not None:
            conditions.append(col(Lead.estimated_value) >= self.value_min)
        if self.value_max is not None:
            conditions.append(col(Lead.estimated_value) <= self.value_max)
        conditions.extend(field_conditions(self.fields))
        return conditions


FIELD_NOT_SET = '-'  # a plugin field filter's "no value" (extensions.NO_VALUE)


def field_conditions(fields: tuple[tuple[str, str], ...]) -> list[Any]:
    """SQL for plugin field filters: the stored text equals the choice, or the key is absent (JSON null counts)."""
    conditions: list[Any] = []
    for key, wanted in fields:
        stored = col(Lead.custom_fields)[key].as_string()
        conditions.append(stored.is_(None) if wanted == FIELD_NOT_SET else stored == wanted)
    return conditions


@dataclass
class ColumnData:
    """One stage column: its first cards by position and the filtered count and value total."""

    stage: str
    cards: list[LeadPublic] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal('0.00')
    weighted: Decimal = Decimal('0.00')  # Σ value x effective probability (services/forecast.py)


@dataclass(frozen=True)
class StageFigures:
    """A stage's leads under the board's filter: how many, their value and their weighted value."""

    count: int
    total: Decimal
    weighted: Decimal


async def stage_totals(
    session: AsyncSession, *, organization_id: uuid.UUID, board_filter: BoardFilter
) -> dict[str, tuple[int, Decimal]]:
    """(count, sum of estimated value) per stage for the filter (``stage_figures`` without the weighted value)."""
    figures = await stage_figures(session, organization_id=organization_id, board_filter=board_filter)
    return {stage: (figure.count, figure.total) for stage, figure in figures.items()}


async def stage_figures(
    session: AsyncSession, *, organization_id: uuid.UUID, board_filter: BoardFilter
) -> dict[str, StageFigures]:
    """Count, sum of estimated value and weighted value per stage for the filter.

    Unfiltered, from the organization's facets (kept up to date from the events): the board opens as fast with
    100,000 leads as with 1,000. A filter is counted in SQL (its conditions narrow the rows read). The weighted
    value uses the organization's percent per stage, read with them (one row by primary key).
    """
    dialect = session.get_bind().dialect.name
    conditions = board_filter.where(dialect)
    defaults = await stage_probabilities(session, organization_id=organization_id)
    if not conditions:
        facets = await lead_facets(session, organization_id=organization_id)
        return {
            stage.value: StageFigures(
                facets.stage_counts.get(stage.value, 0),
                facets.stage_values.get(stage.value, ZERO),
                facets.weighted(stage.value, defaults),
            )
            for stage in STAGE_ORDER
        }
    weighted = func.sum(col(Lead.estimated_value) * effective_probability_sql(defaults))
    rows = await session.execute(
        select(col(Lead.stage), func.count(), func.sum(col(Lead.estimated_value)), weighted)
        .where(col(Lead.organization_id) == organization_id, *conditions)
        .group_by(col(Lead.stage))
    )
    totals = {stage.value: StageFigures(0, ZERO, ZERO) for stage in STAGE_ORDER}
    for stage, count, total, weight in rows.all():
        # value x percent is exact in cents x percent (SQLite sums floats): rounded to that, then divided exactly
        totals[stage] = StageFigures(int(count), to_money(total), to_money(weight) / HUNDRED)
    return totals


def column_query(
    query: Select[*RowTypes],
    *,
    organization_id: uuid.UUID,
    stage: str,
    board_filter: BoardFilter,
    after: tuple[float, uuid.UUID] | None,
    dialect: str,
) -> Select[*RowTypes]:
    """``query`` narrowed to one filtered column in board order (position, id), after ``(position, id)`` if given."""
    query = query.where(
        col(Lead.organization_id) == organization_id, col(Lead.stage) == stage, *board_filter.where(dialect)
    )
    if after is not None:
        position, lead_id = after
        query = query.where(
            (col(Lead.position) > position) | ((col(Lead.position) == position) & (col(Lead.id) > lead_id))
        )
    return query.order_by(col(Lead.position), col(Lead.id))


async def column_cards(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    stage: str,
    board_filter: BoardFilter,
    after: tuple[float, uuid.UUID] | None = None,
    limit: int = PAGE_SIZE,
) -> list[LeadPublic]:
    """Cards of one column in board order, after ``(position, id)`` when loading more."""
    query = column_query(
        select(Lead),
        organization_id=organization_id,
        stage=stage,
        board_filter=board_filter,
        after=after,
        dialect=session.get_bind().dialect.name,
    )
    rows = await session.execute(query.limit(limit))
    now = utcnow()
    return [lead_public(lead, now) for lead in rows.scalars()]


async def board_columns(
    session: AsyncSession, *, organization_id: uuid.UUID, board_filter: BoardFilter, limit: int = PAGE_SIZE
) -> dict[str, ColumnData]:
    """Every column's first ``limit`` cards with its filtered count and total."""
    totals = await stage_figures(session, organization_id=organization_id, board_filter=board_filter)
    columns = {}
    for stage in STAGE_ORDER:
        figure = totals[stage.value]
        count = figure.count
        cards = (
            await column_cards(
                session, organization_id=organization_id, stage=stage.value, board_filter=board_filter, limit=limit
            )
            if count
            else []
        )
        columns[stage.value] = ColumnData(
            stage=stage.value, cards=cards, count=count, total=figure.total, weighted=figure.weighted
        )
    return columns


@dataclass(frozen=True)
class TeamMember:
    """A member as the board shows them (assignee initials, filter choices, presence)."""

    user_id: uuid.UUID
    name: str
    email: str
    role: str

    @property
    def initials(self) -> str:
        """Up to two letters of the name."""
        return initials(self.name)


async def team(session: AsyncSession, *, organization_id: uuid.UUID) -> dict[uuid.UUID, TeamMember]:
    """Active members by user id."""
    rows = await session.execute(
        select(col(User.id), col(User.full_name), col(User.email), col(Membership.role))
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(col(Membership.organization_id) == organization_id, col(Membership.is_active).is_(True))
    )
    return {uid: TeamMember(uid, name or email, email, role) for uid, name, email, role in rows.all()}


async def index_below(
    session: AsyncSession, *, organization_id: uuid.UUID, stage: str, lead_id: uuid.UUID, above_id: uuid.UUID | None
) -> int:
    """The column index (0 = top) just below lead ``above_id``, ignoring ``lead_id`` itself.

    A board shows a filtered, partly loaded column, so a drop position is a neighbour, not an index
    of the whole column; this turns "below that card" into the index ``move_lead`` takes.
    """
    if above_id is None:
        return 0
    above = (
        await session.execute(
            select(col(Lead.position), col(Lead.stage)).where(
                col(Lead.id) == above_id, col(Lead.organization_id) == organization_id
            )
        )
    ).first()
    if above is None or above.stage != stage:
        return 0
    count = await session.scalar(
        select(func.count())
        .select_from(Lead)
        .where(
            col(Lead.organization_id) == organization_id,
            col(Lead.stage) == stage,
            col(Lead.id) != lead_id,
            (col(Lead.position) < above.position)
            | ((col(Lead.position) == above.position) & (col(Lead.id) <= above_id)),
        )
    )
    return int(count or 0)


async def filter_choices(session: AsyncSession, *, organization_id: uuid.UUID) -> FilterChoices:
    """Sources and tags in use, for the filter bar (from the organization's facets: no scan of every lead)."""
    facets = await lead_facets(session, organization_id=organization_id)
    return FilterChoices(sources=facets.sources, tags=facets.tags)
