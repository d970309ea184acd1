"""Spreadsheet files as the CSV import and export see them: decoding, columns, cell values (no database here).

People bring CSV files from Excel, LibreOffice and Google Sheets, in pt-BR or English: UTF-8 with or without a
BOM, or Windows' cp1252 ("Latin-1"); ``,`` or ``;`` between cells; money as ``R$ 1.234,56`` or ``1,234.56``;
headers such as "Nome", "E-mail", "Valor estimado" or "Estimated value". This module turns such a file into
text cells and guesses which column is which lead field; ``services/lead_csv.py`` validates and stores.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from models import STAGE_ORDER, PipelineStage

from .errors import ErrorCode, Invalid, TooLarge

MAX_IMPORT_ROWS = 50_000  # data rows of one import (a 10 MiB file holds about that many real leads)
DELIMITERS = (',', ';', '\t')

# the lead fields a column can feed; ``assignee`` is a member's e-mail or full name
FIELDS = (
    'name',
    'email',
    'phone',
    'source',
    'estimated_value',
    'tags',
    'notes',
    'stage',
    'assignee',
    'probability',
    'expected_close_date',
)

# headers people use for each field, compared by ``header_key`` (lower case, no accents, words only)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    'name': ('name', 'nome', 'cliente', 'contato', 'nome do contato', 'nome do cliente', 'nome completo',
             'full name', 'lead', 'lead name', 'empresa', 'company', 'razao social'),
    'email': ('email', 'e mail', 'mail', 'endereco de email', 'endereco de e mail', 'email address'),
    'phone': ('phone', 'telefone', 'celular', 'whatsapp', 'fone', 'tel', 'mobile', 'phone number',
              'numero de telefone', 'telefone celular'),
    'source': ('source', 'origem', 'fonte', 'canal', 'lead source', 'channel', 'origem do lead'),
    'estimated_value': ('value', 'valor', 'valor estimado', 'estimated value', 'amount', 'deal value',
                        'valor do negocio', 'valor da oportunidade'),
    'tags': ('tags', 'tag', 'etiquetas', 'etiqueta', 'marcadores', 'marcador', 'labels'),
    'notes': ('notes', 'note', 'notas', 'nota', 'observacoes', 'observacao', 'obs', 'comments', 'comentarios'),
    'stage': ('stage', 'etapa', 'estagio', 'fase', 'status', 'pipeline stage', 'etapa do funil'),
    'assignee': ('assignee', 'responsavel', 'owner', 'vendedor', 'vendedora', 'assigned to', 'sales rep',
                 'email do responsavel', 'assignee email'),
    'probability': ('probability', 'probabilidade', 'chance', 'probabilidade de fechamento', 'win probability'),
    'expected_close_date': ('expected close date', 'close date', 'previsao de fechamento', 'data prevista',
                            'fechamento previsto', 'data de fechamento', 'previsao'),
}  # fmt: skip
CURRENCY_SUFFIX = re.compile(r' (r|brl|rs)$')  # "Valor (R$)" → "valor r" → "valor"

# what the export writes: header names and stage names in the file's language (pt-BR, en)
EXPORT_HEADERS: dict[str, tuple[str, ...]] = {
    'pt-BR': ('Nome', 'E-mail', 'Telefone', 'Origem', 'Valor', 'Etapa', 'Etiquetas', 'Notas', 'Responsável',
              'Criado em', 'Atualizado em', 'Probabilidade', 'Previsão de fechamento'),
    'en': ('Name', 'Email', 'Phone', 'Source', 'Value', 'Stage', 'Tags', 'Notes', 'Assignee',
           'Created at', 'Updated at', 'Probability', 'Expected close date'),
}  # fmt: skip
# how the export writes a day, and the forms the import reads (ISO first: it is never ambiguous)
EXPORT_DATE_FORMATS = {'pt-BR': '%d/%m/%Y', 'en': '%Y-%m-%d'}
IMPORT_DATE_FORMATS = ('%Y-%m-%d', '%d/%m/%Y', '%d/%m/%y', '%d.%m.%Y')
STAGE_NAMES: dict[str, dict[PipelineStage, str]] = {
    'pt-BR': {
        PipelineStage.LEAD: 'Lead',
        PipelineStage.CONTATO: 'Contato',
        PipelineStage.PROPOSTA: 'Proposta',
        PipelineStage.NEGOCIACAO: 'Negociação',
        PipelineStage.FECHADO: 'Fechado',
    },
    'en': {
        PipelineStage.LEAD: 'Lead',
        PipelineStage.CONTATO: 'Contact',
        PipelineStage.PROPOSTA: 'Proposal',
        PipelineStage.NEGOCIACAO: 'Negotiation',
        PipelineStage.FECHADO: 'Closed',
    },
}
EXPORT_DELIMITERS = {'pt-BR': ';', 'en': ','}

BLANK_LINES = re.compile(r'^(?:[ \t]*(?:\r\n|\r|\n))+')
# a cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (CSV injection)
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def header_key(text: str) -> str:
    """A header or value compared loosely: lower case, accents dropped, anything but letters and digits a space."""
    decomposed = unicodedata.normalize('NFKD', text.casefold())
    plain = ''.join(char for char in decomposed if not unicodedata.combining(char))
    return ' '.join(re.sub(r'[^0-9a-z]+', ' ', plain).split())


_ALIAS_FIELDS = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}
_STAGE_KEYS = {
    **{header_key(name): stage for names in STAGE_NAMES.values() for stage, name in names.items()},
    **{stage.value: stage for stage in STAGE_ORDER},
}


def guess_field(header: str) -> str | None:
    """The lead field a header most likely names, or None."""
    key = header_key(header)
    return _ALIAS_FIELDS.get(key) or _ALIAS_FIELDS.get(CURRENCY_SUFFIX.sub('', key))


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    """Column → field for every column; the first column that names a field gets it, the rest are ignored."""
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        field = guess_field(header)
        mapping[header] = field if field and field not in taken else None
        if field:
            taken.add(field)
    return mapping


def stage_of(text: str) -> PipelineStage | None:
    """A stage by its key or its pt-BR or English name, in any case, with or without accents."""
    return _STAGE_KEYS.get(header_key(text))


def parse_money(text: str) -> Decimal | None:
    """An amount as spreadsheets write it: ``R$ 1.234,56``, ``1.234,56``, ``1234.56``, ``1,234.56``; empty → None.

    With both separators the last one is the decimal mark. With one kind only, groups of exactly three digits
    after it make it a thousands separator (``1.234`` and ``1,234`` are 1234: money has at most two decimals).
    Raises ValueError for anything else; the sign and the number of decimals are left to the lead's rules.
    """
    raw = re.sub(r'\s+', '', text).replace('R$', '').replace('BRL', '')
    if not raw:
        return None
    sign = '-' if raw.startswith('-') else ''
    digits = raw.removeprefix('-')
    if ',' in digits and '.' in digits:
        mark = ',' if digits.rindex(',') > digits.rindex('.') else '.'
        whole, _, cents = digits.rpartition(mark)
        number = f'{_grouped(whole, "." if mark == "," else ",")}.{cents}'
    elif ',' in digits or '.' in digits:
        separator = ',' if ',' in digits else '.'
        parts = digits.split(separator)
        thousands = len(parts) > 2 or (len(parts[-1]) == 3 and parts[0] not in ('', '0'))
        number = _grouped(digits, separator) if thousands else digits.replace(separator, '.')
    else:
        number = digits
    if not re.fullmatch(r'\d+(\.\d+)?|\.\d+', number):
        raise ValueError(text)
    try:
        return Decimal(sign + number)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only decimal numbers
        raise ValueError(text) from exc


def _grouped(whole: str, separator: str) -> str:
    """``1.234.567`` → ``1234567``; ValueError unless every group after the first has three digits."""
    first, *groups = whole.split(separator)
    if groups and not (1 <= len(first) <= 3 and all(len(group) == 3 for group in groups)):
        raise ValueError(whole)
    return first + ''.join(groups)


def split_tags(text: str) -> list[str]:
    """Tags in one cell, separated by ``,``, ``;`` or ``|``; trimmed, empty ones dropped."""
    return [tag.strip() for tag in re.split(r'[,;|]', text) if tag.strip()]


def guard_cell(text: str) -> str:
    """A cell a spreadsheet will show as text: one that would start a formula gets a leading ``'``.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (after any ``'`` it already has)
    is prefixed with ``'`` (OWASP's advice against CSV injection): a phone ``+55 11 …`` is written ``'+55 11 …``.
    ``unguard_cell`` undoes exactly this, so an exported file imports back to the same text.
    """
    body = text.lstrip("'")
    return "'" + text if body.startswith(FORMULA_STARTS) else text


def unguard_cell(text: str) -> str:
    """The text ``guard_cell`` protected (a cell without the guard is returned unchanged)."""
    body = text.lstrip("'")
    return text[1:] if text.startswith("'") and body.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class CsvTable:
    """A decoded CSV file: its header and its data rows (blank rows left out), each with its spreadsheet row."""

    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it: the header is row 1, cells)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows cp1252, else Latin-1."""
    if data.startswith(b'\xef\xbb\xbf'):
        return data[3:].decode('utf-8', errors='replace'), 'utf-8-sig'
    if data.startswith((b'\xff\xfe', b'\xfe\xff')):
        return data.decode('utf-16', errors='replace'), 'utf-16'
    for encoding in ('utf-8', 'cp1252'):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode('latin-1'), 'latin-1'  # every byte is a Latin-1 character: never fails


