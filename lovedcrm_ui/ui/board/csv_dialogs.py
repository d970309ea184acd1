"""CSV in and out of the board: the import dialog (upload → columns → preview → import with progress) and the export.

Both call the same services as the API (``services/lead_csv.py``): the import is all or nothing, its leads reach
every open board through their ``lead_created`` events. Text from the file (headers, cells) is shown as values
(labels, table rows, select options), never formatted into props, classes or styles (docs/UI-NOTES.md).
"""

import asyncio
from typing import TYPE_CHECKING

from nicegui import ui
from nicegui.events import UploadEventArguments, ValueChangeEventArguments
from pydantic_core import ErrorDetails

from models import PipelineStage, utcnow

from ...services import lead_csv, lead_export
from ...services.board import BoardFilter
from ...services.csv_format import FIELDS, guess_mapping, read_table
from ...services.errors import DomainError
from ..refusals import refusal, validation_message
from ..widgets import StatusLine

if TYPE_CHECKING:
    from ...context import AppContext
    from ..i18n import Translate
    from ..session import Viewer

ERRORS_SHOWN = 50  # the list names the first ones; the count says how many there are
# the label of each field in the column selects (the lead dialog's labels where they fit)
FIELD_LABELS = {
    'name': 'lead.name',
    'email': 'lead.email',
    'phone': 'lead.phone',
    'source': 'lead.source',
    'estimated_value': 'csv.field.estimated_value',
    'tags': 'lead.tags',
    'notes': 'lead.notes',
    'stage': 'lead.stage',
    'assignee': 'csv.field.assignee',
    'probability': 'forecast.probability',
    'expected_close_date': 'forecast.close_date',
}
IGNORE = ''  # the select value of "ignore this column"


def row_error_text(error: lead_csv.RowError, t: 'Translate') -> str:
    """One problem of the file in the viewer's language: row, column and what is wrong."""
    if error.code in ('value_not_number', 'stage_unknown', 'assignee_unknown', 'assignee_ambiguous', 'date_invalid'):
        message = t(f'csv.err.{error.code}')
    else:  # a rule of the lead (pydantic's type): the lead dialog's own messages
        field = 'assigned_user_id' if error.field == 'assignee' else (error.field or '')
        details: ErrorDetails = {
            'type': error.code,
            'loc': (field,) if field else (),
            'msg': error.message,
            'input': error.value,
            'ctx': error.ctx,
        }
        message = validation_message(details, t)
    if error.column is None:
        return t('csv.row_error_no_column', row=error.row, message=message)
    return t('csv.row_error', row=error.row, column=error.column, message=message)


