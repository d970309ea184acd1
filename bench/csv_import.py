"""Benchmark: importing 10,000 CSV rows through the API (POST /crm/leads/import), on SQLite and PostgreSQL.

    python bench/csv_import.py [--rows 10000] [--runs 3] [--db sqlite|postgres|both]

Starts the real server (python main.py) on loopback with a throwaway data directory (PostgreSQL: a throwaway
database on TEST_POSTGRES_URL's server, owned by the app's role), registers an account, generates a pt-BR
spreadsheet of realistic Brazilian leads (names, e-mails, phones, ``R$ 1.234,56`` values, stages, tags, notes,
assignees by e-mail; UTF-8 with BOM, ``;``) and times over HTTP:
- the dry run (read, map and validate every row; nothing written);
- the import (every lead and its ``lead_created`` event in one transaction), ``--runs`` times into the same
  organization (the board grows by ``--rows`` each run);
- the export of the whole board afterwards (GET /crm/leads/export).
Prints a Markdown table for docs/BENCHMARKS.md.
"""

import argparse
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))  # the PostgreSQL test harness makes and drops the throwaway database

from pg_harness import app_url, create_app_database_sync, pg_admin_sync  # noqa: E402

FIRST = [
    'Ana',
    'Bruno',
    'Carla',
    'Daniel',
    'Eduarda',
    'Felipe',
    'Gabriela',
    'Henrique',
    'Isabela',
    'João',
    'Karina',
    'Lucas',
    'Mariana',
    'Nicolas',
    'Otávio',
    'Patrícia',
    'Rafael',
    'Sofia',
    'Thiago',
    'Vitória',
]
LAST = [
    'Silva',
    'Santos',
    'Oliveira',
    'Souza',
    'Rodrigues',
    'Ferreira',
    'Alves',
    'Pereira',
    'Lima',
    'Gomes',
    'Costa',
    'Ribeiro',
    'Martins',
    'Carvalho',
    'Araújo',
    'Melo',
    'Barbosa',
    'Cardoso',
    'Conceição',
    'Nogueira',
]
TRADES = [
    'Padaria',
    'Construtora',
    'Farmácia',
    'Auto Peças',
    'Clínica',
    'Mercado',
    'Ótica',
    'Transportadora',
    'Escola',
    'Restaurante',
    'Academia',
    'Imobiliária',
    'Papelaria',
    'Pet Shop',
    'Gráfica',
]
CITIES = [
    'São Paulo',
    'Rio de Janeiro',
    'Belo Horizonte',
    'Curitiba',
    'Porto Alegre',
    'Recife',
    'Salvador',
    'Fortaleza',
    'Goiânia',
    'Florianópolis',
    'Manaus',
    'Belém',
    'Campinas',
    'Vitória',
    'Natal',
]
DDD = ['11', '21', '31', '41', '51', '81', '71', '85', '62', '48', '92', '91', '19', '27', '84']
SOURCES = ['Site', 'Indicação', 'Instagram', 'Feira', 'Google Ads', 'WhatsApp', 'LinkedIn', 'Ligação']
STAGE_NAMES = ['Lead', 'Contato', 'Proposta', 'Negociação', 'Fechado']
TAGS = ['b2b', 'b2c', 'varejo', 'indústria', 'serviços', 'recorrente', 'urgente', 'parceiro']
NOTES = ['Pediu orçamento por e-mail.', 'Retornar na próxima semana.', 'Decisor é o sócio; marcar reunião.',
         'Cliente antigo, voltou a comprar.', '', '', 'Prefere contato pelo WhatsApp; "falar com a Ana".']  # fmt: skip


def brl(value: float) -> str:
    """``R$ 12.345,67``."""
    whole, cents = f'{value:.2f}'.split('.')
    return f'R$ {int(whole):,}'.replace(',', '.') + f',{cents}'


def plain(text: str) -> str:
    """``joão.1@araújo.com.br`` → ``joao.1@araujo.com.br``."""
    return unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()


