"""Metrics with won and lost deals: won (or fechado without an outcome) converts and counts as closed value, lost does
not; the counts of each and the most frequent lost reasons come beside LovedCRM's fields."""

from typing import Any

import httpx


async def closed_deal(api: httpx.AsyncClient, who: Any, name: str, value: str, **outcome: Any) -> None:
    """A lead worth ``value`` moved to fechado with ``outcome`` (nothing: no outcome said)."""
    created = await api.post('/crm/leads', headers=who.headers, json={'name': name, 'estimated_value': value})
    moved = await api.put(
        f'/crm/leads/{created.json()["id"]}/stage', headers=who.headers, json={'stage': 'fechado', **outcome}
    )
    assert moved.status_code == 200, moved.text


async def sales_story(api: httpx.AsyncClient, who: Any) -> None:
    """Ten leads: two open, one won, one closed without an outcome, six lost (three for price, two to a competitor,
    one without a reason)."""
    for name in ('Aberto 1', 'Aberto 2'):
        await api.post('/crm/leads', headers=who.headers, json={'name': name, 'estimated_value': '100.00'})
    await closed_deal(api, who, 'Ganho', '1000.00', outcome='won')
    await closed_deal(api, who, 'Fechado antigo', '500.00')
    for n in range(3):
        await closed_deal(api, who, f'Caro {n}', '2000.00', outcome='lost', lost_reason='Preço')
    for n in range(2):
        await closed_deal(api, who, f'Perdido {n}', '3000.00', outcome='lost', lost_reason='Concorrente')
    await closed_deal(api, who, 'Sumiu', '50.00', outcome='lost')


async def test_the_pipeline_metrics_count_only_won_deals_as_converted(api, register):
    ana = await register('Ana Souza')
    await sales_story(api, ana)

    body = (await api.get('/crm/leads/pipeline/metrics', headers=ana.headers)).json()

    assert body['stage_counts']['fechado'] == 8  # the column as it is: every lead in fechado
    assert body['total_leads'] == 10
    assert body['conversion_rate'] == 20.0  # won 1 + no outcome 1, of 10
    assert body['closed_pipeline_value'] == 1500.0  # lost deals are no closed value
    assert (body['won_count'], body['lost_count']) == (2, 6)
    assert body['top_lost_reasons'] == [{'reason': 'Preço', 'count': 3}, {'reason': 'Concorrente', 'count': 2}]


async def test_the_executive_summary_averages_won_deals_only(api, register):
    ana = await register('Ana Souza')
    await sales_story(api, ana)

    summary = (await api.get('/crm/leads/metrics/advanced', headers=ana.headers)).json()['executive_summary']

    assert summary['avg_deal_size'] == 750.0 and summary['conversion_rate'] == 20.0


async def test_before_any_outcome_fechado_means_won_as_it_always_did(api, register):
    ana = await register('Ana Souza')
    await closed_deal(api, ana, 'Fechado', '800.00')
    await api.post('/crm/leads', headers=ana.headers, json={'name': 'Aberto'})

    body = (await api.get('/crm/leads/pipeline/metrics', headers=ana.headers)).json()

    assert (body['conversion_rate'], body['closed_pipeline_value']) == (50.0, 800.0)
    assert (body['won_count'], body['lost_count'], body['top_lost_reasons']) == (1, 0, [])


async def test_reopening_a_lost_deal_takes_it_out_of_the_lost_count(api, register):
    ana = await register('Ana Souza')
    created = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Volta'})
    url = f'/crm/leads/{created.json()["id"]}/stage'
    await api.put(url, headers=ana.headers, json={'stage': 'fechado', 'outcome': 'lost', 'lost_reason': 'Preço'})
    await api.put(url, headers=ana.headers, json={'stage': 'proposta'})

    body = (await api.get('/crm/leads/pipeline/metrics', headers=ana.headers)).json()

    assert (body['won_count'], body['lost_count'], body['top_lost_reasons']) == (0, 0, [])
