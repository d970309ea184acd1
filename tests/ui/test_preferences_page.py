"""A user's preferences on /profile (issue 18): language, time zone, density and theme, applied at once and kept."""

import re

from nicegui.elements.dark_mode import DarkMode
from nicegui.elements.query import QueryElement
from nicegui.testing import User
from ui_helpers import add_lead, board_of, choose, sign_in, until

from lovedcrm_ui.services import notes
from lovedcrm_ui.ui.board.board import PipelineBoard
from lovedcrm_ui.ui.i18n import format_datetime
from models import User as UserRow


def dark_mode(user: User) -> bool | None:
    """The page's dark mode as the browser gets it: True, False, or None for the system's."""
    assert user.client is not None
    modes = [element for element in user.client.elements.values() if isinstance(element, DarkMode)]
    assert len(modes) == 1, modes
    return modes[0].value


def body_classes(user: User) -> list[str]:
    """The classes the page puts on ``<body>``."""
    assert user.client is not None
    for element in user.client.elements.values():
        if isinstance(element, QueryElement) and element.props['selector'] == 'body':
            return list(element.props['classes'])
    return []


async def preferences_of(app_ctx, someone) -> dict[str, str]:  # type: ignore[no-untyped-def]
    async with app_ctx.db.session(read_only=True) as session:
        row = await session.get(UserRow, someone.user_id)
        assert row is not None
        return {'language': row.language, 'timezone': row.timezone, 'density': row.density, 'theme': row.theme}


async def test_the_language_switches_every_text_at_once_and_is_kept(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/profile')
    await ana_user.should_see('Preferências')
    await ana_user.should_see('Densidade do quadro')

    choose(ana_user, 'profile-language', 'en')

    await ana_user.should_see('Board density', retries=50)
    await ana_user.should_see('Preferences')
    await ana_user.should_not_see('Preferências')
    assert (await preferences_of(app_ctx, ana))['language'] == 'en'
    await ana_user.open('/pipeline')
    await ana_user.should_see('Team')
    assert board_of(ana_user).board.t('stage.contato') == 'Contact'


async def test_times_follow_the_chosen_time_zone(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        note = await notes.add_note(session, caller=ana.caller(), lead_id=lead.id, body='Ligar amanhã')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/profile')
    await ana_user.should_see(' UTC')  # the session's "last used" time, before a zone is chosen

    choose(ana_user, 'preferences-timezone', 'America/Sao_Paulo')

    await ana_user.should_see('Preferências salvas.')
    await ana_user.should_see(' -03')  # the sessions list redraws in the new zone
    assert (await preferences_of(app_ctx, ana))['timezone'] == 'America/Sao_Paulo'
    await ana_user.open('/pipeline')
    board = board_of(ana_user)
    board.click('Acme Ltda')
    dialog = board.board.lead_dialog
    await until(lambda: dialog.value and dialog.feed.lead_id is not None)
    await ana_user.should_see('Ligar amanhã')
    await ana_user.should_see(format_datetime(note.created_at, 'pt-BR', 'America/Sao_Paulo'))


async def test_compact_density_marks_the_page_and_every_later_board(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    assert 'density-compact' not in body_classes(ana_user)
    await ana_user.open('/profile')

    choose(ana_user, 'preferences-density', 'compact')

    await until(lambda: 'density-compact' in body_classes(ana_user))
    assert (await preferences_of(app_ctx, ana))['density'] == 'compact'
    await ana_user.open('/pipeline')
    await ana_user.should_see(kind=PipelineBoard)
    assert 'density-compact' in body_classes(ana_user)
    await ana_user.open('/profile')
    choose(ana_user, 'preferences-density', 'comfortable')
    await until(lambda: 'density-compact' not in body_classes(ana_user))


async def test_the_theme_applies_at_once_on_every_page_and_from_the_header(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    assert dark_mode(ana_user) is False
    await ana_user.open('/profile')

    choose(ana_user, 'preferences-theme', 'dark')

    await until(lambda: dark_mode(ana_user) is True)
    assert (await preferences_of(app_ctx, ana))['theme'] == 'dark'
    header_switch = ana_user.find(marker='theme-menu').elements.pop()
    assert header_switch.props['icon'] == 'dark_mode'  # the header's switch shows the theme in use
    await ana_user.open('/team')
    assert dark_mode(ana_user) is True
    ana_user.find(marker='theme-menu').click()
    ana_user.find(marker='theme-system').click()  # the header's switch: follow the system
    await until(lambda: dark_mode(ana_user) is None)

    async def stored_theme_is_system() -> bool:
        return (await preferences_of(app_ctx, ana))['theme'] == 'system'

    await until(stored_theme_is_system)
    await ana_user.open('/logout')
    await ana_user.open('/login')
    assert dark_mode(ana_user) is None  # the sign-in page of this browser keeps the theme


async def test_the_browsers_time_zone_is_taken_when_asked_and_an_unknown_one_refused(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/profile')
    reported = {'zone': 'Mars/Olympus_Mons'}
    ana_user.javascript_rules[re.compile(r'Intl\.DateTimeFormat')] = lambda _match: reported['zone']

    ana_user.find(marker='preferences-browser-zone').click()

    await ana_user.should_see('O navegador não informou um fuso horário conhecido.')
    assert (await preferences_of(app_ctx, ana))['timezone'] == 'UTC'
    reported['zone'] = 'Asia/Kolkata'
    ana_user.find(marker='preferences-browser-zone').click()
    await ana_user.should_see('Preferências salvas.')
    assert (await preferences_of(app_ctx, ana))['timezone'] == 'Asia/Kolkata'
    await ana_user.should_see(' IST')  # the sessions list, in the new zone
