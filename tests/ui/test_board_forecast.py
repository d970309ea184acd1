"""Forecast on the board: weighted column totals and the header's "N de M exibidos", live for teammates; the lead
dialog's probability and close date; the percent per stage in Settings."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col
from test_dialog_conflicts import open_dialog, stored
from ui_helpers import add_lead, board_of, sign_in, the, until

from lovedcrm_ui.services import leads, moves
from lovedcrm_ui.ui.insights_forecast import month_name
from lovedcrm_ui.ui.pages.stage_probabilities import StageProbabilitiesEditor
from models import PipelineStage, User, utcnow
from models.lead import LeadUpdate


def weighted(user, stage):  # type: ignore[no-untyped-def]
    return board_of(user).board.columns[stage].weighted_label.text


def header(user):  # type: ignore[no-untyped-def]
    totals = board_of(user).board.totals
    return (totals.shown_label.text, totals.total_label.text, totals.weighted_label.text)


async def test_a_teammate_s_probability_changes_my_weighted_column_total_live(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    acme = await add_lead(app_ctx, ana, 'Acme Ltda', stage='proposta', value='1000')
    await add_lead(app_ctx, ana, 'Beta', stage='proposta', value='500')
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    await board_of(bruno_user).shows('proposta', ['Beta', 'Acme Ltda'])
    assert weighted(bruno_user, 'proposta') == 'Ponderado: R$ 750,00'  # 50% of 1.500
    assert header(bruno_user) == ('2 de 2 exibidos', 'Total R$ 1.500,00', 'Ponderado R$ 750,00')

    async with app_ctx.db.session(cross_org=True) as session:  # Ana, in another window: Acme at 90%
        await leads.update_lead(session, caller=ana.caller(), lead_id=acme.id, changes=LeadUpdate(probability=90))

    await until(lambda: weighted(bruno_user, 'proposta') == 'Ponderado: R$ 1.150,00')
    assert header(bruno_user)[2] == 'Ponderado R$ 1.150,00'

    async with app_ctx.db.session(cross_org=True) as session:  # moved on: its own 90% goes with it
        await moves.move_lead(session, caller=ana.caller(), lead_id=acme.id, stage=PipelineStage.NEGOCIACAO, index=0)
    await until(lambda: weighted(bruno_user, 'proposta') == 'Ponderado: R$ 250,00')
    assert weighted(bruno_user, 'negociacao') == 'Ponderado: R$ 900,00'


async def test_the_header_says_how_many_leads_the_filter_shows_of_all(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', value='1000', source='site')
    await add_lead(app_ctx, ana, 'Beta', value='50', source='evento')
    await add_lead(app_ctx, ana, 'Gama', stage='negociacao', value='400', source='evento')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    await board.shows('lead', ['Beta', 'Acme Ltda'])
    assert header(ana_user) == ('3 de 3 exibidos', 'Total R$ 1.450,00', 'Ponderado R$ 405,00')

    board.board.filter_bar.source.value = 'evento'
    await board.shows('lead', ['Beta'])
    await until(lambda: header(ana_user) == ('2 de 3 exibidos', 'Total R$ 450,00', 'Ponderado R$ 305,00'))

    await add_lead(app_ctx, ana, 'Hidden by the filter', source='site')  # counted among all, not shown
    await until(lambda: header(ana_user)[0] == '2 de 4 exibidos')
    await add_lead(app_ctx, ana, 'Delta', value='100', source='evento')
    await until(lambda: header(ana_user)[0] == '3 de 5 exibidos')


async def test_ana_sets_a_lead_s_probability_and_close_date_in_the_dialog(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    acme = await add_lead(app_ctx, ana, 'Acme Ltda', stage='contato', value='2000')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await open_dialog(ana_user, 'Acme Ltda')
    assert dialog.forecast.probability.props['placeholder'] == '20%'  # the stage's default, said
    assert 'Vazio: 20% da etapa Contato' in dialog.forecast.probability.props['hint']

    with ana_user.client:  # type: ignore[union-attr]
        dialog.forecast.probability.value = '150'
        dialog.forecast.close_date.value = '31/02/2027'
    ana_user.find('Salvar').click()
    await ana_user.should_see('A probabilidade é um número inteiro de 0 a 100.')
    await ana_user.should_see('Data de fechamento inválida: use dd/mm/aaaa.')
    assert (await stored(app_ctx, acme.id)).probability is None  # nothing saved

    with ana_user.client:  # type: ignore[union-attr]
        dialog.forecast.probability.value = '60'
        dialog.forecast.close_date.value = '15/01/2027'
    ana_user.find('Salvar').click()
    await until(lambda: not dialog.value)
    saved = await stored(app_ctx, acme.id)
    assert (saved.probability, str(saved.expected_close_date)) == (60, '2027-01-15')
    await until(lambda: weighted(ana_user, 'contato') == 'Ponderado: R$ 1.200,00')


async def test_ana_changes_the_percent_per_stage_and_the_board_weighs_with_it(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana, role='member')
    await add_lead(app_ctx, ana, 'Acme Ltda', value='1000')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(bruno_user, bruno)
    await board_of(bruno_user).shows('lead', ['Acme Ltda'])
    assert weighted(bruno_user, 'lead') == 'Ponderado: R$ 100,00'
    await sign_in(ana_user, ana)
    await ana_user.open('/settings')
    await ana_user.should_see(kind=StageProbabilitiesEditor)
    await until(lambda: the(ana_user, 'stage-percent-lead').value == '10')

    with ana_user.client:  # type: ignore[union-attr]
        the(ana_user, 'stage-percent-lead').value = '101'
    ana_user.find(marker='stage-percent-save').click()
    await ana_user.should_see('Cada probabilidade é um número inteiro de 0 a 100.')

    with ana_user.client:  # type: ignore[union-attr]
        the(ana_user, 'stage-percent-lead').value = '25'
    ana_user.find(marker='stage-percent-save').click()
    await ana_user.should_see('Probabilidades salvas')
    await until(lambda: weighted(bruno_user, 'lead') == 'Ponderado: R$ 250,00')  # Bruno's open board follows


async def test_a_member_reads_the_percents_without_changing_them(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana, role='member')
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    await bruno_user.open('/settings')
    await bruno_user.should_see('Somente proprietários e administradores alteram as probabilidades.')
    assert not the(bruno_user, 'stage-percent-lead').enabled
    assert not the(bruno_user, 'stage-percent-save').visible


async def test_insights_count_a_close_date_as_passed_by_the_viewer_s_calendar(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    # a zone whose date differs from UTC's right now: east of UTC it is already tomorrow there after 10:00 UTC,
    # west of it still yesterday before 11:00 UTC
    now = utcnow()
    zone = 'Pacific/Kiritimati' if now.hour >= 10 else 'Pacific/Pago_Pago'  # UTC+14 / UTC-11
    local_today = now.astimezone(ZoneInfo(zone)).date()
    assert local_today != now.date()
    close = min(local_today, now.date())  # passed for whoever's date is the later one
    ana = await person('Ana Souza')
    async with app_ctx.db.session(cross_org=True) as session:
        await session.execute(update(User).where(col(User.id) == ana.user_id).values(timezone=zone))
        await session.commit()
    await add_lead(app_ctx, ana, 'Acme Ltda', stage='proposta', value='1000', expected_close_date=close)
    ana_user = create_user()
    await sign_in(ana_user, ana)

    await ana_user.open('/insights')

    passed = local_today > close  # Kiritimati: today in UTC is yesterday there → passed; Pago Pago: not yet
    expected = '1 lead aberto com previsão vencida' if passed else '0 leads abertos com previsão vencida'
    await until(lambda: expected in the(ana_user, 'kpi-forecast').overdue.text, f'the card says {expected!r}')


def table_rows(user, marker: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The texts of the insights forecast table's rows with ``marker``, cell by cell."""
    rows = user.find(marker=marker).elements
    return [[cell.default_slot.children[0].text for cell in row.default_slot.children] for row in rows]


async def test_insights_list_the_expected_closes_of_the_coming_months_in_a_table(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    close = utcnow().date() + timedelta(days=35)  # next month or the one after, in any zone
    await add_lead(app_ctx, ana, 'Acme Ltda', stage='proposta', value='1000', expected_close_date=close)
    await add_lead(app_ctx, ana, 'Beta', stage='negociacao', value='400')  # no close date: counted as undated
    ana_user = create_user()
    await sign_in(ana_user, ana)

    await ana_user.open('/insights')

    card = the(ana_user, 'kpi-forecast')
    await until(lambda: card.value.text == 'R$ 800,00', 'the weighted pipeline (50% of 1.000 + 75% of 400)')
    rows = table_rows(ana_user, 'forecast-month')
    assert len(rows) == 3  # this month and the next two
    month = month_name(f'{close.year}-{close.month:02d}', 'pt-BR')
    assert [month, '1', 'R$ 1.000,00', 'R$ 500,00'] in rows
    assert all(row[1:] == ['0', 'R$ 0,00', 'R$ 0,00'] for row in rows if row[0] != month)
    assert '1 sem previsão' in card.overdue.text
    assert table_rows(ana_user, 'forecast-head') == [['Mês', 'Leads', 'Valor', 'Ponderado']]
