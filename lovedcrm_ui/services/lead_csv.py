"""CSV import of leads: preview, then an all-or-nothing bulk import with one event per lead.

Import runs in two steps, each in its own short session: ``prepare_import`` (read-only) decodes the file, maps
its columns and validates every row with ``LeadCreate``'s rules, collecting errors a person can fix;
``write_import`` then creates every lead in one transaction — or none, if any row is invalid. The bulk write
keeps ``create_lead``'s semantics: one ``lead_created`` event per lead with its full snapshot, a gap-free ``seq``
(the whole range claimed at once, under the organization's row lock), new leads on top of their column in file
order; the events reach open boards and API sockets after the commit, like any write's.
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from models import STAGE_ORDER, EventType, Lead, LeadNote, Membership, PipelineEvent, PipelineStage, utcnow
from models.lead import LeadCreate, LeadPublic

from ..db import queue_event
from ..events import LeadEvent
from .access import Caller
from .board import TeamMember, team
from .csv_format import (
    FIELDS,
    CsvTable,
    guess_mapping,
    header_key,
    parse_day,
    parse_money,
    read_table,
    split_tags,
    stage_of,
    unguard_cell,
)
from .errors import ErrorCode, Invalid
from .pipeline_events import allocate_seq
from .positions import STEP, top_position

PREVIEW_ROWS = 20
MAX_ERRORS_LISTED = 1000  # an all-wrong 50,000-row file must not answer with megabytes of errors
WRITE_CHUNK = 500  # rows per bulk INSERT, and how often the progress callback hears of it

Progress = Callable[[int, int], Awaitable[None]]  # (rows written, rows in total)


class RowError(SQLModel):
    """One problem of one row: where it is (as the spreadsheet numbers rows: the header is row 1) and what."""

    row: int
    column: str | None  # the file's header (None: a problem of the row as a whole)
    field: str | None  # the lead field the column feeds
    value: str | None  # the cell's text
    code: str  # pydantic's error type (``string_too_long``, …) or ours (``value_not_number``, ``stage_unknown``, …)
    message: str  # English, for API clients; the UI translates ``code``
    ctx: dict[str, Any] = {}  # the rule's numbers (``max_length``: 255, …)


class PreviewRow(SQLModel):
    """A row of the preview: the mapped cells as read, and the lead they make (None when the row has errors)."""

    row: int
    cells: dict[str, str]
    lead: dict[str, Any] | None


class ImportPreview(SQLModel):
    """What an import would do (``dry_run``): how the file was read, the mapping, the first rows, every error."""

    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str | None]
    row_count: int
    rows: list[PreviewRow]
    errors: list[RowError]  # the first MAX_ERRORS_LISTED
    error_count: int


class ImportResult(SQLModel):
    """A done import: how many leads were created and the event numbers they took."""

    imported: bool
    leads_created: int
    first_seq: int
    last_seq: int


@dataclass
class ImportPlan:
    """A file read, mapped and validated: the leads to create, or the errors that stop the import."""

    table: CsvTable
    mapping: dict[str, str | None]
    leads: list[LeadCreate] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    preview_rows: list[PreviewRow] = field(default_factory=list)

    def preview(self) -> ImportPreview:
        """The plan as the dry run answers it."""
        return ImportPreview(
            encoding=self.table.encoding,
            delimiter=self.table.delimiter,
            headers=self.table.headers,
            mapping=self.mapping,
            row_count=len(self.table.rows),
            rows=self.preview_rows,
            errors=self.errors,
            error_count=self.error_count,
        )


class CellError(ValueError):
    """A cell our conversion refuses before the lead rules see it (not an amount, an unknown stage …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Assignees:
    """The organization's active members, found by e-mail, full name (any case, with or without accents) or id."""

    def __init__(self, members: Iterable[TeamMember]) -> None:
        self.by_email: dict[str, uuid.UUID] = {}
        self.by_name: dict[str, set[uuid.UUID]] = {}
        self.ids: set[uuid.UUID] = set()
        for member in members:
            self.by_email[member.email.casefold()] = member.user_id
            self.by_name.setdefault(header_key(member.name), set()).add(member.user_id)
            self.ids.add(member.user_id)

    def find(self, text: str) -> uuid.UUID:
        """The member a cell names; CellError when none or several do."""
        found = self.by_email.get(text.casefold())
        if found is not None:
            return found
        named = self.by_name.get(header_key(text), set())
        if len(named) > 1:
            raise CellError('assignee_ambiguous', 'Several members have this name; use their e-mail')
        if named:
            return next(iter(named))
        try:
            user_id: uuid.UUID | None = uuid.UUID(text)
        except ValueError:
            user_id = None
        if user_id is not None and user_id in self.ids:
            return user_id
        raise CellError('assignee_unknown', 'No member of this organization has this e-mail or name')


def resolve_mapping(headers: list[str], override: dict[str, str | None] | None) -> dict[str, str | None]:
    """The guessed mapping with the caller's choices applied (a column → a field, or None to ignore it)."""
    mapping = guess_mapping(headers)
    if not override:
        return mapping
    chosen: dict[str, str | None] = {}
    for column, choice in override.items():
        if column not in mapping:
            raise Invalid(f'The mapping names a column the file does not have: {column!r}', code=_MAPPING)
        if choice not in (None, '') and choice not in FIELDS:
            raise Invalid(f'Unknown field {choice!r} for column {column!r}; fields: {", ".join(FIELDS)}', code=_MAPPING)
        chosen[column] = choice or None
    repeated = [name for name, count in Counter(v for v in chosen.values() if v).items() if count > 1]
    if repeated:
        raise Invalid(f'The mapping gives the field {repeated[0]!r} to more than one column', code=_MAPPING)
    for column, choice in chosen.items():
        for other, guessed in mapping.items():
            if choice and guessed == choice and other not in chosen:
                mapping[other] = None  # the caller's choice replaces the guess
        mapping[column] = choice
    return mapping


_MAPPING = ErrorCode.CSV_MAPPING_INVALID


def _convert(field_name: str, text: str, values: dict[str, Any], assignees: Assignees) -> None:
    """Put one cell's value into the ``LeadCreate`` input; CellError when it cannot be one."""
    if field_name == 'estimated_value':
        try:
            values['estimated_value'] = parse_money(text)
        except ValueError:
            raise CellError('value_not_number', 'Not an amount (e.g. R$ 1.234,56 or 1234.56)') from None
    elif field_name == 'tags':
        values['tags'] = split_tags(text)
    elif field_name == 'stage':
        if text:
            stage = stage_of(text)
            if stage is None:
                raise CellError('stage_unknown', f'Unknown stage; use one of: {", ".join(STAGE_ORDER)}')
            values['stage'] = stage
    elif field_name == 'assignee':
        values['assigned_user_id'] = assignees.find(text) if text else None
    elif field_name == 'source':
        if text:
            values['source'] = text  # empty: the default source, as for a lead created without one
    elif field_name == 'probability':  # "35" or "35%"; the lead's rule (0 to 100, whole) is LeadCreate's
        values['probability'] = text.removesuffix('%').strip() or None
    elif field_name == 'expected_close_date':
        try:
            values['expected_close_date'] = parse_day(text) if text else None
        except ValueError:
            raise CellError('date_invalid', 'Not a date (e.g. 31/01/2027 or 2027-01-31)') from None
    else:
        values[field_name] = text if text or field_name == 'name' else None


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def validate_rows(table: CsvTable, mapping: dict[str, str | None], assignees: Assignees) -> ImportPlan:
    """Every row through ``LeadCreate`` (the API's own rules); errors name the row, the column and the value."""
    plan = ImportPlan(table=table, mapping=mapping)
    columns = [(index, header, name) for index, header in enumerate(table.headers) if (name := mapping.get(header))]
    column_of = {name: header for _index, header, name in columns}
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        texts: dict[str, str] = {}
        problems: list[RowError] = []
        for index, header, name in columns:
            text = unguard_cell(cells[index].strip()) if index < len(cells) else ''
            texts[name] = text
            try:
                _convert(name, text, values, assignees)
            except CellError as exc:
                problems.append(
                    RowError(row=number, column=header, field=name, value=text, code=exc.code, message=exc.message)
                )
        lead: LeadCreate | None = None
        try:
            lead = LeadCreate.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                model_field = str(error['loc'][0]) if error['loc'] else None
                name = 'assignee' if model_field == 'assigned_user_id' else model_field
                problems.append(
                    RowError(
                        row=number,
                        column=column_of.get(name or ''),
                        field=name,
                        value=texts.get(name or ''),
                        code=error['type'],
                        message=error['msg'],
                        ctx={key: _plain(value) for key, value in (error.get('ctx') or {}).items()},
                    )
                )
        if problems:
            lead = None
            plan.error_count += len(problems)
            plan.errors.extend(problems[: max(0, MAX_ERRORS_LISTED - len(plan.errors))])
        elif lead is not None:
            plan.leads.append(lead)
        if len(plan.preview_rows) < PREVIEW_ROWS:
            shown = {header: texts[name] for _index, header, name in columns}
            plan.preview_rows.append(
                # a CSV sets no plugin fields (custom_fields stays empty): the preview shows the columns it maps
                PreviewRow(
                    row=number,
                    cells=shown,
                    lead=lead.model_dump(mode='json', exclude={'custom_fields'}) if lead else None,
                )
            )
    return plan


async def prepare_import(
    session: AsyncSession,
    *,
    caller: Caller,
    data: bytes,
    mapping: dict[str, str | None] | None = None,
    max_bytes: int,
) -> ImportPlan:
    """Read, map and validate a CSV file (nothing is written); refuses viewers and unreadable files.

    The CPU-heavy parts (decoding, validating up to 50,000 rows) run in a worker thread, off the event loop.
    """
    caller.require_writer()
    table = await asyncio.to_thread(read_table, data, max_bytes=max_bytes)
    used = resolve_mapping(table.headers, mapping)
    if 'name' not in used.values():
        raise Invalid(
            'No column is mapped to the lead name (e.g. a header "Nome" or "Name")',
            code=ErrorCode.CSV_NAME_COLUMN_MISSING,
        )
    members = await team(session, organization_id=caller.organization_id)
    return await asyncio.to_thread(validate_rows, table, used, Assignees(members.values()))


def rows_invalid_detail(plan: ImportPlan) -> str:
    """The 422's readable ``detail``: how many problems, and the first few."""
    first = '; '.join(
        f'row {e.row}' + (f', column {e.column!r}' if e.column else '') + f': {e.message}' for e in plan.errors[:3]
    )
    return f'{plan.error_count} problem(s) in the file; nothing was imported. {first}'


async def write_import(
    session: AsyncSession, *, caller: Caller, plan: ImportPlan, progress: Progress | None = None
) -> ImportResult:
    """Create every lead of a valid plan in one transaction, one ``lead_created`` event each; all or nothing."""
    caller.require_writer()
    if plan.error_count:
        errors = [error.model_dump() for error in plan.errors]
        raise Invalid(
            rows_invalid_detail(plan),
            code=ErrorCode.CSV_ROWS_INVALID,
            extra={'errors': errors, 'error_count': plan.error_count},
        )
    total = len(plan.leads)
    if not total:
        raise Invalid('The file has no data rows: nothing to import', code=ErrorCode.CSV_NO_ROWS)
    organization_id = caller.organization_id
    first_seq = await allocate_seq(session, organization_id, total)  # the row lock, as every lead write takes first
    await _check_assignees(session, organization_id, {lead.assigned_user_id for lead in plan.leads})
    positions = await _top_positions(session, organization_id, [lead.stage for lead in plan.leads])
    now = utcnow()
    for start in range(0, total, WRITE_CHUNK):
        lead_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        note_rows: list[dict[str, Any]] = []  # a row's notes: the lead's first note (as create_lead writes it)
        for index in range(start, min(start + WRITE_CHUNK, total)):
            row = {
                **plan.leads[index].model_dump(),
                'id': uuid.uuid4(),
                'organization_id': organization_id,
                'position': positions[index],
                'is_favorite': False,
                'last_contact_at': None,
                'last_contact_channel': None,
                'stage_changed_at': now,
                'version': 1,
                'created_at': now,
                'updated_at': now,
            }
            if row['notes'] is not None and not row['notes'].strip():
                row['notes'] = None
            if row['notes'] is not None:
                note_rows.append(
                    {
                        'id': uuid.uuid4(),
                        'organization_id': organization_id,
                        'lead_id': row['id'],
                        'author_user_id': caller.user_id,
                        'body': row['notes'],
                        'created_at': now,
                        'updated_at': now,
                    }
                )
            event = LeadEvent(
                organization_id=organization_id,
                seq=first_seq + index,
                type=EventType.LEAD_CREATED,
                lead_id=row['id'],
                actor_user_id=caller.user_id,
                payload={'lead': new_lead_snapshot(row)},
                created_at=now,
            )
            lead_rows.append(row)
            event_rows.append({name: getattr(event, name) for name in PipelineEvent.model_fields})
            queue_event(session, event)  # published after the commit, in seq order, like every write's event
        # render_nulls: one multi-row INSERT per chunk (without it, rows are grouped by which fields are empty)
        await session.execute(insert(Lead).execution_options(render_nulls=True), lead_rows)
        await session.execute(insert(PipelineEvent).execution_options(render_nulls=True), event_rows)
        if note_rows:
            await session.execute(insert(LeadNote), note_rows)
        if progress is not None:
            await progress(start + len(lead_rows), total)
    await session.commit()
    return ImportResult(imported=True, leads_created=total, first_seq=first_seq, last_seq=first_seq + total - 1)


def new_lead_snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """``leads.snapshot`` of a lead just created from a validated ``row`` (all of the table's columns).

    Built without validating the row again (``lead_public`` would: the e-mail check alone costs ~0.1 ms a lead,
    a second per 10,000); tests check it equals what the API answers for the lead.
    """
    public = LeadPublic.model_construct(**row, is_closed=row['stage'] == PipelineStage.FECHADO, days_in_current_stage=0)
    return public.model_dump(mode='json')


async def _check_assignees(session: AsyncSession, organization_id: uuid.UUID, user_ids: set[uuid.UUID | None]) -> None:
    """Every assignee is still an active member (someone may have left since the preview)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return
    members = await session.scalars(
        select(col(Membership.user_id)).where(
            col(Membership.organization_id) == organization_id,
            col(Membership.is_active).is_(True),
            col(Membership.user_id).in_(wanted),
        )
    )
    if wanted - set(members):
        raise Invalid('assigned_user_id must be a member of this organization', code=ErrorCode.ASSIGNEE_NOT_MEMBER)


async def _top_positions(session: AsyncSession, organization_id: uuid.UUID, stages: list[PipelineStage]) -> list[float]:
    """Positions that put the new leads on top of their columns, in file order (the first row highest)."""
    per_stage = Counter(stages)
    tops = {stage: await top_position(session, organization_id, stage) for stage in per_stage}
    seen: Counter[PipelineStage] = Counter()
    positions = []
    for stage in stages:
        positions.append(tops[stage] - (per_stage[stage] - 1 - seen[stage]) * STEP)
        seen[stage] += 1
    return positions
