"""CSV export of leads: the board's filtered leads as a file a spreadsheet opens (``GET /crm/leads/export``)."""

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import STAGE_ORDER, Lead, Membership, PipelineStage, User

from .board import BoardFilter, column_query
from .csv_format import EXPORT_DATE_FORMATS, EXPORT_DELIMITERS, EXPORT_HEADERS, STAGE_NAMES, write_rows
from .errors import Invalid

EXPORT_CHUNK = 500  # leads read and written per step: memory stays bounded for any board size
LANGUAGES = tuple(EXPORT_HEADERS)
ExportRow = Row[*tuple[Any, ...]]


def export_filename(day: date) -> str:
    """``leads-2026-12-31.csv``."""
    return f'leads-{day.isoformat()}.csv'


# what the export reads of each lead: plain columns, no model validation (100,000 leads stay a matter of seconds)
EXPORT_COLUMNS = (
    col(Lead.name),
    col(Lead.email),
    col(Lead.phone),
    col(Lead.source),
    col(Lead.estimated_value),
    col(Lead.stage),
    col(Lead.tags),
    col(Lead.notes),
    col(Lead.assigned_user_id),
    col(Lead.created_at),
    col(Lead.updated_at),
    col(Lead.probability),
    col(Lead.expected_close_date),
    col(Lead.position),
    col(Lead.id),
)


def _cells(lead: ExportRow, language: str, emails: dict[uuid.UUID, str]) -> list[str]:
    value = '' if lead.estimated_value is None else f'{lead.estimated_value:.2f}'
    return [
        lead.name,
        lead.email or '',
        lead.phone or '',
        lead.source,
        value.replace('.', ',') if language == 'pt-BR' else value,
        STAGE_NAMES[language][PipelineStage(lead.stage)],
        ', '.join(lead.tags or []),
        lead.notes or '',
        emails.get(lead.assigned_user_id, '') if lead.assigned_user_id else '',
        lead.created_at.isoformat(),
        lead.updated_at.isoformat(),
        '' if lead.probability is None else str(lead.probability),
        '' if lead.expected_close_date is None else lead.expected_close_date.strftime(EXPORT_DATE_FORMATS[language]),
    ]


async def _export_page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    stage: PipelineStage,
    board_filter: BoardFilter,
    after: tuple[float, uuid.UUID] | None,
) -> list[ExportRow]:
    """The next ``EXPORT_CHUNK`` leads of a column in board order (position, id), after ``after``."""
    query = column_query(
        select(*EXPORT_COLUMNS),
        organization_id=organization_id,
        stage=stage,
        board_filter=board_filter,
        after=after,
        dialect=session.get_bind().dialect.name,
    )
    rows = await session.execute(query.limit(EXPORT_CHUNK))
    return list(rows.all())


async def export_csv(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    board_filter: BoardFilter,
    stage: PipelineStage | None = None,
    language: str = 'pt-BR',
) -> AsyncIterator[str]:
    """The leads the board shows for ``board_filter`` (and ``stage``) as CSV text, in board order, chunk by chunk.

    UTF-8 text starting with a BOM (spreadsheets then read the accents right); ``;`` between cells and a decimal
    comma for pt-BR, ``,`` and a decimal point for English; headers and stage names in that language. Cells that
    would start a formula (``=``, ``+``, ``-``, ``@``, tab, CR) are prefixed with ``'`` (``csv_format.guard_cell``).
    Reads ``EXPORT_CHUNK`` leads at a time: memory stays bounded however large the board.
    """
    if language not in LANGUAGES:
        raise Invalid(f'Unknown language {language!r}; use one of: {", ".join(LANGUAGES)}')
    delimiter = EXPORT_DELIMITERS[language]
    emails = await _member_emails(session, organization_id)
    yield '\ufeff' + write_rows([list(EXPORT_HEADERS[language])], delimiter)
    for column in [stage] if stage is not None else list(STAGE_ORDER):
        after: tuple[float, uuid.UUID] | None = None
        while True:
            leads = await _export_page(session, organization_id, column, board_filter, after)
            if leads:
                yield write_rows([_cells(lead, language, emails) for lead in leads], delimiter)
            if len(leads) < EXPORT_CHUNK:
                break
            after = (leads[-1].position, leads[-1].id)


async def _member_emails(session: AsyncSession, organization_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """E-mail of everyone who is or was a member (a lead may still name someone who left)."""
    rows = await session.execute(
        select(col(User.id), col(User.email))
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(col(Membership.organization_id) == organization_id)
    )
    return {user_id: email for user_id, email in rows.all()}
