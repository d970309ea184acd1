"""What an operator's Prometheus and log collector see: ``GET /metrics`` and ``LOG_FORMAT=json`` (docs/OPERATIONS.md).

The metrics are read as Prometheus reads them (the text format, parsed by the client library's own parser).
Open boards are counted in tests/ui/test_server_restart.py, open API sockets in tests/test_shutdown.py.
"""

import asyncio
import io
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import hypothesis
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from pg_harness import pg_url
from prometheus_client.parser import text_string_to_metric_families
from starlette.routing import BaseRoute
from waiting import until

from lovedcrm_ui.api.access_log import AccessLog
from lovedcrm_ui.api.prometheus import route_template
from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.logs import JsonFormatter, RedactTokens, TextFormatter
from lovedcrm_ui.observability import UNMATCHED_ROUTE

FAMILIES = {
    'lovedcrm_http_requests': 'counter',
    'lovedcrm_http_request_duration_seconds': 'histogram',
    'lovedcrm_stage_moves': 'counter',
    'lovedcrm_lead_writes': 'counter',
    'lovedcrm_fanout_seconds': 'histogram',
    'lovedcrm_listener_lag_seconds': 'histogram',
    'lovedcrm_open_boards': 'gauge',
    'lovedcrm_open_sockets': 'gauge',
    'lovedcrm_db_pool_size': 'gauge',
    'lovedcrm_db_pool_in_use': 'gauge',
    'process_resident_memory_bytes': 'gauge',  # the client library's process collector (Linux)
}
UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def api_with(settings: Settings) -> AsyncIterator[Any]:
    """Factory: a client for another app on the same database, with some settings changed."""
    async with AsyncExitStack() as stack:

        async def _api_with(**overrides: Any) -> httpx.AsyncClient:
            ctx = AppContext.build(settings.model_copy(update=overrides))
            stack.push_async_callback(ctx.close)
            app = FastAPI()
            install_api(app, ctx)
            transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
            return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url='http://testserver'))

        yield _api_with


async def scrape(api: httpx.AsyncClient, **headers: str) -> Samples:
    """``GET /metrics`` as Prometheus does: every sample by (name, labels)."""
    response = await api.get('/metrics', headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers['content-type'].startswith('text/plain')
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when the series does not exist yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_answer_in_the_text_format_with_every_family_and_its_help(api: httpx.AsyncClient) -> None:
    response = await api.get('/metrics')

    assert response.status_code == 200
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    assert {name: families[name].type for name in FAMILIES if name in families} == FAMILIES
    assert all(families[name].documentation for name in FAMILIES)
    # a family per process metric, not a series per request: the moves and writes exist at 0 from the start
    samples = await scrape(api)
    assert value(samples, 'lovedcrm_stage_moves_total', result='ok') == 0
    assert value(samples, 'lovedcrm_lead_writes_total', type='lead_stage_changed') == 0


async def test_moves_writes_fan_out_and_requests_are_counted_by_route_template_without_ids(
    api: httpx.AsyncClient, register: Any
) -> None:
    ana = await register('Ana Souza')
    before = await scrape(api)
    created = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})
    lead = created.json()
    stage = f'/crm/leads/{lead["id"]}/stage'

    moved = await api.put(stage, headers=ana.headers, json={'stage': 'proposta'})
    stale = await api.put(stage, headers=ana.headers, json={'stage': 'fechado', 'expected_version': 1})
    gone = await api.put(f'/crm/leads/{uuid.uuid4()}/stage', headers=ana.headers, json={'stage': 'fechado'})
    unsigned = await api.put(stage, json={'stage': 'fechado'})  # refused by the tenancy guard, before routing
    after = await scrape(api)

    assert [r.status_code for r in (created, moved, stale, gone, unsigned)] == [201, 200, 409, 404, 403]

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew('lovedcrm_stage_moves_total', result='ok') == 1
    assert grew('lovedcrm_stage_moves_total', result='conflict') == 1
    assert grew('lovedcrm_stage_moves_total', result='refused') == 1  # the unknown lead (the guard's 403 is no move)
    assert grew('lovedcrm_lead_writes_total', type='lead_created') == 1
    assert grew('lovedcrm_lead_writes_total', type='lead_stage_changed') == 1
    assert grew('lovedcrm_fanout_seconds_count') == 2  # one per commit that published lead events
    route = '/crm/leads/{lead_id}/stage'
    assert grew('lovedcrm_http_requests_total', method='PUT', route=route, status='2xx') == 1
    assert grew('lovedcrm_http_requests_total', method='PUT', route=route, status='4xx') == 3
    assert grew('lovedcrm_http_request_duration_seconds_count', method='PUT', route=route) == 4
    labels = {v for _name, pairs in after for _label, v in pairs}
    assert not [v for v in labels if UUID.search(v)], 'an id in a label'


