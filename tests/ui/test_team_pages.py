"""The Team page: roles, removals and invites, and how open boards and pages follow them at once."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from ui_helpers import SmtpInbox, all_handled, answer_confirmation, board_of, choose, shown, sign_in, until

from lovedcrm_ui.services import invites, organizations
from lovedcrm_ui.ui.board.board import PipelineBoard
from lovedcrm_ui.ui.team.members import MemberList
from lovedcrm_ui.ui.widgets import ConfirmDialog
from models import Invite, Membership, Role, utcnow

READ_ONLY = 'Só proprietários e administradores gerenciam a equipe; você vê quem faz parte dela.'


async def open_team(user, someone):  # type: ignore[no-untyped-def]
    """Sign in and open the Team page; wait until it lists the members."""
    await sign_in(user, someone)
    await user.open('/team')
    await user.should_see(marker=f'member-{someone.email}', retries=50)


def member_roles(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """E-mail → role as the member list shows it (a select's value or a label's text)."""
    lists = [e for e in user.client.elements.values() if isinstance(e, MemberList)]
    return {m.email: m.role for m in lists[0].members}


async def test_role_change_on_the_team_page_removes_drag_on_the_open_board(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(bruno_user, bruno)
    board = board_of(bruno_user).board
    assert not board.columns['lead'].sortable.options.get('disabled')
    await open_team(ana_user, ana)

    choose(ana_user, f'role-{bruno.email}', 'viewer')
    await ana_user.should_see('Bruno Lima agora tem o papel Leitor.')

    assert all(column.sortable.options.get('disabled') for column in board.columns.values())
    await bruno_user.should_see('Você tem acesso somente leitura.')
    assert member_roles(ana_user)[bruno.email] == 'viewer'


async def test_removing_a_member_asks_first_then_sends_their_board_to_no_access(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(bruno_user, bruno)
    await open_team(ana_user, ana)

    async with all_handled():  # the click's handler asks, hears "no", and is done
        ana_user.find(marker=f'remove-{bruno.email}').click()
        await ana_user.should_see('Remover Bruno Lima da organização? A pessoa perde o acesso ao quadro na hora.')
        await answer_confirmation(ana_user, yes=False)
    assert bruno.email in member_roles(ana_user)
    await bruno_user.should_not_see('Você não faz mais parte desta organização. Fale com um administrador.')

    ana_user.find(marker=f'remove-{bruno.email}').click()
    await ana_user.should_see('Remover Bruno Lima da organização? A pessoa perde o acesso ao quadro na hora.')
    await answer_confirmation(ana_user, yes=True)
    await ana_user.should_see('Bruno Lima foi removido da organização.')

    await until(lambda: bruno.email not in member_roles(ana_user))
    await bruno_user.should_see('Você não faz mais parte desta organização. Fale com um administrador.')


async def test_the_last_owner_cannot_be_demoted_or_removed_and_the_page_says_why(create_user, person):
    ana = await person('Ana Souza')
    await person('Bruno Lima', team_of=ana, role='admin')
    ana_user = create_user()
    await open_team(ana_user, ana)

    choose(ana_user, f'role-{ana.email}', 'member')
    await ana_user.should_see(
        'A organização precisa de um proprietário: promova outra pessoa antes de mudar este papel.'
    )
    await until(lambda: ana_user.find(marker=f'role-{ana.email}').elements.pop().value == 'owner')  # it went back

    # she learns why before any confirmation — one that could only end in a refusal would mislead
    ana_user.find(marker=f'remove-{ana.email}').click()
    await ana_user.should_see(
        'Você é o único proprietário: promova outra pessoa a proprietário antes de sair da organização.'
    )
    assert not any(isinstance(e, ConfirmDialog) and e.value for e in ana_user.client.elements.values())
    assert member_roles(ana_user)[ana.email] == 'owner'


async def test_leaving_the_organization_asks_in_words_for_the_person_leaving(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana, role='admin')
    bruno_user = create_user()
    await open_team(bruno_user, bruno)

    bruno_user.find(marker=f'remove-{bruno.email}').click()
    await bruno_user.should_see(
        "Sair de Ana Souza's Organization? Você perde o acesso a este quadro na hora; "
        'só um novo convite traz você de volta.'
    )
    await answer_confirmation(bruno_user, yes=False)  # he changes his mind: still a member
    assert member_roles(bruno_user)[bruno.email] == 'admin'


async def test_an_admin_cannot_touch_owners_nor_make_or_invite_admins(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana, role='admin')
    carla = await person('Carla Dias', team_of=ana)
    dora = await person('Dora Melo', team_of=ana, role='admin')
    bruno_user, ana_user = create_user(), create_user()
    await open_team(bruno_user, bruno)

    assert shown(bruno_user, f'role-{ana.email}') == 'Proprietário'  # a label, not a select
    await bruno_user.should_not_see(marker=f'remove-{ana.email}')
    # an admin grants what an admin may invite: member or viewer (another admin's menu still shows their role)
    assert set(bruno_user.find(marker=f'role-{carla.email}').elements.pop().options) == {'member', 'viewer'}
    assert set(bruno_user.find(marker=f'role-{dora.email}').elements.pop().options) == {'admin', 'member', 'viewer'}
    assert set(bruno_user.find(marker='invite-role').elements.pop().options) == {'member', 'viewer'}
    # the owner may make admins and owners
    await open_team(ana_user, ana)
    owner_choices = set(ana_user.find(marker=f'role-{carla.email}').elements.pop().options)
    assert owner_choices == {'owner', 'admin', 'member', 'viewer'}


async def test_members_and_viewers_see_the_member_list_read_only(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    carla = await person('Carla Dias', team_of=ana, role='viewer')
    for someone in (bruno, carla):
        someone_user = create_user()
        await open_team(someone_user, someone)
        await someone_user.should_see(READ_ONLY)
        assert shown(someone_user, f'role-{ana.email}') == 'Proprietário'
        assert shown(someone_user, f'role-{bruno.email}') == 'Membro'
        assert shown(someone_user, f'role-{carla.email}') == 'Leitor'
        await someone_user.should_not_see(marker='invite-submit')
        await someone_user.should_not_see(marker=f'remove-{ana.email}')


async def test_invite_refusals_are_visible_and_keep_what_was_typed(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user = create_user()
    await open_team(ana_user, ana)

    ana_user.find(marker='invite-submit').click()
    await ana_user.should_see('Informe o e-mail da pessoa convidada.')
    ana_user.find(marker='invite-email').type('not-an-email')
    ana_user.find(marker='invite-submit').click()
    await ana_user.should_see('E-mail inválido')

    choose(ana_user, 'invite-email', 'carla@example.com')
    ana_user.find(marker='invite-message').type('Oi!')
    ana_user.find(marker='invite-submit').click()
    await ana_user.should_see('A mensagem precisa ter de 10 a 500 caracteres (ou ficar em branco).')
    choose(ana_user, 'invite-message', 'x' * 501)
    async with all_handled():  # the same message as before: wait for this click's answer, not the last one
        ana_user.find(marker='invite-submit').click()
    assert shown(ana_user, 'invite-status') == 'A mensagem precisa ter de 10 a 500 caracteres (ou ficar em branco).'
    assert ana_user.find(marker='invite-message').elements.pop().value == 'x' * 501  # nothing lost

    choose(ana_user, 'invite-message', '')
    ana_user.find(marker='invite-submit').click()
    await ana_user.should_see('Convite criado para carla@example.com. Envie a pessoa o link abaixo.')
    choose(ana_user, 'invite-email', 'CARLA@example.com')
    ana_user.find(marker='invite-submit').click()
    await ana_user.should_see('Já existe um convite pendente para este e-mail.')
    choose(ana_user, 'invite-email', bruno.email)
    ana_user.find(marker='invite-submit').click()
    await ana_user.should_see('Esta pessoa já faz parte da organização.')
    assert ana_user.find(marker='invite-email').elements.pop().value == bruno.email

    async with app_ctx.db.session(read_only=True) as session:
        stats = await invites.invite_stats(session, organization_id=ana.organization_id)
    assert stats.total_invites == 2  # Bruno's (from the factory) and Carla's: no refused one was stored


async def test_a_demoted_manager_is_refused_and_the_page_turns_read_only(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana, role='admin')
    bruno_user = create_user()
    await open_team(bruno_user, bruno)
    async with app_ctx.db.session() as session:  # as if the notice had not reached this page yet
        await session.execute(update(Membership).where(Membership.user_id == bruno.user_id).values(role='member'))
        await session.commit()

    bruno_user.find(marker='invite-email').type('carla@example.com')
    bruno_user.find(marker='invite-submit').click()
    await bruno_user.should_see('Só proprietários e administradores podem fazer isso.')

    async with app_ctx.db.session() as session:
        await organizations.change_role(session, caller=ana.caller(), user_id=bruno.user_id, role=Role.VIEWER)
    await bruno_user.should_see(READ_ONLY)
    await bruno_user.should_not_see(marker='invite-submit')
    await until(lambda: member_roles(bruno_user)[bruno.email] == 'viewer')  # the list is read again
    assert shown(bruno_user, f'role-{bruno.email}') == 'Leitor'


async def test_a_teammate_removed_while_on_the_team_page_leaves_for_no_access(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    bruno_user = create_user()
    await open_team(bruno_user, bruno)

    async with app_ctx.db.session() as session:
        await organizations.remove_member(session, caller=ana.caller(), user_id=bruno.user_id)

    await bruno_user.should_see('Você não faz mais parte desta organização. Fale com um administrador.', retries=50)
    await bruno_user.should_not_see(ana.email)
    await bruno_user.open('/team')
    await bruno_user.should_see('Sem acesso')
    await bruno_user.should_see('Você ainda faz parte de:')  # their own organization is one click away
    bruno_user.find("Bruno Lima's Organization").click()
    await bruno_user.should_see(kind=PipelineBoard, retries=50)
    assert board_of(bruno_user).board.viewer.organization_name == "Bruno Lima's Organization"


async def test_a_managers_team_page_follows_changes_made_elsewhere(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user = create_user()
    await open_team(ana_user, ana)

    async with app_ctx.db.session() as session:  # e.g. through the API
        await organizations.change_role(session, caller=ana.caller(), user_id=bruno.user_id, role=Role.ADMIN)

    await until(lambda: ana_user.find(marker=f'role-{bruno.email}').elements.pop().value == 'admin')

    carla = await person('Carla Dias', team_of=ana)  # accepts an invite elsewhere
    await ana_user.should_see(marker=f'role-{carla.email}', retries=50)


async def test_invites_show_their_status_and_pending_ones_can_be_cancelled(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await person('Bruno Lima', team_of=ana)  # an accepted invite
    tokens = {}
    for email in ('pending@example.com', 'old@example.com', 'no@example.com', 'stop@example.com'):
        async with app_ctx.db.session() as session:
            view = await invites.create_invite(
                session,
                caller=ana.caller(),
                email=email,
                role=Role.VIEWER,
                message=None,
                invited_name=None,
                expire_days=7,
            )
        tokens[email] = view.invite.token
    async with app_ctx.db.session() as session:
        await session.execute(
            update(Invite).where(Invite.email == 'old@example.com').values(expires_at=utcnow() - timedelta(hours=1))
        )
        await session.commit()
    async with app_ctx.db.session() as session:
        await invites.reject_invite(session, token=tokens['no@example.com'], reason=None)
    ana_user = create_user()
    await open_team(ana_user, ana)

    for label in ('Pendente', 'Expirado', 'Recusado', 'Aceito'):
        await ana_user.should_see(label)
    ana_user.find(marker='invite-cancel-stop@example.com').click()
    await ana_user.should_see('Convite para stop@example.com cancelado.')
    await ana_user.should_see('Cancelado')
    await ana_user.should_not_see(marker='invite-cancel-stop@example.com')

    ana_user.find(marker='invite-link-pending@example.com').click()
    link = f'http://test/invite/{tokens["pending@example.com"]}'
    await until(lambda: ana_user.find(marker='invite-link').elements.pop().value == link)


class TestInviteMail:
    """With SMTP settings, the Team page also e-mails the link (a tiny SMTP server on 127.0.0.1 receives it)."""

    @pytest.fixture
    async def inbox(self):  # type: ignore[no-untyped-def]
        server = await SmtpInbox().start()
        yield server
        await server.stop()

    @pytest.fixture
    def ui_env(self, ui_env, inbox, monkeypatch):  # type: ignore[no-untyped-def]
        monkeypatch.setenv('SMTP_HOST', '127.0.0.1')
        monkeypatch.setenv('SMTP_PORT', str(inbox.port))
        monkeypatch.setenv('SMTP_STARTTLS', 'false')
        monkeypatch.setenv('SMTP_FROM', 'crm@example.com')
        return ui_env

    async def test_the_invite_email_carries_the_link(self, create_user, person, inbox):
        ana = await person('Ana Souza')
        ana_user = create_user()
        await open_team(ana_user, ana)

        ana_user.find(marker='invite-email').type('carla@example.com')
        ana_user.find(marker='invite-message').type('Venha vender com a gente!')
        ana_user.find(marker='invite-submit').click()
        await ana_user.should_see('Convite enviado por e-mail para carla@example.com.', retries=100)

        link = ana_user.find(marker='invite-link').elements.pop().value
        [message] = inbox.messages
        assert message['To'] == 'carla@example.com'
        assert message['From'] == 'crm@example.com'
        assert message['Subject'] == "Convite para Ana Souza's Organization no LovedCRM"
        body = message.get_content()
        assert link in body
        assert 'Ana Souza convidou você' in body and 'Venha vender com a gente!' in body

    async def test_a_failed_send_warns_and_the_invite_stays_valid(self, create_user, app_ctx, person, inbox):
        await inbox.stop()  # nobody listens on that port any more
        ana = await person('Ana Souza')
        ana_user = create_user()
        await open_team(ana_user, ana)

        ana_user.find(marker='invite-email').type('carla@example.com')
        ana_user.find(marker='invite-submit').click()
        await ana_user.should_see(
            'Não foi possível enviar o e-mail para carla@example.com. O convite vale: copie o link e envie você mesmo.',
            retries=100,
        )

        token = ana_user.find(marker='invite-link').elements.pop().value.rsplit('/', 1)[1]
        async with app_ctx.db.session(read_only=True) as session:
            view = await invites.invite_by_token(session, token=token)
        assert view is not None and view.status == 'pending'
        await ana_user.should_see('Pendente')
