"""/insights as people use it: KPIs and charts from real data, live when teammates move leads, the board's filter
shared through the address (bookmarkable on both pages), in pt-BR and English."""

from typing import Any

from ui_helpers import add_lead, board_of, sign_in, until

from lovedcrm_ui.services import moves
from lovedcrm_ui.ui.insights import InsightsView
from models import PipelineStage


def insights_of(user: Any) -> InsightsView:
    """The insights view on the simulated user's page."""
    assert user.client is not None
    views = [e for e in user.client.elements.values() if isinstance(e, InsightsView)]
    assert views, 'no insights on this page'
    return views[0]


async def open_insights(user: Any, path: str = '/insights') -> InsightsView:
    """Open the page and wait until its figures were computed once."""
    await user.open(path)
    await user.should_see(kind=InsightsView, retries=50)
    view = insights_of(user)
    await until(lambda: view.refreshes >= 1, 'the first figures')
    return view


def kpi(view: InsightsView, name: str) -> str:
    """A KPI card's figure as shown."""
    card = getattr(view, name)
    return str(card.value.text)


def series_data(view: InsightsView, chart: str) -> list[Any]:
    """The first series' data of a chart, as sent to the browser."""
    return list(getattr(view, chart).chart.options['series'][0]['data'])


async def move(ctx: Any, who: Any, lead: Any, stage: PipelineStage) -> None:
    """A teammate moves a lead (through the service, like their board would)."""
    async with ctx.db.session(cross_org=True) as session:
        await moves.move_lead(session, caller=who.caller(), lead_id=lead.id, stage=stage)


async def test_kpis_and_charts_follow_the_data_and_update_live(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    acme = await add_lead(app_ctx, ana, 'Acme Ltda', value='1000', source='site')
    await add_lead(app_ctx, ana, 'Beta Comércio', stage='proposta', value='2500.50', source='evento')
    await add_lead(app_ctx, ana, 'Gama SA', stage='fechado', value='400', source='site')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    assert ana_user.find(marker='nav-insights').elements  # the header links the page beside the board
    view = await open_insights(ana_user)

    assert kpi(view, 'open_value') == 'R$ 3.500,50'
    assert kpi(view, 'closed_value') == 'R$ 400,00'
    assert kpi(view, 'conversion') == '33,3%'
    assert kpi(view, 'idle') == '0'
    funnel = series_data(view, 'funnel')
    assert [item['name'] for item in funnel] == ['Lead', 'Contato', 'Proposta', 'Negociação', 'Fechado']
    assert [item['value'] for item in funnel] == [3, 2, 2, 1, 1]  # reached the stage or a later one
    assert [bar['value'] for bar in series_data(view, 'value')] == [1000.0, 0.0, 2500.5, 0.0, 400.0]
    assert len(series_data(view, 'moves')) == 90  # all time: the last 90 days, zeros included
    assert 'Gráfico: Funil.' in view.funnel.chart.props['aria-label']

    # Bruno closes Acme on his board: Ana's figures follow without a reload
    before = view.refreshes
    await move(app_ctx, bruno, acme, PipelineStage.FECHADO)
    await until(lambda: kpi(view, 'closed_value') == 'R$ 1.400,00', "Ana's closed value after Bruno's move")
    assert kpi(view, 'open_value') == 'R$ 2.500,50'
    assert kpi(view, 'conversion') == '66,7%'
    assert sum(series_data(view, 'moves')) == 1
    assert view.refreshes == before + 1

    # a burst of moves costs one recomputation (debounced), and the figures end right
    before = view.refreshes
    others = [await add_lead(app_ctx, bruno, f'Lead {n}', value='10') for n in range(5)]
    for other in others:
        await move(app_ctx, bruno, other, PipelineStage.CONTATO)
    await until(lambda: kpi(view, 'open_value') == 'R$ 2.550,50', 'the open value after the burst')
    assert view.refreshes - before <= 2


async def test_the_filter_lives_in_the_address_of_both_pages(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', value='1000', source='site', tags=['b2b'])
    await add_lead(app_ctx, ana, 'Beta Comércio', value='50', source='evento', tags=['varejo'])
    await add_lead(app_ctx, ana, 'Acme Filial', value='300', source='evento', tags=['b2b'])
    ana_user = create_user()
    await sign_in(ana_user, ana)

    # a bookmarked board: the filter bar shows the filter, the columns are filtered, the header link carries it
    await ana_user.open('/pipeline?tag=b2b&min=200')
    board = board_of(ana_user)
    await board.wait_loaded()
    await board.shows('lead', ['Acme Filial', 'Acme Ltda'])
    bar = board.board.filter_bar
    assert (bar.tags.value, bar.value_min.value) == (['b2b'], '200,00')
    insights_link = ana_user.find(marker='nav-insights').elements.pop()
    assert insights_link.props['href'] == '/insights?tag=b2b&min=200'

    # the same filter on the insights page; changing it there changes the link back to the board
    view = await open_insights(ana_user, '/insights?tag=b2b&min=200&period=30')
    assert view.period == '30'
    assert kpi(view, 'open_value') == 'R$ 1.300,00'
    view.filter_bar.source.value = 'evento'
    await until(lambda: kpi(view, 'open_value') == 'R$ 300,00', 'the open value of the narrower filter')
    board_link = ana_user.find(marker='nav-pipeline').elements.pop()
    assert board_link.props['href'] == '/pipeline?source=evento&tag=b2b&min=200'

    # a damaged address opens with what still makes sense
    view = await open_insights(ana_user, '/insights?min=abc&assignee=nobody&period=7&source=site')
    assert (view.period, view.filter.value_min, view.filter.assignee_id) == ('all', None, None)
    assert kpi(view, 'open_value') == 'R$ 1.000,00'


async def test_english_viewer_and_an_empty_selection(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', value='1234.5', source='site')
    ana_user = create_user()
    await ana_user.open('/login')
    ana_user.find('English').click()
    await ana_user.should_see('Sign in', retries=50)
    await sign_in(ana_user, ana)
    view = await open_insights(ana_user)
    await ana_user.should_see('Open pipeline')
    assert kpi(view, 'open_value') == 'R$ 1.234,50'  # money reads the same in both languages, as on the board
    assert kpi(view, 'conversion') == '0.0%'
    assert [item['name'] for item in series_data(view, 'funnel')][-1] == 'Closed'

    view = await open_insights(ana_user, '/insights?source=nowhere')
    await ana_user.should_see('No lead passes the filters in this period.')
    assert kpi(view, 'conversion') == '—'
