"""Helpers for the real-browser tests: the server as a subprocess, REST seeding, Chromium and the board's DOM.

Imported by the browser tests as ``from browser_helpers import …`` (pytest puts this folder on ``sys.path``).
"""

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from accounts import PASSWORD
from api_person import ApiPerson, new_account
from contract import STAGES
from pg_harness import app_url, create_app_database_sync
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from server_process import ServerProcess

WAIT_SECONDS = 15  # upper bound of every explicit wait: long enough for a loaded 2-core machine

BrowserFactory = Callable[..., webdriver.Chrome]  # the ``open_browser`` fixture: launch(width, height, phone=False)


# ----- the server ---------------------------------------------------------------------------------


@dataclass
class Server(ServerProcess):
    """``main.py`` running as a subprocess on a loopback port with its own data directory (see ``ServerProcess``)."""

    database_url: str = ''  # empty: SQLite in the data directory
    transports: str = ''  # empty: the default (websocket, polling)
    settings: dict[str, str] = field(default_factory=dict)  # other app variables, e.g. {'RECONNECT_TIMEOUT': '3'}

    # a long-poll request of a closed browser holds uvicorn's graceful shutdown for ~8 s: do not wait for it
    stop_timeout = 3.0

    def extra_environment(self) -> dict[str, str]:
        """The database, the Socket.IO transports and the other settings, where given."""
        env: dict[str, str] = dict(self.settings)
        if self.database_url:
            env['DATABASE_URL'] = self.database_url
        if self.transports:
            env['SOCKET_IO_TRANSPORTS'] = self.transports
        return env

    def invite_token(self, email: str) -> str:
        """The pending invite token for ``email``, read from the database (the API never returns it)."""
        sql = "SELECT token FROM invites WHERE email = {} AND status = 'pending'"
        if not self.database_url:
            with sqlite3.connect(self.data_dir / 'lovedcrm.db') as conn:
                row = conn.execute(sql.format('?'), (email,)).fetchone()
            assert row is not None, f'no pending invite for {email}'
            return str(row[0])

        async def read() -> str:
            conn = await asyncpg.connect(self.database_url)
            try:
                token = await conn.fetchval(sql.format('$1'), email)
            finally:
                await conn.close()
            assert token is not None, f'no pending invite for {email}'
            return str(token)

        return asyncio.run(read())


# ----- PostgreSQL ---------------------------------------------------------------------------------


def postgres_admin_url() -> str:
    """The maintenance database of the test PostgreSQL server (same variable as tests/conftest.py)."""
    return os.environ.get('TEST_POSTGRES_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')


def postgres_admin(sql: str) -> None:
    """Run one statement on the maintenance database (outside a transaction)."""

    async def run() -> None:
        conn = await asyncpg.connect(postgres_admin_url())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (main.py migrates it at start), used as the app's role; dropped afterwards."""
    name = f'lovedcrm_b_{uuid.uuid4().hex[:12]}'
    create_app_database_sync(name)
    try:
        yield app_url(name, driver='postgresql')
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


# ----- people and leads over the REST API (the people: ``api_person.ApiPerson``) ------------------


def register(server: Server, full_name: str) -> ApiPerson[Server]:
    """Register a user with their own organization (a unique e-mail per call)."""
    response = httpx.post(f'{server.url}/auth/register', json=new_account(full_name), timeout=10)
    response.raise_for_status()
    return ApiPerson.from_auth(server, response.json())


def join_organization(owner: ApiPerson[Server], full_name: str) -> ApiPerson[Server]:
    """Register someone, have ``owner`` invite them, accept, and make the owner's organization their current one."""
    invitee = register(owner.server, full_name)
    url = owner.server.url
    response = httpx.post(
        f'{url}/organizations/invites', json={'email': invitee.email}, headers=owner.headers, timeout=10
    )
    response.raise_for_status()
    token = owner.server.invite_token(invitee.email)
    bearer = {'Authorization': f'Bearer {invitee.access_token}'}
    httpx.post(f'{url}/invites/{token}/accept', json={'token': token}, headers=bearer, timeout=10).raise_for_status()
    # sign-in opens the most recently used organization: make it the team's, not the invitee's own
    response = httpx.post(
        f'{url}/auth/switch-organization', json={'organization_id': owner.organization_id}, headers=bearer, timeout=10
    )
    response.raise_for_status()
    return ApiPerson.from_auth(owner.server, response.json())


def create_lead(
    person: ApiPerson[Server], name: str, *, stage: str = 'lead', value: str | None = None, **extra: Any
) -> dict[str, Any]:
    """``person`` creates a lead (it lands at the top of its column)."""
    body = {'name': name, 'stage': stage, 'estimated_value': value, **extra}
    response = httpx.post(f'{person.server.url}/crm/leads', json=body, headers=person.headers, timeout=10)
    response.raise_for_status()
    return dict(response.json())


