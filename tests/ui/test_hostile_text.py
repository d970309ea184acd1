"""A NUL character typed or pasted into any field of the UI is refused with a visible message, never a crash.

The pages call the services directly (no API schema in between); PostgreSQL cannot even compare text with
NUL in it, so before the rule a search, a sign-in or a registration with one failed inside a handler and
the person saw nothing at all.
"""

from typing import Any

from nicegui import ui
from nicegui.testing import User
from sqlalchemy import func, select
from ui_helpers import add_lead, all_handled, board_of, fire, new_lead_dialog, sign_in

from lovedcrm_ui.context import AppContext
from models import Lead
from models import User as Account

TEXT_REFUSED = 'O texto contém um caractere inválido (NUL).'


def field(user: User, label: str) -> Any:
    """The one text input of the page with this label."""
    assert user.client is not None
    found = [e for e in user.client.elements.values() if isinstance(e, ui.input) and e.props.get('label') == label]
    assert len(found) == 1, f'{len(found)} inputs labelled {label!r}'
    return found[0]


async def count(ctx: AppContext, statement: Any) -> int:
    async with ctx.db.session(cross_org=True, read_only=True) as session:
        return int(await session.scalar(statement) or 0)


async def test_a_search_with_nul_is_refused_and_the_board_stays(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)

    board.board.filter_bar.text.value = 'Ac\x00me'

    await ana_user.should_see(TEXT_REFUSED)
    assert board.names('lead') == ['Acme Ltda']
    board.board.filter_bar.text.value = 'acme'  # fixing the text clears the message
    await ana_user.should_not_see(TEXT_REFUSED)


async def test_a_lead_with_nul_is_refused_naming_the_field(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await new_lead_dialog(ana_user)

    dialog.name.value = 'Acme\x00 Ltda'
    dialog.phone.value = 'call\x00 back'
    async with all_handled():
        fire(dialog.save_button, 'click')

    await ana_user.should_see('Nome: contém um caractere inválido (NUL); Telefone: contém um caractere inválido (NUL)')
    assert dialog.value  # still open, the text still there to fix
    assert await count(app_ctx, select(func.count()).select_from(Lead)) == 0


async def test_a_sign_in_with_nul_in_the_e_mail_is_refused_with_a_message(user: User, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    await user.open('/login')
    user.find(marker='login-email').type(ana.email.replace('@', '\x00@'))
    user.find(marker='login-password').type('Secret123')
    user.find(marker='login-submit').click()

    await user.should_see(TEXT_REFUSED)


async def test_a_registration_with_nul_in_the_name_is_refused_with_a_message(user: User, app_ctx):  # type: ignore[no-untyped-def]
    await user.open('/register')
    field(user, 'Nome completo').value = 'Ana\x00 Souza'
    field(user, 'E-mail').value = 'ana.nul@example.com'
    field(user, 'Senha').value = 'Secret123'
    user.find('Aceito os termos de uso').click()
    user.find('Criar conta e organização').click()

    await user.should_see(TEXT_REFUSED)
    assert await count(app_ctx, select(func.count()).select_from(Account)) == 0


async def test_an_invite_link_with_nul_names_no_invite(user: User, app_ctx):  # type: ignore[no-untyped-def]
    await user.open('/invite/abc%00def')

    await user.should_see('Este link de convite não é válido. Confira se ele foi copiado inteiro.')
