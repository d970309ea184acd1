"""Ana drags a card in Chromium, presses "Desfazer" in the notification, and both windows show the card back."""

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
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

pytestmark = pytest.mark.browser
UNDO = (By.XPATH, "//*[contains(@class, 'undo-bar')]//button[contains(., 'Desfazer')]")


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
