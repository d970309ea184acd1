"""Presence, identity inside broadcasts, and access changes taking effect on open boards."""

from ui_helpers import board_of, sign_in, until

from lovedcrm_ui.services import leads, organizations
from lovedcrm_ui.ui.presence import PresenceBar
from models import Role
from models.lead import LeadCreate


def presence_labels(user) -> list[str]:  # type: ignore[no-untyped-def]
    bars = [e for e in user.client.elements.values() if isinstance(e, PresenceBar)]
    return [child.props['aria-label'] for child in bars[0].default_slot.children]


async def test_presence_shows_who_has_the_board_open(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    assert presence_labels(ana_user) == ['Ana Souza (você)']

    await sign_in(bruno_user, bruno)
    await until(lambda: presence_labels(ana_user) == ['Ana Souza (você)', 'Bruno Lima'])
    await until(lambda: presence_labels(bruno_user) == ['Ana Souza', 'Bruno Lima (você)'])
    assert app_ctx.presence.connection_count(ana.organization_id) == 2

    bruno_user.client.delete()  # Bruno closes the tab
    await until(lambda: presence_labels(ana_user) == ['Ana Souza (você)'])


async def test_broadcast_renders_in_the_viewers_language_not_the_movers(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana, role='viewer')
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.create_lead(session, caller=ana.caller(), data=LeadCreate(name='Acme Ltda'))
    ana_user, bruno_user = create_user(), create_user()
    await bruno_user.open('/login')
    bruno_user.find('English').click()  # Bruno reads the app in English
    await bruno_user.should_see('Sign in', retries=50)
    await sign_in(bruno_user, bruno)
    await sign_in(ana_user, ana)

    # Ana's drop arrives through her client, so inside the broadcast "the current user" is Ana
    board_of(ana_user).drag('Acme Ltda', 'negociacao', 0)

    await board_of(bruno_user).shows('negociacao', ['Acme Ltda'])
    card = board_of(bruno_user).card('Acme Ltda')
    assert card.props['aria-label'] == 'Acme Ltda, Negotiation, —. Enter opens; M moves; Alt+arrows move.'
    assert board_of(bruno_user).announcement == 'Ana Souza moved Acme Ltda to Negotiation'
    assert board_of(ana_user).card('Acme Ltda').props['aria-label'].startswith('Acme Ltda, Negociação')
    assert presence_labels(bruno_user) == ['Bruno Lima (you)', 'Ana Souza']
    assert not board_of(bruno_user).board.viewer.can_write  # still Bruno's role, not Ana's


async def test_role_lowered_to_viewer_removes_drag_at_once(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    board = board_of(bruno_user).board
    assert not board.columns['lead'].sortable.options.get('disabled')

    async with app_ctx.db.session() as session:
        await organizations.change_role(session, caller=ana.caller(), user_id=bruno.user_id, role=Role.VIEWER)

    await until(lambda: all(column.sortable.options.get('disabled') for column in board.columns.values()))
    assert not board.columns['lead'].add_button.visible
    await bruno_user.should_see('Você tem acesso somente leitura.')

    async with app_ctx.db.session() as session:
        await organizations.change_role(session, caller=ana.caller(), user_id=bruno.user_id, role=Role.MEMBER)
    await until(lambda: not any(column.sortable.options.get('disabled') for column in board.columns.values()))
    assert board.columns['lead'].add_button.visible


async def test_removed_member_loses_the_board_at_once(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.create_lead(session, caller=ana.caller(), data=LeadCreate(name='Segredo SA'))
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    await bruno_user.should_see(content='Segredo SA')

    async with app_ctx.db.session() as session:
        await organizations.remove_member(session, caller=ana.caller(), user_id=bruno.user_id)

    await bruno_user.should_see('Você não faz mais parte desta organização. Fale com um administrador.', retries=50)
    await bruno_user.should_not_see(content='Segredo SA')
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.create_lead(session, caller=ana.caller(), data=LeadCreate(name='Depois SA'))
    await board_of(ana_user).shows('lead', ['Depois SA', 'Segredo SA'])  # the new lead has reached open boards…
    await bruno_user.should_not_see(content='Depois SA')  # … but not the page Bruno was sent away from
    await bruno_user.open('/pipeline')
    await bruno_user.should_see('Sem acesso')


async def test_signing_out_elsewhere_closes_the_board(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user).board
    from lovedcrm_ui.services import auth

    async with app_ctx.db.session(cross_org=True) as session:
        await auth.end_session(session, user_id=ana.user_id, session_id=board.viewer.session_id)
    await ana_user.should_see('Sua sessão terminou. Entre novamente.', retries=50)
    await ana_user.open('/pipeline')
    await ana_user.should_see('Entrar')


async def test_reconnect_rereads_what_the_board_missed(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user, other_tab = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(other_tab, ana)
    board = board_of(ana_user).board
    board._events.cancel()  # the board hears nothing, as if its updates had been lost
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.create_lead(session, caller=ana.caller(), data=LeadCreate(name='Perdido SA'))
    await board_of(other_tab).shows('lead', ['Perdido SA'])  # delivered to the boards that listen…
    assert board_of(ana_user).names('lead') == []  # … not to this one

    await board.guard.resync_if_behind()  # what the client's reconnect runs

    assert board_of(ana_user).names('lead') == ['Perdido SA']