async def test_the_metrics_token_guards_metrics_when_set(api_with: Any) -> None:
    guarded = await api_with(metrics_token='metrics-token-0123456789')

    missing = await guarded.get('/metrics')
    wrong = await guarded.get('/metrics', headers={'Authorization': 'Bearer metrics-token-wrong'})
    basic = await guarded.get('/metrics', headers={'Authorization': 'Basic metrics-token-0123456789'})
    right = await guarded.get('/metrics', headers={'Authorization': 'Bearer metrics-token-0123456789'})

    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert refused.json()['code'] == 'unauthorized'
        assert 'METRICS_TOKEN' in refused.json()['detail']
        assert refused.headers['www-authenticate'] == 'Bearer'
        assert 'lovedcrm_' not in refused.text
    assert right.status_code == 200 and 'lovedcrm_http_requests' in right.text


async def test_each_app_counts_only_its_own_requests(api: httpx.AsyncClient, api_with: Any) -> None:
    other = await api_with()  # a second app in the same process, as the test suite builds many
    for _ in range(3):
        await other.get('/healthz')

    mine, theirs = await scrape(api), await scrape(other)

    assert value(mine, 'lovedcrm_http_requests_total', method='GET', route='/healthz', status='2xx') == 0
    assert value(theirs, 'lovedcrm_http_requests_total', method='GET', route='/healthz', status='2xx') == 3


def templates(routes: list[BaseRoute]) -> set[str]:
    """Every path template an app's routes answer (included routers unfolded)."""
    found = set()
    for route in routes:
        included = getattr(route, 'original_router', None)
        if included is not None:
            found |= templates(included.routes)
        elif isinstance(getattr(route, 'path', None), str):
            found.add(route.path)  # type: ignore[attr-defined]
    return found


segments = st.one_of(
    st.uuids().map(str),
    st.integers(min_value=0).map(str),
    st.text(alphabet='abcdefghijklmnopqrstuvwxyz0123456789-_.~%', min_size=1, max_size=24),
)


@pytest.fixture(scope='module')
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The API's routes (no database is touched: a route template is found without calling anything)."""
    data = Path(tmp_path_factory.mktemp('routes'))
    ctx = AppContext.build(
        Settings(
            LOVEDCRM_ENV='test',
            LOVEDCRM_DATA_DIR=data,
            DATABASE_URL=f'sqlite+aiosqlite:///{data / "unused.db"}',
            SECRET_KEY='test-secret-key-with-enough-length-for-hs256',
            STORAGE_SECRET='test-storage-secret',
        )
    )
    app = FastAPI()
    install_api(app, ctx)
    yield app
    asyncio.run(ctx.close())


@hypothesis.settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']),
    shape=st.sampled_from(['/crm/leads/{}', '/crm/leads/{}/stage', '/organizations/{}', '/{}', '/crm/{}/{}', '/{}/x']),
    segment=segments,
)
def test_a_request_refused_before_routing_is_labelled_by_a_template_never_by_its_path(
    bare_app: FastAPI, method: str, shape: str, segment: str
) -> None:
    path = shape.format(segment, segment)
    scope = {'type': 'http', 'method': method, 'path': path, 'root_path': '', 'app': bare_app, 'headers': []}

    label = route_template(scope, '')

    assert label in templates(bare_app.router.routes) | {UNMATCHED_ROUTE}
    if segment not in ''.join(templates(bare_app.router.routes)):
        assert segment not in label


