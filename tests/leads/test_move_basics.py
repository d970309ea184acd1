"""A lead moves through the pipeline and every write leaves one event with the next seq."""

from sqlalchemy import select

from models import PipelineEvent


async def test_lead_moves_and_events_are_consecutive(api, register, ctx):
    ana = await register('Ana Souza')
    seen = []
    ctx.bus.subscribe(__import__('uuid').UUID(ana.org_id), seen.append)
    created = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda', 'estimated_value': '5000.5'})
    assert created.status_code == 201, created.text
    lead = created.json()
    assert lead['estimated_value'] == '5000.50'
    assert lead['stage'] == 'lead' and lead['version'] == 1
    moved = await api.put(
        f'/crm/leads/{lead["id"]}/stage', headers=ana.headers, json={'stage': 'proposta', 'notes': 'Call'}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()['stage'] == 'proposta' and moved.json()['notes'] == 'Call' and moved.json()['version'] == 2
    stale = await api.put(
        f'/crm/leads/{lead["id"]}/stage', headers=ana.headers, json={'stage': 'fechado', 'expected_version': 1}
    )
    assert stale.status_code == 409
    assert stale.json()['detail'] == 'Lead was changed by someone else'
    assert stale.json()['current']['stage'] == 'proposta'
    for path in ('/crm/leads', '/crm/leads/', f'/crm/leads/{lead["id"]}', f'/crm/leads/{lead["id"]}/'):
        assert (await api.get(path, headers=ana.headers)).status_code == 200, path
    assert (await api.get('/crm/leads/statistics', headers=ana.headers)).json()['stage_counts']['proposta'] == 1
    assert (await api.get('/crm/leads/pipeline/filters', headers=ana.headers)).status_code == 200
    history = (await api.get(f'/crm/leads/{lead["id"]}/history', headers=ana.headers)).json()
    assert [(h['from_stage'], h['to_stage']) for h in history] == [(None, 'lead'), ('lead', 'proposta')]
    assert (await api.delete(f'/crm/leads/{lead["id"]}', headers=ana.headers)).status_code == 204
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        rows = (await session.execute(select(PipelineEvent.seq, PipelineEvent.type).order_by(PipelineEvent.seq))).all()
    assert [tuple(r) for r in rows] == [(1, 'lead_created'), (2, 'lead_stage_changed'), (3, 'lead_deleted')]
    assert [e.seq for e in seen] == [1, 2, 3]
    assert seen[1].frame['old_stage'] == 'lead' and seen[1].frame['lead']['previous_stage'] == 'lead'
