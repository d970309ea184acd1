"""Signing out and back in on the only open board keeps it live once NiceGUI reaps the old page.

The story: Ana is the only one of her team with the board open. She signs out with the header's button
and signs in again in the same tab. ``RECONNECT_TIMEOUT`` seconds after she left, NiceGUI deletes the
old page's client, which stops the old board a second time (sign-out already stopped it). Her new board
must go on receiving the team's events: her own drags update the column totals, and she and Bruno see
each other's moves.
"""

import time
from collections.abc import Iterator

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    card_names,
    drag,
    postgres_database,
    seed_team,
    sign_in,
    summary,
    wait,
    wait_for_value,
)
from selenium import webdriver
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

RECONNECT_TIMEOUT = 4  # seconds (the default is 10): short wait, yet ~5x the ~0.7 s that signing in again takes
# after the reaping is due: the server's timer and event loop may run a little late on a loaded machine
REAP_MARGIN = 1.5


@pytest.fixture(scope='module')
def db_server(browser_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module's own server per database backend, reaping a left page after ``RECONNECT_TIMEOUT`` seconds.

    Named like the shared fixture so that conftest's ``server_log_clean`` watches its log too.
    """
    settings = {'RECONNECT_TIMEOUT': str(RECONNECT_TIMEOUT)}
    data_dir = tmp_path_factory.mktemp(f'server-relogin-{browser_db}')
    if browser_db == 'sqlite':
        server = Server(data_dir=data_dir, settings=settings).start()
        try:
            yield server
        finally:
            server.stop()
        return
    with postgres_database() as url:
        server = Server(data_dir=data_dir, database_url=url, settings=settings).start()
        try:
            yield server
        finally:
            server.stop()


def load_more_buttons(driver: webdriver.Chrome) -> list[str]:
    """Texts of the visible "Carregar mais" buttons of the board."""
    script = (
        "return [...document.querySelectorAll('[data-stage] button')]"
        ".filter(b => b.offsetParent !== null && b.textContent.includes('Carregar mais'))"
        '.map(b => b.textContent.trim())'
    )
    return list(driver.execute_script(script))


def test_after_signing_out_and_in_again_the_board_stays_live_once_the_old_page_is_gone(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = seed_team(db_server)
    a = open_browser()
    sign_in(a, ana)

    # Ana signs out with the header's button and, in the same tab, signs in again
    signed_out = time.monotonic()
    a.find_element(By.CSS_SELECTOR, 'header button[aria-label="Sair"]').click()
    wait(a).until(lambda d: d.current_url.endswith('/login'))
    left = time.monotonic()  # the old board's page is gone from the browser: NiceGUI's reaping timer runs
    sign_in(a, ana, typing=False)
    # the story needs the new board subscribed before the old page is reaped (the reaping comes at the
    # earliest RECONNECT_TIMEOUT after the click): otherwise the second stop would find nothing to break
    back = time.monotonic() - signed_out
    assert back < RECONNECT_TIMEOUT, f'signing in again took {back:.1f} s: raise RECONNECT_TIMEOUT above it'
    a.execute_script('window.__samePage = true')

    # Waiting for server time: NiceGUI deletes the old client RECONNECT_TIMEOUT seconds after its socket
    # closed (at the latest when the browser showed /login), and nothing a person sees tells when
    time.sleep(max(0.0, left + RECONNECT_TIMEOUT + REAP_MARGIN - time.monotonic()))

    # (1) Ana drags a card: her column headers follow, and no column offers to load cards it already shows
    drag(a, 'Academia Movimento', 'proposta')
    wait_for_value(
        a, lambda d: sorted(card_names(d, 'proposta')), ['Academia Movimento', 'Escola Aprender'], "Ana's Proposta"
    )
    wait_for_value(a, lambda d: card_names(d, 'lead'), ['Padaria Pão Quente'], "Ana's Lead column")
    wait_for_value(a, lambda d: summary(d, 'lead'), '1 lead · R$ 1.000,00', "Ana's Lead header after her drag")
    wait_for_value(a, lambda d: summary(d, 'proposta'), '2 leads · R$ 2.250,50', "Ana's Proposta header after her drag")
    wait_for_value(a, load_more_buttons, [], "Ana's load-more buttons after her drag")

    # (2) Bruno opens the board in his own browser and moves a card: Ana sees it without reloading
    b = open_browser()
    sign_in(b, bruno)
    wait_for_value(b, lambda d: card_names(d, 'lead'), ['Padaria Pão Quente'], "Bruno's Lead column")
    drag(b, 'Padaria Pão Quente', 'contato')
    for driver, person in ((b, 'Bruno'), (a, 'Ana')):
        wait_for_value(driver, lambda d: card_names(d, 'contato'), ['Padaria Pão Quente'], f"{person}'s Contato")
        wait_for_value(driver, lambda d: card_names(d, 'lead'), [], f"{person}'s Lead column")
        wait_for_value(driver, lambda d: summary(d, 'contato'), '1 lead · R$ 1.000,00', f"{person}'s Contato header")
        wait_for_value(driver, lambda d: summary(d, 'lead'), '0 leads · R$ 0,00', f"{person}'s Lead header")

    # ... and Ana moves one: Bruno sees it
    drag(a, 'Escola Aprender', 'negociacao')
    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(driver, lambda d: card_names(d, 'negociacao'), ['Escola Aprender'], f"{person}'s Negociação")
        wait_for_value(driver, lambda d: card_names(d, 'proposta'), ['Academia Movimento'], f"{person}'s Proposta")
        wait_for_value(
            driver, lambda d: summary(d, 'negociacao'), '1 lead · R$ 2.000,00', f"{person}'s Negociação header"
        )
        wait_for_value(driver, lambda d: summary(d, 'proposta'), '1 lead · R$ 250,50', f"{person}'s Proposta header")
    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(driver, load_more_buttons, [], f"{person}'s load-more buttons")
    assert a.execute_script('return window.__samePage') is True  # Ana's board followed live, never reloaded
