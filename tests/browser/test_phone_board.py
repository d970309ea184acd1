"""The board on a phone (390 by 844 px, touch): the filters wait behind one button, the cards start near the top, and a
card's WhatsApp link opens WhatsApp, not the lead."""

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    board,
    card,
    create_lead,
    join_organization,
    plan_activity,
    register,
    sign_in,
    wait,
    wait_for_value,
)
from selenium import webdriver
from selenium.webdriver.common.by import By
from test_accessibility_axe import AXE, BLOCKING, axe_violations, describe

pytestmark = pytest.mark.browser

SHOWN = 'const r = arguments[0].getBoundingClientRect(); return r.width > 0 && r.height > 0'


def shown(driver: webdriver.Chrome, css: str) -> bool:
    """Whether the element takes room on the page (CSS may hide it)."""
    return bool(driver.execute_script(SHOWN, driver.find_element(By.CSS_SELECTOR, css)))


def test_on_a_phone_the_filters_fold_behind_one_button_and_card_links_do_not_open_the_lead(
    server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(server, 'Ana Souza')
    create_lead(
        ana,
        'Padaria Pão Quente',
        value='3200',
        phone='11987654321',
        email='compras@padaria.com.br',
        assigned_user_id=ana.user_id,
    )
    create_lead(ana, 'Farmácia Vida', value='500', source='indicação')
    phone = open_browser(width=390, height=844, phone=True)
    sign_in(phone, ana)

    # the filters are folded: one "Filtros" button, and the first card starts in the top 40 % of the screen
    assert not shown(phone, '.filter-bar') and shown(phone, '.filters-toggle')
    top = phone.execute_script(
        'return arguments[0].getBoundingClientRect().top / innerHeight', card(phone, 'Farmácia Vida')
    )
    assert top < 0.4, f'the first card starts at {top:.0%} of the screen height'

    toggle = phone.find_element(By.CSS_SELECTOR, '.filters-toggle')
    toggle.click()
    wait(phone).until(lambda d: shown(d, '.filter-bar'))
    assert toggle.get_attribute('aria-expanded') == 'true'
    if AXE.exists():  # the unfolded filters on a phone (the audit of every page runs in test_accessibility_axe.py)
        blocking = [v for v in axe_violations(phone) if v['impact'] in BLOCKING]
        assert not blocking, describe(blocking)
    search = phone.find_element(By.CSS_SELECTOR, '.filter-bar input[aria-label]')
    search.send_keys('Padaria')
    wait_for_value(phone, lambda d: board(d)['lead'], ['Padaria Pão Quente'], 'the search narrows the board')
    toggle.click()
    wait(phone).until(lambda d: not shown(d, '.filter-bar'))
    badge = phone.find_element(By.CSS_SELECTOR, '.filters-toggle .q-badge')
    assert badge.text == '1' and toggle.get_attribute('aria-label') == 'Filtros: 1 filtro ativo'

    # the owner's initials on the card (name in the tooltip and the card's label), the phone in the usual spelling
    padaria = card(phone, 'Padaria Pão Quente')
    owner = padaria.find_element(By.CSS_SELECTOR, '.lead-assignee')
    assert (owner.text, owner.get_attribute('title'), owner.is_displayed()) == ('AS', 'Ana Souza', True)
    assert 'Responsável: Ana Souza' in str(padaria.get_attribute('aria-label'))
    assert padaria.find_element(By.CSS_SELECTOR, '.lead-phone').text == '(11) 98765-4321'

    # the card's WhatsApp link: a new tab to wa.me, and the lead dialog stays closed
    link = card(phone, 'Padaria Pão Quente').find_element(By.CSS_SELECTOR, 'a[target=_blank]')
    assert link.get_attribute('href') == 'https://wa.me/5511987654321'
    assert link.get_attribute('rel') == 'noopener noreferrer' and link.text.endswith('WhatsApp')
    # the page's last listener notes where the click would go and stays there (no network in tests): the board's
    # own listener, on the columns, has heard the click before it
    phone.execute_script(
        "document.addEventListener('click', e => { const a = e.target.closest('a');"
        ' if (a && !e.defaultPrevented) { window.followed = a.href; e.preventDefault(); } })'
    )
    link.click()
    wait_for_value(phone, lambda d: d.execute_script('return window.followed'), 'https://wa.me/5511987654321', 'link')
    # then its star: it fills once the server has handled both clicks (a dialog's backdrop would have taken it)
    card(phone, 'Padaria Pão Quente').find_element(By.CSS_SELECTOR, '.lead-star').click()
    wait_for_value(
        phone,
        lambda d: card(d, 'Padaria Pão Quente').find_element(By.CSS_SELECTOR, '.lead-star').text,
        'star',
        'the star fills',
    )
    assert phone.find_elements(By.CSS_SELECTOR, '.q-dialog') == [], 'the WhatsApp link opened the lead dialog'

    # the lead on a phone: Save stays in view under a form taller than the screen, the feed in the form's text size
    card(phone, 'Padaria Pão Quente').find_element(By.CSS_SELECTOR, '.lead-name').click()
    save = wait(phone).until(
        lambda d: d.find_element(By.XPATH, "//div[contains(@class, 'q-dialog')]//button[normalize-space()='Salvar']")
    )
    in_view = 'const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight'
    wait(phone).until(lambda d: d.execute_script(in_view, save))
    # the bar ends where the dialog ends: no strip of the form shows through under Save
    gap = phone.execute_script(
        "const bar = document.querySelector('.q-dialog .lead-dialog-actions').getBoundingClientRect();"
        "const box = document.querySelector('.q-dialog .q-card').getBoundingClientRect();"
        'return box.bottom - bar.bottom'
    )
    assert abs(gap) < 1, f'{gap} px of the form show under the Save bar'
    sizes = phone.execute_script(
        'const size = css => getComputedStyle(document.querySelector(css)).fontSize;'
        "return [size('.q-dialog .lead-feed'), size('.q-dialog .q-field')]"
    )
    assert sizes[0] == sizes[1], f'the feed is set in {sizes[0]}, the form in {sizes[1]}'


OVERLAPS = """
const boxes = [...arguments[0].querySelectorAll(arguments[1])].map(e => e.getBoundingClientRect());
const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
return boxes.some((a, i) => boxes.some((b, j) => i < j && meet(a, b)));
"""


def test_on_a_phone_team_rows_and_my_activities_stay_readable(server: Server, open_browser: BrowserFactory) -> None:
    ana = register(server, 'Ana Souza')
    join_organization(ana, 'Bartolomeu Nepomuceno de Albuquerque Filho')  # a long name beside a role select
    lead = create_lead(ana, 'Cooperativa Agroindustrial Vale do Café', value='900')
    plan_activity(ana, lead['id'], 'call', 'Retornar a ligação do diretor financeiro', '2031-03-10T13:00:00Z')
    phone = open_browser(width=390, height=844, phone=True)
    sign_in(phone, ana)

    phone.get(f'{server.url}/team')
    wait(phone).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '.member-row')) == 2)
    for row in phone.find_elements(By.CSS_SELECTOR, '.member-row'):
        # name, e-mail, role select and remove button never draw over each other (they did: the select over the name)
        assert not phone.execute_script(OVERLAPS, row, '.nicegui-column > *, .q-select, .q-btn'), row.text
    assert phone.execute_script('return document.documentElement.scrollWidth <= innerWidth')

    phone.get(f'{server.url}/activities')
    row = wait(phone).until(lambda d: d.find_element(By.CSS_SELECTOR, '.activity-row'))
    assert not phone.execute_script(OVERLAPS, row, '.nicegui-column > *, a, .q-btn')
    link = row.find_element(By.TAG_NAME, 'a')
    assert link.text == 'Cooperativa Agroindustrial Vale do Café'
    assert phone.execute_script('return document.documentElement.scrollWidth <= innerWidth')
