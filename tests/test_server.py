"""The real server: ``python main.py`` as an operator starts it, spoken to over TCP.

Nothing is configured but a data directory, so the server runs on its embedded SQLite default,
migrates at start-up and generates its own secrets. One test starts it against PostgreSQL.
"""

import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
from accounts import PASSWORD
from pg_harness import app_url, create_app_database_sync, pg_admin_sync
from server_process import ServerProcess


@dataclass
class Server(ServerProcess):
    """A running ``python main.py`` with nothing configured but its data directory, and an HTTP client pointed at it."""

    extra: dict[str, str] = field(default_factory=dict)  # the few variables a test sets (e.g. DATABASE_URL)
    http: httpx.Client = field(init=False)

    stop_timeout = 15.0
    app_env = None  # the app's default, as an operator starts it

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=15.0)

    @property
    def log_path(self) -> Path:
        """Next to the data directory, one log per port."""
        return self.data_dir.parent / f'server-{self.port}.log'

    @property
    def workdir(self) -> Path:
        """NiceGUI keeps its storage in the working directory: not in the repository, not in the data directory."""
        return self.data_dir.parent

    def extra_environment(self) -> dict[str, str]:
        return self.extra

    def fail(self, message: str) -> NoReturn:
        pytest.fail(message)

    def stop(self) -> None:
        """Close the client, then terminate the server (and anything it spawned), gracefully first."""
        self.http.close()
        super().stop()


@contextmanager
def running_server(data_dir: Path, *args: str, **extra: str) -> Iterator[Server]:
    """Start ``python main.py`` with only ``data_dir`` (and ``extra``) configured; stop it afterwards."""
    server = Server(data_dir, extra=extra, args=args)
    try:
        yield server.start()
    finally:
        server.stop()


def register(http: httpx.Client, name: str = 'Ana Souza') -> dict[str, Any]:
    """Register a new user through the API and return the auth response."""
    email = f'{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com'
    response = http.post(
        '/auth/register', json={'email': email, 'password': PASSWORD, 'full_name': name, 'terms_accepted': True}
    )
    assert response.status_code == 201, response.text
    return response.json()


def org_headers(auth: dict[str, Any]) -> dict[str, str]:
    """Bearer + X-Org-Id headers of an auth response."""
    return {'Authorization': f'Bearer {auth["access_token"]}', 'X-Org-Id': str(auth['organization']['id'])}


