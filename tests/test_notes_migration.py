"""Migration 0011: a database at 0010 whose leads have free-text notes gets them as each lead's first note."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pg_harness import app_url, create_app_database, pg_admin
from sqlalchemy import column as sql_column
from sqlalchemy import insert, inspect, pool, text
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from lovedcrm_ui import migrate
from models import Lead, Organization

CREATED = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
async def db_before_notes(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database migrated to 0010, the revision before the notes feed."""
    if db_backend == 'sqlite':
        path = tmp_path / 'old.db'
        path.touch()
        url = f'sqlite+aiosqlite:///{path}'
        migrate.upgrade(url, '0010')
        yield url
        return
    name = f'lovedcrm_n_{uuid.uuid4().hex[:12]}'
    await create_app_database(name)
    try:
        migrate.upgrade(app_url(name), '0010')
        yield app_url(name)
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


async def run(url: str, statement: str) -> list[tuple[object, ...]]:
    """One statement on a fresh connection that sees every organization; its rows."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == 'postgresql':
                await connection.execute(text("SELECT set_config('lovedcrm.cross_org', 'on', true)"))
            result = await connection.execute(text(statement))
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_old_notes_become_each_leads_first_note_and_come_back_on_downgrade(db_before_notes: str) -> None:
    engine = create_async_engine(db_before_notes, poolclass=pool.NullPool)
    organization = Organization(name='Acme', slug=f'acme-{uuid.uuid4().hex[:6]}')
    noted = Lead(
        organization_id=organization.id, name='Com notas', notes='Ligar depois\ndo carnaval', created_at=CREATED
    )
    blank = Lead(organization_id=organization.id, name='Sem notas', notes='   ')
    empty = Lead(organization_id=organization.id, name='Vazio')
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            if engine.dialect.name == 'postgresql':
                await session.execute(text("SELECT set_config('lovedcrm.cross_org', 'on', true)"))
            # the rows as the 0010 schema has them: only its columns (the models have those of later revisions)
            for table, rows in ((Organization.__table__, [organization]), (Lead.__table__, [noted, blank, empty])):  # type: ignore[attr-defined]
                there = {
                    c['name']
                    for c in await session.run_sync(
                        lambda s, name=table.name: inspect(s.connection()).get_columns(name)
                    )
                }
                columns = [c for c in table.columns if c.name in there]
                # a bare table of those columns: the model's table would add its later columns' defaults
                bare = sql_table(table.name, *(sql_column(c.name, c.type) for c in columns))
                await session.execute(insert(bare), [{c.name: getattr(row, c.name) for c in columns} for row in rows])
            await session.commit()
    finally:
        await engine.dispose()

    migrate.upgrade(db_before_notes, '0011')

    notes = await run(db_before_notes, 'SELECT lead_id, author_user_id, body, created_at, updated_at FROM lead_notes')
    assert len(notes) == 1
    lead_id, author, body, created_at, updated_at = notes[0]
    assert (uuid.UUID(str(lead_id)), author, body) == (noted.id, None, 'Ligar depois\ndo carnaval')
    for moment in (created_at, updated_at):
        stamp = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
        assert (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)) == CREATED
    assert await run(db_before_notes, "SELECT notes FROM leads WHERE name = 'Com notas'") == [
        ('Ligar depois\ndo carnaval',)
    ]

    await run(db_before_notes, "UPDATE leads SET notes = NULL WHERE name = 'Com notas'")  # as if lost: the note has it
    migrate.downgrade(db_before_notes, '0010')

    assert await run(db_before_notes, "SELECT notes FROM leads WHERE name = 'Com notas'") == [
        ('Ligar depois\ndo carnaval',)
    ]
    migrate.upgrade(db_before_notes)  # and up again: one note, not two
    assert len(await run(db_before_notes, 'SELECT id FROM lead_notes')) == 1
