"""Two people of one organization in two Chromium windows: what one moves, the other sees at once."""

import httpx
import pytest
from api_person import ApiPerson
from browser_helpers import (
    BrowserFactory,
    Server,
    announcements,
    board,
    card,
    card_names,
    create_lead,
    drag_reaches_teammate,
    register,
    seed_team,
    sign_in,
    summary,
    wait_for_value,
)
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


def team_boards(server: Server, open_browser: BrowserFactory) -> tuple[ApiPerson, webdriver.Chrome, webdriver.Chrome]:
    """Ana and Bruno of one team (``seed_team``), each signed in to the board in a window of their own."""
    ana, bruno = seed_team(server)
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)
    return ana, a, b


def alt_key(driver: webdriver.Chrome, key: str) -> None:
    """Press Alt+key on whatever has the focus."""
    ActionChains(driver).key_down(Keys.ALT).send_keys(key).key_up(Keys.ALT).perform()


def test_a_drag_in_one_browser_appears_in_the_teammates_browser_only(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = seed_team(db_server)
    carla = register(db_server, 'Carla Dias')  # another organization
    create_lead(carla, 'Oficina da Carla', value='10')
    a, b, c = open_browser(), open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)
    sign_in(c, carla)

    drag_reaches_teammate(a, b)

    wait_for_value(
        b,
        lambda d: 'Ana Souza moveu Academia Movimento para Proposta' in announcements(d),
        True,
        "Bruno's aria-live announcement of Ana's move",
    )
    # Bruno already saw the move, so it was delivered: Carla's board never shows Ana's cards
    assert board(c) == {'lead': ['Oficina da Carla'], 'contato': [], 'proposta': [], 'negociacao': [], 'fechado': []}
    assert summary(c, 'lead') == '1 lead · R$ 10,00'
    assert summary(c, 'proposta') == '0 leads · R$ 0,00'
    assert not any('Academia' in text for text in announcements(c))


def test_a_keyboard_move_appears_in_both_browsers_and_is_announced(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    _, a, b = team_boards(db_server, open_browser)
    wait_for_value(b, lambda d: card_names(d, 'contato'), [], "Bruno's Contato column before the move")

    a.execute_script('arguments[0].focus()', card(a, 'Padaria Pão Quente'))
    alt_key(a, Keys.ARROW_RIGHT)

    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(driver, lambda d: card_names(d, 'contato'), ['Padaria Pão Quente'], f"{person}'s Contato column")
        wait_for_value(driver, lambda d: card_names(d, 'lead'), ['Academia Movimento'], f"{person}'s Lead column")
        wait_for_value(driver, lambda d: summary(d, 'contato'), '1 lead · R$ 1.000,00', f"{person}'s Contato header")
        wait_for_value(driver, lambda d: summary(d, 'lead'), '1 lead · R$ 250,50', f"{person}'s Lead header")
    wait_for_value(
        a,
        lambda d: 'Padaria Pão Quente movido para Contato, posição 1' in announcements(d),
        True,
        "Ana's aria-live announcement",
    )

    # the moved card keeps the keyboard focus: pressing Alt+→ again moves it on, to the top of Proposta
    wait_for_value(
        a,
        lambda d: d.execute_script('return document.activeElement.querySelector(".lead-name")?.textContent'),
        'Padaria Pão Quente',
        'the focused card after the move',
    )
    alt_key(a, Keys.ARROW_RIGHT)
    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(
            driver,
            lambda d: card_names(d, 'proposta'),
            ['Padaria Pão Quente', 'Escola Aprender'],
            f"{person}'s Proposta column",
        )
        wait_for_value(driver, lambda d: card_names(d, 'contato'), [], f"{person}'s Contato column")


def test_a_teammate_whose_connection_dropped_sees_the_moves_made_meanwhile(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana, a, b = team_boards(db_server, open_browser)
    wait_for_value(b, lambda d: card_names(d, 'proposta'), ['Escola Aprender'], "Bruno's Proposta column")

    # Bruno's connection drops (his laptop's Wi-Fi, say) while Ana moves two cards over the API
    b.execute_script('window.__samePage = true')
    b.execute_script('window.socket.io.reconnection(false); window.socket.io.engine.close();')
    wait_for_value(b, lambda d: d.execute_script('return window.socket.connected'), False, "Bruno's socket")
    with httpx.Client(base_url=db_server.url, headers=ana.headers, timeout=10) as api:
        ids = {lead['name']: lead['id'] for lead in api.get('/crm/leads').json()['leads']}
        api.put(f'/crm/leads/{ids["Padaria Pão Quente"]}/stage', json={'stage': 'fechado'}).raise_for_status()
        api.put(f'/crm/leads/{ids["Escola Aprender"]}/stage', json={'stage': 'contato'}).raise_for_status()
    wait_for_value(a, lambda d: card_names(d, 'fechado'), ['Padaria Pão Quente'], "Ana's Fechado column")
    b.execute_script('window.socket.io.reconnection(true); window.socket.connect();')

    expected = {
        'lead': ['Academia Movimento'],
        'contato': ['Escola Aprender'],
        'proposta': [],
        'negociacao': [],
        'fechado': ['Padaria Pão Quente'],
    }
    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(driver, board, expected, f"{person}'s board")
    wait_for_value(b, lambda d: summary(d, 'fechado'), '1 lead · R$ 1.000,00', "Bruno's Fechado header")
    assert b.execute_script('return window.__samePage') is True  # caught up over the socket, not by a reload
