"""``/crm/leads/import`` and ``/crm/leads/export``: leads in and out as CSV files (docs/API-ERRORS.md for refusals)."""

import json
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from models import PipelineStage, utcnow
from models.types import PlainText

from ..services import lead_csv, lead_export
from ..services.board import BoardFilter
from ..services.errors import ErrorCode, Invalid
from .deps import CallerDep, CtxDep

MAPPING_HELP = (
    'JSON object: a column header of the file → a lead field (name, email, phone, source, estimated_value, tags, '
    'notes, stage, assignee) or null to ignore the column. Columns left out keep the guessed field.'
)
IMPORT_DESCRIPTION = """Upload a CSV file (UTF-8 with or without BOM, or Latin-1/cp1252; `,` or `;` between cells;
a header row first). Columns are mapped to lead fields by their headers (pt-BR and English names, any case or
accents); `mapping` overrides that. Every row is checked with the rules of `POST /crm/leads`.

* `dry_run=true` → **200** preview: encoding, delimiter, headers, the mapping used, the row count, the first 20
  rows as parsed and every error (row as the spreadsheet numbers it — the header is row 1 —, column, value).
* otherwise → **201** `{imported, leads_created, first_seq, last_seq}`: every lead created at the top of its column
  in file order, one `lead_created` event each; or **422** `csv_rows_invalid` with `errors` and nothing written.

At most `MAX_IMPORT_BYTES` (10 MiB) and 50,000 rows (413 `import_too_large` / `import_too_many_rows`)."""
EXPORT_DESCRIPTION = """The leads the board shows for these filters (and `stage`), in board order, as a CSV file:
UTF-8 with BOM; `lang=pt-BR` (default): `;` between cells, decimal comma, Portuguese headers and stage names;
`lang=en`: `,` and a decimal point. Cells that would start a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR)
are prefixed with `'`."""


def parse_mapping(raw: str | None) -> dict[str, str | None] | None:
    """The ``mapping`` form field: a JSON object of column → field name (or null); a clear 422 otherwise."""
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise Invalid('mapping must be a JSON object', code=ErrorCode.CSV_MAPPING_INVALID) from None
    if not isinstance(value, dict) or not all(isinstance(v, str | None) for v in value.values()):
        raise Invalid(
            'mapping must be a JSON object of column → field name (or null)', code=ErrorCode.CSV_MAPPING_INVALID
        )
    return value


async def import_leads(
    caller: CallerDep,
    ctx: CtxDep,
    response: Response,
    file: Annotated[UploadFile, File(description='The CSV file')],
    mapping: Annotated[PlainText | None, Form(description=MAPPING_HELP)] = None,
    dry_run: Annotated[bool, Form(description='Only read and check the file: nothing is written')] = False,
) -> lead_csv.ImportResult | lead_csv.ImportPreview:
    """Import leads from a CSV file (all or nothing), or preview the import."""
    data = await file.read()
    override = parse_mapping(mapping)
    async with ctx.db.session(read_only=True, organization_id=caller.organization_id) as session:
        plan = await lead_csv.prepare_import(
            session, caller=caller, data=data, mapping=override, max_bytes=ctx.settings.max_import_bytes
        )
    if dry_run:
        response.status_code = status.HTTP_200_OK
        return plan.preview()
    async with ctx.db.session(organization_id=caller.organization_id) as session:
        return await lead_csv.write_import(session, caller=caller, plan=plan)


async def export_leads(
    caller: CallerDep,
    ctx: CtxDep,
    q: Annotated[PlainText, Query(max_length=255, description='Text in name, e-mail or phone')] = '',
    source: Annotated[PlainText | None, Query(max_length=100)] = None,
    assigned_user_id: uuid.UUID | None = None,
    tags: Annotated[list[PlainText] | None, Query(description='Leads with any of these tags (repeat it)')] = None,
    favorites_only: bool = False,
    value_min: Annotated[Decimal | None, Query(ge=0, max_digits=14, decimal_places=2)] = None,
    value_max: Annotated[Decimal | None, Query(ge=0, max_digits=14, decimal_places=2)] = None,
    stage: PipelineStage | None = None,
    lang: Literal['pt-BR', 'en'] = 'pt-BR',
) -> StreamingResponse:
    """The filtered board as a CSV file (streamed)."""
    board_filter = BoardFilter(
        text=q,
        source=source or None,
        assignee_id=assigned_user_id,
        tags=tuple(dict.fromkeys(tags or ())),
        favorites_only=favorites_only,
        value_min=value_min,
        value_max=value_max,
    )

    async def chunks() -> AsyncIterator[bytes]:
        # the session lives as long as the response streams (a dependency's would end before the body is sent)
        async with ctx.db.session(read_only=True, organization_id=caller.organization_id) as session:
            async for text in lead_export.export_csv(
                session, organization_id=caller.organization_id, board_filter=board_filter, stage=stage, language=lang
            ):
                yield text.encode('utf-8')

    filename = lead_export.export_filename(utcnow().date())
    return StreamingResponse(
        chunks(),
        media_type='text/csv; charset=utf-8',
        headers={'Content-Disposition': f'attachment; filename="{filename}"'},
    )


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {'description': 'The CSV file', 'content': {'text/csv': {'schema': {'type': 'string'}}}},
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {'model': lead_csv.ImportPreview, 'description': 'dry_run: what the import would do'},
    201: {'model': lead_csv.ImportResult, 'description': 'Every lead was created'},
    413: {'description': 'The file is over MAX_IMPORT_BYTES, or has more than 50,000 rows'},
}


def register(add_route: Callable[..., Any]) -> None:
    """Register this module's routes with the leads router's ``add_route``."""
    add_route(
        '/import',
        import_leads,
        'POST',
        status_code=status.HTTP_201_CREATED,
        summary='Import leads from a CSV file',
        description=IMPORT_DESCRIPTION,
        responses=IMPORT_RESPONSES,
    )
    add_route(
        '/export',
        export_leads,
        'GET',
        summary='Export the filtered leads as a CSV file',
        description=EXPORT_DESCRIPTION,
        response_class=StreamingResponse,
        responses=CSV_RESPONSE,
    )
