"""Hostile text in every field a person can fill is shown as text in Chromium, never run, never laid out wider.

Two stories with two windows each (an owner and a teammate): the lead fields on the board, in the lead
dialog, in its history, in toasts and filter choices and live on the teammate's board; then people's,
the organization's and an invite's text in the header, the presence bar, the switcher, the Team and
Settings pages and the invite link's page.

The payloads set ``window.__xss`` if they ever run: HTML with event handlers, Vue/JS template syntax
(``{{ 7*7 }}`` must stay literal, never become 49), a ``javascript:`` URL, right-to-left overrides,
strings with no break opportunity, and a display name that closes a quoted prop and opens a ``:prop``
(NiceGUI evaluates ``:name=…`` props as JavaScript, and the page's CSP has to allow 'unsafe-eval' for Vue).
Display names refuse markup (models/user.py ``MARKUP``), so they carry the quote and template payloads.
"""

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest
from accounts import PASSWORD
from api_person import ApiPerson
from browser_helpers import (
    BrowserFactory,
    Server,
    announcements,
    board,
    card,
    click,
    create_lead,
    sign_in,
    wait,
    wait_for_value,
)
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from models.user import initials

pytestmark = pytest.mark.browser

TEMPLATE = '{{ 7*7 }}'  # Vue interpolation: shown as typed, or the page compiled user text
RLO, PDF = '\u202e', '\u202c'  # right-to-left override and its end

ANA_NAME = f'Ana {TEMPLATE} ${{7*7}} {RLO}azuoS{PDF}'
# closes the quoted aria-label of a props string and adds a prop NiceGUI evaluates as JavaScript
BRUNO_NAME = f'Bruno" :data-xss="window.__xss=8" title="{TEMPLATE}'
# also in the page's first HTML on every page (NiceGUI inlines the elements in a script's template literal)
ORGANIZATION = (
    f'<img src=x onerror=window.__xss=9>"><svg onload=window.__xss=3> {TEMPLATE} ${{7*7}}'
    ' </script><script>window.__xss=15</script> `${window.__xss=16}`'
)
WEBSITE = 'https://x.example/"><svg/onload=window.__xss=10>'  # a javascript: address is refused (422)

LEAD: dict[str, Any] = {
    'name': f'<img src=x onerror=window.__xss=1> {TEMPLATE} {RLO}fdp.exe{PDF}',
    'email': 'x{{7*7}}@example.com',
    'phone': '"><svg onload=window.__xss=4>',
    'source': 'javascript:window.__xss=5',
    'tags': ['<img src=x onerror=window.__xss=6>', TEMPLATE, '${7*7}'],
    'notes': f'</textarea><script>window.__xss=7</script> {TEMPLATE}\n${{7*7}}',
}
LIVE_NAME = '<script>window.__xss=2</script>"><svg onload=window.__xss=3> ${7*7}'
LIVE_EDIT = {'source': f'"><img src=x onerror=window.__xss=11> {TEMPLATE}', 'tags': [f'{RLO}gat{PDF}', TEMPLATE]}
TEAMMATE_NOTES = f'<img src=x onerror=window.__xss=12> {TEMPLATE} (Bruno)'
TEAMMATE_SOURCE = f'"><svg onload=window.__xss=15> {TEMPLATE}'
NEW_PHONE = f'<b>{TEMPLATE}</b>'
LONG: dict[str, Any] = {'name': 'W' * 255, 'source': 'S' * 100, 'tags': ['T' * 50]}  # no break opportunity anywhere
INVITE_MESSAGE = f'<script>window.__xss=13</script> {TEMPLATE} ${{7*7}} "><svg onload=window.__xss=14>'

# what markup or props from user text would have become (the app draws no handler attributes, nor these props);
# a payload's script element is one whose code is the payload (the page's own scripts carry the text as data)
INJECTED = 'img[src="x"], [onerror], [onload], [data-xss], [title="{{ 7*7 }}"], a[href^="javascript:" i]'
FIND_INJECTED = """return [...document.querySelectorAll(arguments[0]),
    ...[...document.scripts].filter(s => s.textContent.trim().startsWith('window.__xss'))
].map(e => e.outerHTML.slice(0, 120))"""
CSP = 'Content Security Policy'
DIALOG = "//div[contains(@class, 'q-dialog')]"
FILTER_BAR = "//*[contains(@class, 'filter-bar')]"
MENU_OPTIONS = '.q-menu .q-item .q-item__label'


# ----- the people ---------------------------------------------------------------------------------


