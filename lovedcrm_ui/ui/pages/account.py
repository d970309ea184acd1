"""Sign in, register, sign out and the "no access" page."""

import uuid

from email_validator import EmailNotValidError, validate_email
from nicegui import app, ui

from models.auth import MARKUP

from ...context import AppContext
from ...services import auth, organizations
from ...services.errors import DomainError, ErrorCode, Invalid
from ..i18n import Translate, translator
from ..refusals import refusal
from ..session import (
    client_address,
    client_user_agent,
    forget_login,
    load_signed_in,
    load_viewer,
    page_language,
    remember_login,
)
from ..switcher import switch_organization
from ..theme import browser_theme
from ..widgets import entry_card
from .password_reset import ForgotPasswordDialog


def _email_problem(email: str, t: Translate) -> str | None:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return t('form.invalid_email')
    return None


def _open_board(result: auth.AuthResult) -> None:
    """Keep the new sign-in in this browser and open its organization's board."""
    remember_login(
        user_id=result.user.id,
        organization_id=result.organization.id if result.organization else None,
        session_id=result.session_id,
    )
    ui.navigate.to('/pipeline')


def register_account_pages(ctx: AppContext) -> None:
    """Add /login, /register, /logout and /no-access."""

    @ui.page('/login', title='Entrar · LovedCRM')
    async def login_page() -> None:
        t = translator(page_language())
        browser_theme()  # the theme this browser last used (a signed-in page stored it)
        if await load_viewer(ctx) is not None:
            ui.navigate.to('/pipeline')
            return
        with entry_card(t):
            ui.label(t('login.title')).classes('text-lg').props('role=heading aria-level=1')
            email = ui.input(t('login.email')).props('type=email autocomplete=username outlined').classes('w-full')
            password = ui.input(t('login.password'), password=True, password_toggle_button=True)
            password.props('autocomplete=current-password outlined').classes('w-full')
            email.mark('login-email')
            password.mark('login-password')
            error = ui.label().classes('text-negative').props('role=alert aria-live=assertive')

            async def submit() -> None:
                error.text = ''
                address = (email.value or '').strip()
                if not address or not password.value:
                    error.text = t('login.invalid')
                    return
                try:
                    result = await auth.login(
                        ctx.db,
                        hasher=ctx.hasher,
                        tokens=ctx.tokens,
                        throttle=ctx.password_checks,
                        email=address,
                        password=password.value,
                        address=client_address(),
                        user_agent=client_user_agent(),
                    )
                except DomainError as exc:  # wrong credentials or too many attempts
                    error.text = refusal(exc, t)
                    return
                _open_board(result)

            password.on('keydown.enter', submit)
            ui.button(t('login.submit'), on_click=submit).classes('w-full').mark('login-submit')
            forgot = ForgotPasswordDialog(ctx, t, email)
            ui.button(t('forgot.open'), on_click=forgot.show).props('flat dense no-caps').mark('forgot-open')
            ui.link(t('login.no_account'), '/register')

    @ui.page('/register', title='Criar conta · LovedCRM')
    async def register_page() -> None:
        t = translator(page_language())
        browser_theme()  # the theme this browser last used (a signed-in page stored it)
        with entry_card(t):
            ui.label(t('register.title')).classes('text-lg').props('role=heading aria-level=1')
            name = ui.input(
                t('register.full_name'), validation={t('form.too_long', n=255): lambda v: len(v or '') <= 255}
            )
            name.props('outlined autocomplete=name').classes('w-full')
            email = ui.input(t('login.email')).props('type=email outlined autocomplete=email').classes('w-full')
            password = ui.input(t('login.password'), password=True, password_toggle_button=True)
            password.props('outlined autocomplete=new-password').classes('w-full')
            ui.label(t('register.password_rule')).classes('text-caption text-grey-7')
            terms = ui.checkbox(t('register.terms'))
            error = ui.label().classes('text-negative').props('role=alert aria-live=assertive')

            async def submit() -> None:
                error.text = ''
                address = (email.value or '').strip()
                full_name = (name.value or '').strip() or None
                problem = _email_problem(address, t)
                if problem:
                    error.text = problem
                    return
                if not name.validate():
                    return
                if full_name and MARKUP.search(full_name):
                    error.text = t('register.name_markup')
                    return
                if not terms.value:
                    error.text = t('register.terms_required')
                    return
                try:
                    async with ctx.db.session() as session:
                        result = await auth.register(
                            session,
                            hasher=ctx.hasher,
                            tokens=ctx.tokens,
                            email=address,
                            password=password.value or '',
                            full_name=full_name,
                            terms_accepted=True,
                            address=client_address(),
                            user_agent=client_user_agent(),
                            organization_name=t('register.organization_name', name=full_name or address.split('@')[0]),
                        )
                except Invalid as exc:
                    named = exc.code in (ErrorCode.NAME_TOO_LONG, ErrorCode.TEXT_INVALID)  # else a password rule
                    error.text = refusal(exc, t) if named else t('register.password_rule')
                    return
                except DomainError as exc:  # the e-mail is taken
                    error.text = refusal(exc, t)
                    return
                _open_board(result)

            ui.button(t('register.submit'), on_click=submit).classes('w-full')
            ui.link(t('register.have_account'), '/login')

    @ui.page('/logout')
    async def logout_page() -> None:
        viewer = await load_viewer(ctx)
        if viewer is not None:
            async with ctx.db.session() as session:
                await auth.end_session(session, user_id=viewer.user_id, session_id=viewer.session_id)
        forget_login()
        ui.navigate.to('/login')

    @ui.page('/no-access', title='Sem acesso · LovedCRM')
    async def no_access_page() -> None:
        t = translator(page_language())
        browser_theme()  # the theme this browser last used (a signed-in page stored it)
        storage = app.storage.user  # this browser's, captured while its page is built
        signed_in = await load_signed_in(ctx, storage)
        others = []
        if signed_in is not None:
            async with ctx.db.session(read_only=True) as session:
                others = await organizations.user_organizations(session, user_id=signed_in.user_id)

        async def open_organization(organization_id: uuid.UUID) -> None:
            assert signed_in is not None
            try:
                await switch_organization(
                    ctx,
                    user_id=signed_in.user_id,
                    session_id=signed_in.session_id,
                    organization_id=organization_id,
                    storage=storage,
                )
            except DomainError as exc:
                ui.notify(refusal(exc, t), type='negative')
                return
            ui.navigate.to('/pipeline')

        with ui.column().classes('absolute-center max-w-md gap-4 p-4 items-center text-center'):
            ui.icon('block', size='3rem').classes('text-negative')
            ui.label(t('noaccess.title')).classes('text-2xl font-bold')
            ui.label(t('noaccess.body'))
            if others:  # still a member elsewhere (e.g. their own organization): one click away
                ui.label(t('noaccess.other_organizations'))
                for organization, _role in others:
                    ui.button(organization.name, on_click=lambda o=organization.id: open_organization(o)).props(
                        'outline no-caps'
                    ).mark(f'open-{organization.id}')
            ui.button(t('noaccess.login'), on_click=lambda: ui.navigate.to('/logout'))

    @ui.page('/')
    def index() -> None:
        ui.navigate.to('/pipeline')
