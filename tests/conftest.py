"""Test fixtures: one migrated template per database per run, a fresh copy per test.

Every test that asks for ``db_url`` (directly or through ``ctx`` / ``api``) runs once on SQLite
and once on PostgreSQL (``--db sqlite|postgres|both``, default both).
"""

import asyncio
import os
import queue
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from accounts import PASSWORD
from fastapi import FastAPI
from fastapi.dependencies import models as fastapi_dependency_models
from pg_harness import APP_ROLE, PG_ADMIN_URL, app_url, create_app_database_sync, pg_admin_sync

from lovedcrm_ui import migrate
from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from models import SQLModel

pytest_plugins = ['nicegui.testing.user_plugin']

PG_TEMPLATE = f'lovedcrm_tpl_{os.getpid()}'


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption('--db', choices=['sqlite', 'postgres', 'both'], default='both', help='databases to test on')


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if 'db_backend' in metafunc.fixturenames:
        choice = metafunc.config.getoption('--db')
        backends = ['sqlite', 'postgres'] if choice == 'both' else [choice]
        metafunc.parametrize('db_backend', backends, scope='session')


@pytest.fixture(autouse=True)
def forget_this_tests_app() -> Iterator[None]:
    """After each test, empty the process-wide caches that would keep its app (engine, bus, pages) alive.

    Every test builds its own app and engine. FastAPI's caches of route handlers (``lru_cache`` of 4,096
    callables in fastapi.dependencies.models) hold handlers that close over that app's context, and each ORM
    mapper caches its INSERT/UPDATE statements per dialect object (``Mapper._compiled_cache``), which holds the
    engine. In one long run the heap grew by ~25,000 objects per UI test, and every full garbage collection
    walked them all: by the end, a UI test's set-up and tear-down took 6 s each instead of 0.3 s.
    """
    yield
    for value in vars(fastapi_dependency_models).values():
        if callable(getattr(value, 'cache_clear', None)):
            value.cache_clear()
    for mapper in SQLModel._sa_registry.mappers:
        mapper._compiled_cache.clear()


@pytest.fixture(scope='session')
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run."""
    path = tmp_path_factory.mktemp('template') / 'template.db'
    migrate.upgrade(f'sqlite+aiosqlite:///{path}')
    return path


class PostgresDatabases:
    """Fresh copies of the migrated template, made ahead by a background thread while tests run.

    ``CREATE DATABASE … TEMPLATE`` costs a few hundred milliseconds here (it checkpoints); making
    the next copies while the current test runs, and dropping used ones in the same thread, keeps
    that off the tests' critical path.
    """

    AHEAD = 2

    def __init__(self, template: str) -> None:
        self.template = template
        self.ready: queue.Queue[str] = queue.Queue()
        self.used: queue.Queue[str] = queue.Queue()
        self.wanted = 0  # copies requested but not yet made
        self.stopping = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=lambda: asyncio.run(self._work()), name='pg-databases', daemon=True)
        self.thread.start()

    async def _work(self) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            while not self.stopping.is_set() or not self.used.empty():
                if not self.stopping.is_set() and self.ready.qsize() < self.AHEAD:
                    name = f'lovedcrm_t_{uuid.uuid4().hex[:12]}'
                    try:
                        await conn.execute(
                            f'CREATE DATABASE {name} TEMPLATE {self.template} OWNER {APP_ROLE} STRATEGY FILE_COPY'
                        )
                    except Exception as exc:  # surfaced to the test that waits for a database
                        self.errors.append(exc)
                        await asyncio.sleep(0.5)
                        continue
                    self.ready.put(name)
                elif not self.used.empty():
                    await conn.execute(f'DROP DATABASE IF EXISTS {self.used.get()} WITH (FORCE)')
                else:
                    await asyncio.sleep(0.02)
            while not self.ready.empty():
                await conn.execute(f'DROP DATABASE IF EXISTS {self.ready.get()} WITH (FORCE)')
        finally:
            await conn.close()

    def take(self) -> str:
        """The name of a fresh database (waits for the thread to make one)."""
        while True:
            if self.errors:
                raise self.errors.pop(0)
            try:
                return self.ready.get(timeout=0.1)
            except queue.Empty:
                if not self.thread.is_alive():
                    raise RuntimeError('the PostgreSQL database maker stopped') from None

    def give_back(self, name: str) -> None:
        """Drop a used database later."""
        self.used.put(name)

    def close(self) -> None:
        """Drop everything and stop the thread."""
        self.stopping.set()
        self.thread.join(timeout=120)


@pytest.fixture(scope='session')
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per run, copied by CREATE DATABASE … TEMPLATE.

    Migrated as the app's role, which therefore owns the tables (copies keep that): their FORCEd row-level
    security binds every test app, which connects as that role too.
    """
    pg_admin_sync(f'DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)')
    create_app_database_sync(PG_TEMPLATE)
    migrate.upgrade(app_url(PG_TEMPLATE))
    yield PG_TEMPLATE
    pg_admin_sync(f'DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)')


