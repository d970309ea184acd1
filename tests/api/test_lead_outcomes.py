"""Won / lost: a deal in Fechado ends won or lost (with a reason), through the same API LovedCRM clients use."""

import pytest


async def new_lead(api, who, name='Acme Ltda', **fields):  # type: ignore[no-untyped-def]
    response = await api.post('/crm/leads', headers=who.headers, json={'name': name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def move(api, who, lead, stage, **fields):  # type: ignore[no-untyped-def]
    return await api.put(f'/crm/leads/{lead["id"]}/stage', headers=who.headers, json={'stage': stage, **fields})


async def test_moving_into_fechado_without_an_outcome_leaves_it_unset(api, register):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)

    response = await move(api, ana, lead, 'fechado')

    assert response.status_code == 200
    body = response.json()
    assert (body['stage'], body['is_closed'], body['outcome'], body['lost_reason']) == ('fechado', True, None, None)


async def test_a_deal_is_marked_lost_with_a_reason_when_it_is_closed(api, register):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)

    response = await move(api, ana, lead, 'fechado', outcome='lost', lost_reason='  Preço ')

    assert response.status_code == 200
    assert (response.json()['outcome'], response.json()['lost_reason']) == ('lost', 'Preço')
    again = (await api.get(f'/crm/leads/{lead["id"]}', headers=ana.headers)).json()
    assert (again['outcome'], again['lost_reason']) == ('lost', 'Preço')


async def test_the_outcome_is_set_changed_and_cleared_on_a_closed_lead(api, register):
    ana = await register('Ana Souza')
    lead = (await move(api, ana, await new_lead(api, ana), 'fechado')).json()
    url = f'/crm/leads/{lead["id"]}'

    won = await api.put(url, headers=ana.headers, json={'outcome': 'won', 'expected_version': lead['version']})
    assert won.status_code == 200, won.text
    assert (won.json()['outcome'], won.json()['version']) == ('won', lead['version'] + 1)

    lost = await api.put(url, headers=ana.headers, json={'outcome': 'lost', 'lost_reason': 'Concorrente'})
    assert (lost.json()['outcome'], lost.json()['lost_reason']) == ('lost', 'Concorrente')

    renamed = await api.put(url, headers=ana.headers, json={'name': 'Acme S.A.'})
    assert (renamed.json()['outcome'], renamed.json()['lost_reason']) == ('lost', 'Concorrente')  # untouched

    back_to_won = await api.put(url, headers=ana.headers, json={'outcome': 'won'})
    assert (back_to_won.json()['outcome'], back_to_won.json()['lost_reason']) == ('won', None)  # no reason when won

    cleared = await api.put(url, headers=ana.headers, json={'outcome': None})
    assert (cleared.json()['outcome'], cleared.json()['lost_reason']) == (None, None)


async def test_reopening_a_lost_deal_clears_its_outcome_and_reason(api, register):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)
    await move(api, ana, lead, 'fechado', outcome='lost', lost_reason='Sem orçamento')

    reopened = await move(api, ana, lead, 'negociacao')

    assert reopened.status_code == 200
    assert (reopened.json()['stage'], reopened.json()['outcome'], reopened.json()['lost_reason']) == (
        'negociacao',
        None,
        None,
    )
    closed_again = (await move(api, ana, lead, 'fechado')).json()
    assert closed_again['outcome'] is None  # the old outcome does not come back


async def test_reordering_inside_fechado_keeps_the_outcome(api, register):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)
    await move(api, ana, lead, 'fechado', outcome='won')
    await new_lead(api, ana, 'Beta', stage='fechado')

    reordered = await move(api, ana, lead, 'fechado', position=1)

    assert reordered.json()['outcome'] == 'won'


@pytest.mark.parametrize(
    ('stage', 'fields', 'code'),
    [
        ('proposta', {'outcome': 'won'}, 'outcome_needs_closed_stage'),
        ('proposta', {'outcome': 'lost', 'lost_reason': 'Preço'}, 'outcome_needs_closed_stage'),
        ('proposta', {'lost_reason': 'Preço'}, 'lost_reason_needs_lost'),
        ('fechado', {'outcome': 'won', 'lost_reason': 'Preço'}, 'lost_reason_needs_lost'),
        ('fechado', {'lost_reason': 'Preço'}, 'lost_reason_needs_lost'),
    ],
)
async def test_an_outcome_that_breaks_the_rules_is_refused_and_nothing_changes(api, register, stage, fields, code):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)

    response = await move(api, ana, lead, stage, **fields)

    assert response.status_code == 422
    assert response.json()['code'] == code and isinstance(response.json()['detail'], str)
    unchanged = (await api.get(f'/crm/leads/{lead["id"]}', headers=ana.headers)).json()
    assert (unchanged['stage'], unchanged['version'], unchanged['outcome']) == ('lead', 1, None)