def detect_delimiter(text: str) -> str:
    """The delimiter the header line (the first that is not blank) uses most, outside quotes; ``,`` if none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in BLANK_LINES.sub('', text, count=1):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in '\r\n':
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ','


def unique_headers(cells: list[str]) -> list[str]:
    """Header names that tell columns apart: an empty one is ``#n`` (its column number), a repeat gets `` (2)``."""
    headers: list[str] = []
    for index, cell in enumerate(cells, start=1):
        name = cell.strip() or f'#{index}'
        candidate, copy = name, 2
        while candidate in headers:
            candidate, copy = f'{name} ({copy})', copy + 1
        headers.append(candidate)
    return headers


def read_table(data: bytes, *, max_bytes: int, max_rows: int = MAX_IMPORT_ROWS) -> CsvTable:
    """Decode and split a CSV file; refuses (TooLarge / Invalid) a file over the limits, empty or unreadable."""
    if len(data) > max_bytes:
        raise TooLarge(f'The file is too large: at most {max_bytes} bytes', code=ErrorCode.IMPORT_TOO_LARGE)
    text, encoding = decode(data)
    if not text.strip():
        raise Invalid('The file is empty: a header row is required', code=ErrorCode.CSV_EMPTY)
    if '\x00' in text:
        raise Invalid('This is not a CSV text file (it contains NUL bytes)', code=ErrorCode.CSV_UNREADABLE)
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=''), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue  # a blank line (spreadsheets often end with some)
            if headers is None:
                headers = unique_headers(cells)
                continue
            if len(rows) >= max_rows:
                raise TooLarge(f'Too many rows: at most {max_rows} per import', code=ErrorCode.IMPORT_TOO_MANY_ROWS)
            rows.append((number, cells))
    except csv.Error as exc:
        raise Invalid(f'Row {number + 1} cannot be read as CSV: {exc}', code=ErrorCode.CSV_UNREADABLE) from exc
    if headers is None:
        raise Invalid('The file is empty: a header row is required', code=ErrorCode.CSV_EMPTY)
    return CsvTable(encoding=encoding, delimiter=delimiter, headers=headers, rows=rows)


def write_rows(rows: list[list[str]], delimiter: str) -> str:
    """CSV text of ``rows`` (every cell guarded against formulas), lines ending in CRLF as spreadsheets write."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator='\r\n')
    writer.writerows([guard_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def parse_day(text: str) -> date:
    """A day as spreadsheets write it (``2027-01-31``, ``31/01/2027``, ``31/01/27``, ``31.01.2027``); ValueError."""
    for form in IMPORT_DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ValueError(text)
