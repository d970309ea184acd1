"""Reading leads as a LovedCRM client does (API-CONTRACT §4): pages, search, statistics and filter options."""

from datetime import datetime

from contract import STAGES


def moment(timestamp: str) -> datetime:
    """An ISO 8601 timestamp of the API, which must carry a zone."""
    parsed = datetime.fromisoformat(timestamp)
    assert parsed.tzinfo is not None, timestamp
    return parsed


async def test_the_list_is_newest_first_in_pages(api, register, leads):
    ana = await register('Ana Souza')
    for i in range(5):
        await leads.create(ana, f'Lead {i}', stage=STAGES[i % 2])

    first = (await api.get('/crm/leads', headers=ana.headers, params={'page_size': 2})).json()
    last = (await api.get('/crm/leads', headers=ana.headers, params={'page': 3, 'page_size': 2})).json()
    beyond = (await api.get('/crm/leads', headers=ana.headers, params={'page': 4, 'page_size': 2})).json()
    default = (await api.get('/crm/leads', headers=ana.headers)).json()
    contato = (await api.get('/crm/leads', headers=ana.headers, params={'stage': 'contato'})).json()

    assert [lead['name'] for lead in first['leads']] == ['Lead 4', 'Lead 3']
    assert (first['total_count'], first['page'], first['page_size'], first['has_more']) == (5, 1, 2, True)
    assert ([lead['name'] for lead in last['leads']], last['has_more']) == (['Lead 0'], False)
    assert (beyond['leads'], beyond['total_count'], beyond['has_more']) == ([], 5, False)
    assert (default['page'], default['page_size'], len(default['leads'])) == (1, 20, 5)
    assert [lead['name'] for lead in contato['leads']] == ['Lead 3', 'Lead 1']
    assert (contato['total_count'], contato['has_more']) == (2, False)


async def test_bad_list_parameters_are_422(api, register):
    ana = await register('Ana Souza')

    for params in [{'page': 0}, {'page': 'one'}, {'page_size': 0}, {'page_size': 101}, {'stage': 'won'}]:
        assert (await api.get('/crm/leads', headers=ana.headers, params=params)).status_code == 422, params
    assert (await api.get('/crm/leads', headers=ana.headers, params={'page_size': 100})).status_code == 200


async def test_search_finds_name_email_and_phone_in_any_case(api, register, leads):
    ana = await register('Ana Souza')
    await leads.create(ana, 'Acme Ltda', email='compras@acme.com.br', phone='+55 11 4000-1000')
    await leads.create(ana, 'Beta 100% Natural', email='ola@beta.com')
    await leads.create(ana, 'Gama_Corp', phone='+55 21 3000-2000')
    await leads.create(ana, 'Delta Agro', email='delta@agro.com')
    await leads.create(ana, 'Epsilon \\ Filhos')
    await leads.create(ana, 'João Ávila Comércio')
    await leads.create(ana, 'Star*Trek [SP] Why?')

    async def found(query: str) -> list[str]:
        response = await api.post('/crm/leads/search', headers=ana.headers, json={'query': query})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body['total_count'] == len(body['leads']) and body['has_more'] is False
        return sorted(lead['name'] for lead in body['leads'])

    assert await found('ACME') == ['Acme Ltda']
    assert await found('Agro.COM') == ['Delta Agro']
    assert await found('4000-10') == ['Acme Ltda']
    assert await found('3000') == ['Gama_Corp']
    assert await found('%') == ['Beta 100% Natural']
    assert await found('0%') == ['Beta 100% Natural']
    assert await found('_') == ['Gama_Corp']
    assert await found('a_c') == ['Gama_Corp']
    assert await found('\\') == ['Epsilon \\ Filhos']
    assert await found('JOÃO ávila') == ['João Ávila Comércio']
    assert await found('COMÉRCIO') == ['João Ávila Comércio']
    assert await found('r*t') == await found('[sp]') == await found('why?') == ['Star*Trek [SP] Why?']
    assert await found('*') == await found('?') == await found('[') == ['Star*Trek [SP] Why?']
    assert await found('nobody') == []


