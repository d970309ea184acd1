"""The Alembic migrations, run from an empty database on SQLite and PostgreSQL.

An operator upgrades an empty database to head and gets exactly the schema the models describe;
downgrading to base removes it again, and the upgrade can be repeated.
"""

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pg_harness import app_url, create_app_database, pg_admin
from sqlalchemy import inspect, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import models
from lovedcrm_ui import migrate

T = TypeVar('T')
APP_TABLES = frozenset(models.metadata.tables)


@pytest.fixture
async def empty_db_url(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new database without any table: an empty SQLite file, or a fresh PostgreSQL database."""
    if db_backend == 'sqlite':
        path = tmp_path / 'empty.db'
        path.touch()
        yield f'sqlite+aiosqlite:///{path}'
        return
    name = f'lovedcrm_m_{uuid.uuid4().hex[:12]}'
    await create_app_database(name)  # migrated by the app's own role, the owner of what it creates
    try:
        yield app_url(name)
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


async def on_connection(url: str, inspect_schema: Callable[[Connection], T]) -> T:
    """Run a synchronous inspection on a fresh connection to ``url`` (async engine, via ``run_sync``)."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(inspect_schema)
    finally:
        await engine.dispose()


def table_names(connection: Connection) -> set[str]:
    """Every table of the database."""
    return set(inspect(connection).get_table_names())


def current_revision(connection: Connection) -> str | None:
    """The revision Alembic recorded in ``alembic_version``."""
    return MigrationContext.configure(connection).get_current_revision()


def pending_changes(connection: Connection) -> list[Any]:
    """What ``alembic revision --autogenerate`` would still write, column types included."""
    context = MigrationContext.configure(connection, opts={'compare_type': True})
    return list(compare_metadata(context, models.metadata))


def index_columns(connection: Connection) -> dict[str, list[str | None]]:
    """The indexes of ``leads`` by name, with their columns in order."""
    return {index['name']: list(index['column_names']) for index in inspect(connection).get_indexes('leads')}


def head_revision(url: str) -> str:
    """The single head of the migration scripts."""
    heads = ScriptDirectory.from_config(migrate.alembic_config(url)).get_heads()
    assert len(heads) == 1, f'the migration history has several heads: {heads}'
    return heads[0]


async def test_upgrade_from_empty_builds_every_table(empty_db_url: str) -> None:
    assert await on_connection(empty_db_url, table_names) == set()

    migrate.upgrade(empty_db_url)

    assert await on_connection(empty_db_url, table_names) == APP_TABLES | {'alembic_version'}
    assert await on_connection(empty_db_url, current_revision) == head_revision(empty_db_url)


async def test_migrated_schema_matches_the_models(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)

    changes = await on_connection(empty_db_url, pending_changes)

    assert changes == [], 'models and migrations disagree; write a migration for:\n' + '\n'.join(map(str, changes))


async def test_board_index_serves_stage_counts_and_column_order(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)

    indexes = await on_connection(empty_db_url, index_columns)

    assert indexes['idx_leads_board_order'] == ['organization_id', 'stage', 'position', 'id']
    # one index serves (org, stage) lookups and the column order; a second one would only cost writes
    assert [name for name, columns in indexes.items() if columns[:2] == ['organization_id', 'stage']] == [
        'idx_leads_board_order'
    ]


async def test_downgrade_to_base_then_upgrade_again(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)

    migrate.downgrade(empty_db_url)

    assert await on_connection(empty_db_url, table_names) & APP_TABLES == set()
    assert await on_connection(empty_db_url, current_revision) is None

    migrate.upgrade(empty_db_url)

    assert await on_connection(empty_db_url, table_names) >= APP_TABLES
    assert await on_connection(empty_db_url, current_revision) == head_revision(empty_db_url)
    assert await on_connection(empty_db_url, pending_changes) == []
