"""The header's organization switcher and navigation, organization settings, and the profile page."""

import uuid

from accounts import PASSWORD
from sqlalchemy import select, update
from ui_helpers import all_handled, board_of, choose, shown, sign_in, until

from lovedcrm_ui.services import auth, leads
from lovedcrm_ui.services.access import Caller
from lovedcrm_ui.ui.board.board import PipelineBoard
from lovedcrm_ui.ui.pages.settings import SettingsForm
from models import AuthSession, Membership, Organization
from models.lead import LeadCreate

NEW_PASSWORD = 'Better456'


async def add_lead(ctx, owner, name):  # type: ignore[no-untyped-def]
    async with ctx.db.session(cross_org=True) as session:
        await leads.create_lead(session, caller=owner.caller(), data=LeadCreate(name=name))


async def test_the_switcher_opens_the_other_organizations_board(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda')
    async with app_ctx.db.session(read_only=True) as session:
        own_org = await session.scalar(
            select(Membership.organization_id).where(
                Membership.user_id == bruno.user_id, Membership.organization_id != ana.organization_id
            )
        )
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.create_lead(
            session,
            caller=Caller(bruno.user_id, bruno.email, own_org, 'owner', uuid.uuid4()),
            data=LeadCreate(name='Bruno Corp'),
        )
    bruno_user, ana_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await ana_user.should_not_see(marker='org-switcher')  # one organization: nothing to switch
    await sign_in(bruno_user, bruno)
    assert board_of(bruno_user).names('lead') == ['Acme Ltda']

    bruno_user.find(marker=f'org-{own_org}').click()
    await until(lambda: board_of(bruno_user).board.viewer.organization_id == own_org, 'the board of his organization')
    board = board_of(bruno_user)
    await board.wait_loaded()
    assert board.names('lead') == ['Bruno Corp']
    assert shown(bruno_user, 'organization-name') == "Bruno Lima's Organization"

    await bruno_user.open('/pipeline')  # the browser remembers the organization
    assert board_of(bruno_user).board.viewer.organization_id == own_org


async def test_the_header_links_to_team_settings_and_profile(create_user, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    for marker, heading in (
        ('nav-team', "Equipe — Ana Souza's Organization"),
        ('nav-settings', 'Configurações da organização'),
        ('nav-profile', 'Seu perfil'),
    ):
        ana_user.find(marker=marker).click()
        await ana_user.should_see(heading, retries=50)


async def test_password_change_signs_out_the_other_session_and_keeps_this_one(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda')
    here, elsewhere = create_user(), create_user()
    await sign_in(elsewhere, ana)
    other_board = board_of(elsewhere).board
    await sign_in(here, ana)
    this_session = board_of(here).board.viewer.session_id
    await here.open('/profile')

    choose(here, 'password-current', PASSWORD)
    choose(here, 'password-new', NEW_PASSWORD)
    choose(here, 'password-repeat', NEW_PASSWORD)
    here.find(marker='password-submit').click()
    await here.should_see('Senha trocada. Suas outras sessões foram encerradas.')

    await elsewhere.should_see('Sua sessão terminou. Entre novamente.', retries=50)
    assert other_board.cards == {}  # the other browser's board is shut
    await here.open('/pipeline')  # this browser keeps working
    board = board_of(here)
    await board.wait_loaded()
    assert board.board.viewer.session_id == this_session
    board.drag('Acme Ltda', 'contato', 0)
    await board.announced('Acme Ltda movido para Contato')  # stored: the session still writes
    assert board.names('contato') == ['Acme Ltda']
    async with app_ctx.db.session(read_only=True) as session:
        live = (
            await session.scalars(
                select(AuthSession.id).where(AuthSession.user_id == ana.user_id, AuthSession.revoked_at.is_(None))
            )
        ).all()
    assert live == [this_session]
    await auth.login(
        app_ctx.db,
        hasher=app_ctx.hasher,
        tokens=app_ctx.tokens,
        throttle=app_ctx.password_checks,
        email=ana.email,
        password=NEW_PASSWORD,
        address='127.0.0.1',
    )


async def test_password_refusals_are_visible(create_user, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/profile')
    cases = [
        (('', '', ''), 'Preencha a senha atual e a nova.'),
        ((PASSWORD, NEW_PASSWORD, 'Other456'), 'A nova senha e a repetição não são iguais.'),
        ((PASSWORD, 'abc', 'abc'), 'A senha precisa ter pelo menos 8 caracteres.'),
        ((PASSWORD, 'NoDigitsHere', 'NoDigitsHere'), 'A senha precisa de pelo menos um número.'),
        ((PASSWORD, 'nocaps123', 'nocaps123'), 'A senha precisa de pelo menos uma letra maiúscula.'),
        (('Wrong1234', NEW_PASSWORD, NEW_PASSWORD), 'A senha atual está incorreta.'),
    ]
    for (current, new, repeat), message in cases:
        choose(ana_user, 'password-current', current)
        choose(ana_user, 'password-new', new)
        choose(ana_user, 'password-repeat', repeat)
        ana_user.find(marker='password-submit').click()
        await ana_user.should_see(message)
        assert ana_user.find(marker='password-new').elements.pop().value == new  # nothing typed is lost
    await ana_user.open('/pipeline')
    await ana_user.should_see(kind=PipelineBoard)  # still signed in: no refusal revoked anything


async def test_profile_saves_the_name_and_switches_the_language(create_user, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/profile')

    choose(ana_user, 'profile-name', '<script>alert(1)</script>')
    ana_user.find(marker='profile-save').click()
    await ana_user.should_see('O nome não pode conter HTML.')
    choose(ana_user, 'profile-name', '   ')
    ana_user.find(marker='profile-save').click()
    await ana_user.should_see('Informe seu nome (até 255 caracteres).')
    choose(ana_user, 'profile-name', 'Ana Maria Souza')
    ana_user.find(marker='profile-save').click()
    await ana_user.should_see('Perfil salvo.')
    assert shown(ana_user, 'viewer-name') == 'Ana Maria Souza'

    choose(ana_user, 'profile-language', 'en')  # a preference: applies as soon as it is chosen
    await ana_user.should_see('Your profile', retries=50)
    await ana_user.should_see('Change password')
    await ana_user.open('/pipeline')
    await ana_user.should_see('Team')
    assert board_of(ana_user).board.t('stage.contato') == 'Contact'


async def test_settings_rename_the_organization_and_set_idle_thresholds(create_user, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/settings')
    await ana_user.should_see(kind=SettingsForm)
    await until(lambda: ana_user.find(marker='settings-idle-warning').elements.pop().value == 7)

    choose(ana_user, 'settings-name', 'Acme Vendas')
    choose(ana_user, 'settings-description', 'Vendas B2B')
    choose(ana_user, 'settings-idle-warning', 3)
    choose(ana_user, 'settings-idle-alert', 10)
    ana_user.find(marker='settings-save').click()
    await ana_user.should_see('Configurações salvas.')

    assert shown(ana_user, 'organization-name') == 'Acme Vendas'
    await ana_user.open('/pipeline')
    viewer = board_of(ana_user).board.viewer
    assert (viewer.organization_name, viewer.idle_warning_days, viewer.idle_alert_days) == ('Acme Vendas', 3, 10)


async def test_settings_refusals_are_visible_and_keep_the_typed_values(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/settings')
    await ana_user.should_see(kind=SettingsForm)
    await until(lambda: ana_user.find(marker='settings-name').elements.pop().value == "Ana Souza's Organization")
    cases = [
        ({'settings-idle-warning': 10, 'settings-idle-alert': 5}, 'O alerta não pode vir antes do aviso'),
        ({'settings-idle-warning': 0, 'settings-idle-alert': 5}, 'números inteiros de 1 a 365'),
        ({'settings-idle-warning': 2.5, 'settings-idle-alert': 5}, 'números inteiros de 1 a 365'),
        ({'settings-idle-warning': None, 'settings-idle-alert': 5}, 'números inteiros de 1 a 365'),
        ({'settings-idle-warning': 3, 'settings-idle-alert': 5, 'settings-name': ' A '}, 'de 2 a 255 caracteres'),
        ({'settings-name': 'Acme', 'settings-website': 'javascript:alert(1)'}, 'Endereço do site inválido'),
        ({'settings-website': 'acme vendas'}, 'Endereço do site inválido'),
    ]
    for values, message in cases:
        for marker, value in values.items():
            choose(ana_user, marker, value)
        async with all_handled():  # some cases give the same message as the one before: wait for this answer
            ana_user.find(marker='settings-save').click()
        assert message in shown(ana_user, 'settings-status')
        for marker, value in values.items():
            assert ana_user.find(marker=marker).elements.pop().value == value

    async with app_ctx.db.session(read_only=True, cross_org=True) as session:  # none of it was written
        stored = await session.get(Organization, ana.organization_id)
        assert stored is not None and (stored.name, stored.website) == ("Ana Souza's Organization", None)
    choose(ana_user, 'settings-name', "Ana Souza's Organization")
    choose(ana_user, 'settings-website', 'acme.com.br')  # typed as people type it: kept as a web address
    ana_user.find(marker='settings-save').click()
    await until(
        lambda: ana_user.find(marker='settings-website').elements.pop().value == 'https://acme.com.br',
        shown(ana_user, 'settings-status'),
    )
    assert shown(ana_user, 'settings-status') == 'Configurações salvas.'

    async with app_ctx.db.session() as session:  # demoted while the page is open
        await session.execute(update(Membership).where(Membership.user_id == ana.user_id).values(role='member'))
        await session.commit()
    choose(ana_user, 'settings-name', 'Nome Novo')
    ana_user.find(marker='settings-save').click()
    await ana_user.should_see('Só proprietários e administradores podem fazer isso.')
    assert shown(ana_user, 'organization-name') == "Ana Souza's Organization"


async def test_members_see_settings_read_only(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    await bruno_user.open('/settings')
    await bruno_user.should_see('Só proprietários e administradores alteram as configurações.')
    await until(lambda: bruno_user.find(marker='settings-name').elements.pop().value == "Ana Souza's Organization")
    assert not bruno_user.find(marker='settings-name').elements.pop().enabled
    await bruno_user.should_not_see(marker='settings-save')