@pytest.fixture(scope='session')
def postgres_databases(postgres_template: str) -> Iterator[PostgresDatabases]:
    """The background maker of fresh PostgreSQL databases for this run."""
    databases = PostgresDatabases(postgres_template)
    yield databases
    databases.close()


@pytest.fixture
async def db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for this test."""
    if db_backend == 'sqlite':
        template: Path = request.getfixturevalue('sqlite_template')
        path = tmp_path / 'test.db'
        shutil.copyfile(template, path)
        yield f'sqlite+aiosqlite:///{path}'
        return
    databases: PostgresDatabases = request.getfixturevalue('postgres_databases')
    name = await asyncio.to_thread(databases.take)
    yield app_url(name)
    databases.give_back(name)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own database and data directory, cheap password hashing."""
    return Settings(
        LOVEDCRM_ENV='test',
        DATABASE_URL=db_url,
        # one process per test app: the in-process bus (tests/ws starts real replicas for the PostgreSQL bus)
        EVENT_BUS='memory',
        LOVEDCRM_DATA_DIR=tmp_path / 'data',
        SECRET_KEY='test-secret-key-with-enough-length-for-hs256',
        STORAGE_SECRET='test-storage-secret',
        PASSWORD_HASH_ROUNDS=1,
        PASSWORD_HASH_MEMORY_KIB=64,
    )


@pytest.fixture
async def ctx(settings: Settings) -> AsyncIterator[AppContext]:
    """The app context (database, bus, presence, security) of one test."""
    context = AppContext.build(settings)
    yield context
    await context.close()


@pytest.fixture
async def api(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the whole API, wired exactly as main.py wires it (without the UI)."""
    app = FastAPI()
    install_api(app, ctx)
    transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        yield client


@dataclass
class Account:
    """A registered user signed in to their own organization."""

    user: dict[str, Any]
    organization: dict[str, Any]
    access_token: str
    refresh_token: str
    password: str = PASSWORD

    @property
    def user_id(self) -> str:
        return str(self.user['id'])

    @property
    def org_id(self) -> str:
        return str(self.organization['id'])

    @property
    def email(self) -> str:
        return str(self.user['email'])

    @property
    def headers(self) -> dict[str, str]:
        """Bearer + X-Org-Id headers for organization-scoped requests."""
        return {'Authorization': f'Bearer {self.access_token}', 'X-Org-Id': self.org_id}

    @property
    def bearer(self) -> dict[str, str]:
        """Bearer header only."""
        return {'Authorization': f'Bearer {self.access_token}'}


def account_from(body: dict[str, Any], password: str = PASSWORD) -> Account:
    """An Account from an auth response body."""
    return Account(body['user'], body['organization'], body['access_token'], body['refresh_token'], password)


@pytest.fixture
def register(api: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    """Factory: register a new user (and their organization) through the API."""

    async def _register(name: str = 'Ana Souza', email: str | None = None, password: str = PASSWORD) -> Account:
        email = email or f'{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com'
        response = await api.post(
            '/auth/register', json={'email': email, 'password': password, 'full_name': name, 'terms_accepted': True}
        )
        assert response.status_code == 201, response.text
        return account_from(response.json(), password)

    return _register


@pytest.fixture
def login(api: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    """Factory: log an existing user in again (a new session)."""

    async def _login(email: str, password: str = PASSWORD) -> Account:
        response = await api.post('/auth/login', json={'email': email, 'password': password})
        assert response.status_code == 200, response.text
        return account_from(response.json(), password)

    return _login


@pytest.fixture
def join(api: httpx.AsyncClient, register, login):  # type: ignore[no-untyped-def]
    """Factory: bring a new user into ``owner``'s organization with a role, signed in there."""

    async def _join(owner: Account, role: str = 'member', name: str = 'Bruno Lima') -> Account:
        newcomer: Account = await register(name)
        invite = await api.post(
            '/organizations/invites', headers=owner.headers, json={'email': newcomer.email, 'role': role}
        )
        assert invite.status_code == 201, invite.text
        token = await invite_token(api, invite.json()['id'])
        accepted = await api.post(f'/invites/{token}/accept', headers=newcomer.bearer, json={'token': token})
        assert accepted.status_code == 200, accepted.text
        switched = await api.post(
            '/auth/switch-organization', headers=newcomer.bearer, json={'organization_id': owner.org_id}
        )
        assert switched.status_code == 200, switched.text
        return account_from(switched.json(), newcomer.password)

    return _join


async def invite_token(api: httpx.AsyncClient, invite_id: str) -> str:
    """Read an invite's token from the database, as the invitee would from the e-mailed link."""
    from sqlalchemy import select

    from models import Invite

    ctx: AppContext = api._transport.app.state.ctx  # type: ignore[attr-defined]
    async with ctx.db.session(read_only=True) as session:
        token = await session.scalar(select(Invite.token).where(Invite.id == uuid.UUID(invite_id)))
    assert token
    return token