def spreadsheet(rows: int, assignees: list[str], seed: int) -> bytes:
    """A pt-BR CSV of ``rows`` Brazilian leads, as Excel saves one (UTF-8 with BOM, ``;``, CRLF)."""
    rng = random.Random(seed)
    lines = ['Nome;E-mail;Telefone;Origem;Valor estimado;Etapa;Etiquetas;Observações;Responsável']
    for i in range(rows):
        person = f'{rng.choice(FIRST)} {rng.choice(LAST)}'
        company = f'{rng.choice(TRADES)} {rng.choice(LAST)} {rng.choice(CITIES)}'
        name = company if i % 3 else person
        email = plain(f'{person.split()[0].lower()}.{i}@{rng.choice(LAST).lower()}.com.br')
        phone = f'({rng.choice(DDD)}) 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}'
        value = brl(rng.uniform(500, 250_000)) if i % 7 else ''
        tags = ', '.join(rng.sample(TAGS, rng.randint(0, 3)))
        note = rng.choice(NOTES)
        note = f'"{note.replace(chr(34), chr(34) * 2)}"' if '"' in note or ';' in note else note
        cells = [name, email, phone, rng.choice(SOURCES), value, rng.choice(STAGE_NAMES), tags, note]
        lines.append(';'.join([*cells, rng.choice(assignees)]))
    return ('\ufeff' + '\r\n'.join(lines) + '\r\n').encode('utf-8')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def run(database_url: str, label: str, rows: int, runs: int) -> list[str]:
    """Start a server on ``database_url`` and time the import; Markdown table rows."""
    port = free_port()
    data = tempfile.mkdtemp(prefix='lovedcrm-csv-bench-')
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST_', 'NICEGUI_'))}
    env.update(
        LOVEDCRM_DATA_DIR=data,
        PORT=str(port),
        HOST='127.0.0.1',
        DATABASE_URL=database_url or f'sqlite+aiosqlite:///{data}/bench.db',
        PASSWORD_HASH_ROUNDS='1',
        PASSWORD_HASH_MEMORY_KIB='64',
    )
    server = subprocess.Popen(
        [sys.executable, str(ROOT / 'main.py')], env=env, cwd=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f'http://127.0.0.1:{port}'
    try:
        for _ in range(300):
            try:
                if httpx.get(f'{base}/healthz', timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        account = {
            'email': 'bench@example.com',
            'password': 'Secret123',
            'full_name': 'Ana Souza',
            'terms_accepted': True,
        }
        body = httpx.post(f'{base}/auth/register', json=account).json()
        headers = {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': body['organization']['id']}
        lines = []
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            for n in range(runs):
                file = spreadsheet(rows, ['bench@example.com', 'Ana Souza', ''], seed=n)
                files = {'file': ('leads.csv', file, 'text/csv')}
                started = time.perf_counter()
                preview = client.post('/crm/leads/import', files=files, data={'dry_run': 'true'})
                checked = time.perf_counter() - started
                assert preview.status_code == 200 and preview.json()['error_count'] == 0, preview.text[:500]
                started = time.perf_counter()
                answer = client.post('/crm/leads/import', files=files)
                imported = time.perf_counter() - started
                assert answer.status_code == 201, answer.text[:500]
                size = f'{len(file) / 1_048_576:.1f} MB'
                lines.append(
                    f'| {label} | {rows:,} rows ({size}), board had {n * rows:,} | {checked:.2f} s | {imported:.2f} s |'
                )
            started = time.perf_counter()
            exported = client.get('/crm/leads/export')
            seconds = time.perf_counter() - started
            assert exported.status_code == 200
            count = exported.text.count('\r\n') - 1
            lines.append(f'| {label} | export of the whole board: {count:,} leads | — | {seconds:.2f} s |')
        return lines
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=10_000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--db', choices=['sqlite', 'postgres', 'both'], default='both')
    args = parser.parse_args()
    lines: list[str] = []
    if args.db in ('sqlite', 'both'):
        lines += run('', 'SQLite', args.rows, args.runs)
    if args.db in ('postgres', 'both'):
        name = f'lovedcrm_csv_bench_{uuid.uuid4().hex[:8]}'
        create_app_database_sync(name)
        try:
            lines += run(app_url(name), 'PostgreSQL', args.rows, args.runs)
        finally:
            pg_admin_sync(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
    print(
        f'\n### CSV import — {datetime.now(UTC):%Y-%m-%d}, {platform.machine()} {os.cpu_count()} cores, '
        f'Python {platform.python_version()}, real server over HTTP\n'
    )
    print('| database | file | dry run (read + validate) | import (one transaction, one event per lead) |')
    print('|---|---|---|---|')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
