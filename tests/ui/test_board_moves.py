"""Moving cards by drag, keyboard and the "Mover para…" dialog; conflicts; viewers."""

from ui_helpers import add_lead, all_handled, board_of, dialog_opened, fire, sign_in

from lovedcrm_ui.services import moves
from lovedcrm_ui.ui.board.card import LeadCard
from models import PipelineStage


async def test_menu_move_reaches_teammate(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda', value='500')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)

    ana_board = board_of(ana_user)
    ana_board.press('Acme Ltda', 'menu')
    await dialog_opened(ana_board.board.move_dialog)
    fire(ana_board.board.move_dialog.buttons['negociacao'], 'click')

    await board_of(bruno_user).shows('negociacao', ['Acme Ltda'])
    assert board_of(bruno_user).summary('negociacao') == '1 lead · R$ 500,00'
    assert board_of(bruno_user).summary('lead') == '0 leads · R$ 0,00'
    await ana_board.announced('Acme Ltda movido para Negociação')


async def test_keyboard_moves_between_stages_and_within_a_column(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    for name in ('C', 'B', 'A'):  # new leads go on top: the column reads A, B, C
        await add_lead(app_ctx, ana, name)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)
    assert ana_board.names('lead') == ['A', 'B', 'C']

    ana_board.press('A', 'down')
    await bruno_board.shows('lead', ['B', 'A', 'C'])
    assert ana_board.names('lead') == ['B', 'A', 'C']

    ana_board.press('C', 'right')
    await bruno_board.shows('contato', ['C'])
    assert bruno_board.names('lead') == ['B', 'A']
    await ana_board.announced('C movido para Contato')

    ana_board.press('C', 'left')
    await bruno_board.shows('lead', ['C', 'B', 'A'])
    assert bruno_board.names('contato') == []


async def test_drag_within_column_keeps_order_for_everyone(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    for name in ('D', 'C', 'B', 'A'):
        await add_lead(app_ctx, ana, name)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)

    board_of(ana_user).drag('D', 'lead', 1)

    await board_of(bruno_user).shows('lead', ['A', 'D', 'B', 'C'])
    assert board_of(ana_user).names('lead') == ['A', 'D', 'B', 'C']


async def test_stale_card_returns_to_where_the_server_has_it(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    ana_board = board_of(ana_user)
    # Bruno moves it while Ana's card still shows the version it was drawn with
    drawn = dict(ana_board.card('Acme Ltda').lead)
    async with app_ctx.db.session(cross_org=True) as session:
        await moves.move_lead(session, caller=bruno.caller(), lead_id=lead.id, stage=PipelineStage.PROPOSTA)
    await ana_board.shows('proposta', ['Acme Ltda'])
    card: LeadCard = ana_board.card('Acme Ltda')
    card.lead = drawn  # the race: Ana drags before her board applied Bruno's move

    ana_board.drag('Acme Ltda', 'fechado', 0)

    await ana_board.announced('Outra pessoa alterou Acme Ltda. O cartão voltou para onde está agora.')
    assert ana_board.names('fechado') == []
    assert ana_board.names('proposta') == ['Acme Ltda']
    await ana_user.should_see('Outra pessoa alterou Acme Ltda. O cartão voltou para onde está agora.')


async def test_viewer_can_look_but_not_move(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    vera = await person('Vera Reis', team_of=ana, role='viewer')
    await add_lead(app_ctx, ana, 'Acme Ltda')
    vera_user = create_user()
    await sign_in(vera_user, vera)
    board = board_of(vera_user)

    assert all(column.sortable.options.get('disabled') for column in board.board.columns.values())
    assert not any(column.add_button.visible for column in board.board.columns.values())
    async with all_handled():
        board.press('Acme Ltda', 'right')
        board.press('Acme Ltda', 'menu')
    assert not board.board.move_dialog.value
    assert board.names('lead') == ['Acme Ltda']
    assert board.announcement == 'Você tem acesso somente leitura.'
    await vera_user.should_see('Você tem acesso somente leitura.')

    board.drag('Acme Ltda', 'fechado', 0)  # even a forged drop is refused by the service
    await board.announced('Não foi possível mover Acme Ltda')
    assert board.names('lead') == ['Acme Ltda']
    assert board.names('fechado') == []


async def test_card_events_naming_something_else_are_ignored(create_user, app_ctx, person):
    """The board hears clicks and keys once for all cards; the element id comes from the browser."""
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    row = board.board.columns_row
    card = board.card('Acme Ltda')

    async with all_handled():
        for args in (
            {'card': board.board.columns['lead'].add_button.id, 'action': 'right'},  # not a card
            {'card': 10**9, 'action': 'right'},  # no such element
            {'card': str(card.id), 'action': 'right'},  # not an element id
            {'card': card.id, 'action': 'delete'},  # not an action
            ['right'],
        ):
            fire(row, 'keydown', args)

    assert board.names('lead') == ['Acme Ltda']
    assert not board.board.lead_dialog.value
    board.press('Acme Ltda', 'right')
    await board.shows('contato', ['Acme Ltda'])
