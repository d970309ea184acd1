"""Ana drags a card in Chromium, presses "Desfazer" (or Ctrl+Z) in the undo bar, and both windows show the card back."""

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    card_names,
    drag_reaches_teammate,
    seed_team,
    sign_in,
    summary,
    wait,
    wait_for_same_board,
    wait_for_value,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions

pytestmark = pytest.mark.browser
UNDO = (By.XPATH, "//*[contains(@class, 'undo-bar')]//button[contains(., 'Desfazer')]")
SEARCH = (By.CSS_SELECTOR, 'input[aria-label="Buscar nome, e-mail ou telefone"]')


def test_ana_drags_then_undoes_and_both_windows_show_the_card_back(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = seed_team(db_server)
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)

    drag_reaches_teammate(a, b)  # Academia Movimento: Lead → Proposta, in both windows
    bar_text = wait(a).until(expected_conditions.visibility_of_element_located((By.CLASS_NAME, 'undo-bar'))).text
    assert 'Academia Movimento movido para Proposta' in bar_text
    assert b.find_elements(*UNDO) == [] or not b.find_element(*UNDO).is_displayed()  # the offer is Ana's alone

    wait(a).until(expected_conditions.element_to_be_clickable(UNDO)).click()

    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(
            driver,
            lambda d: card_names(d, 'lead'),
            ['Academia Movimento', 'Padaria Pão Quente'],
            f"{person}'s Lead column (Academia back on top)",
        )
        wait_for_value(driver, lambda d: card_names(d, 'proposta'), ['Escola Aprender'], f"{person}'s Proposta")
        wait_for_value(driver, lambda d: summary(d, 'lead'), '2 leads · R$ 1.250,50', f"{person}'s Lead header")
    wait_for_same_board(a, b, "Ana's and Bruno's boards after the undo")
    wait(a).until(expected_conditions.invisibility_of_element_located(UNDO))


def test_ctrl_z_undoes_the_drag_but_not_inside_a_text_field(db_server: Server, open_browser: BrowserFactory) -> None:
    ana, bruno = seed_team(db_server)
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)
    drag_reaches_teammate(a, b)
    wait(a).until(expected_conditions.visibility_of_element_located(UNDO))

    # in the search field Ctrl+Z is the field's own undo: the typed text goes, the move stays
    a.find_element(*SEARCH).send_keys('w')  # in no lead's name: the filter hides every card
    wait_for_value(a, lambda d: card_names(d, 'proposta'), [], "Ana's board filtered by 'w'")
    ActionChains(a).key_down(Keys.CONTROL).send_keys('z').key_up(Keys.CONTROL).perform()
    wait_for_value(a, lambda d: d.find_element(*SEARCH).get_attribute('value'), '', "the search field's own undo")
    wait_for_value(a, lambda d: card_names(d, 'lead'), ['Padaria Pão Quente'], "Ana's board unfiltered")
    assert sorted(card_names(a, 'proposta')) == ['Academia Movimento', 'Escola Aprender']
    assert a.find_element(*UNDO).is_displayed()

    a.execute_script('document.activeElement.blur()')  # a click on an empty spot of the page
    ActionChains(a).key_down(Keys.CONTROL).send_keys('z').key_up(Keys.CONTROL).perform()

    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(
            driver,
            lambda d: card_names(d, 'lead'),
            ['Academia Movimento', 'Padaria Pão Quente'],
            f"{person}'s Lead column after Ctrl+Z",
        )
    wait(a).until(expected_conditions.invisibility_of_element_located(UNDO))
    assert a.find_element(*UNDO).get_attribute('aria-keyshortcuts') == 'Control+Z Meta+Z'  # said to screen readers