def plan_activity(person: ApiPerson[Server], lead_id: str, kind: str, title: str, due_at: str) -> dict[str, Any]:
    """``person`` plans a next step on a lead (an ISO ``due_at``); the activity as created."""
    url = f'{person.server.url}/crm/leads/{lead_id}/activities'
    body = {'kind': kind, 'title': title, 'due_at': due_at}
    response = httpx.post(url, json=body, headers=person.headers, timeout=10)
    response.raise_for_status()
    return dict(response.json())


def create_leads(person: ApiPerson[Server], names: list[str], *, value: str | None = None) -> None:
    """``person`` creates many leads in Lead, one after the other (the last one ends on top)."""
    with httpx.Client(base_url=person.server.url, headers=person.headers, timeout=10) as client:
        for name in names:
            client.post('/crm/leads', json={'name': name, 'estimated_value': value}).raise_for_status()


# ----- Chromium -----------------------------------------------------------------------------------


def wait(driver: webdriver.Chrome, seconds: float = WAIT_SECONDS) -> WebDriverWait[webdriver.Chrome]:
    """An explicit wait that looks often (the default half-second poll would dominate the suite's time).

    Stale element handles are retried: Vue may replace an element between two looks.
    """
    return WebDriverWait(driver, seconds, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,))


def wait_for_value(driver: webdriver.Chrome, read: Any, expected: Any, message: str) -> None:
    """Wait until ``read(driver) == expected``; the failure message shows the last value seen."""
    seen: list[Any] = []

    def matches(d: webdriver.Chrome) -> bool:
        seen.append(read(d))
        return bool(seen[-1] == expected)

    try:
        wait(driver).until(matches)
    except TimeoutException as exc:
        raise AssertionError(f'{message}: expected {expected!r}, last saw {seen[-1] if seen else None!r}') from exc


def wait_for_same_board(a: webdriver.Chrome, b: webdriver.Chrome, message: str) -> None:
    """Wait until two windows show the same cards in the same columns and order."""
    try:
        wait(b).until(lambda _: board(a) == board(b))
    except TimeoutException as exc:
        raise AssertionError(f'{message}: first window {board(a)}, second window {board(b)}') from exc


def sign_in(driver: webdriver.Chrome, person: ApiPerson[Server], *, typing: bool = True) -> None:
    """Sign in through the login page and wait until the board is live.

    ``typing=False`` fills each field with a single input event, the way a password manager or a
    paste does, instead of one event per key.
    """
    driver.get(f'{person.server.url}/login')
    email = wait(driver).until(lambda d: d.find_element(By.XPATH, "//label[.//*[normalize-space()='E-mail']]//input"))
    password = driver.find_element(By.XPATH, "//label[.//*[normalize-space()='Senha']]//input")
    for field_input, value in ((email, person.email), (password, PASSWORD)):
        if typing:
            field_input.send_keys(value)
        else:
            driver.execute_script(
                "arguments[0].value = arguments[1];arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                field_input,
                value,
            )
    driver.find_element(By.XPATH, "//button[normalize-space()='Entrar']").click()
    # the board, or an error the person can read (no need to wait out the timeout)
    wait(driver).until(lambda d: d.current_url.endswith('/pipeline') or login_errors(d))
    errors = login_errors(driver)
    assert not errors, f'{person.full_name} did not reach the board; the login page says {errors}'
    wait_until_live(driver)
    shown = driver.find_element(By.CSS_SELECTOR, '.organization-name').text
    assert shown == person.organization_name, f'{person.full_name} sees the board of {shown!r}'


def login_errors(driver: webdriver.Chrome) -> list[str]:
    """Messages the login page shows in its alert region."""
    # one script, not element handles: they go stale when the sign-in navigates away mid-check
    script = (
        "return location.pathname !== '/login' ? [] : "
        "[...document.querySelectorAll('[role=alert]')].map(e => e.textContent.trim()).filter(Boolean)"
    )
    return list(driver.execute_script(script))


def wait_until_live(driver: webdriver.Chrome) -> None:
    """Wait for the five columns and NiceGUI's socket handshake (events reach the page from then on)."""
    wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-stage] .stage-cards')) == len(STAGES))
    wait(driver).until(
        lambda d: d.execute_script('return !!(window.socket && window.socket.connected && window.did_handshake)')
    )


# ----- the board's DOM ----------------------------------------------------------------------------


def card_names(driver: webdriver.Chrome, stage: str) -> list[str]:
    """Names on the cards of a column, top to bottom, as shown."""
    return list(
        driver.execute_script(
            'return [...document.querySelectorAll(`[data-stage="${arguments[0]}"] .stage-cards .lead-card .lead-name`)]'
            '.map(e => e.textContent)',
            stage,
        )
    )


