"""The real server: ``python main.py`` as an operator starts it, spoken to over TCP.

Nothing is configured but a data directory, so the server runs on its embedded SQLite default,
migrates at start-up and generates its own secrets. One test starts it against PostgreSQL.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pg_harness import pg_admin_sync, pg_url

from lovedcrm_ui.config import Settings

PASSWORD = 'Secret123'
MAIN = Path(__file__).resolve().parent.parent / 'main.py'
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
# every variable the app reads: the server must see none of the caller's, only what a test sets
APP_VARIABLES = {field.alias for field in Settings.model_fields.values() if field.alias} | {'LOVEDCRM_SKIP_MIGRATIONS'}


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


def server_environment(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The caller's environment minus pytest's, NiceGUI's and the app's variables, plus the given ones."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(('PYTEST_', 'NICEGUI_')) and name not in APP_VARIABLES
    }
    env.update(
        LOVEDCRM_DATA_DIR=str(data_dir),
        HOST='127.0.0.1',
        PORT=str(port),
        PASSWORD_HASH_ROUNDS='1',
        PASSWORD_HASH_MEMORY_KIB='64',
        PYTHONUNBUFFERED='1',
        **extra,
    )
    return env


class Server:
    """A running ``python main.py`` and an HTTP client pointed at it."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log
        self.http = httpx.Client(base_url=base_url, timeout=15.0)

    def output(self) -> str:
        """The tail of what the server printed (for failure messages)."""
        return self.log.read_text(errors='replace')[-4000:]

    def wait_until_alive(self) -> None:
        """Poll ``/healthz`` until the server answers; fail early if the process dies."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f'server exited with {self.process.returncode}:\n{self.output()}')
            try:
                if self.http.get('/healthz', timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f'server did not answer /healthz within {START_TIMEOUT:.0f} s:\n{self.output()}')

    def stop(self) -> None:
        """Terminate the server (and anything it spawned), gracefully first."""
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only what it started
                self.process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def running_server(data_dir: Path, *args: str, **extra: str) -> Iterator[Server]:
    """Start ``python main.py`` with only ``data_dir`` (and ``extra``) configured; stop it afterwards."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = data_dir.parent / f'server-{port}.log'
    with log.open('wb') as output:
        process = subprocess.Popen(
            [sys.executable, str(MAIN), *args],
            cwd=data_dir.parent,  # NiceGUI keeps its storage in the working directory: not in the repository
            env=server_environment(data_dir, port, **extra),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f'http://127.0.0.1:{port}', log)
    try:
        server.wait_until_alive()
        yield server
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
    assert response.json() == {'detail': 'Missing or invalid authorization header'}


def test_unknown_api_path_is_json_404(embedded: Server) -> None:
    auth = register(embedded.http)

    response = embedded.http.get('/crm/no-such-endpoint', headers=org_headers(auth))

    assert response.status_code == 404
    assert response.headers['content-type'].startswith('application/json')
    assert response.json() == {'detail': 'Not Found'}


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


def test_server_on_postgresql(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if request.config.getoption('--db') == 'sqlite':
        pytest.skip('PostgreSQL server is not tested with --db sqlite')
    name = f'lovedcrm_srv_{uuid.uuid4().hex[:12]}'
    pg_admin_sync(f'CREATE DATABASE {name}')
    try:
        # the plain postgresql:// form an operator writes; the app picks the asyncpg driver itself
        with running_server(tmp_path / 'data', DATABASE_URL=pg_url(name, driver='postgresql')) as server:
            health = server.http.get('/health')
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
