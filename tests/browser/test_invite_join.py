"""Invite → join in two Chromium windows: the owner invites on /team, the newcomer registers from the link."""

import uuid

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    card_names,
    create_lead,
    drag,
    register,
    sign_in,
    wait,
    wait_for_value,
    wait_until_live,
)
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

pytestmark = pytest.mark.browser


def field(driver: webdriver.Chrome, label: str, tag: str = 'input') -> WebElement:
    """The first input (or textarea) whose floating label reads ``label`` (waits for it)."""
    xpath = f'//label[.//*[normalize-space()={label!r}]]//{tag}'
    return wait(driver).until(lambda d: d.find_element(By.XPATH, xpath))  # type: ignore[no-any-return]


def button(driver: webdriver.Chrome, text: str) -> WebElement:
    """The button whose text ends with ``text`` (an icon's ligature may come first)."""
    xpath = f'//button[substring(normalize-space(), string-length(normalize-space()) - {len(text) - 1}) = {text!r}]'
    return wait(driver).until(lambda d: d.find_element(By.XPATH, xpath))  # type: ignore[no-any-return]


def test_the_owner_invites_on_the_team_page_and_the_newcomer_joins_the_live_board(
    db_server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(db_server, 'Ana Souza')
    create_lead(ana, 'Padaria Pão Quente', value='1000')
    newcomer = f'bruno-{uuid.uuid4().hex[:8]}@example.com'
    owner, guest = open_browser(), open_browser()
    sign_in(owner, ana)

    owner.get(f'{db_server.url}/team')
    field(owner, 'E-mail da pessoa').send_keys(newcomer)
    field(owner, 'Mensagem (opcional)', 'textarea').send_keys('Bem-vindo ao time de vendas!')
    button(owner, 'Criar convite').click()
    link_input = field(owner, 'Link do convite')
    wait(owner).until(lambda _: link_input.get_attribute('value'))
    link = str(link_input.get_attribute('value'))
    assert link.startswith(f'{db_server.url}/invite/'), link

    guest.get(link)
    wait(guest).until(lambda d: "Convite para Ana Souza's Organization" in d.page_source)
    assert 'Bem-vindo ao time de vendas!' in guest.page_source
    assert field(guest, 'E-mail').get_attribute('value') == newcomer  # pre-filled and locked
    assert field(guest, 'E-mail').get_attribute('readonly') is not None
    field(guest, 'Nome completo').send_keys('Bruno Lima')
    field(guest, 'Senha').send_keys('Secret123')
    guest.find_element(
        By.XPATH, "//div[contains(@class,'q-checkbox')][.//*[normalize-space()='Aceito os termos de uso']]"
    ).click()
    button(guest, 'Criar conta e entrar na equipe').click()

    wait(guest).until(lambda d: d.current_url.endswith('/pipeline'))
    wait_until_live(guest)
    assert guest.find_element(By.CSS_SELECTOR, '.organization-name').text == ana.organization_name
    wait_for_value(guest, lambda d: card_names(d, 'lead'), ['Padaria Pão Quente'], "the newcomer's Lead column")

    owner.get(f'{db_server.url}/pipeline')
    wait_until_live(owner)
    drag(owner, 'Padaria Pão Quente', 'proposta')
    wait_for_value(guest, lambda d: card_names(d, 'proposta'), ['Padaria Pão Quente'], "the newcomer's Proposta column")
