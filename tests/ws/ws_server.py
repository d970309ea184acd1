"""The server as a subprocess for the real-time API tests: ``main.py`` on a loopback port, SQLite or PostgreSQL.

Imported as ``from ws_server import …`` (pytest puts this folder on ``sys.path``).
"""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from pg_harness import pg_admin_sync, pg_url

from lovedcrm_ui.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = 'ws-tests-secret-key-long-enough-for-hs256-signatures'  # every server's: tests sign tokens with it
START_TIMEOUT = 60.0
# every variable the app reads: the server sees none of the caller's, only what a test sets
APP_VARIABLES = {f.alias for f in Settings.model_fields.values() if f.alias} | {'LOVEDCRM_SKIP_MIGRATIONS'}


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


# ----- the server ---------------------------------------------------------------------------------


@dataclass
class Server:
    """``main.py`` as a subprocess on a loopback port, with its own data directory and settings."""

    data_dir: Path
    database_url: str = ''  # empty: SQLite in the data directory; else a postgresql:// URL
    settings: dict[str, str] = field(default_factory=dict)  # extra environment, e.g. WS_SEND_QUEUE
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The HTTP base URL."""
        return f'http://127.0.0.1:{self.port}'

    @property
    def ws_url(self) -> str:
        """The WebSocket base URL."""
        return f'ws://127.0.0.1:{self.port}'

    @property
    def log_path(self) -> Path:
        """Where the server's output goes."""
        return self.data_dir / 'server.log'

    def launch(self) -> 'Server':
        """Start main.py (it migrates the database first) without waiting for it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(('PYTEST_', 'NICEGUI_')) and k not in APP_VARIABLES
        }
        env.update(
            LOVEDCRM_ENV='test',
            LOVEDCRM_DATA_DIR=str(self.data_dir),
            HOST='127.0.0.1',
            PORT=str(self.port),
            SECRET_KEY=SECRET_KEY,
            STORAGE_SECRET='ws-tests-storage-secret',
            PASSWORD_HASH_ROUNDS='1',
            PASSWORD_HASH_MEMORY_KIB='64',
            PYTHONUNBUFFERED='1',
            **self.settings,
        )
        if self.database_url:
            env['DATABASE_URL'] = self.database_url
        with self.log_path.open('ab') as log:
            # its own session: stop() may kill it (and only it) if it does not terminate
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / 'main.py')],
                env=env,
                cwd=self.data_dir,  # NiceGUI keeps its storage in the working directory
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_until_alive(self) -> 'Server':
        """Poll ``/healthz`` until the server answers; raise early if the process dies."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'the server exited with {self.process.returncode}:\n{self.log_tail()}')
            try:
                if httpx.get(f'{self.url}/healthz', timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f'the server did not answer /healthz within {START_TIMEOUT:.0f} s:\n{self.log_tail()}')

    def stop(self) -> None:
        """Terminate the subprocess (kill it if it does not stop soon)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (for failure messages)."""
        if not self.log_path.exists():
            return ''
        return '\n'.join(self.log_path.read_text(errors='replace').splitlines()[-lines:])

    def log_size(self) -> int:
        """The current length of the log (to look only at what one test produced)."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def tracebacks_since(self, offset: int) -> str:
        """Server output after ``offset`` if it contains a traceback, else ''."""
        if not self.log_path.exists():
            return ''
        with self.log_path.open('rb') as log:
            log.seek(offset)
            text = log.read().decode(errors='replace')
        return text if 'Traceback' in text else ''

    async def sql(self, query: str, *args: Any) -> list[Any]:
        """Rows of one query on the server's database (for what only an operator can see)."""
        if not self.database_url:
            with sqlite3.connect(self.data_dir / 'lovedcrm.db') as conn:
                return conn.execute(query.replace('$1', '?'), args).fetchall()
        conn = await asyncpg.connect(self.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


def start_servers(*servers: Server) -> None:
    """Launch several servers at once (each start costs seconds) and wait for all of them."""
    for server in servers:
        server.launch()
    try:
        for server in servers:
            server.wait_until_alive()
    except BaseException:
        for server in servers:
            server.stop()
        raise


def databases(config: pytest.Config) -> set[str]:
    """The database backends ``--db`` asks for (the option of tests/conftest.py)."""
    choice = config.getoption('--db')
    return {'sqlite', 'postgres'} if choice == 'both' else {choice}


def create_postgres_database() -> tuple[str, str]:
    """A fresh, empty PostgreSQL database (main.py migrates it): its name and postgresql:// URL."""
    name = f'lovedcrm_ws_{uuid.uuid4().hex[:12]}'
    pg_admin_sync(f'CREATE DATABASE {name}')
    return name, pg_url(name, driver='postgresql')


def drop_postgres_database(name: str) -> None:
    """Drop a database made by ``create_postgres_database``, even with connections left."""
    pg_admin_sync(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