def register_named(server: Server, full_name: str, handle: str) -> ApiPerson[Server]:
    """Register ``full_name`` (a hostile name makes no e-mail: ``handle`` does) with an organization of their own."""
    body = {
        'email': f'{handle}-{uuid.uuid4().hex[:8]}@example.com',
        'password': PASSWORD,
        'full_name': full_name,
        'terms_accepted': True,
    }
    response = httpx.post(f'{server.url}/auth/register', json=body, timeout=10)
    assert response.status_code == 201, response.text
    return ApiPerson.from_auth(server, response.json())


def hostile_team(server: Server) -> tuple[ApiPerson[Server], ApiPerson[Server]]:
    """Ana (owner) renames her organization to markup; Bruno, whose name breaks out of quotes, joins it."""
    ana = register_named(server, ANA_NAME, 'ana')
    refused = httpx.put(
        f'{server.url}/organizations/current', json={'website': 'javascript:window.__xss=10'}, headers=ana.headers
    )
    assert refused.status_code == 422, refused.text
    response = httpx.put(
        f'{server.url}/organizations/current',
        json={'name': ORGANIZATION, 'website': WEBSITE},
        headers=ana.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    ana = replace(ana, organization_name=ORGANIZATION)
    bruno = register_named(server, BRUNO_NAME, 'bruno')
    with httpx.Client(base_url=server.url, timeout=10) as api:
        api.post('/organizations/invites', json={'email': bruno.email}, headers=ana.headers).raise_for_status()
        token = server.invite_token(bruno.email)
        bearer = {'Authorization': f'Bearer {bruno.access_token}'}
        api.post(f'/invites/{token}/accept', json={'token': token}, headers=bearer).raise_for_status()
        # sign-in opens the most recently used organization: make it Ana's
        switched = api.post('/auth/switch-organization', json={'organization_id': ana.organization_id}, headers=bearer)
        switched.raise_for_status()
    return ana, ApiPerson.from_auth(server, switched.json())


# ----- what a window shows -------------------------------------------------------------------------


class Console:
    """A window's console messages, collected as they arrive (chromedriver hands each one out once)."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self.seen: list[str] = []

    def violations(self) -> list[str]:
        """Messages about something the Content-Security-Policy blocked."""
        self.seen.extend(str(entry['message']) for entry in self.driver.get_log('browser'))
        return [message for message in self.seen if CSP in message]


def assert_clean(driver: webdriver.Chrome, console: Console, where: str) -> None:
    """No payload ran, none became an element, and the policy blocked nothing (it would have, for a leak)."""
    ran = driver.execute_script("return typeof window.__xss === 'undefined' ? null : String(window.__xss)")
    assert ran is None, f'{where}: an injected script ran (window.__xss = {ran})'
    injected = driver.execute_script(FIND_INJECTED, INJECTED)
    assert injected == [], f'{where}: user text became elements: {injected}'
    assert console.violations() == [], f'{where}: Content-Security-Policy violations'


def texts(driver: webdriver.Chrome, css: str, inside: WebElement | None = None) -> list[str]:
    """The textContent of every element matching ``css`` (in ``inside``, or the page)."""
    script = 'return [...(arguments[1] || document).querySelectorAll(arguments[0])].map(e => e.textContent)'
    return list(driver.execute_script(script, css, inside))


def field_value(driver: webdriver.Chrome, label: str, tag: str = 'input', scope: str = '') -> str:
    """The value of the input (or textarea) whose floating label reads ``label`` (``scope``: an XPath prefix)."""
    xpath = f'{scope}//label[.//*[normalize-space()={label!r}]]//{tag}'
    element = wait(driver).until(lambda d: d.find_element(By.XPATH, xpath))
    return str(element.get_property('value'))


def open_select(driver: webdriver.Chrome, label: str) -> list[str]:
    """Open the filter bar's select labelled ``label``; the texts of its options (the menu stays open)."""
    xpath = f"{FILTER_BAR}//label[.//*[normalize-space()={label!r}]]//*[@role='combobox']"
    click(driver, lambda d: d.find_element(By.XPATH, xpath))
    wait(driver).until(lambda d: texts(d, MENU_OPTIONS))
    return texts(driver, MENU_OPTIONS)


def close_menu(driver: webdriver.Chrome) -> None:
    """Escape closes the open menu."""
    driver.find_element(By.TAG_NAME, 'body').send_keys(Keys.ESCAPE)
    wait(driver).until(lambda d: not texts(d, MENU_OPTIONS))


def toasts(driver: webdriver.Chrome) -> list[str]:
    """The messages of the notifications on screen (a save's, with its "Desfazer", is in the board's undo bar)."""
    return texts(driver, '.q-notification__message, .undo-bar .undo-message')


def dialog_title(driver: webdriver.Chrome) -> list[str]:
    """The lead dialog's title ([] while it is closed)."""
    return texts(driver, '.q-dialog .dialog-title')


def dialog_button(condition: str) -> Callable[[webdriver.Chrome], WebElement]:
    """Finds a button of an open dialog (``condition``: an XPath predicate)."""
    return lambda d: d.find_element(By.XPATH, f'{DIALOG}//button[{condition}]')


def assert_card_shows(driver: webdriver.Chrome, lead: dict[str, Any], *, assignee: str) -> None:
    """The card shows the lead's name, source, tags and assignee's initials as typed."""
    element = card(driver, lead['name'])  # found by the exact textContent of its name
    assert texts(driver, '.lead-source', element) == [lead['source']]
    assert texts(driver, '.lead-tag', element) == lead['tags']
    assert texts(driver, '.lead-assignee', element) == [assignee]
    assert str(element.get_attribute('aria-label')).startswith(f'{lead["name"]}, ')


def assert_card_fits(driver: webdriver.Chrome, name: str) -> None:
    """The card of ``name`` is no wider than its column, the column no wider than an empty one, nothing sticks out."""
    geometry = driver.execute_script(
        """const card = arguments[0], r = card.getBoundingClientRect();
        const column = card.closest('.stage-cards').getBoundingClientRect();
        const empty = document.querySelector('[data-stage="negociacao"] .stage-cards').getBoundingClientRect();
        const out = [...card.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > r.right + 0.5);
        return {card: Math.round(r.width), column: Math.round(column.width), empty: Math.round(empty.width),
                scroll: card.scrollWidth - card.clientWidth, outside: out.map(e => e.className)}""",
        card(driver, name),
    )
    assert geometry['card'] <= geometry['column'] == geometry['empty'], f'the long card grew: {geometry}'
    assert geometry['scroll'] == 0, f'text sticks out of the long card: {geometry}'
    assert geometry['outside'] == [], f'text sticks out of the long card: {geometry}'


# ----- the stories --------------------------------------------------------------------------------


def test_hostile_lead_text_shows_as_text_on_cards_in_the_dialog_toasts_filters_and_a_teammates_board(
    server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = hostile_team(server)
    fields = {key: value for key, value in LEAD.items() if key != 'name'}
    lead = create_lead(ana, LEAD['name'], **fields, assigned_user_id=bruno.user_id)
    create_lead(ana, LONG['name'], source=LONG['source'], tags=LONG['tags'])
    a, b = open_browser(), open_browser()
    console_a, console_b = Console(a), Console(b)
    sign_in(a, ana)
    sign_in(b, bruno)

    for driver in (a, b):
        assert_card_shows(driver, LEAD, assignee=initials(BRUNO_NAME))
        assert_card_fits(driver, LONG['name'])

    # live on the teammate's board: Ana creates and edits over the API, Bruno's open board follows
    live = create_lead(ana, LIVE_NAME, stage='contato')
    wait_for_value(b, lambda d: board(d)['contato'], [LIVE_NAME], "Bruno's Contato column")
    with httpx.Client(base_url=server.url, timeout=10) as api:
        api.put(f'/crm/leads/{live["id"]}', json=LIVE_EDIT, headers=ana.headers).raise_for_status()
        wait_for_value(
            b, lambda d: texts(d, '.lead-source', card(d, LIVE_NAME)), [LIVE_EDIT['source']], 'the edited source'
        )
        assert texts(b, '.lead-tag', card(b, LIVE_NAME)) == LIVE_EDIT['tags']
        # Bruno moves Ana's lead: her board announces it with both texts
        api.put(f'/crm/leads/{lead["id"]}/stage', json={'stage': 'contato'}, headers=bruno.headers).raise_for_status()
    wait_for_value(
        a,
        lambda d: f'{BRUNO_NAME} moveu {LEAD["name"]} para Contato' in announcements(d),
        True,
        "Ana's announcement of Bruno's move",
    )
    assert_clean(b, console_b, "Bruno's live board")

    # the dialog: every form field holds the text as typed; the history names the people as typed
    click(a, lambda d: card(d, LEAD['name']))
    wait_for_value(a, dialog_title, [LEAD['name']], 'the dialog title')
    for label, key, tag in (
        ('Nome', 'name', 'input'),
        ('E-mail', 'email', 'input'),
        ('Telefone', 'phone', 'input'),
        ('Origem', 'source', 'input'),
    ):
        assert field_value(a, label, tag, DIALOG) == LEAD[key], label
    # the notes it was created with are its first note in the feed, as text
    wait_for_value(a, lambda d: texts(d, '.q-dialog .note-body'), [LEAD['notes']], 'the notes feed')
    assert texts(a, '.q-dialog .q-chip__content') == LEAD['tags']
    assignee = f"{DIALOG}//label[.//*[normalize-space()='Responsável']]//*[contains(@class, 'q-field__native')]"
    assert a.find_element(By.XPATH, assignee).get_property('textContent') == BRUNO_NAME
    click(
        a,
        lambda d: d.find_element(By.XPATH, f"{DIALOG}//div[@role='tab'][.//*[normalize-space()='Histórico']]"),
    )
    wait_for_value(
        a,
        lambda d: texts(d, '.q-dialog .change-entry .font-medium')[-2:],
        [f'{BRUNO_NAME} moveu de Lead para Contato', f'{ANA_NAME} criou em Lead'],
        'the change log (newest first)',
    )

    # Bruno adds a note and changes the source meanwhile: the note shows in Ana's open feed as text; the conflict
    # lists the source as text; keeping Ana's edit saves, with a toast
    with httpx.Client(base_url=server.url, headers=bruno.headers, timeout=10) as api:
        api.post(f'/crm/leads/{lead["id"]}/notes', json={'body': TEAMMATE_NOTES}).raise_for_status()
        wait_for_value(a, lambda d: TEAMMATE_NOTES in texts(d, '.q-dialog .note-body'), True, "Bruno's note, live")
        api.put(f'/crm/leads/{lead["id"]}', json={'source': TEAMMATE_SOURCE}).raise_for_status()
        phone = a.find_element(By.XPATH, f"{DIALOG}//label[.//*[normalize-space()='Telefone']]//input")
        phone.send_keys(Keys.CONTROL, 'a')
        phone.send_keys(NEW_PHONE)
        click(a, dialog_button("normalize-space()='Salvar'"))
        wait_for_value(
            a,
            lambda d: texts(d, '.q-dialog .bg-amber-1 .text-body2 > div'),
            [f'Origem: agora {TEAMMATE_SOURCE}'],
            'conflict',
        )
        click(a, dialog_button("normalize-space()='Manter as minhas e salvar'"))
        wait_for_value(a, lambda d: f'{LEAD["name"]} salvo.' in toasts(d), True, 'the saved toast')
        saved = api.get(f'/crm/leads/{lead["id"]}').json()
    assert (saved['phone'], saved['notes']) == (NEW_PHONE, TEAMMATE_NOTES)  # stored as typed, too
    assert saved['source'] == TEAMMATE_SOURCE  # "keep mine" writes Ana's own edits only: Bruno's source stays
    assert_clean(a, console_a, "Ana's lead dialog")

    # delete the live lead: the question and the toast name it as typed; Bruno's board drops the card
    wait_for_value(a, dialog_title, [], 'the dialog after saving')
    click(a, lambda d: card(d, LIVE_NAME))
    wait_for_value(a, dialog_title, [LIVE_NAME], 'the live lead dialog')
    click(a, dialog_button("contains(@class, 'text-negative')"))  # the dialog's flat "Excluir"
    question = f'Excluir {LIVE_NAME}? Esta ação não pode ser desfeita.'
    wait_for_value(a, lambda d: question in texts(d, '.q-dialog .text-body1'), True, 'the delete question')
    click(a, dialog_button("contains(@class, 'bg-negative')"))  # the confirmation's "Excluir"
    wait_for_value(a, lambda d: f'{LIVE_NAME} excluído.' in toasts(d), True, 'the deleted toast')
    wait_for_value(b, lambda d: board(d)['contato'], [LEAD['name']], "Bruno's Contato after the delete")

    # the filter bar offers sources and tags as typed; a chosen tag is a chip with the literal text
    assert {LEAD['source'], LONG['source']} <= set(open_select(a, 'Origem'))
    close_menu(a)
    assert {*LEAD['tags'], *LONG['tags']} <= set(open_select(a, 'Etiquetas'))
    option = f"//*[contains(@class, 'q-menu')]//*[contains(@class, 'q-item')][normalize-space()={TEMPLATE!r}]"
    click(a, lambda d: d.find_element(By.XPATH, option))
    close_menu(a)
    wait_for_value(a, lambda d: texts(d, '.filter-bar .q-chip__content'), [TEMPLATE], 'the tag chip')
    wait_for_value(
        a,
        board,
        {'lead': [], 'contato': [LEAD['name']], 'proposta': [], 'negociacao': [], 'fechado': []},
        'the board filtered by the tag',
    )
    assert_clean(a, console_a, "Ana's filtered board")
    assert_clean(b, console_b, "Bruno's board")


def test_hostile_names_of_people_organizations_and_invites_show_as_text(
    server: Server, open_browser: BrowserFactory
) -> None:
    ana, bruno = hostile_team(server)
    invitee = '{{7*7}}-' + uuid.uuid4().hex[:8] + '@example.com'  # braces are valid in an e-mail's local part
    response = httpx.post(
        f'{server.url}/organizations/invites',
        json={'email': invitee, 'message': INVITE_MESSAGE},
        headers=ana.headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    token = server.invite_token(invitee)
    a, b = open_browser(), open_browser()
    console_a, console_b = Console(a), Console(b)
    sign_in(a, ana)  # checks the header's organization name too
    sign_in(b, bruno)

    # the header: one's own name, and both people in the presence bar
    for driver, me, other in ((a, ANA_NAME, BRUNO_NAME), (b, BRUNO_NAME, ANA_NAME)):
        assert texts(driver, '.viewer-name') == [me]
        wait_for_value(
            driver,
            lambda d: sorted(
                str(e.get_attribute('title')) for e in d.find_elements(By.CSS_SELECTOR, '.presence-avatar')
            ),
            sorted([f'{me} (você)', other]),
            'the presence bar',
        )
    # Bruno belongs to two organizations: the switcher lists both names as typed
    click(b, lambda d: d.find_element(By.CSS_SELECTOR, 'button[aria-label="Trocar de organização"]'))
    wait_for_value(
        b,
        lambda d: sorted(texts(d, '.q-menu .q-item .nicegui-row > div:last-child')),
        sorted([ORGANIZATION, f"{BRUNO_NAME}'s Organization"]),
        "Bruno's organizations",
    )
    assert_clean(b, console_b, "Bruno's board and switcher")

    # the Team page: names, the remove buttons' labels and the invites' e-mails as typed
    a.get(f'{server.url}/team')
    wait_for_value(a, lambda d: len(d.find_elements(By.CSS_SELECTOR, '.member-row')), 2, 'the member rows')
    assert_clean(a, console_a, 'the Team page')  # what ran here would act with the owner's rights
    assert texts(a, '.team-panel > .text-h5') == [f'Equipe — {ORGANIZATION}']
    names = [texts(a, '.font-medium', row)[0] for row in a.find_elements(By.CSS_SELECTOR, '.member-row')]
    assert sorted(names) == sorted([f'{ANA_NAME} (você)', BRUNO_NAME])
    removes = [str(e.get_attribute('aria-label')) for e in a.find_elements(By.CSS_SELECTOR, '.member-row button')]
    assert sorted(removes) == sorted(['Sair da organização', f'Remover {BRUNO_NAME}'])  # Ana's own: she would leave
    avatars = [
        str(e.get_attribute('aria-label')) for e in a.find_elements(By.CSS_SELECTOR, '.member-row .q-avatar[role=img]')
    ]
    assert sorted(avatars) == sorted([ANA_NAME, BRUNO_NAME])
    wait_for_value(
        a,
        lambda d: [texts(d, '.font-medium', row)[0] for row in d.find_elements(By.CSS_SELECTOR, '.invite-row')],
        [invitee, bruno.email],
        'the invite list (newest first)',
    )

    # Settings: the organization's name and its markup-laden website stay in their fields
    a.get(f'{server.url}/settings')
    wait_for_value(a, lambda d: field_value(d, 'Nome'), ORGANIZATION, 'the name field')
    assert field_value(a, 'Site') == WEBSITE
    assert_clean(a, console_a, 'the Settings page')

    # the invite link's page, opened by someone else: organization, inviter, message and e-mail as typed
    b.get(f'{server.url}/invite/{token}')
    wait_for_value(b, lambda d: texts(d, '.invite-panel .text-h5'), [f'Convite para {ORGANIZATION}'], 'the heading')
    shown = texts(b, '.invite-panel > div')
    assert f'{ANA_NAME} convidou você para a equipe como Membro.' in shown, shown
    assert texts(b, '.invite-message') == [INVITE_MESSAGE]
    assert any(text.startswith(f'Enviado para {invitee} · vale até ') for text in shown), shown
    assert any(
        text.startswith(f'Você está conectado como {bruno.email}, mas este convite é para {invitee}.') for text in shown
    ), shown
    assert_clean(b, console_b, 'the invite page')
