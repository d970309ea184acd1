"""Produce docs/board.png and docs/insights.png in headless Debian Chromium (python docs/make_screenshot.py).

Starts the real server on a free loopback port with a throwaway data directory, seeds leads
through the REST API, signs in through the login page and saves a screenshot.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))  # the one Chromium launcher

from chromium import chromium  # noqa: E402

LEADS = [
    ('Padaria Pão Quente', 'lead', '3200', 'site', ['varejo']),
    ('Academia Movimento', 'lead', '12500', 'indicação', ['fitness', 'anual']),
    ('Clínica Sorriso', 'lead', None, 'instagram', []),
    ('Construtora Horizonte', 'contato', '85000', 'evento', ['b2b', 'obra', 'sul', 'grande']),
    ('Café do Ponto', 'contato', '4800', 'site', ['varejo']),
    ('Escola Aprender', 'proposta', '27300.50', 'indicação', ['educação']),
    ('Mercado Bom Preço', 'proposta', '15990', 'site', ['varejo']),
    ('Transportes Rápido', 'negociacao', '64000', 'outbound', ['logística']),
    ('Hotel Beira-Mar', 'negociacao', '38250.75', 'evento', ['turismo']),
    ('Farmácia Vida', 'fechado', '22100', 'indicação', ['saúde']),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def main(output: Path = ROOT / 'docs' / 'board.png') -> None:
    port = free_port()
    data = tempfile.mkdtemp(prefix='lovedcrm-shot-')
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST_', 'NICEGUI_'))}
    env.update(
        LOVEDCRM_DATA_DIR=data,
        PORT=str(port),
        HOST='127.0.0.1',
        PASSWORD_HASH_ROUNDS='1',
        PASSWORD_HASH_MEMORY_KIB='64',
    )
    env.pop('DATABASE_URL', None)
    server = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], env=env, cwd=data)
    base = f'http://127.0.0.1:{port}'
    try:
        for _ in range(100):
            try:
                if httpx.get(f'{base}/healthz', timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        account = {
            'email': 'ana@example.com',
            'password': 'Secret123',
            'full_name': 'Ana Souza',
            'terms_accepted': True,
        }
        body = httpx.post(f'{base}/auth/register', json=account).json()
        headers = {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': body['organization']['id']}
        for name, stage, value, source, tags in LEADS:
            lead = {'name': name, 'stage': 'lead', 'estimated_value': value, 'source': source, 'tags': tags}
            lead['assigned_user_id'] = body['user']['id']
            created = httpx.post(f'{base}/crm/leads', json=lead, headers=headers).json()
            # created in Lead, then walked stage by stage: the insights page has a history to show
            order = ['lead', 'contato', 'proposta', 'negociacao', 'fechado']
            for step in order[1 : order.index(stage) + 1]:
                move = {'stage': step}
                httpx.put(f'{base}/crm/leads/{created["id"]}/stage', json=move, headers=headers).raise_for_status()
        driver = chromium(tempfile.mkdtemp(prefix='screenshot-chrome-'), width=1480, height=820)
        try:
            driver.get(f'{base}/login')
            wait = WebDriverWait(driver, 15)
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'input[type=email]'))).send_keys(
                account['email']
            )
            driver.find_element(By.CSS_SELECTOR, 'input[type=password]').send_keys(account['password'] + '\n')
            wait.until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, '.lead-card')))
            time.sleep(1.0)
            driver.save_screenshot(str(output))
            driver.get(f'{base}/insights')
            wait.until(EC.presence_of_all_elements_located((By.CSS_SELECTOR, '.chart-card canvas')))
            time.sleep(1.5)  # the charts' entry animation
            driver.save_screenshot(str(output.with_name('insights.png')))
        finally:
            driver.quit()
        print(f'wrote {output}')
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == '__main__':
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / 'docs' / 'board.png')
