"""In Chromium: Ana moves a deal and raises another's probability; Bruno's window shows the weighted totals follow."""

import pytest
from browser_helpers import BrowserFactory, Server, card, drag, seed_team, sign_in, wait, wait_for_value
from selenium import webdriver
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

DIALOG = "//div[contains(@class,'q-dialog')]"


def weighted(driver: webdriver.Chrome, stage: str) -> str:
    """A column header's weighted line."""
    script = 'return document.querySelector(`[data-stage="${arguments[0]}"] .stage-weighted`)?.textContent.trim()'
    return str(driver.execute_script(script, stage))


def board_totals(driver: webdriver.Chrome) -> str:
    """The board header's totals, as one line."""
    script = "return [...document.querySelector('.board-totals').children].map(e => e.textContent.trim()).join(' · ')"
    return str(driver.execute_script(script))


def test_a_teammate_s_move_and_probability_change_the_weighted_totals_in_my_window(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = seed_team(db_server)  # Lead: Padaria 1000, Academia 250,50; Proposta: Escola 2000
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)
    wait_for_value(b, lambda d: weighted(d, 'proposta'), 'Ponderado: R$ 1.000,00', 'Proposta at 50%')
    assert board_totals(b) == '3 de 3 exibidos · Total R$ 3.250,50 · Ponderado R$ 1.125,05'

    drag(a, 'Padaria Pão Quente', 'proposta')
    wait_for_value(b, lambda d: weighted(d, 'proposta'), 'Ponderado: R$ 1.500,00', "Bruno's Proposta after the move")
    wait_for_value(b, lambda d: weighted(d, 'lead'), 'Ponderado: R$ 25,05', "Bruno's Lead after the move")

    card(a, 'Escola Aprender').click()
    field = wait(a).until(
        lambda d: d.find_element(By.XPATH, DIALOG + "//label[.//div[normalize-space()='Probabilidade (%)']]//input")
    )
    wait(a).until(lambda d: field.is_displayed())
    assert field.get_attribute('placeholder') == '50%'  # the stage's percent, said where it is typed
    field.send_keys('90')
    a.find_element(By.XPATH, DIALOG + "//button[.//span[normalize-space()='Salvar']]").click()

    wait_for_value(b, lambda d: weighted(d, 'proposta'), 'Ponderado: R$ 2.300,00', "Bruno's Proposta at Escola's 90%")
    wait_for_value(
        b, board_totals, '3 de 3 exibidos · Total R$ 3.250,50 · Ponderado R$ 2.325,05', "Bruno's board header totals"
    )
