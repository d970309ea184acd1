"""After a burst of moves by someone else, every open board shows each column in the database's order."""

import random

from seeding import seed_board
from sqlalchemy import select
from ui_helpers import board_of, eventually, sign_in, until

from lovedcrm_ui.services import moves
from lovedcrm_ui.services.board import BoardFilter, board_columns
from models import Lead, PipelineStage


async def test_burst_of_moves_leaves_every_board_in_database_order(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await seed_board(app_ctx, ana.organization_id, 600)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        columns = await board_columns(session, organization_id=ana.organization_id, board_filter=BoardFilter())
    pool = [lead.id for column in columns.values() for lead in column.cards[:20]]
    rng = random.Random(7)
    stages = list(PipelineStage)

    for _ in range(120):
        async with app_ctx.db.session(cross_org=True) as session:
            await moves.move_lead(
                session,
                caller=ana.caller(),
                lead_id=rng.choice(pool),
                stage=rng.choice(stages),
                index=rng.choice([0, 0, 3, 60]),
            )

    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        truth = await board_columns(
            session, organization_id=ana.organization_id, board_filter=BoardFilter(), limit=1000
        )

    def every_board_in_database_order() -> None:
        for user in (ana_user, bruno_user):
            board = board_of(user)
            for stage, column in truth.items():
                drawn = board.names(stage)
                expected = [lead.name for lead in column.cards]
                assert drawn == expected[: len(drawn)], stage
                assert board.summary(stage).startswith(f'{column.count} leads')

    await eventually(every_board_in_database_order)


async def squeeze_contato(app_ctx, organization_id) -> None:  # type: ignore[no-untyped-def]
    """Put the Contato column's leads a hair apart, so that a move between two of them respaces the column."""
    async with app_ctx.db.session(cross_org=True) as session:
        leads = (
            await session.execute(select(Lead).where(Lead.organization_id == organization_id, Lead.stage == 'contato'))
        ).scalars()
        for i, lead in enumerate(sorted(leads, key=lambda lead: lead.position)):
            lead.position = i * 1e-7
        await session.commit()


async def test_open_boards_follow_a_move_that_renumbers_the_column(create_user, app_ctx, person):
    """A move into a gap too small to split respaces the whole column; the next move must still land right."""
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await seed_board(app_ctx, ana.organization_id, 40)  # 8 leads a column
    await squeeze_contato(app_ctx, ana.organization_id)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ids = {card.lead['name']: card.lead_id for card in board_of(bruno_user).board.cards.values()}

    async def move(name: str, stage: PipelineStage, index: int) -> list[str]:
        """Ana's move (through the service); Contato as the database has it afterwards."""
        async with app_ctx.db.session(cross_org=True) as session:
            await moves.move_lead(session, caller=ana.caller(), lead_id=ids[name], stage=stage, index=index)
        async with app_ctx.db.session(read_only=True, cross_org=True) as session:
            truth = await board_columns(session, organization_id=ana.organization_id, board_filter=BoardFilter())
        return [lead.name for lead in truth['contato'].cards]

    expected = await move('Empresa 00000', PipelineStage.CONTATO, 1)  # lands between 00001 and 00006: respaced
    for user in (ana_user, bruno_user):
        await board_of(user).shows('contato', expected)
    expected = await move('Empresa 00005', PipelineStage.CONTATO, 3)

    assert expected[:4] == ['Empresa 00001', 'Empresa 00000', 'Empresa 00006', 'Empresa 00005']
    for user in (ana_user, bruno_user):
        await board_of(user).shows('contato', expected)


async def test_ones_own_keyboard_move_that_renumbers_the_column_lands_announced_and_focused(
    create_user, app_ctx, person
):
    ana = await person('Ana Souza')
    await seed_board(app_ctx, ana.organization_id, 40)
    await squeeze_contato(app_ctx, ana.organization_id)
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    first, second = board.names('contato')[:2]
    focused: list[str] = []
    run_javascript = ana_user.client.run_javascript
    ana_user.client.run_javascript = lambda code, *args, **kwargs: (  # type: ignore[method-assign]
        focused.append(code),
        run_javascript(code, *args, **kwargs),
    )[1]

    board.press(first, 'down')  # between the second and third card: no room left, the column is renumbered

    await board.announced(f'{first} movido para Contato, posição 2')
    assert board.names('contato')[:2] == [second, first]
    assert focused[-1] == f'getHtmlElement({board.card(first).id})?.focus()'  # the card drawn now
    await until(lambda: not board.board.own_moves, "the move's event comes back and is recognised as her own")
