"""Teammates moving the same lead at the same moment: every move serializes, none fails."""

import asyncio
import uuid

import pytest
from contract import STAGES
from sqlalchemy import select

from models import Lead, PipelineEvent


@pytest.mark.parametrize('movers', [3, 30])
async def test_concurrent_moves_of_one_lead_serialize(api, register, ctx, movers):
    ana = await register('Ana Souza')
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).json()

    async def move(i: int):
        return await api.put(
            f'/crm/leads/{lead["id"]}/stage', headers=ana.headers, json={'stage': STAGES[i % 5], 'position': i % 3}
        )

    responses = await asyncio.gather(*(move(i) for i in range(movers)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        events = (
            (
                await session.execute(
                    select(PipelineEvent)
                    .where(PipelineEvent.lead_id == uuid.UUID(lead['id']))
                    .order_by(PipelineEvent.seq)
                )
            )
            .scalars()
            .all()
        )
        final = await session.get(Lead, uuid.UUID(lead['id']))
    assert [e.seq for e in events] == list(range(1, movers + 2))  # created + one per move, no gap
    assert final is not None and final.version == movers + 1
    assert events[-1].payload['lead']['stage'] == final.stage
    assert events[-1].payload['lead']['version'] == final.version


async def test_stale_versions_lose_cleanly(api, register):
    ana = await register('Ana Souza')
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).json()

    async def move(stage: str):
        return await api.put(
            f'/crm/leads/{lead["id"]}/stage', headers=ana.headers, json={'stage': stage, 'expected_version': 1}
        )

    responses = await asyncio.gather(*(move(s) for s in STAGES[1:]))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