class CsvImportDialog(ui.dialog):
    """Upload a CSV file, map its columns, see the preview and its errors, import with a progress bar."""

    def __init__(self, ctx: 'AppContext', viewer: 'Viewer') -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        self.t = t = viewer.t
        self.data = b''
        self.file_name = ''
        self.plan: lead_csv.ImportPlan | None = None
        self.busy = False
        self._checks = 0  # the latest check wins: an older one finishing later is dropped
        self.selects: dict[str, ui.select] = {}
        size_mb = max(1, ctx.settings.max_import_bytes // 1_048_576)
        with self, ui.card().classes('w-full max-w-4xl gap-2'):
            ui.label(t('csv.import_title')).classes('text-h6 dialog-title')
            ui.label(t('csv.upload_hint', size=size_mb)).classes('text-caption text-grey-8')
            self.upload = ui.upload(
                label=t('csv.upload_label'),
                auto_upload=True,
                max_file_size=ctx.settings.max_import_bytes,
                on_upload=self._on_upload,
                on_rejected=self._rejected,
            )
            self.upload.props('accept=".csv,text/csv,text/plain" flat bordered').classes('w-full').mark('csv-upload')
            self.status = StatusLine().mark('csv-status')
            self.file_info = ui.label().classes('text-body2').mark('csv-file-info')
            self.mapping_box = ui.column().classes('w-full gap-1').mark('csv-mapping')
            self.preview_box = ui.column().classes('w-full gap-1').mark('csv-preview')
            self.errors_box = ui.column().classes('w-full gap-0 text-body2').mark('csv-errors')
            self.progress = ui.linear_progress(value=0, show_value=False).mark('csv-progress')
            self.progress_label = ui.label().classes('text-caption').mark('csv-progress-label')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(t('csv.close'), on_click=self.close).props('flat').mark('csv-close')
                self.import_button = ui.button(on_click=self._import).mark('csv-import')
        self.progress.set_visibility(False)
        self.progress_label.set_visibility(False)
        self._show_plan(None)

    # ----- reading the file ------------------------------------------------------------------

    def _rejected(self) -> None:
        """The browser refused the file before sending it (over the size limit)."""
        self.status.error(self.t('csv.too_large'))

    async def _on_upload(self, e: UploadEventArguments) -> None:
        self.data = await e.file.read()
        self.file_name = e.file.name
        self.plan = None
        self.status.reset()
        self.mapping_box.clear()
        try:
            table = await asyncio.to_thread(read_table, self.data, max_bytes=self.ctx.settings.max_import_bytes)
        except DomainError as exc:
            self._show_plan(None)
            self.status.error(refusal(exc, self.t))
            return
        self.file_info.text = self.t(
            'csv.file_info',
            name=self.file_name,
            rows=len(table.rows),
            encoding=table.encoding,
            delimiter='TAB' if table.delimiter == '\t' else table.delimiter,
        )
        self._draw_mapping(table.headers, guess_mapping(table.headers))
        await self._check()

    def _draw_mapping(self, headers: list[str], mapping: dict[str, str | None]) -> None:
        """One select per column of the file, set to the guessed field (or "ignore")."""
        t = self.t
        options = {IGNORE: t('csv.ignore'), **{name: t(FIELD_LABELS[name]) for name in FIELDS}}
        self.selects = {}
        with self.mapping_box:
            ui.label(t('csv.mapping_title')).classes('text-subtitle2')
            with ui.grid(columns=2).classes('w-full gap-1 items-center'):
                for header in headers:
                    ui.label(header).classes('text-body2 ellipsis')
                    select = ui.select(options, value=mapping.get(header) or IGNORE, on_change=self._mapping_changed)
                    select.props('outlined dense options-dense').classes('w-full').mark('csv-column')
                    select.props['aria-label'] = header  # a value, never a props string: the header is file text
                    self.selects[header] = select

    def chosen_mapping(self) -> dict[str, str | None]:
        """The mapping the selects show (column → field, None = ignored)."""
        return {header: (select.value or None) for header, select in self.selects.items()}

    async def _mapping_changed(self, e: ValueChangeEventArguments) -> None:
        chosen = e.value
        if chosen:  # a field goes to one column: the column that had it lets it go
            for select in self.selects.values():
                if select is not e.sender and select.value == chosen:
                    select.set_value(IGNORE)
        await self._check()

    async def _check(self) -> None:
        """Validate every row with the chosen mapping (nothing is written) and show the outcome."""
        self._checks += 1
        check = self._checks
        self.plan = None
        self._show_plan(None)
        try:
            async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
                plan = await lead_csv.prepare_import(
                    session,
                    caller=self.viewer.caller,
                    data=self.data,
                    mapping=self.chosen_mapping(),
                    max_bytes=self.ctx.settings.max_import_bytes,
                )
        except Exception as exc:
            if check == self._checks:
                self._fail(exc)
            return
        if check != self._checks or self.is_deleted:
            return
        self.status.reset()
        self.plan = plan
        self._show_plan(plan)

    # ----- preview ----------------------------------------------------------------------------

    def _show_plan(self, plan: lead_csv.ImportPlan | None) -> None:
        t = self.t
        self.preview_box.clear()
        self.errors_box.clear()
        count = len(plan.leads) if plan else 0
        self.import_button.text = t('csv.import_one') if count == 1 else t('csv.import_n', n=count)
        self.import_button.set_enabled(bool(plan and count and not plan.error_count and not self.busy))
        if plan is None:
            return
        columns = [{'name': 'row', 'label': t('csv.row'), 'field': 'row', 'align': 'left'}]
        headers = [header for header, field in plan.mapping.items() if field]
        columns += [{'name': f'c{i}', 'label': h, 'field': f'c{i}', 'align': 'left'} for i, h in enumerate(headers)]
        rows = [
            {'row': row.row, **{f'c{i}': row.cells.get(h, '') for i, h in enumerate(headers)}}
            for row in plan.preview_rows
        ]
        with self.preview_box:
            ui.label(t('csv.preview_title')).classes('text-subtitle2')
            ui.table(columns=columns, rows=rows, row_key='row').props('dense flat bordered').classes('w-full')
        with self.errors_box:
            if not plan.error_count:
                ui.label(t('csv.no_errors')).classes('text-positive').mark('csv-no-errors')
                return
            ui.label(t('csv.errors_title', n=plan.error_count)).classes('text-negative').props('role=alert')
            for error in plan.errors[:ERRORS_SHOWN]:
                ui.label(row_error_text(error, t)).classes('text-negative').mark('csv-row-error')
            if plan.error_count > ERRORS_SHOWN:
                ui.label(t('csv.errors_more', n=plan.error_count - ERRORS_SHOWN))

    def _fail(self, exc: Exception) -> None:
        """Say why (in the viewer's language); an unexpected error is not swallowed."""
        self.status.error(_reason(self.ctx, exc, self.t))

    # ----- import ------------------------------------------------------------------------------

    async def _import(self) -> None:
        plan = self.plan
        if plan is None or self.busy:
            return
        self.busy = True
        self.import_button.disable()
        self.upload.disable()
        for select in self.selects.values():
            select.disable()
        self.progress.value = 0
        self.progress.set_visibility(True)
        self.progress_label.set_visibility(True)
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)  # the role now, not when the page opened
                result = await lead_csv.write_import(session, caller=caller, plan=plan, progress=self._progress)
        except Exception as exc:
            self.busy = False
            self.progress.set_visibility(False)
            self.progress_label.set_visibility(False)
            self.upload.enable()
            for select in self.selects.values():
                select.enable()
            self._show_plan(plan)
            self._fail(exc)
            return
        n = result.leads_created
        ui.notify(self.t('csv.imported_one') if n == 1 else self.t('csv.imported', n=n), type='positive')
        self.submit(n)

    async def _progress(self, done: int, total: int) -> None:
        self.progress.value = done / total
        self.progress_label.text = self.t('csv.importing', done=done, total=total)
        await asyncio.sleep(0)  # let the update go out between chunks


