"""Fixtures of the real-browser tests: the server as a subprocess, PostgreSQL databases, Chromium drivers.

Chromium and chromedriver are Debian's (/usr/bin); run with ``SE_OFFLINE=true SE_AVOID_STATS=true`` so
Selenium never downloads anything. Tests marked ``browser`` that need a database backend take the
``browser_db`` parameter: SQLite and PostgreSQL, following ``--db`` (defined in tests/conftest.py).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_helpers import BrowserFactory, Server, postgres_database
from chromium import CHROMEDRIVER, CHROMIUM, chromium
from selenium import webdriver

os.environ.setdefault('SE_OFFLINE', 'true')
os.environ.setdefault('SE_AVOID_STATS', 'true')

CALL_FAILED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        skip = pytest.mark.skip(
            reason=f'needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)'
        )
        for item in items:
            if item.get_closest_marker('browser'):
                item.add_marker(skip)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if 'browser_db' in metafunc.fixturenames:
        choice = metafunc.config.getoption('--db', default='both')
        backends = ['sqlite', 'postgres'] if choice == 'both' else [choice]
        metafunc.parametrize('browser_db', backends, scope='module')


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == 'call':
        item.stash[CALL_FAILED] = report.failed  # read by the browser fixture to keep screenshots
    return report


@contextmanager
def running_server(data_dir: Path, *, database_url: str = '', transports: str = '') -> Iterator[Server]:
    """A running server, stopped afterwards."""
    server = Server(data_dir=data_dir, database_url=database_url, transports=transports).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='session')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The SQLite server, shared (a start costs ~3 s): every test works in organizations of its own."""
    with running_server(tmp_path_factory.mktemp('server')) as started:
        yield started


@pytest.fixture(scope='module')
def db_server(
    browser_db: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server per database backend: the shared SQLite one, or one on a fresh PostgreSQL database."""
    if browser_db == 'sqlite':
        yield request.getfixturevalue('server')
        return
    with postgres_database() as url, running_server(tmp_path_factory.mktemp('server-pg'), database_url=url) as started:
        yield started


@pytest.fixture(scope='module')
def polling_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A SQLite server whose pages may only long-poll (SOCKET_IO_TRANSPORTS=polling)."""
    with running_server(tmp_path_factory.mktemp('server-polling'), transports='polling') as started:
        yield started


@pytest.fixture(autouse=True)
def server_log_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if the server it used logged a traceback while it ran (xfail tests: the reason says why)."""
    if request.node.get_closest_marker('xfail'):
        yield
        return
    servers = [
        request.getfixturevalue(name)
        for name in ('server', 'db_server', 'polling_server')
        if name in request.fixturenames
    ]
    offsets = [(s, s.log_size()) for s in servers]
    yield
    for running, offset in offsets:
        trace = running.tracebacks_since(offset)
        assert not trace, f'the server logged an error during the test:\n{trace[-4000:]}'


@pytest.fixture
def open_browser(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BrowserFactory]:
    """Launch Chromium windows (one per person); all quit at teardown, screenshots kept when the test failed."""
    drivers: list[webdriver.Chrome] = []

    def launch(width: int = 1400, height: int = 900, *, phone: bool = False) -> webdriver.Chrome:
        driver = chromium(tmp_path / f'chrome-{len(drivers)}', width=width, height=height, phone=phone)
        drivers.append(driver)
        return driver

    try:
        yield launch
    finally:
        failed = request.node.stash.get(CALL_FAILED, False)
        for index, driver in enumerate(drivers):
            try:
                if failed:
                    driver.save_screenshot(str(tmp_path / f'failure-{index}.png'))
                    (tmp_path / f'failure-{index}.html').write_text(driver.page_source)
            except Exception:  # a crashed browser must not hide the test's own failure
                pass
            finally:
                driver.quit()
