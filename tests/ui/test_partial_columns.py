"""Columns with more leads than are drawn (50 a page): moves out of them and to their bottom (found by the soak)."""

from seeding import insert_leads, lead_rows
from sqlalchemy import select
from sqlmodel import col
from ui_helpers import board_of, dialog_opened, fire, sign_in, until

from lovedcrm_ui.services.board import BoardFilter, board_columns
from models import Lead


async def sixty_leads_in_lead(app_ctx, organization_id) -> None:  # type: ignore[no-untyped-def]
    rows = lead_rows(organization_id, 60)
    for row in rows:
        row['stage'] = 'lead'
    async with app_ctx.db.session(cross_org=True) as session:
        await insert_leads(session, rows)
        await session.commit()


async def database_names(app_ctx, organization_id, stage: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        columns = await board_columns(session, organization_id=organization_id, board_filter=BoardFilter(), limit=500)
    return [lead.name for lead in columns[stage].cards]


async def until_stored(app_ctx, name: str, stage: str, version: int = 2) -> None:  # type: ignore[no-untyped-def]
    """Wait until the move the person asked for is committed."""

    async def stored() -> bool:
        async with app_ctx.db.session(read_only=True, cross_org=True) as session:
            row = (
                await session.execute(select(col(Lead.stage), col(Lead.version)).where(col(Lead.name) == name))
            ).one()
        return tuple(row) == (stage, version)

    await until(stored, f'{name} reaches {stage}')


async def test_a_card_leaving_a_partly_drawn_column_is_replaced_by_the_next(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await sixty_leads_in_lead(app_ctx, ana.organization_id)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board = board_of(ana_user)

    ana_board.press('Empresa 00003', 'menu')
    await dialog_opened(ana_board.board.move_dialog)
    fire(ana_board.board.move_dialog.buttons['contato'], 'click')
    await until_stored(app_ctx, 'Empresa 00003', 'contato')

    expected = await database_names(app_ctx, ana.organization_id, 'lead')
    for user in (ana_user, bruno_user):
        board = board_of(user)
        await board.shows('lead', expected[:50])
        await until(lambda board=board: board.board.columns['lead'].load_more.text == 'Carregar mais (9 restantes)')


async def test_moving_to_the_bottom_of_ones_own_partly_drawn_column_puts_it_out_of_sight(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await sixty_leads_in_lead(app_ctx, ana.organization_id)
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)

    board.press('Empresa 00010', 'menu')
    await dialog_opened(board.board.move_dialog)
    board.board.move_dialog.place.value = 'bottom'
    fire(board.board.move_dialog.buttons['lead'], 'click')
    await until_stored(app_ctx, 'Empresa 00010', 'lead')

    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        last = await session.scalar(
            select(col(Lead.name))
            .where(col(Lead.organization_id) == ana.organization_id)
            .order_by(col(Lead.position).desc())
            .limit(1)
        )
    assert last == 'Empresa 00010'  # the server put it at the real end (#60) …
    expected = await database_names(app_ctx, ana.organization_id, 'lead')
    await board.shows('lead', expected[:50])  # … so it is not drawn at #50
    assert 'Empresa 00010' not in board.names('lead')
