"""Row-level security on PostgreSQL: a query that forgot its organization filter still sees only its own rows.

The services filter every tenant query by organization; these tests take that filter away (raw SQL, a
service patched to forget it) and show the database itself keeps organizations apart, binding the role
the app connects as. SQLite has no row-level security: these tests run on PostgreSQL only.
"""

import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from alembic.script import ScriptDirectory
from pg_harness import APP_ROLE, app_url, create_app_database, pg_admin, pg_url
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from lovedcrm_ui import migrate
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.db import Database, create_engine
from lovedcrm_ui.services import leads
from lovedcrm_ui.services.errors import ErrorCode, NotFound
from models import Lead, PipelineEvent

TENANT_TABLES = ('lead_activities', 'lead_notes', 'leads', 'pipeline_events')
# lead_notes (0011) and lead_activities (0012) have their own policies, made with the tables
TABLES_OF_0004 = ('leads', 'pipeline_events')
Account = Any  # tests/conftest.py's Account (a signed-in user of their own organization)


@pytest.fixture(autouse=True)
def _postgres_only(db_backend: str) -> None:
    if db_backend != 'postgres':
        pytest.skip('row-level security is a PostgreSQL feature; SQLite relies on the queries alone')


@pytest.fixture
async def two_orgs(register, api: httpx.AsyncClient) -> tuple[Account, Account]:  # type: ignore[no-untyped-def]
    """Ana's organization with two leads, Bruno's with one (each lead also wrote an event)."""
    ana: Account = await register('Ana Souza')
    bruno: Account = await register('Bruno Lima')
    for person, name in ((ana, 'Acme Ltda'), (ana, 'Beta SA'), (bruno, 'Segredo do Bruno')):
        created = await api.post('/crm/leads', headers=person.headers, json={'name': name})
        assert created.status_code == 201, created.text
    return ana, bruno


def org(account: Account) -> uuid.UUID:
    """An account's organization id."""
    return uuid.UUID(account.org_id)


async def lead_names(db: Database, **scope: object) -> set[str]:
    """Every lead name a raw query without any WHERE clause returns in a session with this scope."""
    async with db.session(read_only=True, **scope) as session:  # type: ignore[arg-type]
        return set((await session.execute(text('SELECT name FROM leads'))).scalars())


async def event_orgs(db: Database, **scope: object) -> set[uuid.UUID]:
    """The organizations of every event row an unfiltered ORM query returns."""
    async with db.session(read_only=True, **scope) as session:  # type: ignore[arg-type]
        return set(await session.scalars(select(PipelineEvent.organization_id)))


async def test_the_app_connects_as_a_role_the_policies_bind(ctx: AppContext) -> None:
    async with ctx.db.session(read_only=True) as session:
        role = (
            await session.execute(
                text('SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user')
            )
        ).one()
        tables = (
            await session.execute(
                text(
                    'SELECT relname, pg_get_userbyid(relowner), relrowsecurity, relforcerowsecurity FROM pg_class '
                    "WHERE relname IN ('lead_activities', 'lead_notes', 'leads', 'pipeline_events') ORDER BY relname"
                )
            )
        ).all()

    assert tuple(role) == (APP_ROLE, False, False)
    # the app's role owns the tables (it ran the migrations): only FORCE makes the policies bind an owner
    assert [tuple(row) for row in tables] == [(table, APP_ROLE, True, True) for table in sorted(TENANT_TABLES)]
    assert await ctx.db.unrestricted_role() is None


async def test_a_query_without_an_organization_filter_sees_only_its_own_organization(
    ctx: AppContext, two_orgs: tuple[Account, Account]
) -> None:
    ana, bruno = two_orgs

    assert await lead_names(ctx.db, organization_id=org(ana)) == {'Acme Ltda', 'Beta SA'}
    assert await lead_names(ctx.db, organization_id=org(bruno)) == {'Segredo do Bruno'}
    assert await event_orgs(ctx.db, organization_id=org(ana)) == {org(ana)}
    async with ctx.db.session(read_only=True, organization_id=org(ana)) as session:
        # Bruno's lead, asked for by id alone: not there
        bruno_lead = await session.scalar(select(Lead.id).where(Lead.name == 'Segredo do Bruno'))
    assert bruno_lead is None


