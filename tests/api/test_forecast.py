"""Forecast through the API: a lead's probability and expected close date, the organization's percent per stage,
and the weighted pipeline and expected closes in the metrics."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from lovedcrm_ui.services.forecast import month_start

DEFAULTS = {'lead': 10, 'contato': 20, 'proposta': 50, 'negociacao': 75, 'fechado': 100}


async def new_lead(api, who, name='Acme Ltda', **fields):  # type: ignore[no-untyped-def]
    response = await api.post('/crm/leads', headers=who.headers, json={'name': name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_lead_keeps_its_probability_and_expected_close_date(api, register):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana, probability=35, expected_close_date='2027-01-31')
    assert (lead['probability'], lead['expected_close_date']) == (35, '2027-01-31')

    url = f'/crm/leads/{lead["id"]}'
    changed = await api.put(url, headers=ana.headers, json={'probability': 80, 'expected_version': lead['version']})
    assert changed.status_code == 200, changed.text
    assert (changed.json()['probability'], changed.json()['version']) == (80, lead['version'] + 1)

    cleared = await api.put(url, headers=ana.headers, json={'probability': None, 'expected_close_date': None})
    assert (cleared.json()['probability'], cleared.json()['expected_close_date']) == (None, None)
    log = (await api.get(f'{url}/changes', headers=ana.headers)).json()
    fields = {change['field'] for entry in log for change in entry.get('changes', [])}
    assert {'probability', 'expected_close_date'} <= fields


@pytest.mark.parametrize(
    ('body', 'field'),
    [
        ({'probability': 101}, 'probability'),
        ({'probability': -1}, 'probability'),
        ({'probability': 'alta'}, 'probability'),
        ({'expected_close_date': '2027-02-30'}, 'expected_close_date'),
        ({'expected_close_date': 'amanhã'}, 'expected_close_date'),
    ],
)
async def test_a_probability_outside_0_to_100_or_an_invalid_date_is_422_naming_the_field(api, register, body, field):
    ana = await register('Ana Souza')
    lead = await new_lead(api, ana)

    for response in (
        await api.post('/crm/leads', headers=ana.headers, json={'name': 'Nova', **body}),
        await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json=body),
    ):
        assert response.status_code == 422, response.text
        assert field in str(response.json()['detail'])
    again = (await api.get(f'/crm/leads/{lead["id"]}', headers=ana.headers)).json()
    assert (again['probability'], again['expected_close_date'], again['version']) == (None, None, lead['version'])


async def test_managers_set_the_percent_per_stage_and_leaving_a_stage_out_keeps_it(api, register, join):
    ana = await register('Ana Souza')
    assert (await api.get('/organizations/current/stage-probabilities', headers=ana.headers)).json() == DEFAULTS
    bia = await join(ana, role='admin', name='Bia Reis')

    response = await api.put('/organizations/current/stage-probabilities', headers=bia.headers, json={'proposta': 40})

    assert response.status_code == 200, response.text
    assert response.json() == {**DEFAULTS, 'proposta': 40}
    assert (await api.get('/organizations/current/stage-probabilities', headers=ana.headers)).json()['proposta'] == 40


@pytest.mark.parametrize('body', [{'proposta': 101}, {'proposta': -5}, {'ganho': 10}, {'lead': 'dez'}])
async def test_a_bad_percent_or_an_unknown_stage_is_422(api, register, body):
    ana = await register('Ana Souza')
    response = await api.put('/organizations/current/stage-probabilities', headers=ana.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.json()['detail']
    assert (await api.get('/organizations/current/stage-probabilities', headers=ana.headers)).json() == DEFAULTS


@pytest.mark.parametrize('role', ['member', 'viewer'])
async def test_members_and_viewers_cannot_change_the_percents(api, register, join, role):
    ana = await register('Ana Souza')
    bruno = await join(ana, role=role)
    response = await api.put('/organizations/current/stage-probabilities', headers=bruno.headers, json={'lead': 90})
    assert response.status_code == 403 and response.json()['code'] == 'managers_only'


async def test_another_organization_neither_sees_nor_changes_our_forecast(api, register):
    ana = await register('Ana Souza')
    await api.put('/organizations/current/stage-probabilities', headers=ana.headers, json={'lead': 1})
    lead = await new_lead(api, ana, probability=30, estimated_value='1000')
    carla = await register('Carla Nunes')

    assert (await api.get('/organizations/current/stage-probabilities', headers=carla.headers)).json() == DEFAULTS
    theirs = await api.put(f'/crm/leads/{lead["id"]}', headers=carla.headers, json={'probability': 99})
    assert theirs.status_code == 404
    metrics = (await api.get('/crm/leads/pipeline/metrics', headers=carla.headers)).json()
    assert metrics['forecast']['weighted_pipeline_value'] == 0


async def test_the_metrics_weigh_open_leads_and_sum_expected_closes_by_month(api, register):
    ana = await register('Ana Souza')
    today = datetime.now(UTC).date()
    this_month, next_month = month_start(today), month_start(today, 1)
    await new_lead(api, ana, 'A', estimated_value='1000', stage='proposta', expected_close_date=str(today))
    await new_lead(api, ana, 'B', estimated_value='2000', probability=10, expected_close_date=str(next_month))
    await new_lead(
        api, ana, 'C', estimated_value='400', stage='contato', expected_close_date=str(today - timedelta(days=40))
    )
    await new_lead(api, ana, 'D', estimated_value='9000', stage='fechado', expected_close_date=str(this_month))
    await new_lead(api, ana, 'E', estimated_value='300')

    response = await api.get('/crm/leads/pipeline/metrics', headers=ana.headers)
    forecast = response.json()['forecast']
    # 1000 x 50% + 2000 x 10% + 400 x 20% + 300 x 10%; the closed deal is not in the pipeline
    assert forecast['weighted_pipeline_value'] == 810
    assert (forecast['open_count'], forecast['overdue_count'], forecast['undated_count']) == (4, 1, 1)
    months = forecast['months']
    assert [m['month'] for m in months] == [f'{month_start(today, i):%Y-%m}' for i in range(3)]
    assert (months[0]['count'], months[0]['value'], months[0]['weighted_value']) == (1, 1000, 500)
    assert (months[1]['count'], months[1]['value'], months[1]['weighted_value']) == (1, 2000, 200)
    assert forecast['stage_probabilities'] == DEFAULTS


async def test_the_forecast_and_the_new_fields_are_documented_in_openapi(api):
    schema = (await api.get('/openapi.json')).json()
    components = schema['components']['schemas']
    assert {'probability', 'expected_close_date'} <= set(components['LeadPublic']['properties'])
    assert 'forecast' in components['ConversionMetrics']['properties']
    assert '/organizations/current/stage-probabilities' in schema['paths']


async def test_the_csv_export_carries_them_and_an_import_reads_them_back(api, register):
    ana = await register('Ana Souza')
    await new_lead(api, ana, 'Acme Ltda', probability=35, expected_close_date='2027-01-31')
    exported = await api.get('/crm/leads/export', headers=ana.headers)
    rows = list(csv.reader(io.StringIO(exported.content.decode('utf-8')[1:], newline=''), delimiter=';'))
    assert rows[0][-2:] == ['Probabilidade', 'Previsão de fechamento']
    assert rows[1][-2:] == ['35', '31/01/2027']

    sheet = 'Nome;Probabilidade;Previsão de fechamento\r\nBeta SA;80%;15/02/2027\r\nGama ME;;2027-03-01\r\n'
    files = {'file': ('leads.csv', sheet.encode(), 'text/csv')}
    response = await api.post('/crm/leads/import', headers=ana.headers, files=files)
    assert response.status_code == 201, response.text
    leads = (await api.get('/crm/leads', headers=ana.headers, params={'page_size': 10})).json()['leads']
    read = {lead['name']: (lead['probability'], lead['expected_close_date']) for lead in leads}
    assert read['Beta SA'] == (80, '2027-02-15') and read['Gama ME'] == (None, '2027-03-01')


async def test_an_import_names_a_bad_probability_or_date_and_imports_nothing(api, register):
    ana = await register('Ana Souza')
    sheet = 'Nome;Probabilidade;Previsão de fechamento\r\nBeta SA;150;31/02/2027\r\n'
    files = {'file': ('leads.csv', sheet.encode(), 'text/csv')}
    response = await api.post('/crm/leads/import', headers=ana.headers, files=files)
    assert response.status_code == 422
    found = {(e['column'], e['code']) for e in response.json()['errors']}
    assert found == {('Probabilidade', 'less_than_equal'), ('Previsão de fechamento', 'date_invalid')}
