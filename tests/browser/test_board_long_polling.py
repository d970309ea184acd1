"""The board when browsers can only long-poll (SOCKET_IO_TRANSPORTS=polling: proxies that block WebSockets)."""

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    card_names,
    drag_reaches_teammate,
    register,
    seed_team,
    sign_in,
    wait,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

pytestmark = pytest.mark.browser

TRANSPORT = 'return window.socket.io.engine.transport.name'


def test_a_drag_reaches_the_teammate_when_browsers_can_only_long_poll(
    polling_server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = seed_team(polling_server)
    a, b = open_browser(), open_browser()
    sign_in(a, ana, typing=False)
    sign_in(b, bruno, typing=False)
    assert [a.execute_script(TRANSPORT), b.execute_script(TRANSPORT)] == ['polling', 'polling']

    drag_reaches_teammate(a, b)

    # still long-polling: nothing upgraded to a WebSocket on the way
    assert [a.execute_script(TRANSPORT), b.execute_script(TRANSPORT)] == ['polling', 'polling']


def test_typing_on_the_login_page_signs_in_when_browsers_can_only_long_poll(
    polling_server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(polling_server, 'Ana Souza')
    browser = open_browser()

    sign_in(browser, ana)  # key by key, as fast as chromedriver types

    assert browser.find_element(By.CSS_SELECTOR, '.organization-name').text == ana.organization_name


def test_a_lead_typed_in_the_quick_add_dialog_keeps_its_name_when_browsers_can_only_long_poll(
    polling_server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(polling_server, 'Ana Souza')
    browser = open_browser()
    sign_in(browser, ana, typing=False)
    browser.find_element(By.CSS_SELECTOR, '[data-stage="lead"] button[aria-label="Adicionar lead em Lead"]').click()
    name_field = wait(browser).until(
        EC.visibility_of_element_located(
            (By.XPATH, "//div[contains(@class, 'q-dialog')]//label[.//*[normalize-space()='Nome']]//input")
        )
    )

    name_field.send_keys('Construtora Horizonte Engenharia Ltda')
    assert name_field.get_property('value') == 'Construtora Horizonte Engenharia Ltda'  # what the person sees
    browser.find_element(By.XPATH, "//div[contains(@class, 'q-dialog')]//button[normalize-space()='Salvar']").click()

    wait(browser).until(lambda d: card_names(d, 'lead'))
    assert card_names(browser, 'lead') == ['Construtora Horizonte Engenharia Ltda']
