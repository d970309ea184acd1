"""Reading leads: pages, search, statistics and filter options (all scoped by organization)."""

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import STAGE_ORDER, Lead, Membership, PipelineStage, User, utcnow
from models.lead import AssignableUser, DateRange, FilterOptions, LeadList, LeadStats

from .facets import lead_facets
from .leads import lead_public


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with LIKE's wildcards taken literally."""
    escaped = text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
    return f'%{escaped}%'


def glob_pattern(text: str) -> str:
    """A SQLite GLOB pattern matching ``text`` anywhere in any letter case, wildcards taken literally."""
    parts = []
    for char in text:
        variants = {char, *(v for v in (char.lower(), char.upper()) if len(v) == 1)}
        parts.append(char if len(variants) == 1 and char not in '*?[' else f'[{"".join(sorted(variants))}]')
    return f'*{"".join(parts)}*'


def contains_text(columns: Sequence[SQLColumnExpression[str | None]], text: str, dialect: str) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text``, ignoring letter case (also beyond ASCII).

    SQLite's LIKE (and so SQLAlchemy's ILIKE there) folds ASCII letters only: "JOÃO" would miss
    "João". On SQLite a GLOB with one ``[ãÃ]`` class per cased character does what ILIKE does on PostgreSQL.
    """
    if dialect == 'sqlite':
        pattern = glob_pattern(text)
        return or_(*(column.op('GLOB')(pattern) for column in columns))
    pattern = like_pattern(text)
    return or_(*(column.ilike(pattern, escape='\\') for column in columns))


def text_match(query: str, dialect: str) -> ColumnElement[bool]:
    """Case-insensitive match of name, e-mail, phone or source."""
    columns = (col(Lead.name), col(Lead.email), col(Lead.phone), col(Lead.source))
    return contains_text(columns, query.strip(), dialect)


async def _page(
    session: AsyncSession, query: Select[Lead], page: int, page_size: int, total: int | None = None
) -> LeadList:
    """One page of ``query``, newest first (``idx_leads_org_created``), with ``total`` counted unless given."""
    if total is None:
        total = int(await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
    rows = await session.execute(
        query.order_by(col(Lead.created_at).desc(), col(Lead.id).desc()).offset((page - 1) * page_size).limit(page_size)
    )
    now = utcnow()
    return LeadList(
        leads=[lead_public(lead, now) for lead in rows.scalars()],
        total_count=total,
        page=page,
        page_size=page_size,
        has_more=total > page * page_size,
    )


async def list_leads(
    session: AsyncSession, *, organization_id: uuid.UUID, page: int, page_size: int, stage: PipelineStage | None
) -> LeadList:
    """Newest first, optionally one stage (the total from the organization's facets, not a count of every row)."""
    counts = (await lead_facets(session, organization_id=organization_id)).stage_counts
    query = select(Lead).where(col(Lead.organization_id) == organization_id)
    if stage is not None:
        query = query.where(col(Lead.stage) == stage)
    total = counts.get(stage, 0) if stage is not None else sum(counts.values())
    return await _page(session, query, page, page_size, total)


async def search_leads(
    session: AsyncSession, *, organization_id: uuid.UUID, query: str, page: int, page_size: int
) -> LeadList:
    """Leads whose name, e-mail, phone or source contain ``query`` (any case), newest first."""
    dialect = session.get_bind().dialect.name
    select_query = select(Lead).where(col(Lead.organization_id) == organization_id, text_match(query, dialect))
    return await _page(session, select_query, page, page_size)


async def stage_counts(session: AsyncSession, *, organization_id: uuid.UUID) -> dict[str, int]:
    """Leads per stage (every stage present), from the organization's facets."""
    counts = {stage.value: 0 for stage in STAGE_ORDER}
    counts.update((await lead_facets(session, organization_id=organization_id)).stage_counts)
    return counts


async def statistics(session: AsyncSession, *, organization_id: uuid.UUID) -> LeadStats:
    """Counts per stage, total, and the share of closed leads in percent (None without leads)."""
    counts = await stage_counts(session, organization_id=organization_id)
    total = sum(counts.values())
    rate = round(counts[PipelineStage.FECHADO] / total * 100, 2) if total else None
    return LeadStats(stage_counts=counts, total_leads=total, conversion_rate=rate)


async def filter_options(session: AsyncSession, *, organization_id: uuid.UUID) -> FilterOptions:
    """Sources, assignable members, creation date range, tags in use, and the stages."""
    scope = col(Lead.organization_id) == organization_id
    facets = await lead_facets(session, organization_id=organization_id)
    members = await session.execute(
        select(col(User.id), col(User.full_name), col(User.email))
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(col(Membership.organization_id) == organization_id, col(Membership.is_active).is_(True))
    )
    # one subquery each: both ends of idx_leads_org_created (SQLite optimizes a lone min() or max() only)
    earliest, latest = (
        await session.execute(
            select(
                select(func.min(col(Lead.created_at))).where(scope).scalar_subquery(),
                select(func.max(col(Lead.created_at))).where(scope).scalar_subquery(),
            )
        )
    ).one()
    people = [AssignableUser(id=uid, name=name or email) for uid, name, email in members.all()]
    return FilterOptions(
        sources=facets.sources,
        assigned_users=sorted(people, key=lambda person: person.name.lower()),
        date_ranges=DateRange(earliest=earliest, latest=latest),
        available_tags=facets.tags,
        stages=[stage.value for stage in STAGE_ORDER],
    )
