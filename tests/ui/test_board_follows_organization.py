"""Open boards follow the organization: renamed, new idle thresholds, a teammate joining, days passing."""

from datetime import timedelta

from sqlalchemy import update
from ui_helpers import board_of, eventually, shown, sign_in, until

from lovedcrm_ui.services import invites, leads, organizations
from lovedcrm_ui.ui.board import card as card_module
from models import Lead, Role, utcnow
from models.lead import LeadCreate
from models.organization import OrganizationUpdate


async def add_lead(app_ctx, someone, name: str, days_in_stage: int = 0) -> None:  # type: ignore[no-untyped-def]
    async with app_ctx.db.session(cross_org=True) as session:
        lead = await leads.create_lead(session, caller=someone.caller(), data=LeadCreate(name=name))
        lead_id = lead.id
    if days_in_stage:
        async with app_ctx.db.session(cross_org=True) as session:
            changed = utcnow() - timedelta(days=days_in_stage, hours=1)
            await session.execute(update(Lead).where(Lead.id == lead_id).values(stage_changed_at=changed))
            await session.commit()


def card_classes(user, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(board_of(user).card(name).classes)


async def test_new_idle_thresholds_and_name_reach_open_boards(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda', days_in_stage=4)
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    assert 'lead-idle-warning' not in card_classes(bruno_user, 'Acme Ltda')  # 4 days < 7

    async with app_ctx.db.session() as session:  # Ana on the settings page, or through the API
        await organizations.update_organization(
            session,
            caller=ana.caller(),
            changes=OrganizationUpdate(name='Acme Vendas', idle_warning_days=2, idle_alert_days=3),
        )

    def bruno_sees_the_new_settings() -> None:
        assert 'lead-idle-alert' in card_classes(bruno_user, 'Acme Ltda')
        assert 'parado há 4 dias — atenção' in board_of(bruno_user).card('Acme Ltda').content
        assert shown(bruno_user, 'organization-name') == 'Acme Vendas'

    await eventually(bruno_sees_the_new_settings)


async def test_a_teammate_who_joins_can_be_chosen_as_assignee_at_once(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    carla = await person('Carla Dias')  # not in Ana's team yet
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user).board
    assert 'Carla Dias' not in board.filter_bar.assignee.options.values()

    async with app_ctx.db.session() as session:
        view = await invites.create_invite(
            session,
            caller=ana.caller(),
            email=carla.email,
            role=Role.MEMBER,
            message=None,
            invited_name=None,
            expire_days=7,
        )
    async with app_ctx.db.session() as session:
        await invites.accept_invite(session, token=view.invite.token, user_id=carla.user_id)

    await until(lambda: 'Carla Dias' in board.filter_bar.assignee.options.values())
    assert carla.user_id in board.members


async def test_days_in_stage_move_on_while_the_board_stays_open(create_user, app_ctx, person, monkeypatch):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', days_in_stage=6)
    ana_user = create_user()
    await sign_in(ana_user, ana)
    card = board_of(ana_user).card('Acme Ltda')
    assert '>6 d<' in card.content
    assert 'lead-idle-warning' not in card.classes

    tomorrow = utcnow() + timedelta(days=1)
    monkeypatch.setattr(card_module, 'utcnow', lambda: tomorrow)
    board_of(ana_user).board.follower.refresh_days()  # what the board's timer does every few minutes

    assert '>7 d<' in card.content
    assert 'lead-idle-warning' in card.classes
