"""CSV import in Chromium: pick a file, see the guessed columns and the preview, import with a moving progress bar;
the leads land on the importer's board and on a teammate's open board."""

from pathlib import Path

import pytest
from browser_helpers import (
    BrowserFactory,
    Server,
    join_organization,
    register,
    sign_in,
    summary,
    wait,
    wait_for_value,
)
from selenium import webdriver
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

ROWS = 4000  # enough chunks (the dialog reports every 500 rows) for the bar to move between 0 and 100 %
# every value the progress bar announces (aria-valuenow), kept by the page itself: nothing is missed between looks
WATCH_PROGRESS = """
window.progressSeen = [];
new MutationObserver(records => {
  for (const r of records) {
    const v = r.target.getAttribute && r.target.getAttribute('aria-valuenow');
    if (v !== null && v !== undefined) window.progressSeen.push(Number(v));
  }
}).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['aria-valuenow'], childList: true});
"""


def write_csv(path: Path) -> Path:
    """A Latin-1, semicolon-separated export from a Brazilian spreadsheet, with pt-BR headers."""
    lines = ['Nome;E-mail;Telefone;Origem;Valor;Etapa']
    lines += [
        f'Cliente São João {n:04d};c{n}@example.com;(11) 9{n:04d}-0000;planilha;R$ 1.000,50;Contato'
        for n in range(ROWS)
    ]
    path.write_bytes(('\n'.join(lines) + '\n').encode('latin-1'))
    return path


def dialog_texts(driver: webdriver.Chrome, selector: str) -> list[str]:
    """Texts of the elements of the open dialog matching ``selector``."""
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, f'.q-dialog {selector}')]


def test_import_shows_preview_and_progress_and_reaches_a_teammates_board(
    server: Server, open_browser: BrowserFactory, tmp_path: Path
) -> None:
    ana = register(server, 'Ana Souza')
    bruno = join_organization(ana, 'Bruno Lima')
    a, b = open_browser(), open_browser()
    sign_in(a, ana)
    sign_in(b, bruno)
    file = write_csv(tmp_path / 'clientes.csv')

    a.find_element(By.XPATH, "//button[.//*[normalize-space()='Importar CSV']]").click()
    upload = wait(a).until(lambda d: d.find_element(By.CSS_SELECTOR, '.q-dialog input[type=file]'))
    upload.send_keys(str(file))

    # the guessed mapping and the preview, before anything is written
    button = "//div[contains(@class,'q-dialog')]//button[.//*[normalize-space()='Importar 4000 leads']]"
    wait(a).until(lambda d: d.find_element(By.XPATH, button).is_enabled())
    assert 'Nenhum problema encontrado.' in dialog_texts(a, '.text-positive')
    assert 'Cliente São João 0000' in ' '.join(dialog_texts(a, '.q-table td'))
    assert summary(b, 'contato').startswith('0 leads')

    a.execute_script(WATCH_PROGRESS)
    a.find_element(By.XPATH, button).click()
    wait_for_value(a, lambda d: f'{ROWS} leads importados' in d.page_source, True, 'the imported notification')
    seen = a.execute_script('return window.progressSeen')
    assert any(0 < value < 100 for value in seen), f'the bar never showed an intermediate value: {seen}'

    # both boards show the new leads with the column count and total
    total = 'R$ 4.002.000,00'
    for driver, who in ((a, 'Ana'), (b, 'Bruno')):
        wait_for_value(driver, lambda d: summary(d, 'contato'), f'{ROWS} leads · {total}', f"{who}'s Contato column")
