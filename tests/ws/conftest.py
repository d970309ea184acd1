"""Fixtures of the real-time API tests: servers started as subprocesses, shared by every test of the run.

Every test works in organizations of its own, so one server serves many tests. ``event_server`` follows
``--db`` (the ``db_backend`` parametrization of tests/conftest.py): SQLite, and a server on a fresh
PostgreSQL database for the tests that check event delivery.
"""

from collections.abc import Iterator

import pytest
from ws_server import Server, create_postgres_database, databases, drop_postgres_database, start_servers

# short waits where a test must see a timeout happen; everything else keeps its default. Every test connects
# from 127.0.0.1, and many are refused on purpose: the shared servers do not slow refused handshakes
# (test_socket_lifetime.py checks the slowing on a server of its own)
UNSLOWED = {'WS_REFUSED_HANDSHAKES': '1000000'}
MAIN_SETTINGS = {'WS_AUTH_TIMEOUT_SECONDS': '1', **UNSLOWED}
# small limits, each exercised by a test: connections per user, send queue, replay, server ping
TIGHT_SETTINGS = {
    'WS_AUTH_TIMEOUT_SECONDS': '1',
    'WS_MAX_CONNECTIONS_PER_USER': '2',
    'WS_SEND_QUEUE': '8',
    'REPLAY_LIMIT': '5',
    'WS_PING_SECONDS': '1',
    **UNSLOWED,
}
SERVER_FIXTURES = ('sqlite_server', 'tight_server', 'postgres_server', 'event_server', 'replicas')


@pytest.fixture(scope='session')
def started_servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Server]]:
    """The servers this run needs, started together (a start costs seconds; they overlap)."""
    wanted = databases(request.config)
    servers: dict[str, Server] = {}
    database = ''
    if 'sqlite' in wanted:
        servers['sqlite'] = Server(tmp_path_factory.mktemp('ws-sqlite'), settings=MAIN_SETTINGS)
        servers['tight'] = Server(tmp_path_factory.mktemp('ws-tight'), settings=TIGHT_SETTINGS)
    if 'postgres' in wanted:
        database, url = create_postgres_database()
        servers['postgres'] = Server(tmp_path_factory.mktemp('ws-postgres'), database_url=url, settings=MAIN_SETTINGS)
    try:
        start_servers(*servers.values())
        yield servers
    finally:
        for server in servers.values():
            server.stop()
        if database:
            drop_postgres_database(database)


@pytest.fixture(scope='session')
def sqlite_server(started_servers: dict[str, Server]) -> Server:
    """The SQLite server with default limits (contract tests that do not depend on the database)."""
    if 'sqlite' not in started_servers:
        pytest.skip('SQLite server tests are not run with --db postgres')
    return started_servers['sqlite']


@pytest.fixture(scope='session')
def tight_server(started_servers: dict[str, Server]) -> Server:
    """A SQLite server with small limits: 2 sockets per user, send queue 8, replay 5, server ping after 1 s."""
    if 'tight' not in started_servers:
        pytest.skip('SQLite server tests are not run with --db postgres')
    return started_servers['tight']


@pytest.fixture(scope='session')
def postgres_server(started_servers: dict[str, Server]) -> Server:
    """A server on a fresh PostgreSQL database (PostgreSQL event bus, the default there)."""
    if 'postgres' not in started_servers:
        pytest.skip('PostgreSQL tests are not run with --db sqlite')
    return started_servers['postgres']


@pytest.fixture
def event_server(db_backend: str, request: pytest.FixtureRequest) -> Server:
    """The server of the test's database backend (SQLite or PostgreSQL)."""
    return request.getfixturevalue(f'{db_backend}_server')  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def server_log_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if a server it used logged a traceback while it ran."""
    names = [name for name in SERVER_FIXTURES if name in request.fixturenames]
    servers: list[Server] = []
    for name in names:
        value = request.getfixturevalue(name)
        servers.extend(value if isinstance(value, tuple) else [value])
    offsets = [(server, server.log_size()) for server in servers]
    yield
    for server, offset in offsets:
        trace = server.tracebacks_since(offset)
        assert not trace, f'the server logged an error during the test:\n{trace[-4000:]}'
