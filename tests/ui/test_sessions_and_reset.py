"""The profile page's active sessions, and password reset from the sign-in page (simulated users)."""

import re
from datetime import UTC, datetime

import pytest
from accounts import PASSWORD
from sqlalchemy import update
from ui_helpers import SmtpInbox, board_of, choose, shown, sign_in, until

from lovedcrm_ui.services import auth
from lovedcrm_ui.ui.board.board import PipelineBoard
from models import AuthSession

NEW_PASSWORD = 'Better456'
CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
LINK = re.compile(r'http://test/reset-password\?token=([A-Za-z0-9_-]+)')


async def sign_in_elsewhere(ctx, someone, user_agent=CHROME_LINUX, address='203.0.113.7'):  # type: ignore[no-untyped-def]
    """Someone signs in on another device (through the service, as the API would)."""
    result = await auth.login(
        ctx.db,
        hasher=ctx.hasher,
        tokens=ctx.tokens,
        throttle=ctx.password_checks,
        email=someone.email,
        password=PASSWORD,
        address=address,
        user_agent=user_agent,
    )
    return result.session_id


async def test_the_profile_lists_the_sessions_and_signs_out_one_or_all_others(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    elsewhere, here = create_user(), create_user()
    await sign_in(elsewhere, ana)
    other_board = board_of(elsewhere).board
    laptop = await sign_in_elsewhere(app_ctx, ana)
    async with app_ctx.db.session() as session:  # used a while ago
        when = datetime(2026, 3, 1, 14, 5, tzinfo=UTC)
        await session.execute(update(AuthSession).where(AuthSession.id == laptop).values(last_used_at=when))
        await session.commit()
    await sign_in(here, ana)
    this_session = board_of(here).board.viewer.session_id

    await here.open('/profile')

    await here.should_see('Sessões ativas')
    assert shown(here, f'session-device-{laptop}') == 'Chrome em Linux'
    assert shown(here, f'session-details-{laptop}') == '203.0.113.7 · último uso em 01/03/2026 14:05 UTC'
    await here.should_see(marker=f'session-{this_session}')
    await here.should_see(marker='session-current')  # one badge: this browser's row
    await here.should_not_see(marker=f'session-end-{this_session}')  # this browser signs out with Sair
    here.find(marker=f'session-end-{laptop}').click()
    await here.should_see('Sessão encerrada.')
    await here.should_not_see(marker=f'session-{laptop}')

    here.find(marker='sessions-end-others').click()
    await here.should_see('Outras sessões encerradas: 2.')  # the other browser's and the registration's
    await elsewhere.should_see('Sua sessão terminou. Entre novamente.', retries=50)
    assert other_board.cards == {}  # the other browser's board is shut
    await here.should_see('Nenhuma outra sessão ativa.')
    await here.should_not_see(marker='sessions-end-others')
    await here.open('/pipeline')  # this browser keeps working
    await here.should_see(kind=PipelineBoard)


async def test_the_sessions_read_in_english_too(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    laptop = await sign_in_elsewhere(app_ctx, ana)
    await sign_in(ana_user, ana)
    await ana_user.open('/profile')
    choose(ana_user, 'profile-language', 'en')
    ana_user.find(marker='profile-save').click()
    await ana_user.should_see('Your profile', retries=50)

    await ana_user.should_see('Active sessions')
    await ana_user.should_see('This device')
    await ana_user.should_see('Sign out all others')
    assert shown(ana_user, f'session-device-{laptop}') == 'Chrome on Linux'
    assert shown(ana_user, f'session-details-{laptop}').startswith('203.0.113.7 · last used ')


class TestPasswordReset:
    """ "Esqueci minha senha" on /login mails a link to /reset-password (a tiny SMTP server receives it)."""

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

    async def test_a_mailed_link_sets_a_new_password_and_signs_out_everywhere(self, create_user, person, inbox):
        ana = await person('Ana Souza')
        signed_in, forgetful = create_user(), create_user()
        await sign_in(signed_in, ana)

        await forgetful.open('/login')
        forgetful.find(marker='login-email').type(ana.email)
        forgetful.find(marker='forgot-open').click()
        await forgetful.should_see('Redefinir senha')
        assert forgetful.find(marker='forgot-email').elements.pop().value == ana.email
        forgetful.find(marker='forgot-submit').click()
        await forgetful.should_see(f'Se houver uma conta para {ana.email}, enviamos um link para ela.', retries=50)
        await until(lambda: inbox.messages, 'the reset e-mail arrives')
        [message] = inbox.messages
        assert message['To'] == ana.email
        link = LINK.search(message.get_content())
        assert link, message.get_content()

        await forgetful.open(f'/reset-password?token={link.group(1)}')
        await forgetful.should_see('Escolha uma nova senha')
        choose(forgetful, 'reset-new', NEW_PASSWORD)
        choose(forgetful, 'reset-repeat', 'Different456')
        forgetful.find(marker='reset-submit').click()
        await forgetful.should_see('A nova senha e a repetição não são iguais.')
        choose(forgetful, 'reset-repeat', NEW_PASSWORD)
        forgetful.find(marker='reset-submit').click()
        await forgetful.should_see('Senha redefinida. Entre com a nova senha.')

        await signed_in.should_see('Sua sessão terminou. Entre novamente.', retries=50)
        await forgetful.open(f'/reset-password?token={link.group(1)}')  # used: the link works once
        await forgetful.should_see(marker='reset-invalid')
        forgetful.find(marker='reset-to-login').click()
        await forgetful.should_see(marker='login-email')
        forgetful.find(marker='login-email').type(ana.email)
        forgetful.find(marker='login-password').type(NEW_PASSWORD)
        forgetful.find(marker='login-submit').click()
        await forgetful.should_see(kind=PipelineBoard, retries=50)

    async def test_an_unknown_e_mail_gets_the_same_answer_and_no_mail(self, create_user, person, inbox):
        await person('Ana Souza')  # someone has an account, not this address
        visitor = create_user()
        await visitor.open('/login')
        visitor.find(marker='forgot-open').click()
        visitor.find(marker='forgot-email').type('nobody@example.com')
        visitor.find(marker='forgot-submit').click()
        await visitor.should_see('Se houver uma conta para nobody@example.com, enviamos um link para ela.')
        visitor.find(marker='forgot-email').clear().type('not an e-mail')
        visitor.find(marker='forgot-submit').click()
        await visitor.should_see('E-mail inválido')
        assert inbox.messages == []


async def test_without_mail_the_dialog_says_to_ask_an_administrator(create_user):
    visitor = create_user()
    await visitor.open('/login')

    visitor.find(marker='forgot-open').click()

    await visitor.should_see('Este servidor não envia e-mails. Peça a um administrador para redefinir sua senha.')
    await visitor.should_not_see(marker='forgot-submit')


async def test_a_reset_link_that_is_unknown_says_so_in_english_too(create_user):
    visitor = create_user()
    await visitor.open('/reset-password?token=not-a-real-token')
    await visitor.should_see('Este link de redefinição é inválido, já foi usado ou expirou.', retries=20)
    visitor.find('English').click()
    await visitor.should_see('This reset link is invalid, already used or expired.', retries=50)
