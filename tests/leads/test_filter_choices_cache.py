"""The lead facets behind the filter options, the board's filter choices, the statistics and the list's total.

Each process keeps an organization's sources, tags and stage counts and brings them up to date when they are
read (lovedcrm_ui/services/facets.py). Whatever happened before — writes of every kind, imports, another
organization's writes, another app on the same database, a damaged event journal — what a client reads must
equal a fresh count of the database.
"""

import uuid
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from contract import STAGES
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.services import facets, moves
from lovedcrm_ui.services.access import Caller
from lovedcrm_ui.services.board import BoardFilter, filter_choices, stage_totals
from models import Lead, PipelineEvent, PipelineStage
from models.lead import LeadUpdate

SOURCES = ['site', 'evento', 'Indicação', 'web', 'Zapier']
TAGS = ['b2b', 'B2B', 'vip', 'sp', 'açaí', 'Ásia']
CSV_HEADER = 'Nome;Origem;Etiquetas;Etapa;Valor\r\n'


async def truth(ctx: AppContext, org_id: str) -> dict[str, Any]:
    """What the filters, statistics and list must say, counted afresh from the ``leads`` table."""
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        rows = (
            await session.execute(
                select(Lead.source, Lead.tags, Lead.stage, Lead.created_at, Lead.estimated_value).where(
                    Lead.organization_id == uuid.UUID(org_id)  # type: ignore[arg-type]
                )
            )
        ).all()
    tags = {tag for row in rows for tag in row.tags if isinstance(tag, str)}
    values = {stage: Decimal('0.00') for stage in STAGES}
    for row in rows:
        values[row.stage] += row.estimated_value or 0
    return {
        'sources': sorted({row.source for row in rows if row.source}),
        'tags': sorted(tags, key=lambda tag: (tag.lower(), tag)),
        'stage_counts': {stage: 0 for stage in STAGES} | dict(Counter(row.stage for row in rows)),
        'stage_values': values,
        'total': len(rows),
        'dates': (min((r.created_at for r in rows), default=None), max((r.created_at for r in rows), default=None)),
    }


def when(value: str | None) -> datetime | None:
    """An API timestamp as a datetime."""
    return None if value is None else datetime.fromisoformat(value)


async def seen(api: httpx.AsyncClient, ctx: AppContext, who: Any) -> dict[str, Any]:
    """What a client of the API and the board's filter bar see of the same organization."""
    filters = (await api.get('/crm/leads/pipeline/filters', headers=who.headers)).json()
    stats = (await api.get('/crm/leads/statistics', headers=who.headers)).json()
    listing = (await api.get('/crm/leads', headers=who.headers, params={'page_size': 1})).json()
    async with ctx.db.session(read_only=True, organization_id=uuid.UUID(who.org_id)) as session:
        choices = await filter_choices(session, organization_id=uuid.UUID(who.org_id))
        board = await stage_totals(session, organization_id=uuid.UUID(who.org_id), board_filter=BoardFilter())
    assert {stage: count for stage, (count, _) in board.items()} == stats['stage_counts'], 'board ≠ statistics'
    assert (choices.sources, choices.tags) == (filters['sources'], filters['available_tags']), 'board ≠ API'
    assert stats['total_leads'] == listing['total_count'], 'statistics ≠ list'
    dates = filters['date_ranges']
    return {
        'sources': filters['sources'],
        'tags': filters['available_tags'],
        'stage_counts': stats['stage_counts'],
        'stage_values': {stage: value for stage, (_, value) in board.items()},
        'total': listing['total_count'],
        'dates': (when(dates['earliest']), when(dates['latest'])),
    }


async def lead_ids(ctx: AppContext, org_id: str) -> list[str]:
    """The organization's leads, oldest first."""
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        ids = await session.scalars(
            select(Lead.id)
            .where(Lead.organization_id == uuid.UUID(org_id))  # type: ignore[arg-type]
            .order_by(Lead.created_at, Lead.id)  # type: ignore[arg-type]
        )
        return [str(lead_id) for lead_id in ids]


def csv_rows(rows: list[dict[str, Any]]) -> str:
    """A spreadsheet of leads as a pt-BR user exports it."""
    lines = [
        f'Importada {uuid.uuid4().hex[:6]};{r["source"]};{", ".join(r["tags"])};{r["stage"]};'
        + (r.get('estimated_value') or '').replace('.', ',')  # pt-BR: "2999,99"
        for r in rows
    ]
    return CSV_HEADER + '\r\n'.join(lines) + '\r\n'