def board(driver: webdriver.Chrome) -> dict[str, list[str]]:
    """Every column's card names."""
    return {stage: card_names(driver, stage) for stage in STAGES}


def summary(driver: webdriver.Chrome, stage: str) -> str:
    """A column header's "N leads · R$ …" line."""
    return str(
        driver.execute_script(
            'return document.querySelector(`[data-stage="${arguments[0]}"] .stage-summary`).textContent.trim()', stage
        )
    )


def card(driver: webdriver.Chrome, name: str) -> WebElement:
    """The card showing ``name`` (waits for it)."""
    script = (
        "return [...document.querySelectorAll('.lead-card')]"
        '.find(c => c.querySelector(".lead-name")?.textContent === arguments[0]) || null'
    )
    return wait(driver).until(lambda d: d.execute_script(script, name))  # type: ignore[no-any-return]


def column_cards(driver: webdriver.Chrome, stage: str) -> WebElement:
    """A column's sortable card list."""
    return driver.find_element(By.CSS_SELECTOR, f'[data-stage="{stage}"] .stage-cards')


def click(driver: webdriver.Chrome, find: Callable[[webdriver.Chrome], WebElement]) -> None:
    """Click what ``find`` finds once it holds still and takes clicks.

    A dialog or menu may still be opening or closing: during Quasar's scale transition Selenium's click lands
    where the button *was* measured, which can be beside it — the click then does nothing and no error says so.
    So the element must be in the same place on two looks in a row before it is clicked.
    """
    last_rect: list[dict[str, Any]] = []

    def clicked(d: webdriver.Chrome) -> bool:
        try:
            element = find(d)
            rect = element.rect
            if not last_rect or last_rect[-1] != rect:
                last_rect.append(rect)
                return False
            element.click()
        except (
            ElementClickInterceptedException,
            ElementNotInteractableException,
            NoSuchElementException,
            StaleElementReferenceException,
        ):
            return False
        return True

    wait(driver).until(clicked)


def drag(driver: webdriver.Chrome, name: str, stage: str) -> None:
    """Drag a card with the mouse onto a column's card list, the way a person does."""
    item = card(driver, name)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})", item)
    target = column_cards(driver, stage)
    actions = ActionChains(driver)
    actions.move_to_element(item).click_and_hold().pause(0.05)
    for dy in (-30, -15, 0, 5):
        actions.move_to_element_with_offset(target, 0, dy).pause(0.05)
    actions.pause(0.2).release().perform()


def announcements(driver: webdriver.Chrome) -> list[str]:
    """Texts of the polite aria-live regions."""
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll('[role=status][aria-live=polite]')].map(e => e.textContent.trim())"
        )
    )


# ----- stories shared by several tests ---------------------------------------------------------


def seed_team(server: Server) -> tuple[ApiPerson[Server], ApiPerson[Server]]:
    """Ana (owner) and Bruno (invited member) with a small board: Lead has two cards, Proposta one."""
    ana = register(server, 'Ana Souza')
    bruno = join_organization(ana, 'Bruno Lima')
    create_lead(ana, 'Padaria Pão Quente', value='1000')
    create_lead(ana, 'Academia Movimento', value='250.50')  # newest on top
    create_lead(ana, 'Escola Aprender', stage='proposta', value='2000')
    return ana, bruno


def drag_reaches_teammate(a: webdriver.Chrome, b: webdriver.Chrome) -> None:
    """Ana drags Academia from Lead to Proposta; both boards end up identical with the new totals."""
    expected_before = ['Academia Movimento', 'Padaria Pão Quente']
    wait_for_value(b, lambda d: card_names(d, 'lead'), expected_before, "Bruno's Lead column before the drag")

    drag(a, 'Academia Movimento', 'proposta')

    wait_for_value(
        a, lambda d: sorted(card_names(d, 'proposta')), ['Academia Movimento', 'Escola Aprender'], "Ana's Proposta"
    )
    wait_for_value(b, lambda d: card_names(d, 'lead'), ['Padaria Pão Quente'], "Bruno's Lead column")
    wait_for_value(
        b, lambda d: sorted(card_names(d, 'proposta')), ['Academia Movimento', 'Escola Aprender'], "Bruno's Proposta"
    )
    wait_for_same_board(a, b, "Ana's and Bruno's boards (same columns and order)")
    for driver, person in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(driver, lambda d: summary(d, 'lead'), '1 lead · R$ 1.000,00', f"{person}'s Lead header")
        wait_for_value(driver, lambda d: summary(d, 'proposta'), '2 leads · R$ 2.250,50', f"{person}'s Proposta header")