async def test_an_open_lead_cannot_be_marked_won_by_an_update(api, register):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)

    response = await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'outcome': 'won'})

    assert response.status_code == 422 and response.json()['code'] == 'outcome_needs_closed_stage'


@pytest.mark.parametrize('fields', [{'outcome': 'maybe'}, {'outcome': 'lost', 'lost_reason': 'x' * 201}])
async def test_hostile_outcome_values_get_a_validation_error(api, register, fields):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)

    response = await move(api, ana, lead, 'fechado', **fields)

    assert response.status_code == 422 and response.json()['code'] == 'validation_error'


async def test_a_stale_outcome_change_gets_a_conflict(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana)
    lead = (await move(api, ana, await new_lead(api, ana), 'fechado')).json()
    url = f'/crm/leads/{lead["id"]}'
    await api.put(url, headers=bruno.headers, json={'outcome': 'won', 'expected_version': lead['version']})

    stale = await api.put(url, headers=ana.headers, json={'outcome': 'lost', 'expected_version': lead['version']})

    assert stale.status_code == 409 and stale.json()['code'] == 'version_conflict'
    assert (await api.get(url, headers=ana.headers)).json()['outcome'] == 'won'


async def test_the_outcome_is_documented_in_openapi(api):
    schemas = (await api.get('/openapi.json')).json()['components']['schemas']

    assert {'outcome', 'lost_reason'} <= set(schemas['StageMove']['properties'])
    assert {'outcome', 'lost_reason'} <= set(schemas['LeadUpdate']['properties'])
    assert {'outcome', 'lost_reason'} <= set(schemas['LeadPublic']['properties'])


DEFAULT_REASONS = ['Preço', 'Concorrente', 'Sem orçamento', 'Sem resposta', 'Momento errado']


async def test_every_member_reads_the_default_lost_reasons(api, register, join):
    ana = await register('Ana Souza')
    vera = await join(ana, role='viewer', name='Vera Dias')

    response = await api.get('/organizations/current/lost-reasons', headers=vera.headers)

    assert response.status_code == 200
    assert response.json() == {'reasons': DEFAULT_REASONS}


async def test_an_admin_changes_the_lost_reasons_as_typed(api, register, join):
    ana = await register('Ana Souza')
    bia = await join(ana, role='admin', name='Bia Reis')

    response = await api.put(
        '/organizations/current/lost-reasons', headers=bia.headers, json={'reasons': [' Preço alto ', 'Sumiu']}
    )

    assert response.status_code == 200 and response.json() == {'reasons': ['Preço alto', 'Sumiu']}
    read = await api.get('/organizations/current/lost-reasons', headers=ana.headers)
    assert read.json() == {'reasons': ['Preço alto', 'Sumiu']}


@pytest.mark.parametrize('role', ['member', 'viewer'])
async def test_members_and_viewers_cannot_change_the_lost_reasons(api, register, join, role):
    ana = await register('Ana Souza')
    bruno = await join(ana, role=role)

    response = await api.put('/organizations/current/lost-reasons', headers=bruno.headers, json={'reasons': ['X']})

    assert response.status_code == 403 and response.json()['code'] == 'managers_only'
    assert (await api.get('/organizations/current/lost-reasons', headers=ana.headers)).json()['reasons'] == (
        DEFAULT_REASONS
    )


async def test_another_organization_neither_reads_nor_changes_our_lost_reasons(api, register):
    ana = await register('Ana Souza')
    await api.put('/organizations/current/lost-reasons', headers=ana.headers, json={'reasons': ['Segredo da Ana']})
    carla = await register('Carla Nunes', email='carla@example.com')

    theirs = await api.get('/organizations/current/lost-reasons', headers=carla.headers)
    await api.put('/organizations/current/lost-reasons', headers=carla.headers, json={'reasons': ['Da Carla']})

    assert theirs.json()['reasons'] == DEFAULT_REASONS
    assert (await api.get('/organizations/current/lost-reasons', headers=ana.headers)).json()['reasons'] == [
        'Segredo da Ana'
    ]


@pytest.mark.parametrize(
    ('reasons', 'code'),
    [
        (['Preço', 'preço'], 'lost_reason_duplicate'),
        (['   '], 'validation_error'),
        (['x' * 61], 'validation_error'),
        ([f'Motivo {n}' for n in range(31)], 'validation_error'),
        (['ok\x00'], 'validation_error'),
    ],
)
async def test_a_bad_list_of_lost_reasons_is_refused(api, register, reasons, code):
    ana = await register('Ana Souza')

    response = await api.put('/organizations/current/lost-reasons', headers=ana.headers, json={'reasons': reasons})

    assert response.status_code == 422 and response.json()['code'] == code
    assert (await api.get('/organizations/current/lost-reasons', headers=ana.headers)).json()['reasons'] == (
        DEFAULT_REASONS
    )
