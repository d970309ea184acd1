"""``/crm/leads`` metrics (API-CONTRACT §4): ConversionMetrics and AdvancedMetrics from the real data.

Rules of every figure: docs/METRICS.md. One dependency reads the query string for all three routes, in
the forms LovedCRM clients send: snake_case or camelCase names (``start_date`` / ``startDate``; the
snake_case one wins when both are sent), lists as repeated parameters (``stages=lead&stages=contato``).
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field as Rule
from pydantic import TypeAdapter, ValidationError

from models import PipelineStage
from models.lead import camel_case
from models.metrics import AdvancedMetrics, ConversionMetrics
from models.types import TEXT_RULE

from ..services import metrics
from ..services.metrics import MetricsSelection
from .deps import CallerDep, ReadSessionDep

MAX_VALUES = 1000  # per list parameter: an IN list stays well within what both databases take
MAX_AMOUNT = Decimal('1e15')
FilterText = Annotated[str, Rule(max_length=255), TEXT_RULE]
Amount = Annotated[Decimal, Rule(ge=0, le=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False)]
ADAPTERS: dict[str, TypeAdapter[Any]] = {
    'stage': TypeAdapter(PipelineStage),
    'uuid': TypeAdapter(uuid.UUID),
    'text': TypeAdapter(FilterText),
    'amount': TypeAdapter(Amount),
    'flag': TypeAdapter(bool),
}
MOMENT_ERROR = 'Input should be an ISO 8601 date (2025-01-31) or date-time (2025-01-31T12:00:00Z)'
# in a query string an unescaped '+' arrives as a space: '…T10:00:00 03:00' was sent as '…T10:00:00+03:00'
SPACED_OFFSET = re.compile(r'(T\d[\d:.,]*) (\d{2}(:?\d{2})?)$')


@dataclass(frozen=True)
class Parameter:
    """One query parameter of the metrics routes, as OpenAPI documents it."""

    name: str
    kind: str  # an ADAPTERS key, or 'start' / 'end'
    many: bool
    description: str


PARAMETERS = (
    Parameter(
        'start_date',
        'start',
        False,
        'Leads created from this day (ISO date) or moment (ISO date-time; UTC if no zone).',
    ),
    Parameter('end_date', 'end', False, 'Leads created up to this moment; an ISO date includes that whole day (UTC).'),
    Parameter('stages', 'stage', True, 'Leads now in one of these stages (repeat the parameter).'),
    Parameter('sources', 'text', True, 'Leads from one of these sources.'),
    Parameter('assigned_users', 'uuid', True, 'Leads assigned to one of these users (ids).'),
    Parameter('tags', 'text', True, 'Leads with at least one of these tags.'),
    Parameter('value_min', 'amount', False, 'Leads with an estimated value of at least this.'),
    Parameter('value_max', 'amount', False, 'Leads with an estimated value of at most this.'),
    Parameter('q', 'text', False, 'Text in the name, e-mail or phone (any case), as the board searches.'),
    Parameter('favorites_only', 'flag', False, 'Only starred leads.'),
)
SCHEMAS: dict[str, dict[str, Any]] = {
    'start': {'type': 'string', 'format': 'date-time'},
    'end': {'type': 'string', 'format': 'date-time'},
    'stage': {'type': 'string', 'enum': [stage.value for stage in PipelineStage]},
    'uuid': {'type': 'string', 'format': 'uuid'},
    'text': {'type': 'string', 'maxLength': 255},
    'amount': {'type': 'number', 'minimum': 0, 'maximum': float(MAX_AMOUNT), 'multipleOf': 0.01},
    'flag': {'type': 'boolean'},
}


def parse_moment(text: str, *, end: bool) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime; a date alone is its first or (``end``) last instant.

    Raises ``ValueError`` for anything else (also a moment whose UTC form falls outside years 1 to 9999).
    """
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(SPACED_OFFSET.sub(r'\1+\2', text))
        try:
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except OverflowError:
            raise ValueError(text) from None
    return datetime.combine(day, time.max if end else time.min, UTC)