# ----- JSON log lines -------------------------------------------------------------------------------


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line written, each parsed as one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def json_log() -> Any:
    """The root logger writing JSON lines into a buffer, as ``LOG_FORMAT=json`` sets it up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def test_json_access_lines_carry_the_request_and_never_a_token(
    settings: Settings, register: Any, json_log: io.StringIO
) -> None:
    ctx = AppContext.build(settings.model_copy(update={'access_log': True, 'log_format': 'json'}))
    app = FastAPI()
    install_api(app, ctx)
    assert any(m.cls is AccessLog for m in app.user_middleware)
    transport = httpx.ASGITransport(app=app, client=('203.0.113.7', 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
            body = {'email': f'ana-{uuid.uuid4().hex[:6]}@example.com', 'password': 'Secret-pass-1', 'full_name': 'Ana',
                    'terms_accepted': True}  # fmt: skip
            signed = (await client.post('/auth/register', json=body)).json()
            token = signed['access_token']
            headers = {'Authorization': f'Bearer {token}', 'X-Org-Id': signed['organization']['id']}
            listed = await client.get(f'/crm/leads?token={token}&page=1', headers=headers)
    finally:
        await ctx.close()
    assert listed.status_code == 200

    lines = json_log.getvalue()
    entries = [e for e in json_lines(json_log) if e['logger'] == 'lovedcrm_ui.access']
    listing = next(e for e in entries if e['method'] == 'GET')
    assert listing['path'] == '/crm/leads?token=[redacted]&page=1'
    assert (listing['status'], listing['client'], listing['level']) == (200, '203.0.113.7', 'INFO')
    assert isinstance(listing['duration_ms'], float) and listing['time'].endswith('+00:00')
    assert token not in lines and 'Secret-pass-1' not in lines
    assert not any(re.search('header|authori|cookie', key, re.I) for entry in entries for key in entry)


def test_json_lines_redact_credentials_in_messages_extras_and_exceptions(json_log: io.StringIO) -> None:
    log = logging.getLogger('lovedcrm_ui.test')
    log.info('calling %s with Authorization: Bearer %s', '/ws/pipeline?token=abc.def.ghi', 'eyJ0.secret.sig')
    log.info('request', extra={'headers': {'authorization': 'Bearer eyJ1'}, 'auth_token': 'eyJ2', 'route': '/x'})
    try:
        raise ValueError('refresh_token=eyJ3 was refused')
    except ValueError:
        log.exception('failed')

    first, second, third = json_lines(json_log)
    assert first['message'] == 'calling /ws/pipeline?token=[redacted] with Authorization: Bearer [redacted]'
    assert second['route'] == '/x' and 'headers' not in second and 'auth_token' not in second
    assert 'ValueError: refresh_token=[redacted] was refused' in third['exception']
    assert third['level'] == 'ERROR' and third['logger'] == 'lovedcrm_ui.test'
    text = json_log.getvalue()
    assert not [secret for secret in ('abc.def', 'eyJ0', 'eyJ1', 'eyJ2', 'eyJ3') if secret in text]


def test_text_lines_are_redacted_as_a_whole() -> None:
    record = logging.LogRecord('x', logging.INFO, __file__, 1, 'GET %s', (httpx.URL('/ws?token=eyJ9'),), None)

    assert TextFormatter('%(message)s').format(record) == 'GET /ws?token=[redacted]'


async def test_another_replicas_write_is_timed_through_the_listener_and_reconnects_are_counted(
    db_backend: str, settings: Settings, api_with: Any, register: Any
) -> None:
    if db_backend != 'postgres':
        pytest.skip('the listener is PostgreSQL LISTEN/NOTIFY')
    writer = await api_with(event_bus='postgres')  # replica A: its commits NOTIFY
    here = AppContext.build(settings.model_copy(update={'event_bus': 'postgres'}))  # replica B, listening
    await here.start()
    try:
        ana = await register('Ana Souza')
        delivered: list[Any] = []
        here.bus.subscribe(uuid.UUID(ana.org_id), delivered.append)  # an open board or socket on B
        await until(lambda: here.bridge is not None and here.bridge.connected, 'B listens')

        created = await writer.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})
        await until(lambda: delivered, 'B delivers the lead A created')
        database = settings.database_url.rsplit('/', 1)[1]
        admin = await asyncpg.connect(pg_url(database, driver='postgresql'))
        try:  # the listener's connection dies (a PostgreSQL restart, a network cut)
            await admin.execute(
                'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2',
                'lovedcrm-listener',
                database,
            )
        finally:
            await admin.close()
        await until(lambda: metric(here, 'lovedcrm_listener_reconnects_total') == 1, 'B listens again')
        samples = {(s.name, frozenset(s.labels.items())): s.value for f in families(here) for s in f.samples}
    finally:
        await here.close()

    assert created.status_code == 201
    assert value(samples, 'lovedcrm_listener_lag_seconds_count') == 1  # one delivery batch from A
    assert value(samples, 'lovedcrm_listener_connected') == 1
    assert value(samples, 'lovedcrm_lead_writes_total', type='lead_created') == 0  # B wrote nothing itself


def families(ctx: AppContext) -> list[Any]:
    """The app's metrics, parsed."""
    return list(text_string_to_metric_families(ctx.metrics.render().decode()))


def metric(ctx: AppContext, name: str) -> float:
    """One unlabelled sample of the app's metrics (0 when absent)."""
    return next((s.value for f in families(ctx) for s in f.samples if s.name == name and not s.labels), 0.0)