@pytest.fixture(scope='module')
def embedded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server on the embedded SQLite default, shared by the read-mostly tests of this module."""
    if request.config.getoption('--db') == 'postgres':
        pytest.skip('the embedded SQLite server is not tested with --db postgres')
    with running_server(tmp_path_factory.mktemp('embedded') / 'data') as server:
        yield server


def test_health_reports_embedded_sqlite(embedded: Server) -> None:
    response = embedded.http.get('/health')

    assert response.status_code == 200
    body = response.json()
    assert body['status'] == 'healthy'
    assert body['dependencies']['database']['type'] == 'sqlite'
    assert body['dependencies']['database']['status'] == 'healthy'
    assert body['dependencies']['event_bus']['type'] == 'memory'


def test_register_then_login(embedded: Server) -> None:
    registered = register(embedded.http)

    login = embedded.http.post('/auth/login', json={'email': registered['user']['email'], 'password': PASSWORD})

    assert login.status_code == 200, login.text
    current = embedded.http.get('/organizations/current', headers=org_headers(login.json()))
    assert current.status_code == 200, current.text
    assert current.json()['name'] == "Ana Souza's Organization"


def test_leads_without_credentials_are_refused(embedded: Server) -> None:
    response = embedded.http.get('/crm/leads')

    assert response.status_code == 403
    assert response.headers['content-type'].startswith('application/json')
    assert response.json() == {'detail': 'Missing or invalid authorization header', 'code': 'authorization_missing'}


def test_unknown_api_path_is_json_404(embedded: Server) -> None:
    auth = register(embedded.http)

    response = embedded.http.get('/crm/no-such-endpoint', headers=org_headers(auth))

    assert response.status_code == 404
    assert response.headers['content-type'].startswith('application/json')
    assert response.json() == {'detail': 'Not Found', 'code': 'not_found'}


def test_browser_on_unknown_page_gets_html_404(embedded: Server) -> None:
    response = embedded.http.get('/nope', headers={'Accept': 'text/html,application/xhtml+xml'})

    assert response.status_code == 404
    assert response.headers['content-type'].startswith('text/html')
    assert '<html' in response.text.lower()
    assert "This page doesn't exist." in response.text  # NiceGUI's error page


def test_browser_gets_the_login_page(embedded: Server) -> None:
    response = embedded.http.get('/login', headers={'Accept': 'text/html'})

    assert response.status_code == 200
    assert response.headers['content-type'].startswith('text/html')
    assert 'LovedCRM</title>' in response.text


def test_openapi_documentation_is_served(embedded: Server) -> None:
    schema = embedded.http.get('/openapi.json')

    assert schema.status_code == 200
    assert '/crm/leads/{lead_id}/stage' in schema.json()['paths']
    assert embedded.http.get('/docs').status_code == 200


def test_restart_keeps_generated_secrets_and_tokens(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if request.config.getoption('--db') == 'postgres':
        pytest.skip('embedded SQLite server')
    data_dir = tmp_path / 'data'
    with running_server(data_dir) as first:
        auth = register(first.http)
    secrets_file = data_dir / 'secrets.json'
    assert secrets_file.exists()
    secrets_before = secrets_file.read_text()
    assert oct(secrets_file.stat().st_mode & 0o777) == '0o600'

    with running_server(data_dir) as second:
        current = second.http.get('/organizations/current', headers=org_headers(auth))
        refreshed = second.http.post('/auth/refresh', json={'refresh_token': auth['refresh_token']})

    assert current.status_code == 200, current.text
    assert refreshed.status_code == 200, refreshed.text
    assert secrets_file.read_text() == secrets_before


def test_skip_migrations_leaves_the_schema_alone(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if request.config.getoption('--db') == 'postgres':
        pytest.skip('embedded SQLite server')
    data_dir = tmp_path / 'data'
    with running_server(data_dir, '--skip-migrations') as server:
        alive = server.http.get('/healthz')

    assert alive.status_code == 200
    database = data_dir / 'lovedcrm.db'
    tables: set[str] = set()
    if database.exists():
        with sqlite3.connect(database) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert 'alembic_version' not in tables
    assert 'leads' not in tables


def healthy_or_last(http: httpx.Client, seconds: float = 15.0) -> httpx.Response:
    """/health as a monitor reads it: asked again until it says healthy (the event bus's LISTEN connection may
    still be opening right after start-up: ``degraded``, event bus ``reconnecting``), else the last answer."""
    deadline = time.monotonic() + seconds
    while True:
        answer = http.get('/health')
        if (answer.status_code == 200 and answer.json()['status'] == 'healthy') or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_server_on_postgresql(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if request.config.getoption('--db') == 'sqlite':
        pytest.skip('PostgreSQL server is not tested with --db sqlite')
    name = f'lovedcrm_srv_{uuid.uuid4().hex[:12]}'
    create_app_database_sync(name)  # owned by a plain role, as docs/SECURITY.md tells operators
    try:
        # the plain postgresql:// form an operator writes; the app picks the asyncpg driver itself
        with running_server(tmp_path / 'data', DATABASE_URL=app_url(name, driver='postgresql')) as server:
            health = healthy_or_last(server.http)
            auth = register(server.http)
            current = server.http.get('/organizations/current', headers=org_headers(auth))
    finally:
        pg_admin_sync(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')

    assert health.status_code == 200
    body = health.json()
    assert body['status'] == 'healthy', body
    assert body['dependencies']['database']['type'] == 'postgresql'
    assert body['dependencies']['event_bus']['type'] == 'postgres'
    assert current.status_code == 200, current.text