async def test_a_unit_of_work_that_names_no_organization_sees_no_tenant_row(
    ctx: AppContext, two_orgs: tuple[Account, Account]
) -> None:
    assert await lead_names(ctx.db) == set()
    assert await event_orgs(ctx.db) == set()


async def test_a_cross_organization_unit_of_work_sees_every_organization(
    ctx: AppContext, two_orgs: tuple[Account, Account]
) -> None:
    ana, bruno = two_orgs

    assert await lead_names(ctx.db, cross_org=True) == {'Acme Ltda', 'Beta SA', 'Segredo do Bruno'}
    assert await event_orgs(ctx.db, cross_org=True) == {org(ana), org(bruno)}


async def test_writing_another_organizations_rows_is_refused(
    ctx: AppContext, two_orgs: tuple[Account, Account]
) -> None:
    ana, bruno = two_orgs

    with pytest.raises(DBAPIError) as planted:  # a new row for Bruno's organization, from Ana's unit of work
        async with ctx.db.session(organization_id=org(ana)) as session:
            session.add(Lead(name='Plantado', organization_id=org(bruno)))
            await session.commit()
    assert 'row-level security' in str(planted.value)

    with pytest.raises(DBAPIError) as moved:  # one of Ana's own leads handed over to Bruno's organization
        async with ctx.db.session(organization_id=org(ana)) as session:
            await session.execute(
                text("UPDATE leads SET organization_id = :bruno WHERE name = 'Acme Ltda'"), {'bruno': org(bruno)}
            )
    assert 'row-level security' in str(moved.value)

    async with ctx.db.session(organization_id=org(ana)) as session:  # unfiltered changes reach Ana's rows only
        renamed = await session.execute(text("UPDATE leads SET notes = 'touched'"))
        deleted = await session.execute(text('DELETE FROM pipeline_events'))
        assert (renamed.rowcount, deleted.rowcount) == (2, 2)  # type: ignore[attr-defined]
        await session.rollback()

    assert await lead_names(ctx.db, organization_id=org(bruno)) == {'Segredo do Bruno'}


async def test_the_scope_ends_with_its_transaction_on_a_pooled_connection(
    settings: Settings, two_orgs: tuple[Account, Account]
) -> None:
    ana, _bruno = two_orgs
    one_connection = settings.model_copy(update={'db_pool_size': 1, 'db_max_overflow': 0})
    db = Database(create_engine(one_connection))  # every session gets the same connection
    try:
        async with db.session(read_only=True, organization_id=org(ana)) as session:
            backend = await session.scalar(text('SELECT pg_backend_pid()'))
            assert len((await session.execute(text('SELECT id FROM leads'))).all()) == 2
            await session.commit()
            # the same session's next transaction is scoped again
            assert len((await session.execute(text('SELECT id FROM leads'))).all()) == 2

        async with db.session(read_only=True) as session:
            assert await session.scalar(text('SELECT pg_backend_pid()')) == backend
            assert (await session.execute(text('SELECT id FROM leads'))).all() == []
    finally:
        await db.dispose()


