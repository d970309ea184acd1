"""Two teammates with the same lead open in two Chromium windows: a note Ana adds shows in Bruno's dialog."""

import pytest
from browser_helpers import BrowserFactory, Server, card, seed_team, sign_in, wait, wait_for_value
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

pytestmark = pytest.mark.browser
NOTE_INPUT = (By.CSS_SELECTOR, ".q-dialog input[placeholder='Escreva uma nota…']")


def open_lead(driver: webdriver.Chrome, name: str) -> None:
    """Open a lead's dialog with Enter on its card, and wait for its notes feed."""
    driver.execute_script('arguments[0].focus()', card(driver, name))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(driver).until(EC.visibility_of_element_located(NOTE_INPUT))


def notes_shown(driver: webdriver.Chrome) -> list[str]:
    """The note texts of the open dialog's feed, top to bottom."""
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, '.q-dialog .note-body')]


def test_a_note_added_in_one_browser_shows_in_the_teammates_open_dialog(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = seed_team(db_server)
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)
    open_lead(b, 'Padaria Pão Quente')
    wait_for_value(
        b, lambda d: 'Nenhuma nota ainda.' in d.find_element(By.CSS_SELECTOR, '.q-dialog').text, True, 'empty feed'
    )
    open_lead(a, 'Padaria Pão Quente')

    field = a.find_element(*NOTE_INPUT)
    field.send_keys('Pediu orçamento <b>grande</b>')
    field.send_keys(Keys.ENTER)

    wait_for_value(b, notes_shown, ['Pediu orçamento <b>grande</b>'], "Bruno's open dialog")  # as text, not markup
    wait_for_value(a, notes_shown, ['Pediu orçamento <b>grande</b>'], "Ana's own dialog")
    assert a.find_element(*NOTE_INPUT).get_property('value') == ''
    assert 'Ana Souza' in b.find_element(By.CSS_SELECTOR, '.q-dialog').text