async def act(api: httpx.AsyncClient, ctx: AppContext, who: Any, action: tuple[Any, ...]) -> None:
    """Do one thing a user or client does with leads (``who`` acts in their organization)."""
    kind = action[0]
    if kind == 'create':
        response = await api.post('/crm/leads', headers=who.headers, json={'name': 'Nova', **action[1]})
        assert response.status_code == 201, response.text
        return
    if kind in ('import', 'bulk'):
        rows = action[1] if kind == 'import' else [action[1]] * action[2]
        files = {'file': ('leads.csv', csv_rows(rows).encode(), 'text/csv')}
        response = await api.post('/crm/leads/import', headers=who.headers, files=files)
        assert response.status_code == 201, response.text
        return
    ids = await lead_ids(ctx, who.org_id)
    if not ids:
        return
    lead_id = ids[action[1] % len(ids)]
    if kind == 'edit':
        response = await api.put(f'/crm/leads/{lead_id}', headers=who.headers, json=action[2])
    elif kind == 'move':
        response = await api.put(f'/crm/leads/{lead_id}/stage', headers=who.headers, json={'stage': action[2]})
    elif kind == 'favorite':
        response = await api.put(f'/crm/leads/{lead_id}/favorite', headers=who.headers, json={'is_favorite': True})
    elif kind == 'delete':
        response = await api.delete(f'/crm/leads/{lead_id}', headers=who.headers)
    else:  # the lead dialog's save: new fields and a new stage in one transaction (two events)
        caller = Caller(uuid.UUID(who.user_id), who.email, uuid.UUID(who.org_id), 'owner', uuid.uuid4())
        async with ctx.db.session(organization_id=caller.organization_id) as session:
            await moves.save_lead(
                session,
                caller=caller,
                lead_id=uuid.UUID(lead_id),
                changes=LeadUpdate.model_validate(action[2]),
                stage=PipelineStage(action[3]),
            )
        return
    assert response.status_code in (200, 204), response.text


