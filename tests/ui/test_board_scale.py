"""A board of 10,000 leads opens with 50 cards a column and still moves cards for everyone."""

from seeding import STAGES, seed_board
from ui_helpers import board_of, sign_in, until


async def test_ten_thousand_leads_open_and_move(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await seed_board(app_ctx, ana.organization_id, 10_000)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)

    for stage in STAGES:
        assert len(bruno_board.names(stage)) == 50
        assert bruno_board.summary(stage) == '2000 leads · R$ 200.000,00'
    assert bruno_board.board.columns['lead'].load_more.text == 'Carregar mais (1950 restantes)'

    ana_board.drag('Empresa 00000', 'fechado', 0)

    await until(lambda: bruno_board.names('fechado')[0] == 'Empresa 00000')
    assert bruno_board.summary('fechado') == '2001 leads · R$ 200.100,00'
    assert bruno_board.summary('lead') == '1999 leads · R$ 199.900,00'
    assert 'Empresa 00000' not in bruno_board.names('lead')
    await ana_board.announced('Empresa 00000 movido para Fechado')
    for board in (ana_board, bruno_board):  # the next card takes the place it left: fifty drawn again
        await until(lambda board=board: len(board.names('lead')) == 50)