async def test_the_api_does_not_leak_even_when_a_service_forgets_its_filter(
    api: httpx.AsyncClient, ctx: AppContext, two_orgs: tuple[Account, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, bruno = two_orgs
    listed = await api.get('/crm/leads', headers=bruno.headers)
    bruno_lead = listed.json()['leads'][0]['id']
    assert (await api.get(f'/crm/leads/{bruno_lead}', headers=ana.headers)).status_code == 404  # the service's guard

    async def get_lead_by_id_alone(session, *, organization_id, lead_id, for_update=False):  # type: ignore[no-untyped-def]
        lead = await session.get(Lead, lead_id)  # the bug: the organization is not checked
        if lead is None:
            raise NotFound('Lead not found', code=ErrorCode.LEAD_NOT_FOUND)
        return lead

    monkeypatch.setattr(leads, 'get_lead', get_lead_by_id_alone)

    stolen = await api.get(f'/crm/leads/{bruno_lead}', headers=ana.headers)
    own = await api.get(f'/crm/leads/{bruno_lead}', headers=bruno.headers)

    assert stolen.status_code == 404, stolen.text  # the database's guard: the request acts for Ana's organization
    assert own.status_code == 200 and own.json()['name'] == 'Segredo do Bruno'


async def test_a_superuser_connection_is_reported_at_start(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    admin = settings.model_copy(update={'database_url': pg_url(settings.database_url.rsplit('/', 1)[1])})
    for chosen, warned in ((settings, False), (admin, True)):
        context = AppContext.build(chosen)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger='lovedcrm_ui.db'):
            await context.start()
        await context.close()
        assert any('row-level security does not apply' in r.getMessage() for r in caplog.records) is warned


@pytest.fixture
async def empty_app_db(tmp_path: Path) -> AsyncIterator[str]:
    """A database without tables, owned by the app's role."""
    name = f'lovedcrm_rls_{uuid.uuid4().hex[:12]}'
    await create_app_database(name)
    try:
        yield name
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


async def row_security(name: str) -> set[tuple[str, bool, bool, int]]:
    """Per tenant table: RLS enabled, forced, and how many policies, as the admin sees them."""
    conn = await asyncpg.connect(pg_url(name, driver='postgresql'))
    try:
        rows = await conn.fetch(
            'SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, '
            '(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) FROM pg_class c '
            "WHERE c.relname IN ('leads', 'pipeline_events') AND c.relkind = 'r'"
        )
    finally:
        await conn.close()
    return {tuple(row) for row in rows}  # type: ignore[misc]


async def test_the_migration_adds_and_removes_the_policies(empty_app_db: str) -> None:
    url = app_url(empty_app_db)
    before = ScriptDirectory.from_config(migrate.alembic_config(url)).get_revision('0004').down_revision
    assert isinstance(before, str)

    migrate.upgrade(url)
    assert await row_security(empty_app_db) == {(table, True, True, 1) for table in TABLES_OF_0004}

    migrate.downgrade(url, before)
    assert await row_security(empty_app_db) == {(table, False, False, 0) for table in TABLES_OF_0004}

    migrate.upgrade(url)
    assert await row_security(empty_app_db) == {(table, True, True, 1) for table in TABLES_OF_0004}


async def test_notes_of_another_organization_are_invisible_and_cannot_be_planted(
    ctx: AppContext, api: httpx.AsyncClient, two_orgs: tuple[Account, Account]
) -> None:
    ana, bruno = two_orgs
    for person, body in ((ana, 'Nota da Ana'), (bruno, 'Segredo do Bruno')):
        lead_id = (await api.get('/crm/leads', headers=person.headers)).json()['leads'][0]['id']
        added = await api.post(f'/crm/leads/{lead_id}/notes', headers=person.headers, json={'body': body})
        assert added.status_code == 201, added.text

    async with ctx.db.session(read_only=True, organization_id=org(ana)) as session:
        seen = set((await session.execute(text('SELECT body FROM lead_notes'))).scalars())
    assert seen == {'Nota da Ana'}
    with pytest.raises(DBAPIError) as planted:
        async with ctx.db.session(organization_id=org(ana)) as session:
            await session.execute(
                text("UPDATE lead_notes SET organization_id = :bruno WHERE body = 'Nota da Ana'"), {'bruno': org(bruno)}
            )
    assert 'row-level security' in str(planted.value)


async def test_activities_of_another_organization_are_invisible_and_cannot_be_planted(
    ctx: AppContext, api: httpx.AsyncClient, two_orgs: tuple[Account, Account]
) -> None:
    ana, bruno = two_orgs
    for person, title in ((ana, 'Ligar (Ana)'), (bruno, 'Segredo do Bruno')):
        lead_id = (await api.get('/crm/leads', headers=person.headers)).json()['leads'][0]['id']
        body = {'kind': 'call', 'title': title, 'due_at': '2030-01-02T10:00:00Z'}
        added = await api.post(f'/crm/leads/{lead_id}/activities', headers=person.headers, json=body)
        assert added.status_code == 201, added.text

    async with ctx.db.session(read_only=True, organization_id=org(ana)) as session:
        seen = set((await session.execute(text('SELECT title FROM lead_activities'))).scalars())
    assert seen == {'Ligar (Ana)'}
    with pytest.raises(DBAPIError) as planted:
        async with ctx.db.session(organization_id=org(ana)) as session:
            await session.execute(
                text("UPDATE lead_activities SET organization_id = :bruno WHERE title = 'Ligar (Ana)'"),
                {'bruno': org(bruno)},
            )
    assert 'row-level security' in str(planted.value)
