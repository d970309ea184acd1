"""PostgreSQL helpers shared by the fixtures and the tests (importable: ``from pg_harness import …``)."""

import asyncio
import os
import threading

import asyncpg

PG_ADMIN_URL = os.environ.get('TEST_POSTGRES_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')


def pg_url(database: str, driver: str = 'postgresql+asyncpg') -> str:
    """The URL of a database on the test PostgreSQL server."""
    base = PG_ADMIN_URL.rsplit('/', 1)[0].split('://', 1)[1]
    return f'{driver}://{base}/{database}'


async def pg_admin(sql: str) -> None:
    """Run one statement on the PostgreSQL maintenance database (outside a transaction)."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_admin_sync(sql: str) -> None:
    """``pg_admin`` from synchronous code, even while an event loop runs in this thread."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(pg_admin(sql))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
