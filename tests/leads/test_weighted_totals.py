"""Weighted column totals (value x probability) agree with a fresh computation after any writes, filtered or not.

The board reads them from the organization's facets (kept from the events) or, filtered, from SQL
(services/board.py, facets.py); the rule is services/forecast.py: won 100, lost 0, the lead's own probability,
else its stage's percent in the organization's settings.
"""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from contract import STAGES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lovedcrm_ui.context import AppContext
from lovedcrm_ui.services.board import BoardFilter, stage_figures
from models import Lead, Organization

SOURCES = ['site', 'evento']
FILTERS = [BoardFilter(), BoardFilter(source='site'), BoardFilter(value_min=Decimal('100'))]
PERCENT = st.integers(0, 100)


async def fresh(ctx: AppContext, org_id: str, board_filter: BoardFilter) -> dict[str, tuple[int, Decimal, Decimal]]:
    """(count, value, weighted value) per stage computed from the rows, one lead at a time."""
    org = uuid.UUID(org_id)
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        leads = (await session.execute(select(Lead).where(Lead.organization_id == org))).scalars().all()  # type: ignore[arg-type]
        organization = await session.get(Organization, org)
        assert organization is not None
        defaults = organization.stage_probabilities
    totals = {stage: (0, Decimal('0.00'), Decimal('0.00')) for stage in STAGES}
    for lead in leads:
        if not board_filter.matches({'source': lead.source, 'estimated_value': lead.estimated_value}):
            continue
        value = lead.estimated_value or Decimal('0.00')
        percent = {'won': 100, 'lost': 0}.get(str(lead.outcome), lead.probability)
        if percent is None:
            percent = defaults[lead.stage]
        count, total, weighted = totals[lead.stage]
        totals[lead.stage] = (count + 1, total + value, weighted + value * percent / 100)
    return totals


async def board(ctx: AppContext, org_id: str, board_filter: BoardFilter) -> dict[str, tuple[int, Decimal, Decimal]]:
    """What the board's columns show."""
    org = uuid.UUID(org_id)
    async with ctx.db.session(read_only=True, organization_id=org) as session:
        figures = await stage_figures(session, organization_id=org, board_filter=board_filter)
    return {stage: (f.count, f.total, f.weighted) for stage, f in figures.items()}


async def act(api: Any, ctx: AppContext, who: Any, action: tuple[Any, ...]) -> None:
    """One write a user or client makes."""
    kind = action[0]
    if kind == 'create':
        response = await api.post('/crm/leads', headers=who.headers, json={'name': 'Nova', **action[1]})
        assert response.status_code == 201, response.text
        return
    if kind == 'percent':
        response = await api.put(
            '/organizations/current/stage-probabilities', headers=who.headers, json={action[1]: action[2]}
        )
        assert response.status_code == 200, response.text
        return
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        ids = [
            str(i)
            for i in await session.scalars(
                select(Lead.id).where(Lead.organization_id == uuid.UUID(who.org_id)).order_by(Lead.created_at, Lead.id)
            )
        ]  # type: ignore[arg-type]
    if not ids:
        return
    lead_id = ids[action[1] % len(ids)]
    if kind == 'edit':
        response = await api.put(f'/crm/leads/{lead_id}', headers=who.headers, json=action[2])
        assert response.status_code in (200, 422), response.text  # an outcome outside fechado is refused
    elif kind == 'move':
        body = {'stage': action[2], **({'outcome': action[3]} if action[2] == 'fechado' and action[3] else {})}
        response = await api.put(f'/crm/leads/{lead_id}/stage', headers=who.headers, json=body)
        assert response.status_code == 200, response.text
    else:
        response = await api.delete(f'/crm/leads/{lead_id}', headers=who.headers)
        assert response.status_code == 204, response.text


VALUES = st.one_of(st.none(), st.sampled_from(['0', '150', '0.01', '2999.99', '1234567.89']))
FIELDS = st.fixed_dictionaries(
    {'source': st.sampled_from(SOURCES), 'stage': st.sampled_from(STAGES)},
    optional={'estimated_value': VALUES, 'probability': st.one_of(st.none(), PERCENT)},
)
CHANGES = st.fixed_dictionaries(
    {},
    optional={
        'estimated_value': VALUES,
        'probability': st.one_of(st.none(), PERCENT),
        'outcome': st.sampled_from([None, 'won', 'lost']),
        'source': st.sampled_from(SOURCES),
    },
)
LEAD = st.integers(0, 100)
ACTION = st.one_of(
    st.tuples(st.just('create'), FIELDS),
    st.tuples(st.just('edit'), LEAD, CHANGES),
    st.tuples(st.just('move'), LEAD, st.sampled_from(STAGES), st.sampled_from([None, 'won', 'lost'])),
    st.tuples(st.just('delete'), LEAD),
    st.tuples(st.just('percent'), st.sampled_from(STAGES), PERCENT),
)


@pytest.fixture
async def pair(register):  # type: ignore[no-untyped-def]
    """Two organizations: one's writes never change the other's totals."""
    return await register('Ana Souza'), await register('Carla Dias')


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 1), ACTION), min_size=1, max_size=10))
async def test_weighted_column_totals_equal_a_fresh_computation(api, ctx, pair, steps):  # type: ignore[no-untyped-def]
    for who, action in steps:
        await act(api, ctx, pair[who], action)
        for account in pair:
            for board_filter in FILTERS:
                assert await board(ctx, account.org_id, board_filter) == await fresh(
                    ctx, account.org_id, board_filter
                ), (action, board_filter)