class QueryReader:
    """Reads the metrics parameters from a query string, collecting every problem as a FastAPI 422 item."""

    def __init__(self, request: Request) -> None:
        self.query = request.query_params
        self.errors: list[dict[str, Any]] = []

    def raw(self, name: str) -> tuple[str, list[str]]:
        """The spelling used (snake_case first, then camelCase) and its non-empty values."""
        for key in dict.fromkeys((name, camel_case(name))):
            values = [value for value in self.query.getlist(key) if value.strip()]
            if values:
                return key, values
        return name, []

    def fail(self, loc: tuple[Any, ...], kind: str, message: str, value: str, **context: Any) -> None:
        """Record one problem."""
        item: dict[str, Any] = {'type': kind, 'loc': ('query', *loc), 'msg': message, 'input': value}
        if context:
            item['ctx'] = context
        self.errors.append(item)

    def one(self, kind: str, key: str, value: str, loc: tuple[Any, ...]) -> Any:
        """One value parsed (None after recording its problem)."""
        if kind in ('start', 'end'):
            try:
                return parse_moment(value, end=kind == 'end')
            except ValueError:
                self.fail(loc, 'datetime_parsing', MOMENT_ERROR, value)
                return None
        try:
            return ADAPTERS[kind].validate_python(value)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                self.errors.append({**error, 'loc': ('query', *loc, *error['loc'])})
            return None

    def single(self, parameter: Parameter) -> Any:
        """A scalar parameter (the last value when repeated), or None."""
        key, values = self.raw(parameter.name)
        return self.one(parameter.kind, key, values[-1], (key,)) if values else None

    def many(self, parameter: Parameter) -> tuple[Any, ...]:
        """A list parameter, without repeats."""
        key, values = self.raw(parameter.name)
        if len(values) > MAX_VALUES:
            message = f'List should have at most {MAX_VALUES} items after validation, not {len(values)}'
            self.fail((key,), 'too_long', message, f'{len(values)} values', max_length=MAX_VALUES)
            return ()
        parsed = [self.one(parameter.kind, key, value, (key, index)) for index, value in enumerate(values)]
        return tuple(dict.fromkeys(value for value in parsed if value is not None))


async def metrics_selection(request: Request) -> MetricsSelection:
    """The selection a metrics request asks for; unreadable values → 422 naming each parameter.

    Empty values count as absent (``start_date=``). Inverted ranges are the service's 400 (one rule for the
    API and the /insights page).
    """
    reader = QueryReader(request)
    found: dict[str, Any] = {
        parameter.name: reader.many(parameter) if parameter.many else reader.single(parameter)
        for parameter in PARAMETERS
    }
    if reader.errors:
        raise RequestValidationError(reader.errors)
    return MetricsSelection(
        start=found['start_date'],
        end=found['end_date'],
        stages=tuple(str(stage) for stage in found['stages']),
        sources=found['sources'],
        assignee_ids=found['assigned_users'],
        tags=found['tags'],
        value_min=found['value_min'],
        value_max=found['value_max'],
        text=found['q'] or '',
        favorites_only=bool(found['favorites_only']),
    )


SelectionDep = Annotated[MetricsSelection, Depends(metrics_selection)]


async def pipeline_metrics(caller: CallerDep, session: ReadSessionDep, selection: SelectionDep) -> ConversionMetrics:
    """Leads created in the period by stage, conversion (fechado ÷ all), values, and mean days in each stage."""
    return await metrics.conversion_metrics(session, organization_id=caller.organization_id, selection=selection)


async def advanced_metrics(caller: CallerDep, session: ReadSessionDep, selection: SelectionDep) -> AdvancedMetrics:
    """Stage distribution, conversion funnel, bottleneck, trend per period and an executive summary."""
    return await metrics.advanced_metrics(session, organization_id=caller.organization_id, selection=selection)


def openapi_parameters() -> list[dict[str, Any]]:
    """The query parameters for OpenAPI (the dependency reads the query string itself)."""
    documented = []
    for parameter in PARAMETERS:
        schema = SCHEMAS[parameter.kind]
        camel = camel_case(parameter.name)
        also = f' Also `{camel}`.' if camel != parameter.name else ''
        documented.append(
            {
                'name': parameter.name,
                'in': 'query',
                'required': False,
                'description': parameter.description + also,
                'schema': {'type': 'array', 'items': schema, 'maxItems': MAX_VALUES} if parameter.many else schema,
                **({'style': 'form', 'explode': True} if parameter.many else {}),
            }
        )
    return documented


REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {
        'description': 'start_date after end_date (`date_range_inverted`) or value_min over value_max '
        '(`value_range_inverted`)'
    },
    422: {
        'description': 'A parameter value that cannot be read',
        'content': {'application/json': {'schema': {'$ref': '#/components/schemas/HTTPValidationError'}}},
    },
}


def register(add_route: Callable[..., Any]) -> None:
    """Register the metrics routes with the leads router's ``add_route`` (before ``/{lead_id}``)."""
    options = {'openapi_extra': {'parameters': openapi_parameters()}, 'responses': REFUSALS}
    add_route('/pipeline/metrics', pipeline_metrics, 'GET', **options)
    add_route('/metrics/advanced', advanced_metrics, 'GET', **options)
    add_route('/pipeline/advanced-metrics', advanced_metrics, 'GET', **options)
