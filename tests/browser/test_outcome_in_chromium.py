"""In Chromium: Ana drags a deal to Fechado, answers the prompt "Perdido" with a reason, Bruno's window shows it."""

import pytest
from browser_helpers import BrowserFactory, Server, card, drag, seed_team, sign_in, wait, wait_for_value
from selenium import webdriver
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

DIALOG = "//div[contains(@class,'q-dialog')]"


def click_in_prompt(driver: webdriver.Chrome, xpath: str) -> None:
    """Click what the open dialog shows at ``xpath`` (inside the dialog), once it is there."""
    element = wait(driver).until(lambda d: d.find_element(By.XPATH, DIALOG + xpath))
    wait(driver).until(lambda d: element.is_displayed())
    element.click()


def badge(driver: webdriver.Chrome, name: str) -> str:
    """The outcome badge's text on a card ('' without one)."""
    return str(
        driver.execute_script(
            "return arguments[0].querySelector('.lead-outcome')?.textContent || ''", card(driver, name)
        )
    )


def test_a_deal_dragged_to_fechado_and_marked_lost_shows_lost_in_the_teammates_window(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = seed_team(db_server)
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)

    drag(a, 'Escola Aprender', 'fechado')

    wait_for_value(b, lambda d: badge(d, 'Escola Aprender'), 'Sem resultado', "Bruno's card closed, no outcome yet")
    click_in_prompt(a, "//button[.//span[normalize-space()='Perdido']]")
    click_in_prompt(a, "//div[contains(@class,'q-radio')][.//div[normalize-space()='Preço']]")
    click_in_prompt(a, "//button[.//span[normalize-space()='Marcar como perdido']]")

    wait_for_value(b, lambda d: badge(d, 'Escola Aprender'), 'Perdido · Preço', "Bruno's badge")
    wait_for_value(a, lambda d: badge(d, 'Escola Aprender'), 'Perdido · Preço', "Ana's badge")
    label = card(b, 'Escola Aprender').get_attribute('aria-label') or ''
    assert 'Perdido · Preço' in label  # a screen reader hears it on Bruno's board too