async def test_search_reports_the_real_total_across_pages(api, register, leads):
    ana = await register('Ana Souza')
    for i in range(25):
        await leads.create(ana, f'Cliente {i:02d}')
    await leads.create(ana, 'Outro')

    bodies = []
    for page in (1, 2, 3):
        body = {'query': 'cliente', 'page': page, 'page_size': 10}
        bodies.append((await api.post('/crm/leads/search', headers=ana.headers, json=body)).json())

    assert [len(body['leads']) for body in bodies] == [10, 10, 5]
    assert [body['total_count'] for body in bodies] == [25, 25, 25]
    assert [body['has_more'] for body in bodies] == [True, True, False]
    assert [body['page'] for body in bodies] == [1, 2, 3]
    names = [lead['name'] for body in bodies for lead in body['leads']]
    assert names == [f'Cliente {i:02d}' for i in range(24, -1, -1)]


async def test_bad_searches_are_422(api, register):
    ana = await register('Ana Souza')

    for body in [
        {'query': ''},
        {},
        {'query': None},
        {'query': 'a', 'page': 0},
        {'query': 'a', 'page_size': 101},
        {'query': 'a', 'page_size': 0},
    ]:
        assert (await api.post('/crm/leads/search', headers=ana.headers, json=body)).status_code == 422, body


async def test_statistics_count_every_stage(api, register, leads):
    ana = await register('Ana Souza')

    empty = (await api.get('/crm/leads/statistics', headers=ana.headers)).json()
    assert empty == {'stage_counts': dict.fromkeys(STAGES, 0), 'total_leads': 0, 'conversion_rate': None}

    for stage in ('lead', 'contato', 'fechado'):
        await leads.create(ana, f'In {stage}', stage=stage)
    third = (await api.get('/crm/leads/statistics', headers=ana.headers)).json()
    assert third['stage_counts'] == {'lead': 1, 'contato': 1, 'proposta': 0, 'negociacao': 0, 'fechado': 1}
    assert (third['total_leads'], third['conversion_rate']) == (3, 33.33)

    await leads.create(ana, 'Closed too', stage='fechado')
    await leads.create(ana, 'And more', stage='fechado')
    await leads.create(ana, 'Proposal', stage='proposta')
    six = (await api.get('/crm/leads/statistics', headers=ana.headers)).json()
    assert (six['total_leads'], six['conversion_rate']) == (6, 50.0)
    await leads.create(ana, 'Seventh', stage='negociacao')
    seven = (await api.get('/crm/leads/statistics', headers=ana.headers)).json()
    assert (seven['total_leads'], seven['conversion_rate']) == (7, 42.86)


async def test_filter_options_offer_what_the_leads_use(api, register, join, leads):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')

    empty = (await api.get('/crm/leads/pipeline/filters', headers=ana.headers)).json()
    assert (empty['sources'], empty['available_tags'], empty['stages']) == ([], [], STAGES)
    assert empty['date_ranges'] == {'earliest': None, 'latest': None}

    first = await leads.create(ana, 'Acme', source='indicacao', tags=['vip', 'sp'])
    await leads.create(ana, 'Beta', tags=['rj', 'vip'])
    last = await leads.create(ana, 'Gama', source='evento', assigned_user_id=bruno.user_id)
    options = (await api.get('/crm/leads/pipeline/filters', headers=ana.headers)).json()

    assert set(options) == {'sources', 'assigned_users', 'date_ranges', 'available_tags', 'stages'}
    assert options['sources'] == ['evento', 'indicacao', 'web']
    assert options['available_tags'] == ['rj', 'sp', 'vip']
    assert options['stages'] == STAGES
    assert options['assigned_users'] == [
        {'id': ana.user_id, 'name': 'Ana Souza'},
        {'id': bruno.user_id, 'name': 'Bruno Lima'},
    ]
    assert moment(options['date_ranges']['earliest']) == moment(first['created_at'])
    assert moment(options['date_ranges']['latest']) == moment(last['created_at'])
