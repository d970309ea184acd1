"""axe-core (WCAG 2.1 A and AA) finds no serious or critical violation on any page or dialog, in real Chromium.

axe-core is the npm package (tests/browser/axe/package.json; ``npm ci`` there — .ci/run does it), injected by
Selenium into each page after it has drawn (WebDriver's script calls are not bound by our Content-Security-Policy).
Each check names the page and lists every violation with its rule, impact and the elements it found, so a failure
says what to fix.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_person import ApiPerson
from browser_helpers import (
    BrowserFactory,
    Server,
    card,
    create_leads,
    join_organization,
    register,
    sign_in,
    wait,
    wait_until_live,
)
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / 'axe' / 'node_modules' / 'axe-core' / 'axe.min.js'
BLOCKING = ('serious', 'critical')


def axe_violations(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; the violations of WCAG 2.1 A/AA rules."""
    if not driver.execute_script('return !!window.axe'):
        driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
          .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));
        """
    )
    found = json.loads(result)
    assert not isinstance(found, dict), found
    return found  # type: ignore[no-any-return]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [f'{n["html"][:160]}\n      {n.get("failureSummary", "")[:240]}' for n in v['nodes'][:6]]
        lines.append(f'{v["id"]} ({v["impact"]}): {v["help"]}\n    ' + '\n    '.join(targets))
    return '\n'.join(lines)


class Audit:
    """Every page's serious and critical violations, reported together at the end (one run shows all to fix)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, driver: webdriver.Chrome, where: str) -> None:
        """Audit what the window shows now."""
        blocking = [v for v in axe_violations(driver) if v['impact'] in BLOCKING]
        if blocking:
            self.problems.append(f'{where}: {len(blocking)} serious/critical violations\n{describe(blocking)}')

    def assert_clean(self) -> None:
        assert not self.problems, '\n'.join(self.problems)


@pytest.fixture(scope='module', autouse=True)
def axe_installed() -> None:
    """axe-core from the npm registry, at the version package-lock.json pins (installed here on first use)."""
    if AXE.exists():
        return
    npm = shutil.which('npm')
    if npm is None:
        pytest.skip('needs npm to install axe-core (apt-get install npm; .ci/run does)')
    folder = AXE.parents[2]
    done = subprocess.run(
        [npm, 'ci', '--no-audit', '--no-fund'], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and AXE.exists(), f'npm ci in {folder} failed:\n{done.stdout}\n{done.stderr}'


def is_dark(driver: webdriver.Chrome) -> bool:
    """Quasar's dark mode is on in this window."""
    return bool(driver.execute_script("return document.body.classList.contains('body--dark')"))


def open_page(driver: webdriver.Chrome, url: str) -> None:
    driver.get(url)
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'main, .q-page'))
    wait(driver).until(lambda d: d.execute_script('return document.readyState') == 'complete')


def audit_dark_mode(driver: webdriver.Chrome, audit: Audit, server: Server, ana: ApiPerson[Server]) -> None:
    """The same pages, dialogs and a menu in the dark theme (Ana's preference, set through the API)."""
    httpx.patch(f'{server.url}/users/me', json={'theme': 'dark'}, headers=ana.headers, timeout=10).raise_for_status()
    open_page(driver, f'{server.url}/pipeline')
    wait_until_live(driver)
    wait(driver).until(is_dark)
    audit.check(driver, 'the board (dark)')
    card(driver, 'Acme Ltda').click()
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog'))
    note_input = '.q-dialog input[placeholder="Escreva uma nota…"]'
    note = wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, note_input))
    note.send_keys('Ligar na sexta', Keys.ENTER)  # a note with its time, in the viewer's zone
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog .note-body'))
    audit.check(driver, 'the lead dialog with a note (dark)')
    phone = '//div[contains(@class,"q-dialog")]//label[.//div[normalize-space()="Telefone"]]//input'
    driver.find_element(By.XPATH, phone).send_keys('+55 11 4000-1234', Keys.ENTER)  # saves: the undo bar
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.undo-bar'))  # "Acme Ltda salvo." · Desfazer
    audit.check(driver, 'the board with the undo bar (dark)')
    card(driver, 'Acme Ltda').click()
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog'))
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(driver).until_not(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog'))
    driver.find_element(By.CSS_SELECTOR, '[aria-label="Tema"]').click()  # the header's theme menu
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-menu'))
    audit.check(driver, 'the theme menu (dark)')
    for path in ('/team', '/settings', '/profile', '/insights'):
        open_page(driver, f'{server.url}{path}')
        wait(driver).until(is_dark)
        audit.check(driver, f'{path} (dark)')
    driver.get(f'{server.url}/logout')  # this browser keeps the theme for its sign-in pages
    for path in ('/login', '/register'):
        driver.get(f'{server.url}{path}')
        wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'input[type=password]'))
        wait(driver).until(is_dark)
        audit.check(driver, f'{path} (dark)')


def test_every_page_and_dialog_has_no_serious_accessibility_violation(
    server: Server, open_browser: BrowserFactory
) -> None:
    ana = register(server, 'Ana Souza')
    join_organization(ana, 'Bruno Lima')
    create_leads(ana, ['Acme Ltda', 'Beta Comércio'], value='1500')
    driver = open_browser()
    audit = Audit()

    driver.get(f'{server.url}/login')
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'input[type=password]'))
    audit.check(driver, '/login')
    driver.get(f'{server.url}/register')
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'input[type=password]'))
    audit.check(driver, '/register')

    sign_in(driver, ana)
    wait_until_live(driver)
    audit.check(driver, 'the board')

    card(driver, 'Acme Ltda').click()  # the lead dialog
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog'))
    audit.check(driver, 'the lead dialog')
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(driver).until_not(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog'))
    driver.execute_script('arguments[0].focus()', card(driver, 'Beta Comércio'))
    driver.switch_to.active_element.send_keys('m')  # the keyboard path's move dialog
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog'))
    audit.check(driver, 'the move dialog')

    for path in ('/team', '/settings', '/profile', '/insights', '/activities'):
        driver.get(f'{server.url}{path}')
        wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'main, .q-page'))
        wait(driver).until(lambda d: d.execute_script('return document.readyState') == 'complete')
        audit.check(driver, path)

    audit_dark_mode(driver, audit, server, ana)

    phone = open_browser(width=390, height=844, phone=True)  # the board on a phone (in dark: Ana's preference now)
    sign_in(phone, ana)
    wait_until_live(phone)
    wait(phone).until(is_dark)
    audit.check(phone, 'the board on a phone (dark)')
    open_page(phone, f'{server.url}/insights')
    wait(phone).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.forecast-table tbody tr'))
    audit.check(phone, '/insights on a phone (dark)')
    # the forecast table scrolls inside its card: the page itself never scrolls sideways
    assert phone.execute_script('return document.documentElement.scrollWidth <= window.innerWidth')
    audit.assert_clean()
