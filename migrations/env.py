"""Alembic environment: async engine, batch mode on SQLite, URL from the app's settings."""

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import models
from lovedcrm_ui.config import Settings

config = context.config
target_metadata = models.metadata


def _url() -> str:
    url = config.attributes.get('database_url')
    if url:
        return str(url)
    settings = Settings()
    if settings.database_url.startswith('sqlite'):
        settings.data_dir.mkdir(parents=True, exist_ok=True)  # `alembic upgrade` before the first start
    return settings.database_url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    is_sqlite = (url or str(connection.engine.url if connection else '')).startswith('sqlite')
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,  # SQLite cannot ALTER most things: copy-and-move tables
        compare_type=True,
        compare_server_default=False,
        literal_binds=url is not None,
    )


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
