"""PostgreSQL helpers shared by the fixtures and the tests (importable: ``from pg_harness import …``)."""

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

PG_ADMIN_URL = os.environ.get('TEST_POSTGRES_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')
# the role every test app connects as: a plain LOGIN role that owns its databases (it runs the migrations),
# neither superuser nor BYPASSRLS, so the tenant tables' row-level security binds it as in production
APP_ROLE = 'lovedcrm_app'


def pg_url(database: str, driver: str = 'postgresql+asyncpg', *, role: str | None = None) -> str:
    """The URL of a database on the test PostgreSQL server, as the admin or as ``role`` (no password: trust)."""
    base = PG_ADMIN_URL.rsplit('/', 1)[0].split('://', 1)[1]
    if role is not None:
        base = f'{role}@{base.rsplit("@", 1)[-1]}'
    return f'{driver}://{base}/{database}'


def app_url(database: str, driver: str = 'postgresql+asyncpg') -> str:
    """The URL of a database as the app's role (``APP_ROLE``)."""
    return pg_url(database, driver, role=APP_ROLE)


async def ensure_app_role() -> None:
    """Create ``APP_ROLE`` unless it exists; two test runs starting together may both try."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        if await conn.fetchval('SELECT 1 FROM pg_roles WHERE rolname = $1', APP_ROLE):
            return
        try:
            await conn.execute(f'CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE')
        except (asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
            pass  # the other run won (a concurrent catalog insert can also surface as a unique violation)
    finally:
        await conn.close()


async def create_app_database(name: str) -> None:
    """An empty database owned by the app's role (its schema is the app's to migrate), the role made if needed."""
    await ensure_app_role()
    await pg_admin(f'CREATE DATABASE {name} OWNER {APP_ROLE}')


async def pg_admin(sql: str) -> None:
    """Run one statement on the PostgreSQL maintenance database (outside a transaction)."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_admin_sync(sql: str) -> None:
    """``pg_admin`` from synchronous code, even while an event loop runs in this thread."""
    run_sync(lambda: pg_admin(sql))


def create_app_database_sync(name: str) -> None:
    """``create_app_database`` from synchronous code."""
    run_sync(lambda: create_app_database(name))


def run_sync(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion from synchronous code, in its own thread and event loop."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
