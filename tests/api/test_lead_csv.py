"""CSV in and out through the API: `POST /crm/leads/import` (preview, all-or-nothing) and `GET /crm/leads/export`.

People bring spreadsheets saved by Excel, LibreOffice or Google Sheets in pt-BR or English; an integration sends
the same files. The tests read what a client gets back (the leads, the file, the events), not the internals.
"""

import csv
import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from contract import STAGES
from fastapi import FastAPI
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.types import Receive, Scope, Send
from waiting import until

from lovedcrm_ui.api.limits import BodyLimit
from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.events import LeadEvent
from lovedcrm_ui.services import lead_csv
from lovedcrm_ui.services.access import Caller
from lovedcrm_ui.services.csv_format import guess_mapping, read_table
from models import PipelineEvent

# what a lead is, for comparing leads across organizations (ids, times and positions differ)
CONTENT = (
    'name',
    'email',
    'phone',
    'source',
    'estimated_value',
    'tags',
    'notes',
    'stage',
    'assigned_user_id',
)
ROUND_TRIP = (*CONTENT, 'probability', 'expected_close_date')  # the export's columns that an import reads back


@dataclass
class Actor:
    """Someone acting in one organization through the API."""

    user_id: str
    org_id: str
    headers: dict[str, str]


async def upload(
    api: httpx.AsyncClient,
    who: Any,
    content: str | bytes,
    *,
    dry_run: bool = False,
    mapping: dict[str, str | None] | str | None = None,
) -> httpx.Response:
    """Send a CSV file as a spreadsheet user's client would (multipart, field ``file``)."""
    data = content.encode('utf-8') if isinstance(content, str) else content
    form: dict[str, str] = {}
    if dry_run:
        form['dry_run'] = 'true'
    if mapping is not None:
        form['mapping'] = mapping if isinstance(mapping, str) else json.dumps(mapping)
    return await api.post(
        '/crm/leads/import', headers=who.headers, files={'file': ('leads.csv', data, 'text/csv')}, data=form
    )


async def imported(api: httpx.AsyncClient, who: Any, content: str | bytes, **options: Any) -> dict[str, Any]:
    """An import that must succeed: its answer."""
    response = await upload(api, who, content, **options)
    assert response.status_code == 201, response.text[:1000]
    return response.json()  # type: ignore[no-any-return]


async def every_lead(api: httpx.AsyncClient, who: Any) -> list[dict[str, Any]]:
    """Every lead of the organization, as the API lists them."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await api.get('/crm/leads', headers=who.headers, params={'page': page, 'page_size': 100})
        assert response.status_code == 200, response.text
        found += response.json()['leads']
        if not response.json()['has_more']:
            return found
        page += 1


def board(leads: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Names per column, top to bottom, as the board draws them."""
    ordered = sorted(leads, key=lambda lead: (STAGES.index(lead['stage']), lead['position'], lead['id']))
    return {stage: [lead['name'] for lead in ordered if lead['stage'] == stage] for stage in STAGES}


def content(lead: dict[str, Any]) -> dict[str, Any]:
    """What the person entered, without what the server assigns."""
    return {key: lead[key] for key in CONTENT}


async def exported(api: httpx.AsyncClient, who: Any, **params: Any) -> httpx.Response:
    """``GET /crm/leads/export`` that must succeed."""
    response = await api.get('/crm/leads/export', headers=who.headers, params=params)
    assert response.status_code == 200, response.text[:500]
    return response


def cells(response: httpx.Response, delimiter: str = ';') -> list[list[str]]:
    """The exported file as a spreadsheet reads it (after the BOM)."""
    text = response.content.decode('utf-8')
    assert text.startswith('\ufeff')
    return list(csv.reader(io.StringIO(text[1:], newline=''), delimiter=delimiter))


