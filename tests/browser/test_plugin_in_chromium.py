"""The example plugin (examples/temperature.py) in two Chromium windows: a card action reaches the teammate live.

Ana right-clicks a card and picks "Marcar como quente" from its menu; Bruno's board shows the red chip at once. Bruno
follows the header link to the plugin's page and sees the count change when Ana sets another lead's temperature in
the lead dialog.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    card,
    create_lead,
    join_organization,
    register,
    sign_in,
    wait,
    wait_for_value,
)
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


@pytest.fixture(scope='module')
def plugin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A SQLite server with PLUGINS=examples.temperature."""
    data_dir: Path = tmp_path_factory.mktemp('server-plugin')
    server = Server(data_dir=data_dir, settings={'PLUGINS': 'examples.temperature'}).start()
    try:
        yield server
    finally:
        server.stop()


def chip(driver: webdriver.Chrome, name: str) -> str:
    """The text of the plugin chip on a card ('' for none)."""
    script = (
        "return [...document.querySelectorAll('.lead-card')]"
        '.find(c => c.querySelector(".lead-name")?.textContent === arguments[0])'
        "?.querySelector('.lead-chip')?.textContent || ''"
    )
    return str(driver.execute_script(script, name))


def click_text(driver: webdriver.Chrome, selector: str, text: str) -> None:
    """Click the visible element matching ``selector`` showing ``text`` (any case: buttons are upper-cased by CSS)."""

    def find(d: webdriver.Chrome):  # type: ignore[no-untyped-def]
        return next(
            (e for e in d.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed() and text in e.text), None
        )

    element = wait(driver).until(find)
    element.click()


def test_a_card_action_and_a_plugin_page_in_two_browsers(plugin_server: Server, open_browser: BrowserFactory) -> None:
    ana = register(plugin_server, 'Ana Souza')
    bruno = join_organization(ana, 'Bruno Lima')
    create_lead(ana, 'Padaria Pão Quente', stage='contato', custom_fields={'temperature': 'fria'})
    create_lead(ana, 'Oficina Central', stage='lead', value='800')
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)
    wait_for_value(b, lambda d: chip(d, 'Padaria Pão Quente'), 'Fria', 'Bruno sees the cold chip')

    # Ana: right-click the card, then the plugin's entry in the card menu
    ActionChains(a).context_click(card(a, 'Padaria Pão Quente')).perform()
    click_text(a, '.q-dialog .q-btn', 'Marcar como quente')
    wait_for_value(b, lambda d: chip(d, 'Padaria Pão Quente'), 'Quente', "Bruno sees Ana's action at once")
    assert 'tone-red' in str(b.execute_script("return document.querySelector('.lead-chip.tone-red')?.className || ''"))

    # Bruno: the header link to the plugin's page, which counts leads per temperature
    click_text(b, 'a.nav-link', 'Temperaturas')
    wait(b).until(lambda d: '/x/temperaturas' in d.current_url)

    def hot_count(d: webdriver.Chrome) -> str:
        rows = d.find_elements(By.CSS_SELECTOR, '.q-table tbody tr')
        return next((r.text for r in rows if r.text.startswith('Quente')), '')

    wait_for_value(b, hot_count, 'Quente 1 0.00', 'the page counts the hot lead')

    # Ana sets the other lead's temperature in the lead dialog; Bruno's page follows
    card(a, 'Oficina Central').click()
    click_text(a, '.q-dialog .q-field', 'Temperatura')
    click_text(a, '.q-menu .q-item', 'Quente')
    a.find_element(By.CSS_SELECTOR, '.q-dialog input').send_keys(Keys.ENTER)  # Enter in the name field saves
    wait_for_value(b, hot_count, 'Quente 2 800.00', "Bruno's page follows Ana's save")
