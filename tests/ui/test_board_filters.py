"""Filters run as server queries, counts follow them, live events respect them; big columns load more."""

from decimal import Decimal

from ui_helpers import add_lead, board_of, fire, sign_in, until

from lovedcrm_ui.services import leads, moves
from models import PipelineStage
from models.lead import LeadUpdate


async def test_filters_narrow_cards_counts_and_live_events(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda', value='1000', source='site', tags=['b2b'])
    await add_lead(app_ctx, ana, 'Beta Comércio', value='50', source='evento', tags=['varejo'])
    await add_lead(app_ctx, ana, 'Acme Filial', value='300', source='evento', tags=['b2b', 'sul'])
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    board = board_of(bruno_user)
    bar = board.board.filter_bar
    assert bar.tags.options == ['b2b', 'sul', 'varejo']
    assert bar.source.options == ['evento', 'site']

    bar.text.value = 'acme'
    await board.shows('lead', ['Acme Filial', 'Acme Ltda'])
    assert board.summary('lead') == '2 leads · R$ 1.300,00'

    bar.tags.value = ['sul']
    await board.shows('lead', ['Acme Filial'])

    await bar.reset()
    bar.value_min.value = '100'
    bar.value_max.value = '500'
    await board.shows('lead', ['Acme Filial'])
    assert board.summary('lead') == '1 lead · R$ 300,00'

    # live: a lead that matches appears, one that does not stays hidden, counts follow
    created = await add_lead(app_ctx, ana, 'Gama', value='200')
    await add_lead(app_ctx, ana, 'Delta', value='900')
    await board.shows('lead', ['Gama', 'Acme Filial'])
    assert board.summary('lead') == '2 leads · R$ 500,00'
    async with app_ctx.db.session(cross_org=True) as session:
        changes = LeadUpdate(estimated_value=Decimal('5000'))
        await leads.update_lead(session, caller=ana.caller(), lead_id=created.id, changes=changes)
    await board.shows('lead', ['Acme Filial'])
    assert board.summary('lead') == '1 lead · R$ 300,00'

    bar.value_min.value = 'abc'
    await bruno_user.should_see('Valor inválido (ex.: 1.234,56)')


async def test_favourites_only_and_assignee(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda', assigned_user_id=bruno.user_id)
    star = await add_lead(app_ctx, ana, 'Beta SA')
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    board = board_of(bruno_user)
    bar = board.board.filter_bar

    bar.assignee.value = str(bruno.user_id)
    await board.shows('lead', ['Acme Ltda'])
    await bar.reset()
    bar.favorites.value = True
    await board.shows('lead', [])
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.set_favorite(session, caller=ana.caller(), lead_id=star.id, is_favorite=True)
    await board.shows('lead', ['Beta SA'])
    assert board.summary('lead') == '1 lead · R$ 0,00'


async def test_big_column_loads_fifty_at_a_time(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    first = None
    for i in range(120):
        lead = await add_lead(app_ctx, ana, f'Lead {i:03d}', value='10')
        first = first or lead
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    board = board_of(bruno_user)
    column = board.board.columns['lead']

    assert len(board.names('lead')) == 50
    assert board.names('lead')[0] == 'Lead 119'
    assert board.summary('lead') == '120 leads · R$ 1.200,00'
    assert column.load_more.visible and column.load_more.text == 'Carregar mais (70 restantes)'
    fire(column.load_more, 'click')
    await until(lambda: len(board.names('lead')) == 100)
    assert column.load_more.text == 'Carregar mais (20 restantes)'

    # a lead moved out of the undrawn tail only changes the counts
    assert first is not None
    async with app_ctx.db.session(cross_org=True) as session:
        await moves.move_lead(session, caller=ana.caller(), lead_id=first.id, stage=PipelineStage.CONTATO)
    await board.shows('contato', ['Lead 000'])
    assert column.load_more.text == 'Carregar mais (19 restantes)'
    assert len(board.names('lead')) == 100
    fire(column.load_more, 'click')
    await until(lambda: len(board.names('lead')) == 119)
    assert not column.load_more.visible