async def member_of_both(api: httpx.AsyncClient, join: Any, owner: Any, name: str = 'Bruno Lima') -> Actor:
    """A member of ``owner``'s organization, acting in the organization they registered (they own it)."""
    in_team = await join(owner, 'member', name=name)
    organizations = (await api.get('/users/me/organizations', headers=in_team.bearer)).json()
    own = next(org['id'] for org in organizations if org['id'] != owner.org_id)
    switched = await api.post('/auth/switch-organization', headers=in_team.bearer, json={'organization_id': own})
    assert switched.status_code == 200, switched.text
    body = switched.json()
    headers = {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': own}
    return Actor(user_id=in_team.user_id, org_id=own, headers=headers)


def listen(ctx: AppContext, who: Any) -> list[LeadEvent]:
    """The organization's lead events as the bus delivers them to boards and API sockets."""
    received: list[LeadEvent] = []
    ctx.bus.subscribe(uuid.UUID(who.org_id), received.append)
    return received


async def stored_events(ctx: AppContext, who: Any) -> list[PipelineEvent]:
    """The organization's event journal."""
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        rows = await session.execute(
            select(PipelineEvent)
            .where(PipelineEvent.organization_id == uuid.UUID(who.org_id))  # type: ignore[arg-type]
            .order_by(PipelineEvent.seq)  # type: ignore[arg-type]
        )
        return list(rows.scalars())


# ----- reading spreadsheets ----------------------------------------------------------------------


async def test_a_pt_br_excel_file_imports_every_row_on_top_of_its_column_in_file_order(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    await api.post('/crm/leads', headers=ana.headers, json={'name': 'Já no quadro', 'stage': 'negociacao'})
    sheet = (
        '\ufeffNome;E-mail;Telefone;Origem;Valor estimado;Etiquetas;Observações;Etapa;Responsável\r\n'
        'Padaria Pão Quente;compras@paoquente.com.br;(11) 4000-1000;Indicação;R$ 1.234,56;b2b, sp;Cliente antigo;'
        'Negociação;Bruno Lima\r\n'
        'Mercado Sol;;+55 21 99999-0000;;1.500;varejo|rj;;proposta;' + bruno.email.upper() + '\r\n'
        ';;;;;;;;\r\n'
        'Farmácia Vida;contato@vida.com.br;;site;12345,5;;;NEGOCIACAO;\r\n'
    ).encode()

    answer = await imported(api, ana, sheet)

    assert answer == {'imported': True, 'leads_created': 3, 'first_seq': 2, 'last_seq': 4}
    leads = {lead['name']: lead for lead in await every_lead(api, ana)}
    assert content(leads['Padaria Pão Quente']) == {
        'name': 'Padaria Pão Quente',
        'email': 'compras@paoquente.com.br',
        'phone': '(11) 4000-1000',
        'source': 'Indicação',
        'estimated_value': '1234.56',
        'tags': ['b2b', 'sp'],
        'notes': 'Cliente antigo',
        'stage': 'negociacao',
        'assigned_user_id': bruno.user_id,
    }
    assert content(leads['Mercado Sol']) == {
        'name': 'Mercado Sol',
        'email': None,
        'phone': '+55 21 99999-0000',
        'source': 'web',
        'estimated_value': '1500.00',
        'tags': ['varejo', 'rj'],
        'notes': None,
        'stage': 'proposta',
        'assigned_user_id': bruno.user_id,
    }
    assert leads['Farmácia Vida']['estimated_value'] == '12345.50'
    assert board(list(leads.values()))['negociacao'] == ['Padaria Pão Quente', 'Farmácia Vida', 'Já no quadro']


async def test_a_latin1_file_with_commas_and_quoted_cells_is_read_as_written(api, register):
    ana = await register('Ana Souza')
    sheet = (
        'Name,Email,Phone,Deal Value,Tags,Notes,Status,Internal id\n'
        '"Construtora São Paulo, Ltda",obras@sp.com.br,11 3000-0000,"1,234.56","obra; sp","Linha 1\n'
        'Linha 2 com ""aspas"", vírgula; e ponto e vírgula",Proposal,X-17\n'
        'Ótica Visão,,,"2,000",,,closed,X-18\n'
    ).encode('latin-1')

    preview = await upload(api, ana, sheet, dry_run=True)
    assert preview.status_code == 200, preview.text
    assert (preview.json()['encoding'], preview.json()['delimiter']) == ('cp1252', ',')
    assert preview.json()['mapping']['Internal id'] is None  # a column no field is named after is left out
    await imported(api, ana, sheet)

    leads = {lead['name']: lead for lead in await every_lead(api, ana)}
    built = leads['Construtora São Paulo, Ltda']
    assert built['notes'] == 'Linha 1\nLinha 2 com "aspas", vírgula; e ponto e vírgula'
    assert (built['estimated_value'], built['tags'], built['stage']) == ('1234.56', ['obra', 'sp'], 'proposta')
    assert (leads['Ótica Visão']['estimated_value'], leads['Ótica Visão']['stage']) == ('2000.00', 'fechado')


async def test_the_dry_run_shows_how_the_file_was_read_and_writes_nothing(api, register, ctx):
    ana = await register('Ana Souza')
    rows = ''.join(f'Empresa {i};{i},50;contato\n' for i in range(25))
    received = listen(ctx, ana)

    response = await upload(api, ana, 'Cliente;Valor;Fase\n' + rows, dry_run=True)

    assert response.status_code == 200, response.text
    preview = response.json()
    assert (preview['encoding'], preview['delimiter'], preview['headers']) == (
        'utf-8',
        ';',
        ['Cliente', 'Valor', 'Fase'],
    )
    assert preview['mapping'] == {'Cliente': 'name', 'Valor': 'estimated_value', 'Fase': 'stage'}
    assert (preview['row_count'], preview['errors'], preview['error_count']) == (25, [], 0)
    assert len(preview['rows']) == 20
    assert preview['rows'][1] == {
        'row': 3,
        'cells': {'Cliente': 'Empresa 1', 'Valor': '1,50', 'Fase': 'contato'},
        'lead': {
            'name': 'Empresa 1',
            'email': None,
            'phone': None,
            'source': 'web',
            'estimated_value': '1.50',
            'tags': [],
            'notes': None,
            'stage': 'contato',
            'assigned_user_id': None,
            'probability': None,
            'expected_close_date': None,
        },
    }
    assert await every_lead(api, ana) == []
    assert received == []


# ----- refusals ----------------------------------------------------------------------------------


async def test_one_bad_row_stops_the_import_and_every_error_names_row_column_and_value(api, register, ctx):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')  # another organization's owner: not someone Ana can assign
    sheet = (
        'Nome,E-mail,Valor,Etapa,Responsável\n'
        'Acme Ltda,compras@acme.com.br,100,lead,\n'
        'Beta SA,não é e-mail,-5,ganho,' + carla.email + '\n'
        '"  ",,dez reais,,\n' + 'N' * 256 + ',,,,\n'
    )
    received = listen(ctx, ana)

    response = await upload(api, ana, sheet)

    assert response.status_code == 422
    body = response.json()
    assert body['code'] == 'csv_rows_invalid'
    assert body['detail'].startswith('7 problem(s) in the file; nothing was imported. row 3')
    found = {(e['row'], e['column'], e['code']) for e in body['errors']}
    assert found == {
        (3, 'E-mail', 'value_error'),
        (3, 'Valor', 'greater_than_equal'),
        (3, 'Etapa', 'stage_unknown'),
        (3, 'Responsável', 'assignee_unknown'),
        (4, 'Nome', 'string_too_short'),
        (4, 'Valor', 'value_not_number'),
        (5, 'Nome', 'string_too_long'),
    }
    too_long = next(e for e in body['errors'] if e['code'] == 'string_too_long')
    assert (too_long['field'], too_long['value'], too_long['ctx']) == ('name', 'N' * 256, {'max_length': 255})
    assert body['error_count'] == 7
    assert await every_lead(api, ana) == []  # the good row was not written either
    assert await stored_events(ctx, ana) == [] and received == []
    preview = (await upload(api, ana, sheet, dry_run=True)).json()
    assert {(e['row'], e['column'], e['code']) for e in preview['errors']} == found


async def test_the_mapping_can_be_overridden_and_a_wrong_mapping_is_refused_clearly(api, register):
    ana = await register('Ana Souza')
    sheet = 'Cliente,Pessoa,Obs\nAcme Ltda,Maria Silva,ligar segunda\n'

    guessed = (await upload(api, ana, sheet, dry_run=True)).json()
    assert guessed['mapping'] == {'Cliente': 'name', 'Pessoa': None, 'Obs': 'notes'}
    await imported(api, ana, sheet, mapping={'Pessoa': 'name', 'Cliente': 'source'})
    [lead] = await every_lead(api, ana)
    assert (lead['name'], lead['source'], lead['notes']) == ('Maria Silva', 'Acme Ltda', 'ligar segunda')

    refusals = [
        ('not json', 'csv_mapping_invalid'),
        ('["name"]', 'csv_mapping_invalid'),
        ({'Telefone': 'phone'}, 'csv_mapping_invalid'),
        ({'Pessoa': 'nickname'}, 'csv_mapping_invalid'),
        ({'Pessoa': 'name', 'Obs': 'name'}, 'csv_mapping_invalid'),
        ({'Cliente': None}, 'csv_name_column_missing'),
    ]
    for mapping, code in refusals:
        response = await upload(api, ana, sheet, mapping=mapping, dry_run=True)
        assert (response.status_code, response.json()['code']) == (422, code), mapping
        assert isinstance(response.json()['detail'], str) and response.json()['detail']


async def test_files_that_are_not_imports_get_a_clear_4xx(api, api_with, register):
    ana = await register('Ana Souza')
    cases = [
        (b'', 422, 'csv_empty'),
        (b'\n \n;;\n', 422, 'csv_empty'),
        (b'PK\x03\x04\x00\x00binary', 422, 'csv_unreadable'),
        (b'nome,notas\nAcme,"' + b'x' * 200_000 + b'"\n', 422, 'csv_unreadable'),
        (b'nome\n' + b'x\n' * 50_001, 413, 'import_too_many_rows'),
    ]
    for data, status, code in cases:
        response = await upload(api, ana, data, dry_run=True)
        assert (response.status_code, response.json()['code']) == (status, code), response.text[:300]
    assert (await upload(api, ana, 'nome;valor\n', dry_run=True)).json()['row_count'] == 0
    nothing = await upload(api, ana, 'nome;valor\n')
    assert (nothing.status_code, nothing.json()['code']) == (422, 'csv_no_rows')

    small = await api_with(max_import_bytes=4096)
    over = await upload(small, ana, 'nome\n' + 'Acme Ltda\n' * 500)
    assert (over.status_code, over.json()) == (
        413,
        {'detail': 'The file is too large: at most 4096 bytes', 'code': 'import_too_large'},
    )


async def test_imports_take_files_over_the_request_limit_which_still_binds_every_other_route(api, register):
    ana = await register('Ana Souza')
    padding = 'x' * 100_000  # an ignored column: 15 rows make a 1.5 MB file
    sheet = 'nome,descartar\n' + ''.join(f'Empresa {i},{padding}\n' for i in range(15))
    assert len(sheet) > 1_048_576

    preview = await upload(api, ana, sheet, dry_run=True)
    assert (preview.status_code, preview.json()['row_count']) == (200, 15)
    other = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme', 'notes': padding * 11})
    assert (other.status_code, other.json()['code']) == (413, 'request_too_large')


async def test_only_upload_routes_take_the_import_limit() -> None:
    """The board's upload element posts to NiceGUI's route; it gets the import limit too, nothing else does."""

    async def reader(scope: Scope, receive: Receive, send: Send) -> None:
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get('body', b''))
            more = message.get('more_body', False)
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': str(size).encode()})

    limit = BodyLimit(reader, max_bytes=1024, upload_bytes=4096)
    transport = httpx.ASGITransport(app=limit)
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        for path in ('/crm/leads/import', '/crm/leads/import/', '/_nicegui/client/3f2a/upload/42'):
            taken = await client.post(path, content=b'x' * 4000)
            assert (taken.status_code, taken.text) == (200, '4000'), path
            refused = await client.post(path, content=b'x' * (4096 + 64 * 1024 + 1))
            assert (refused.status_code, refused.json()['code']) == (413, 'import_too_large'), path
        for path in ('/crm/leads', '/_nicegui/client/3f2a/event', '/crm/leads/import/x'):
            refused = await client.post(path, content=b'x' * 4000)
            assert (refused.status_code, refused.json()['code']) == (413, 'request_too_large'), path


async def test_viewers_cannot_import_or_preview_but_can_export(api, register, join):
    ana = await register('Ana Souza')
    vera = await join(ana, 'viewer', name='Vera Viewer')
    await imported(api, ana, 'nome\nAcme Ltda\n')

    for dry_run in (True, False):
        response = await upload(api, vera, 'nome\nBeta SA\n', dry_run=dry_run)
        assert (response.status_code, response.json()['code']) == (403, 'viewer_read_only')
    assert [row[0] for row in cells(await exported(api, vera))] == ['Nome', 'Acme Ltda']
    assert [lead['name'] for lead in await every_lead(api, ana)] == ['Acme Ltda']


async def test_organizations_never_see_each_others_people_or_leads(api, register):
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')
    await imported(api, carla, 'nome,responsável\nSegredo da Carla,' + carla.email + '\n')

    refused = await upload(api, ana, 'nome,responsável\nAcme Ltda,Carla Dias\n')
    assert [e['code'] for e in refused.json()['errors']] == ['assignee_unknown']
    await imported(api, ana, 'nome\nAcme Ltda\n')
    for lang, delimiter in (('pt-BR', ';'), ('en', ',')):
        names = [row[0] for row in cells(await exported(api, ana, lang=lang), delimiter)[1:]]
        assert names == ['Acme Ltda']


# ----- export ------------------------------------------------------------------------------------


async def test_the_export_follows_the_board_filters_and_the_language(api, register, join):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    made = {}
    for name, fields in {
        'Acme Ltda': {'stage': 'negociacao', 'estimated_value': '1234.5', 'tags': ['b2b', 'sp'], 'source': 'site'},
        'Beta SA': {'stage': 'lead', 'estimated_value': '90', 'tags': ['b2c'], 'assigned_user_id': bruno.user_id},
        'Gama ME': {'stage': 'negociacao', 'source': 'evento', 'email': 'gama@gama.com.br'},
    }.items():
        response = await api.post('/crm/leads', headers=ana.headers, json={'name': name, **fields})
        made[name] = response.json()
    await api.put(f'/crm/leads/{made["Gama ME"]["id"]}/favorite', headers=ana.headers, json={'is_favorite': True})

    response = await exported(api, ana)
    assert response.headers['content-type'] == 'text/csv; charset=utf-8'
    assert re.fullmatch(r'attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"', response.headers['content-disposition'])
    pt = cells(response)
    assert pt[0] == [
        'Nome', 'E-mail', 'Telefone', 'Origem', 'Valor', 'Etapa', 'Etiquetas', 'Notas', 'Responsável',
        'Criado em', 'Atualizado em', 'Probabilidade', 'Previsão de fechamento',
    ]  # fmt: skip
    assert [row[:9] for row in pt[1:]] == [
        ['Beta SA', '', '', 'web', '90,00', 'Lead', 'b2c', '', bruno.email],
        ['Gama ME', 'gama@gama.com.br', '', 'evento', '', 'Negociação', '', '', ''],
        ['Acme Ltda', '', '', 'site', '1234,50', 'Negociação', 'b2b, sp', '', ''],
    ]
    assert pt[3][9] == made['Acme Ltda']['created_at'].replace('Z', '+00:00')
    en = cells(await exported(api, ana, lang='en'), ',')
    assert en[0][:6] == ['Name', 'Email', 'Phone', 'Source', 'Value', 'Stage']
    assert [row[4:6] for row in en[1:]] == [['90.00', 'Lead'], ['', 'Negotiation'], ['1234.50', 'Negotiation']]

    filters = [
        ({'q': 'acme'}, ['Acme Ltda']),
        ({'source': 'evento'}, ['Gama ME']),
        ({'assigned_user_id': bruno.user_id}, ['Beta SA']),
        ({'tags': ['sp', 'b2c']}, ['Beta SA', 'Acme Ltda']),
        ({'favorites_only': 'true'}, ['Gama ME']),
        ({'value_min': '100'}, ['Acme Ltda']),
        ({'value_max': '100'}, ['Beta SA']),
        ({'stage': 'negociacao'}, ['Gama ME', 'Acme Ltda']),
        ({'stage': 'negociacao', 'value_min': '1'}, ['Acme Ltda']),
        ({'stage': 'fechado'}, []),
    ]
    for params, names in filters:
        assert [row[0] for row in cells(await exported(api, ana, **params))[1:]] == names, params
    for bad in ({'lang': 'es'}, {'stage': 'ganho'}, {'value_min': '-1'}, {'q': 'a\x00b'}):
        response = await api.get('/crm/leads/export', headers=ana.headers, params=bad)
        assert (response.status_code, response.json()['code']) == (422, 'validation_error'), bad


async def test_cells_that_would_run_as_formulas_are_exported_as_text(api, register):
    ana = await register('Ana Souza')
    hostile = {
        'name': '=HYPERLINK("http://evil.example","clique")',
        'phone': '+55 11 4000-1000',
        'source': '@SUM(A1:A2)',
        'notes': '-2+3',
        'tags': ['=1+1', 'ok'],
    }
    await api.post('/crm/leads', headers=ana.headers, json=hostile)

    row = cells(await exported(api, ana))[1]
    assert row[:8] == [
        '\'=HYPERLINK("http://evil.example","clique")', '', "'+55 11 4000-1000", "'@SUM(A1:A2)", '', 'Lead',
        "'=1+1, ok", "'-2+3",
    ]  # fmt: skip
    assert not any(cell.startswith(('=', '+', '-', '@', '\t', '\r')) for cell in row)


async def test_an_export_imported_into_another_organization_gives_the_same_leads(api, register, join):
    ana = await register('Ana Souza')
    bruno = await member_of_both(api, join, ana)
    leads = [
        {'name': 'Padaria Pão Quente', 'stage': 'negociacao', 'estimated_value': '1234.56', 'tags': ['b2b', 'sp'],
         'notes': 'Linha 1\nLinha 2; "aspas"', 'phone': '+55 11 4000-1000', 'assigned_user_id': bruno.user_id},
        {'name': '=Fórmula', 'stage': 'negociacao', 'email': 'f@formula.com.br', 'source': '-evento'},
        {'name': 'Ótica Visão', 'stage': 'fechado', 'estimated_value': '0.5'},
        {'name': "'Aspas simples", 'stage': 'lead', 'tags': ["'=não"]},
    ]  # fmt: skip
    for lead in leads:
        assert (await api.post('/crm/leads', headers=ana.headers, json=lead)).status_code == 201
    original = await every_lead(api, ana)

    for lang in ('pt-BR', 'en'):
        file = (await exported(api, ana, lang=lang)).content
        answer = await imported(api, bruno, file)
        assert answer['leads_created'] == 4
        copied = await every_lead(api, bruno)
        assert board(copied) == board(original)
        assert sorted(map(content, copied), key=str) == sorted(map(content, original), key=str)
        for lead in copied:
            assert (await api.delete(f'/crm/leads/{lead["id"]}', headers=bruno.headers)).status_code == 204


@pytest.fixture
async def owner(register):  # type: ignore[no-untyped-def]
    """One account for every example of a property (each example leaves its organization empty again)."""
    return await register('Ana Souza')


# a Hypothesis property: whatever a person types into a lead, the export reads back to the same lead
TEXT = st.text(st.characters(exclude_categories=('Cs', 'Cc')) | st.sampled_from('\r\n\t;,"\'=+-@'), max_size=30)
OPTIONAL_TEXT = TEXT.map(str.strip).map(lambda text: text or None)  # the file cannot tell '' from no value
EMAIL = st.builds(
    '{}@{}.com.br'.format,
    st.from_regex(r'[a-z0-9]([a-z0-9_+-]{0,12}[a-z0-9])?', fullmatch=True),
    st.from_regex(r'[a-z0-9]{1,12}', fullmatch=True),
)
TAG = st.text(st.characters(exclude_categories=('Cs', 'Cc'), exclude_characters=',;|'), min_size=1, max_size=20)
LEADS = st.fixed_dictionaries(
    {'name': TEXT.filter(str.strip), 'stage': st.sampled_from(STAGES)},
    optional={
        'email': EMAIL,
        'phone': OPTIONAL_TEXT,
        'source': TEXT.map(str.strip).filter(bool),
        'notes': OPTIONAL_TEXT,
        'tags': st.lists(TAG, max_size=4),
        'estimated_value': st.decimals(min_value=0, max_value=Decimal('9999999999.99'), places=2).map(str),
        'probability': st.one_of(st.none(), st.integers(0, 100)),
        'expected_close_date': st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(str)),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=LEADS, lang=st.sampled_from(['pt-BR', 'en']))
async def test_any_lead_exported_reads_back_as_the_same_lead(api, owner, fields: dict[str, Any], lang: str):  # type: ignore[no-untyped-def]
    who = owner
    created = await api.post('/crm/leads', headers=who.headers, json=fields)
    assume(created.status_code == 201)  # text the lead rules refuse is another test's business
    lead = created.json()
    try:
        file = (await exported(api, who, lang=lang)).content
        table = read_table(file, max_bytes=10_000_000)
        plan = lead_csv.validate_rows(table, guess_mapping(table.headers), lead_csv.Assignees([]))
        assert plan.errors == []
        [read_back] = plan.leads
        read = read_back.model_dump(mode='json', exclude={'custom_fields'})
        assert {key: read[key] for key in ROUND_TRIP} == {key: lead[key] for key in ROUND_TRIP}
    finally:
        await api.delete(f'/crm/leads/{lead["id"]}', headers=who.headers)


# ----- events ------------------------------------------------------------------------------------


async def test_an_import_publishes_one_lead_created_per_lead_with_gap_free_seqs(api, register, ctx):
    ana = await register('Ana Souza')
    first = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Antes'})).json()
    received = listen(ctx, ana)
    sheet = 'nome;etapa;valor\n' + ''.join(f'Empresa {i:03d};{STAGES[i % 5]};{i},00\n' for i in range(1200))

    answer = await imported(api, ana, sheet)

    assert answer == {'imported': True, 'leads_created': 1200, 'first_seq': 2, 'last_seq': 1201}
    leads = {lead['id']: lead for lead in await every_lead(api, ana)}
    assert [(e.seq, e.type) for e in received] == [(seq, 'lead_created') for seq in range(2, 1202)]
    assert [e.lead['name'] for e in received] == [f'Empresa {i:03d}' for i in range(1200)]  # type: ignore[index]
    assert all(e.lead == leads[str(e.lead_id)] | {'days_in_current_stage': 0} for e in received)
    assert {str(e.actor_user_id) for e in received} == {ana.user_id}
    journal = await stored_events(ctx, ana)
    assert [e.seq for e in journal] == list(range(1, 1202))
    assert [e.payload for e in journal[1:]] == [e.payload for e in received]
    assert received[0].frame['lead'] == {
        key: leads[str(received[0].lead_id)][key] for key in ('id', 'name', 'email', 'stage', 'estimated_value')
    } | {'organization_id': ana.org_id}
    column = board(list(leads.values()))['lead']
    assert column == [f'Empresa {i:03d}' for i in range(0, 1200, 5)] + [first['name']]
    after = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Depois'})).json()
    assert received[-1].seq == 1202 and after['id'] == str(received[-1].lead_id)


async def test_another_replica_gets_every_imported_event_through_postgresql(settings, register, db_backend):
    if db_backend != 'postgres':
        pytest.skip('replicas share events through PostgreSQL LISTEN/NOTIFY')
    ana = await register('Ana Souza')
    on_postgres = settings.model_copy(update={'event_bus': 'postgres'})
    writer, reader = AppContext.build(on_postgres), AppContext.build(on_postgres)
    app = FastAPI()
    install_api(app, writer)
    transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
    try:
        await reader.start()
        received = listen(reader, ana)  # a board or API socket open on the other replica
        await until(lambda: reader.bridge is not None and reader.bridge.connected, 'the replica listens')
        async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
            sheet = 'nome\n' + ''.join(f'Empresa {i}\n' for i in range(1200))
            assert (await imported(client, ana, sheet))['last_seq'] == 1200

        await until(lambda: len(received) == 1200, 'the other replica delivers every event')
        assert [e.seq for e in received] == list(range(1, 1201))
        assert [e.lead['name'] for e in received] == [f'Empresa {i}' for i in range(1200)]  # type: ignore[index]
    finally:
        await reader.close()
        await writer.close()


async def test_the_import_reports_progress_and_a_lost_assignee_stops_it(ctx, api, register, join, operator):
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    caller = Caller(uuid.UUID(ana.user_id), ana.email, uuid.UUID(ana.org_id), 'owner', uuid.uuid4())
    sheet = ('nome,responsável\n' + ''.join(f'Empresa {i},{bruno.email}\n' for i in range(1100))).encode()
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    async with ctx.db.session(read_only=True, organization_id=caller.organization_id) as session:
        plan = await lead_csv.prepare_import(session, caller=caller, data=sheet, max_bytes=10_000_000)
    await operator.end_membership(bruno.user_id, ana.org_id)  # Bruno leaves between the preview and the import
    async with ctx.db.session(organization_id=caller.organization_id) as session:
        try:
            await lead_csv.write_import(session, caller=caller, plan=plan)
        except lead_csv.Invalid as exc:
            assert exc.code == 'assignee_not_member'
        else:
            raise AssertionError('the import went through with an assignee who left')
    assert await every_lead(api, ana) == []

    plan.leads = [lead.model_copy(update={'assigned_user_id': None}) for lead in plan.leads]
    async with ctx.db.session(organization_id=caller.organization_id) as session:
        result = await lead_csv.write_import(session, caller=caller, plan=plan, progress=progress)
    assert seen == [(500, 1100), (1000, 1100), (1100, 1100)]
    assert (result.leads_created, result.first_seq, result.last_seq) == (1100, 1, 1100)


async def test_the_openapi_document_describes_both_routes(api):
    schema = (await api.get('/openapi.json')).json()
    upload_route = schema['paths']['/crm/leads/import']['post']
    assert upload_route['summary'] == 'Import leads from a CSV file'
    form = upload_route['requestBody']['content']['multipart/form-data']['schema']
    form = schema['components']['schemas'][form['$ref'].rsplit('/', 1)[1]] if '$ref' in form else form
    assert {'file', 'mapping', 'dry_run'} <= set(form['properties'])
    assert {'200', '201', '413', '422'} <= set(upload_route['responses'])
    export_route = schema['paths']['/crm/leads/export']['get']
    assert 'text/csv' in export_route['responses']['200']['content']
    assert {p['name'] for p in export_route['parameters']} >= {
        'q', 'source', 'assigned_user_id', 'tags', 'favorites_only', 'value_min', 'value_max', 'stage', 'lang',
    }  # fmt: skip
