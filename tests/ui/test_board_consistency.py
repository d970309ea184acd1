"""After a burst of moves by someone else, every open board shows each column in the database's order."""

import random

from test_board_scale import seed
from ui_helpers import board_of, settle, sign_in

from lovedcrm_ui.services import moves
from lovedcrm_ui.services.board import BoardFilter, board_columns
from models import PipelineStage


async def test_burst_of_moves_leaves_every_board_in_database_order(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await seed(app_ctx, ana.organization_id, 600)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    async with app_ctx.db.session(read_only=True) as session:
        columns = await board_columns(session, organization_id=ana.organization_id, board_filter=BoardFilter())
    pool = [lead.id for column in columns.values() for lead in column.cards[:20]]
    rng = random.Random(7)
    stages = list(PipelineStage)

    for _ in range(120):
        async with app_ctx.db.session() as session:
            await moves.move_lead(
                session,
                caller=ana.caller(),
                lead_id=rng.choice(pool),
                stage=rng.choice(stages),
                index=rng.choice([0, 0, 3, 60]),
            )
    await settle(20)

    async with app_ctx.db.session(read_only=True) as session:
        truth = await board_columns(
            session, organization_id=ana.organization_id, board_filter=BoardFilter(), limit=1000
        )
    for user in (ana_user, bruno_user):
        board = board_of(user)
        for stage, column in truth.items():
            drawn = board.names(stage)
            expected = [lead.name for lead in column.cards]
            assert drawn == expected[: len(drawn)], stage
            assert board.summary(stage).startswith(f'{column.count} leads')
