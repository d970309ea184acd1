"""The invite link's page: joining by registering, by signing in or while signed in; closed links explain themselves."""

from datetime import timedelta

from accounts import PASSWORD
from sqlalchemy import update
from ui_helpers import answer_confirmation, board_of, choose, join_by_registering, shown, sign_in

from lovedcrm_ui.services import invites, leads
from lovedcrm_ui.ui.board.board import PipelineBoard
from models import Invite, Role, utcnow
from models.lead import LeadCreate


async def invite(ctx, owner, email, role='member', message=None):  # type: ignore[no-untyped-def]
    """The owner invites ``email``; returns the invite's token (what the link carries)."""
    async with ctx.db.session() as session:
        view = await invites.create_invite(
            session,
            caller=owner.caller(),
            email=email,
            role=Role(role),
            message=message,
            invited_name=None,
            expire_days=7,
        )
    return view.invite.token


async def test_invite_from_the_team_page_then_join_by_registering_and_share_the_live_board(
    create_user, app_ctx, person
):
    ana = await person('Ana Souza')
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.create_lead(session, caller=ana.caller(), data=LeadCreate(name='Acme Ltda'))
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/team')
    ana_user.find(marker='invite-email').type('bruno@example.com')
    ana_user.find(marker='invite-message').type('Bem-vindo ao time de vendas!')
    ana_user.find(marker='invite-submit').click()
    await ana_user.should_see('Convite criado para bruno@example.com. Envie a pessoa o link abaixo.')
    link = ana_user.find(marker='invite-link').elements.pop().value
    assert link.startswith('http://test/invite/')

    await bruno_user.open(link.removeprefix('http://test'))
    await bruno_user.should_see("Convite para Ana Souza's Organization")
    await bruno_user.should_see('Ana Souza convidou você para a equipe como Membro.')
    await bruno_user.should_see('Bem-vindo ao time de vendas!')
    await join_by_registering(bruno_user, link, 'Bruno Lima')

    bruno_board = board_of(bruno_user)
    assert bruno_board.board.viewer.organization_name == "Ana Souza's Organization"
    assert bruno_board.names('lead') == ['Acme Ltda']
    await ana_user.open('/pipeline')
    await board_of(ana_user).wait_loaded()
    board_of(ana_user).drag('Acme Ltda', 'proposta', 0)
    await bruno_board.shows('proposta', ['Acme Ltda'])
    bruno_board.drag('Acme Ltda', 'fechado', 0)
    await board_of(ana_user).shows('fechado', ['Acme Ltda'])
    await ana_user.open('/team')
    await ana_user.should_see('Aceito')
    await ana_user.should_see('Bruno Lima')


