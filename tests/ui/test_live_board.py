"""Teammates watch the same board: what one does appears on the other's screen at once."""

from ui_helpers import add_lead, board_of, sign_in


async def test_drag_appears_on_teammates_board_only(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    carla = await person('Carla Dias')
    await add_lead(app_ctx, ana, 'Acme Ltda', value='1000')
    await add_lead(app_ctx, ana, 'Beta SA', value='250.50')
    await add_lead(app_ctx, carla, 'Carla Corp', value='99')

    ana_user, bruno_user, carla_user = create_user(), create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    await sign_in(carla_user, carla)
    assert board_of(bruno_user).names('lead') == ['Beta SA', 'Acme Ltda']  # newest on top
    assert board_of(bruno_user).summary('lead') == '2 leads · R$ 1.250,50'

    board_of(ana_user).drag('Acme Ltda', 'proposta', 0)

    bruno_board = board_of(bruno_user)
    await bruno_board.shows('proposta', ['Acme Ltda'])
    assert bruno_board.names('lead') == ['Beta SA']
    assert bruno_board.summary('lead') == '1 lead · R$ 250,50'
    assert bruno_board.summary('proposta') == '1 lead · R$ 1.000,00'
    assert board_of(ana_user).names('proposta') == ['Acme Ltda']
    # the move has reached Bruno's board by now: Carla's, another organization's, got nothing of it
    assert board_of(carla_user).names('lead') == ['Carla Corp']
    assert board_of(carla_user).names('proposta') == []
