"""Produce the README's screenshots in headless Debian Chromium, in one command: ``python docs/make_screenshot.py``.

Starts the real server in demo mode (``main.py --demo``: the demo organization, its two users and ~60 leads, the
same data as ``python -m lovedcrm_ui seed-demo``) on a free loopback port with a throwaway data directory, signs in
through the login page as the demo's Ana and saves into ``docs/screenshots/`` (or the folder given as argument):
- ``board.png``: the board in a 1400x900 window;
- ``board-phone.png``: the board on a phone (390x844, touch emulation);
- ``insights.png``: the insights page in the 1400x900 window.
Re-runnable: every run starts from an empty data directory and overwrites the three files.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))  # the one Chromium launcher
sys.path.insert(0, str(ROOT))

from chromium import chromium  # noqa: E402

from lovedcrm_ui.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD  # noqa: E402

SETTLE = 1.0  # s: web fonts and Quasar's transitions finish before the capture (a picture, not a test)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def sign_in(driver: webdriver.Chrome, base: str) -> None:
    """Sign in as the demo's first user and wait for the cards."""
    driver.get(f'{base}/login')
    wait = WebDriverWait(driver, 30)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'input[type=email]'))).send_keys(DEMO_ACCOUNTS[0].email)
    driver.find_element(By.CSS_SELECTOR, 'input[type=password]').send_keys(DEMO_PASSWORD + '\n')
    wait.until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, '.lead-card')))
    time.sleep(SETTLE)


def main(folder: Path = ROOT / 'docs' / 'screenshots') -> None:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    data = tempfile.mkdtemp(prefix='lovedcrm-shot-')
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST_', 'NICEGUI_'))}
    env.update(LOVEDCRM_DATA_DIR=data, PORT=str(port), HOST='127.0.0.1', LOVEDCRM_DEMO='1')
    env.pop('DATABASE_URL', None)
    server = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], env=env, cwd=data)
    base = f'http://127.0.0.1:{port}'
    try:
        for _ in range(300):
            try:
                if httpx.get(f'{base}/healthz', timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        desktop = chromium(tempfile.mkdtemp(prefix='screenshot-chrome-'), width=1400, height=900)
        try:
            sign_in(desktop, base)
            desktop.save_screenshot(str(folder / 'board.png'))
            desktop.get(f'{base}/insights')
            WebDriverWait(desktop, 30).until(
                EC.presence_of_all_elements_located((By.CSS_SELECTOR, '.chart-card canvas'))
            )
            time.sleep(1.5)  # the charts' entry animation
            desktop.save_screenshot(str(folder / 'insights.png'))
        finally:
            desktop.quit()
        phone = chromium(tempfile.mkdtemp(prefix='screenshot-phone-'), width=390, height=844, phone=True)
        try:
            sign_in(phone, base)
            phone.save_screenshot(str(folder / 'board-phone.png'))
        finally:
            phone.quit()
        print(f'wrote board.png, board-phone.png and insights.png in {folder}')
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == '__main__':
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / 'docs' / 'screenshots')