# money as clients send it (none, whole, cents); the board's column totals must stay exact to the cent
VALUES = st.one_of(st.none(), st.sampled_from(['0', '1500', '0.01', '2999.99', '1234567.89']))
FIELDS = st.fixed_dictionaries(
    {
        'source': st.sampled_from(SOURCES),
        'tags': st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
        'stage': st.sampled_from(STAGES),
    },
    optional={'estimated_value': VALUES},
)
CHANGES = st.fixed_dictionaries(
    {},
    optional={
        'source': st.sampled_from(SOURCES),
        'tags': st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
        'estimated_value': VALUES,
    },
)
LEAD = st.integers(0, 1000)
ACTION = st.one_of(
    st.tuples(st.just('create'), FIELDS),
    st.tuples(st.just('edit'), LEAD, CHANGES),
    st.tuples(st.just('move'), LEAD, st.sampled_from(STAGES)),
    st.tuples(st.just('favorite'), LEAD),
    st.tuples(st.just('delete'), LEAD),
    st.tuples(st.just('save'), LEAD, CHANGES, st.sampled_from(STAGES)),
    st.tuples(st.just('import'), st.lists(FIELDS, min_size=1, max_size=4)),
    st.tuples(st.just('bulk'), FIELDS, st.integers(51, 70)),  # more events than a catch-up applies: a recount
)
# (which organization acts, what it does, whether both organizations are read right after)
STEPS = st.lists(st.tuples(st.integers(0, 1), ACTION, st.booleans()), min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
async def test_what_clients_read_equals_a_fresh_count_after_any_writes(api, ctx, pair, steps):  # type: ignore[no-untyped-def]
    for who, action, look in steps:
        await act(api, ctx, pair[who], action)
        if look:
            for account in pair:
                assert await seen(api, ctx, account) == await truth(ctx, account.org_id), action
    for account in pair:
        assert await seen(api, ctx, account) == await truth(ctx, account.org_id)


async def test_an_import_s_new_tags_are_offered_on_the_board_right_away(api, ctx, register):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    await act(api, ctx, ana, ('create', {'source': 'site', 'tags': ['b2b'], 'stage': 'lead'}))
    assert (await seen(api, ctx, ana))['tags'] == ['b2b']

    rows = [{'source': 'Feira', 'tags': ['novo', 'vip'], 'stage': 'contato'}] * 3
    await act(api, ctx, ana, ('import', rows))

    async with ctx.db.session(read_only=True, organization_id=uuid.UUID(ana.org_id)) as session:
        choices = await filter_choices(session, organization_id=uuid.UUID(ana.org_id))
    assert (choices.sources, choices.tags) == (['Feira', 'site'], ['b2b', 'novo', 'vip'])


@pytest.mark.parametrize('kept', [None, 1], ids=['default', 'one organization kept per process'])
async def test_another_organization_s_sources_and_tags_never_show(api, ctx, register, kept, monkeypatch):  # type: ignore[no-untyped-def]
    if kept is not None:  # the least recently read organization's facets are dropped for the other's
        monkeypatch.setattr(facets, 'MAX_ORGANIZATIONS', kept)
    ana, carla = await register('Ana Souza'), await register('Carla Dias')
    await act(api, ctx, ana, ('create', {'source': 'site', 'tags': ['da-ana'], 'stage': 'lead'}))
    await act(api, ctx, carla, ('create', {'source': 'evento', 'tags': ['da-carla'], 'stage': 'fechado'}))
    await seen(api, ctx, ana), await seen(api, ctx, carla)  # both organizations' facets kept in this process

    await act(api, ctx, carla, ('create', {'source': 'whatsapp', 'tags': ['nova-da-carla'], 'stage': 'lead'}))

    assert await seen(api, ctx, ana) == await truth(ctx, ana.org_id)
    assert (await seen(api, ctx, ana))['tags'] == ['da-ana']
    assert (await seen(api, ctx, ana))['stage_counts']['fechado'] == 0
    assert (await seen(api, ctx, carla))['tags'] == ['da-carla', 'nova-da-carla']


@pytest.mark.parametrize('damage', ['event row deleted', 'update without its before'])
async def test_a_damaged_event_journal_means_a_recount_not_a_wrong_answer(api, ctx, register, damage):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    await act(api, ctx, ana, ('create', {'source': 'site', 'tags': ['b2b'], 'stage': 'lead'}))
    await seen(api, ctx, ana)  # the facets are kept from here on
    await act(api, ctx, ana, ('create', {'source': 'evento', 'tags': ['vip'], 'stage': 'contato'}))
    await act(api, ctx, ana, ('edit', 0, {'source': 'indicação', 'tags': ['sp']}))
    await act(api, ctx, ana, ('create', {'source': 'web', 'tags': ['rj'], 'stage': 'fechado'}))
    damaged = (PipelineEvent.organization_id == uuid.UUID(ana.org_id)) & (PipelineEvent.type == 'lead_updated')  # type: ignore[arg-type]
    async with ctx.db.session(cross_org=True) as session:
        if damage == 'event row deleted':  # as an operator pruning the journal would: a gap in the sequence
            await session.execute(delete(PipelineEvent).where(damaged))
        else:  # as events written before ``before`` existed look
            row = (await session.scalars(select(PipelineEvent).where(damaged))).one()
            await session.execute(update(PipelineEvent).where(damaged).values(payload={'lead': row.payload['lead']}))
        await session.commit()

    assert await seen(api, ctx, ana) == await truth(ctx, ana.org_id)


async def test_a_write_through_another_app_is_read_at_once_on_this_one(api, ctx, register, db_url, tmp_path):  # type: ignore[no-untyped-def]
    """Two replicas on one database: B's facets follow A's writes without waiting for any notification."""
    ana = await register('Ana Souza')
    await act(api, ctx, ana, ('create', {'source': 'site', 'tags': ['b2b'], 'stage': 'lead'}))
    replica = AppContext.build(
        Settings(
            LOVEDCRM_ENV='test',
            DATABASE_URL=db_url,
            EVENT_BUS='postgres' if db_url.startswith('postgresql') else 'memory',
            LOVEDCRM_DATA_DIR=Path(tmp_path) / 'replica-b',
            SECRET_KEY=ctx.settings.secret_key,
            STORAGE_SECRET='test-storage-secret',
            PASSWORD_HASH_ROUNDS=1,
            PASSWORD_HASH_MEMORY_KIB=64,
        )
    )
    await replica.start()
    app = FastAPI()
    install_api(app, replica)
    transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50001))
    try:
        async with httpx.AsyncClient(transport=transport, base_url='http://replica-b') as api_b:
            assert await seen(api_b, replica, ana) == await truth(ctx, ana.org_id)  # B keeps the facets now

            await act(api, ctx, ana, ('create', {'source': 'evento', 'tags': ['vip'], 'stage': 'fechado'}))
            await act(api, ctx, ana, ('edit', 0, {'tags': []}))

            assert await seen(api_b, replica, ana) == await truth(ctx, ana.org_id)
            assert (await seen(api_b, replica, ana))['tags'] == ['vip']
    finally:
        await replica.close()


@pytest.fixture
async def pair(register):  # type: ignore[no-untyped-def]
    """Two organizations for every example of the property (fixtures are made once per test, not per example)."""
    return await register('Ana Souza'), await register('Carla Dias')
