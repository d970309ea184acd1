"""One person's board in Chromium: a phone-size window, names that look like HTML, a column of 120 leads."""

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    board,
    card,
    card_names,
    create_lead,
    create_leads,
    drag,
    register,
    sign_in,
    summary,
    wait,
    wait_for_value,
    wait_until_live,
)
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC

pytestmark = pytest.mark.browser

IN_VIEW = 'const r = arguments[0].getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= innerWidth'


def in_view(driver: webdriver.Chrome, element: WebElement) -> bool:
    """Whether the element lies horizontally inside the window."""
    return bool(driver.execute_script(IN_VIEW, element))


def test_a_phone_sized_window_shows_the_board_and_scrolls_the_columns_sideways(
    server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(server, 'Ana Souza')
    create_lead(ana, 'Padaria Pão Quente', value='1000')
    create_lead(ana, 'Farmácia Vida', stage='fechado', value='500')
    phone = open_browser(width=390, height=844, phone=True)
    sign_in(phone, ana)

    assert phone.execute_script('return innerWidth') == 390
    assert board(phone) == {
        'lead': ['Padaria Pão Quente'],
        'contato': [],
        'proposta': [],
        'negociacao': [],
        'fechado': ['Farmácia Vida'],
    }
    row = phone.find_element(By.CSS_SELECTOR, '.board-columns')
    width = phone.execute_script('return [arguments[0].scrollWidth, arguments[0].clientWidth]', row)
    assert width[0] > width[1], f'the columns row does not overflow: scrollWidth, clientWidth = {width}'
    # the row scrolls, not the page
    page = phone.execute_script('return [document.documentElement.scrollWidth, innerWidth]')
    assert page[0] <= page[1], f'the page itself is wider than the phone: scrollWidth, innerWidth = {page}'
    assert in_view(phone, card(phone, 'Padaria Pão Quente'))
    assert not in_view(phone, card(phone, 'Farmácia Vida'))

    phone.execute_script('arguments[0].scrollLeft = arguments[0].scrollWidth', row)

    wait(phone).until(lambda d: d.execute_script('return arguments[0].scrollLeft', row) > 0)
    wait(phone).until(lambda d: in_view(d, card(d, 'Farmácia Vida')))
    assert not in_view(phone, card(phone, 'Padaria Pão Quente'))
    assert summary(phone, 'fechado') == '1 lead · R$ 500,00'


def assert_shown_as_text(driver: webdriver.Chrome, name: str) -> None:
    """The card shows ``name`` literally, and none of its markup became elements."""
    element = card(driver, name)  # found by the exact textContent of .lead-name
    assert element.find_element(By.CSS_SELECTOR, '.lead-name').text == name
    markup = element.find_elements(By.CSS_SELECTOR, 'img, b, script, .lead-name *')
    assert markup == [], f'markup from the name became elements: {[e.tag_name for e in markup]}'
    assert element.get_attribute('aria-label').startswith(f'{name}, ')


def test_lead_names_that_look_like_html_show_as_text(server: Server, open_browser: BrowserFactory) -> None:
    drawn = '<img src=x onerror=alert(1)><b>Bold</b>'
    live = '<script>alert(2)</script><i>Itálico</i> & Cia'
    ana = register(server, 'Ana Souza')
    create_lead(ana, drawn, value='10')
    browser = open_browser()
    sign_in(browser, ana)

    assert_shown_as_text(browser, drawn)
    create_lead(ana, live, stage='contato')  # reaches the open board as a live event
    assert_shown_as_text(browser, live)
    assert card_names(browser, 'contato') == [live]

    # Enter opens the lead: the dialog's name field holds the same text
    browser.execute_script('arguments[0].focus()', card(browser, drawn))
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    name_field = wait(browser).until(
        EC.visibility_of_element_located(
            (By.XPATH, "//div[contains(@class, 'q-dialog')]//label[.//*[normalize-space()='Nome']]//input")
        )
    )
    assert name_field.get_property('value') == drawn
    assert not EC.alert_is_present()(browser)
    # the dialog's buttons read as written ("Salvar"), like every other button: not in Quasar's capitals
    save = browser.find_element(By.XPATH, "//div[contains(@class, 'q-dialog')]//button[contains(., 'Salvar')]")
    assert save.text == 'Salvar'
    assert browser.execute_script("return document.querySelectorAll('img[src=x]').length") == 0


def test_a_board_of_120_leads_shows_50_then_loads_more_and_still_drags(
    server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(server, 'Ana Souza')
    create_leads(ana, [f'Lead {n:03d}' for n in range(120)], value='10')  # the last created is on top
    browser = open_browser()
    sign_in(browser, ana)

    first_page = [f'Lead {n:03d}' for n in range(119, 69, -1)]
    wait_for_value(browser, lambda d: card_names(d, 'lead'), first_page, 'the first 50 cards of Lead')
    assert summary(browser, 'lead') == '120 leads · R$ 1.200,00'
    load_more = browser.find_element(By.CSS_SELECTOR, '[data-stage="lead"] > button')
    assert load_more.text == 'Carregar mais (70 restantes)'

    load_more.click()

    two_pages = [f'Lead {n:03d}' for n in range(119, 19, -1)]
    wait_for_value(browser, lambda d: card_names(d, 'lead'), two_pages, 'Lead after "Carregar mais"')
    wait_for_value(browser, lambda _: load_more.text, 'Carregar mais (20 restantes)', 'the load-more button')

    drag(browser, 'Lead 060', 'contato')  # a card drawn by "Carregar mais"

    wait_for_value(browser, lambda d: card_names(d, 'contato'), ['Lead 060'], 'Contato after the drag')
    wait_for_value(browser, lambda d: summary(d, 'lead'), '119 leads · R$ 1.190,00', 'the Lead header')
    wait_for_value(browser, lambda d: summary(d, 'contato'), '1 lead · R$ 10,00', 'the Contato header')
    assert card_names(browser, 'lead') == [name for name in two_pages if name != 'Lead 060']
    assert load_more.text == 'Carregar mais (20 restantes)'

    browser.refresh()  # the move was saved
    wait_until_live(browser)
    wait_for_value(browser, lambda d: card_names(d, 'contato'), ['Lead 060'], 'Contato after a reload')
    assert card_names(browser, 'lead') == first_page
    assert browser.find_element(By.CSS_SELECTOR, '[data-stage="lead"] > button').text == 'Carregar mais (69 restantes)'


def dialog_title(driver: webdriver.Chrome) -> str:
    """The title of the open dialog ('' when none is open)."""
    return str(
        driver.execute_script(
            "const d = document.querySelector('.q-dialog .dialog-title'); return d ? d.textContent : ''"
        )
    )


def test_star_menu_key_right_click_and_reorder_reach_the_board(server: Server, open_browser: BrowserFactory) -> None:
    """Clicks and keys on cards are heard once for the whole board; each one still acts on its own card."""
    ana = register(server, 'Ana Souza')
    for name in ('Gama', 'Beta', 'Alfa'):  # newest on top: Alfa, Beta, Gama
        create_lead(ana, name)
    browser = open_browser()
    sign_in(browser, ana)
    wait_for_value(browser, lambda d: card_names(d, 'lead'), ['Alfa', 'Beta', 'Gama'], 'the Lead column')

    star = card(browser, 'Beta').find_element(By.CSS_SELECTOR, '.lead-star')
    star.click()  # stars the lead, does not open it
    wait_for_value(
        browser,
        lambda d: card(d, 'Beta').find_element(By.CSS_SELECTOR, '.lead-star').get_attribute('aria-pressed'),
        'true',
        "Beta's star",
    )
    assert dialog_title(browser) == ''

    browser.execute_script('arguments[0].focus()', card(browser, 'Alfa'))
    browser.switch_to.active_element.send_keys('m')
    wait_for_value(browser, lambda d: dialog_title(d).startswith('Mover para… Alfa'), True, 'the dialog opened by M')
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for_value(browser, dialog_title, '', 'the dialog after Escape')

    ActionChains(browser).context_click(card(browser, 'Gama')).perform()
    wait_for_value(
        browser, lambda d: dialog_title(d).startswith('Mover para… Gama'), True, 'the dialog opened by a right-click'
    )
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for_value(browser, dialog_title, '', 'the dialog after Escape')

    browser.execute_script('arguments[0].focus()', card(browser, 'Alfa'))
    ActionChains(browser).key_down(Keys.ALT).send_keys(Keys.ARROW_DOWN).key_up(Keys.ALT).perform()
    wait_for_value(browser, lambda d: card_names(d, 'lead'), ['Beta', 'Alfa', 'Gama'], 'the Lead column after Alt+↓')


def test_a_very_long_name_takes_two_lines_on_its_card_and_is_whole_in_its_tooltip(
    server: Server, open_browser: BrowserFactory
) -> None:
    name = 'Companhia Brasileira de Distribuição de Alimentos e Bebidas do Vale do São Francisco ' * 3
    name = name.strip()
    ana = register(server, 'Ana Souza')
    create_lead(ana, name, value='10')
    create_lead(ana, 'Padaria', value='10')
    browser = open_browser()
    sign_in(browser, ana)

    label = card(browser, name).find_element(By.CSS_SELECTOR, '.lead-name')
    lines = browser.execute_script(
        'const e = arguments[0], s = getComputedStyle(e);'
        'return [e.clientHeight / parseFloat(s.lineHeight), e.scrollHeight > e.clientHeight]',
        label,
    )
    assert round(lines[0]) == 2 and lines[1], f'lines shown, clipped: {lines}'
    assert label.get_attribute('title') == name
    assert card(browser, name).get_attribute('aria-label').startswith(f'{name}, ')  # heard whole
