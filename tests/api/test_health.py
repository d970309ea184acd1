"""Health endpoints (API-CONTRACT §6): what a load balancer or a monitoring probe receives."""

from datetime import UTC, datetime, timedelta


async def test_health_reports_the_service_and_its_dependencies(api, settings):
    response = await api.get('/health')

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {'status', 'service', 'version', 'timestamp', 'uptime', 'dependencies', 'response_time_ms'}
    assert body['status'] == 'healthy'
    assert isinstance(body['service'], str) and isinstance(body['version'], str)
    assert abs(datetime.fromisoformat(body['timestamp']) - datetime.now(UTC)) < timedelta(minutes=1)
    assert body['uptime'] >= 0 and body['response_time_ms'] >= 0
    database = body['dependencies']['database']
    assert database['status'] == 'healthy'
    assert database['type'] == ('postgresql' if settings.is_postgres else 'sqlite')
    assert database['response_time_ms'] >= 0
    assert body['dependencies']['event_bus']['status'] == 'healthy'


async def test_health_only_answers_get(api):
    for method in ('POST', 'PUT', 'DELETE'):
        response = await api.request(method, '/health')
        assert response.status_code == 405, method


async def test_liveness_and_readiness_probes(api, settings):
    alive = await api.get('/healthz')
    ready = await api.get('/readyz')

    assert (alive.status_code, alive.json()) == (200, {'status': 'ok'})
    assert ready.status_code == 200
    assert ready.json()['status'] == 'ready'
    assert ready.json()['database']['type'] == ('postgresql' if settings.is_postgres else 'sqlite')


async def test_readiness_fails_when_the_database_is_gone(api_with):
    # a PostgreSQL database that does not exist: the connection fails at once, and cleanly
    client = await api_with(database_url='postgresql+asyncpg://postgres@127.0.0.1:5432/lovedcrm_no_such_database')

    ready = await client.get('/readyz')
    health = await client.get('/health')

    assert ready.status_code == 503 and ready.json()['status'] == 'not ready'
    assert health.status_code == 200
    assert health.json()['status'] == 'degraded'
    assert health.json()['dependencies']['database']['status'] != 'healthy'