async def test_a_signed_in_user_with_the_invited_email_joins_and_lands_on_that_board(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima')
    token = await invite(app_ctx, ana, bruno.email, role='viewer')
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    assert board_of(bruno_user).board.viewer.organization_id == bruno.organization_id

    await bruno_user.open(f'/invite/{token}')
    await bruno_user.should_see('Ana Souza convidou você para a equipe como Leitor.')
    bruno_user.find(marker='invite-accept').click()
    await bruno_user.should_see(kind=PipelineBoard, retries=100)

    board = board_of(bruno_user).board
    assert board.viewer.organization_id == ana.organization_id
    assert not board.viewer.can_write
    await bruno_user.open('/pipeline')  # the stored organization is the team's now
    assert board_of(bruno_user).board.viewer.organization_id == ana.organization_id


async def test_an_existing_account_signs_in_on_the_invite_page_and_joins(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima')
    token = await invite(app_ctx, ana, bruno.email)
    bruno_user = create_user()
    await bruno_user.open(f'/invite/{token}')

    bruno_user.find(marker='join-login-password').type('Wrong1234')
    bruno_user.find(marker='join-login').click()
    await bruno_user.should_see('E-mail ou senha inválidos.')
    choose(bruno_user, 'join-login-password', PASSWORD)
    bruno_user.find(marker='join-login').click()

    await bruno_user.should_see(kind=PipelineBoard, retries=100)
    assert board_of(bruno_user).board.viewer.organization_id == ana.organization_id


async def test_registering_an_email_that_has_an_account_points_to_signing_in(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima')
    token = await invite(app_ctx, ana, bruno.email)
    visitor = create_user()
    await visitor.open(f'/invite/{token}')
    visitor.find(marker='join-password').type('Another123')
    visitor.find(marker='join-register').click()
    await visitor.should_see('Aceite os termos para continuar.')
    visitor.find(marker='join-terms').click()
    visitor.find(marker='join-register').click()
    await visitor.should_see('Este e-mail já tem conta: use "Já tenho conta com este e-mail".')


async def test_a_weak_password_is_refused_and_nothing_is_created(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    token = await invite(app_ctx, ana, 'carla@example.com')
    visitor = create_user()
    await visitor.open(f'/invite/{token}')
    visitor.find(marker='join-name').type('Carla Dias')
    visitor.find(marker='join-password').type('short')
    visitor.find(marker='join-terms').click()
    visitor.find(marker='join-register').click()
    await visitor.should_see('A senha precisa ter pelo menos 8 caracteres.')
    assert visitor.find(marker='join-name').elements.pop().value == 'Carla Dias'  # what was typed stays
    async with app_ctx.db.session(read_only=True) as session:
        view = await invites.invite_by_token(session, token=token)
    assert view is not None and view.status == 'pending'


async def test_someone_signed_in_with_another_email_is_told_to_sign_out(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima')
    token = await invite(app_ctx, ana, 'carla@example.com')
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    await bruno_user.open(f'/invite/{token}')

    await bruno_user.should_see(
        f'Você está conectado como {bruno.email}, mas este convite é para carla@example.com. '
        'Saia para aceitá-lo com a conta certa.'
    )
    await bruno_user.should_not_see(marker='invite-accept')
    bruno_user.find(marker='invite-sign-out').click()
    await bruno_user.should_see(marker='join-register')
    await bruno_user.open('/pipeline')
    await bruno_user.should_see('Entrar')  # that browser's session really ended


async def test_closed_links_explain_themselves(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    expired = await invite(app_ctx, ana, 'expired@example.com')
    cancelled = await invite(app_ctx, ana, 'cancelled@example.com')
    rejected = await invite(app_ctx, ana, 'rejected@example.com')
    accepted = await invite(app_ctx, ana, 'late@example.com')
    async with app_ctx.db.session() as session:
        await session.execute(
            update(Invite).where(Invite.token == expired).values(expires_at=utcnow() - timedelta(days=1))
        )
        await session.execute(update(Invite).where(Invite.token == accepted).values(status='accepted'))
        await session.commit()
    async with app_ctx.db.session() as session:
        view = await invites.invite_by_token(session, token=cancelled)
        assert view is not None
        await invites.cancel_invite(session, caller=ana.caller(), invite_id=view.invite.id)
    async with app_ctx.db.session() as session:
        await invites.reject_invite(session, token=rejected, reason=None)
    visitor = create_user()

    expected = {
        expired: 'Este convite expirou. Peça um novo a Ana Souza.',
        cancelled: 'Este convite foi cancelado pela organização.',
        rejected: 'Este convite foi recusado e não pode mais ser usado.',
        accepted: 'Este convite já foi usado. Entre com sua conta para abrir o quadro.',
        'not-a-real-token': 'Este link de convite não é válido. Confira se ele foi copiado inteiro.',
    }
    for token, message in expected.items():
        await visitor.open(f'/invite/{token}')
        await visitor.should_see(message)
        await visitor.should_not_see(marker='join-register')
        await visitor.should_not_see(marker='invite-decline')
    assert bruno.organization_id == ana.organization_id


async def test_declining_closes_the_link(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    token = await invite(app_ctx, ana, 'carla@example.com')
    visitor = create_user()
    await visitor.open(f'/invite/{token}')

    visitor.find(marker='invite-decline').click()
    await visitor.should_see("Recusar o convite para Ana Souza's Organization? O link deixará de funcionar.")
    await answer_confirmation(visitor, yes=True)

    await visitor.should_see('Este convite foi recusado e não pode mais ser usado.')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/team')
    await ana_user.should_see('Recusado')


async def test_an_invite_cancelled_while_the_page_is_open_is_explained_on_join(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    token = await invite(app_ctx, ana, 'carla@example.com')
    visitor = create_user()
    await visitor.open(f'/invite/{token}')
    async with app_ctx.db.session() as session:
        view = await invites.invite_by_token(session, token=token)
        assert view is not None
        await invites.cancel_invite(session, caller=ana.caller(), invite_id=view.invite.id)

    visitor.find(marker='join-name').type('Carla Dias')
    visitor.find(marker='join-password').type(PASSWORD)
    visitor.find(marker='join-terms').click()
    visitor.find(marker='join-register').click()

    await visitor.should_see('Este convite foi cancelado pela organização.', retries=100)
    assert shown(visitor, 'invite-closed') == 'Este convite foi cancelado pela organização.'
    await visitor.should_not_see(marker='join-register')
