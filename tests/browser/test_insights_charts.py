"""The insights page in Chromium: the four charts draw, the KPIs follow a teammate's move, the filter is in the URL."""

import httpx
import pytest
from browser_helpers import BrowserFactory, Server, create_lead, join_organization, register, sign_in, wait_for_value
from selenium import webdriver
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

CHARTS = ('funnel', 'value', 'time', 'moves')


def kpi(driver: webdriver.Chrome, name: str) -> str:
    """A KPI card's figure as the browser shows it."""
    cards = driver.find_elements(By.CSS_SELECTOR, '.kpi-card')
    titles = [c.find_element(By.CSS_SELECTOR, '.kpi-title').text for c in cards]
    return str(cards[titles.index(name)].find_element(By.CSS_SELECTOR, '.kpi-value').text)


def canvases(driver: webdriver.Chrome) -> int:
    """How many chart cards hold a drawn canvas."""
    return sum(1 for card in driver.find_elements(By.CSS_SELECTOR, '.chart-card') if card_drawn(driver, card))


def card_drawn(driver: webdriver.Chrome, card: object) -> bool:
    """Whether this chart card's ECharts drew on a canvas of some size."""
    script = "const c = arguments[0].querySelector('canvas'); return !!c && c.width > 0 && c.height > 0"
    return bool(driver.execute_script(script, card))


def test_charts_draw_and_follow_a_teammates_move(server: Server, open_browser: BrowserFactory) -> None:
    ana = register(server, 'Ana Souza')
    bruno = join_organization(ana, 'Bruno Lima')
    acme = create_lead(ana, 'Acme Ltda', value='1000', source='site')
    create_lead(ana, 'Beta Comércio', stage='proposta', value='250', source='evento')
    browser = open_browser()
    sign_in(browser, ana)
    browser.find_element(By.CSS_SELECTOR, 'a.nav-link[href^="/insights"]').click()

    wait_for_value(browser, canvases, len(CHARTS), 'charts drawn on canvases')
    wait_for_value(browser, lambda d: kpi(d, 'Pipeline aberto'), 'R$ 1.250,00', 'the open pipeline')
    assert kpi(browser, 'Valor fechado') == 'R$ 0,00'

    with httpx.Client(base_url=server.url, timeout=10) as api:
        api.put(f'/crm/leads/{acme["id"]}/stage', json={'stage': 'fechado'}, headers=bruno.headers).raise_for_status()
    wait_for_value(browser, lambda d: kpi(d, 'Valor fechado'), 'R$ 1.000,00', "the closed value after Bruno's move")
    assert kpi(browser, 'Conversão') == '50,0%'

    # choosing a source puts it in the address: the filtered view can be bookmarked
    browser.get(f'{server.url}/insights?source=evento&period=90')
    wait_for_value(browser, lambda d: kpi(d, 'Pipeline aberto'), 'R$ 250,00', 'the filtered open pipeline')
    wait_for_value(browser, canvases, len(CHARTS), 'charts drawn for the filtered view')
    board_link = browser.find_element(By.CSS_SELECTOR, 'a.nav-link[href^="/pipeline"]')
    assert board_link.get_attribute('href') == f'{server.url}/pipeline?source=evento'