async def open_import_dialog(ctx: 'AppContext', viewer: 'Viewer') -> int:
    """Open the import dialog in the current page and wait until it closes; the number of leads imported (or 0).

    Call it from a click handler of the board page (it creates the dialog in the handler's context and deletes
    it when done). Viewers get the read-only notice instead.
    """
    if not viewer.can_write:
        ui.notify(viewer.t('board.viewer_notice'), type='info')
        return 0
    dialog = CsvImportDialog(ctx, viewer)
    try:
        imported = await dialog
    finally:
        if not dialog.is_deleted:
            dialog.delete()
    return int(imported or 0)


async def export_csv(
    ctx: 'AppContext', viewer: 'Viewer', board_filter: BoardFilter, stage: PipelineStage | None = None
) -> None:
    """Download the leads the board shows for ``board_filter`` as ``leads-YYYY-MM-DD.csv`` in the viewer's language."""
    language = 'en' if viewer.language == 'en' else 'pt-BR'
    parts: list[str] = []
    try:
        async with ctx.db.session(read_only=True, organization_id=viewer.organization_id) as session:
            async for text in lead_export.export_csv(
                session,
                organization_id=viewer.organization_id,
                board_filter=board_filter,
                stage=stage,
                language=language,
            ):
                parts.append(text)
    except Exception as exc:
        reason = _reason(ctx, exc, viewer.t)
        ui.notify(viewer.t('csv.export_failed', reason=reason), type='negative')
        return
    filename = lead_export.export_filename(utcnow().date())
    ui.download.content(''.join(parts).encode('utf-8'), filename, 'text/csv; charset=utf-8')


def _reason(ctx: 'AppContext', exc: Exception, t: 'Translate') -> str:
    """A refusal or a database failure in the viewer's language; anything else is raised again."""
    if isinstance(exc, DomainError):
        return refusal(exc, t)
    unavailable = ctx.health.refusal(exc)
    if unavailable is None:
        raise exc
    return refusal(unavailable, t)
