"""/insights with won and lost deals: the closed value and conversion count won deals only (fechado without an
outcome as won), and the page shows won / lost and the reasons deals were lost most, live."""

from typing import Any

from test_insights_page import kpi, open_insights
from ui_helpers import add_lead, sign_in, until

from lovedcrm_ui.services import moves
from models import PipelineStage


async def close(ctx: Any, who: Any, lead: Any, **outcome: Any) -> None:
    """A teammate moves a lead into Fechado and says how it ended (through the service, like their board)."""
    async with ctx.db.session(cross_org=True) as session:
        await moves.move_lead(
            session, caller=who.caller(), lead_id=lead.id, stage=PipelineStage.FECHADO, outcome=outcome
        )


async def test_won_and_lost_deals_on_the_insights_page(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Aberto', value='100')
    await close(app_ctx, ana, await add_lead(app_ctx, ana, 'Ganho', value='1000'), outcome='won')
    await close(app_ctx, ana, await add_lead(app_ctx, ana, 'Antigo', value='500'))  # no outcome: won
    for name in ('Caro 1', 'Caro 2'):
        await close(app_ctx, ana, await add_lead(app_ctx, ana, name, value='9000'), outcome='lost', lost_reason='Preço')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    view = await open_insights(ana_user)

    assert kpi(view, 'closed_value') == 'R$ 1.500,00'  # lost deals are no closed value
    assert kpi(view, 'conversion') == '40,0%'  # won 2 of 5
    assert kpi(view, 'outcomes') == '2 / 2'
    assert view.outcomes.hint.text == 'Mais perdidos por: Preço (2)'

    await close(app_ctx, bruno, await add_lead(app_ctx, bruno, 'Rival', value='10'), outcome='lost',
                lost_reason='Concorrente')  # fmt: skip

    await until(lambda: kpi(view, 'outcomes') == '2 / 3', 'the new lost deal appears live')
    assert view.outcomes.hint.text == 'Mais perdidos por: Preço (2), Concorrente (1)'
