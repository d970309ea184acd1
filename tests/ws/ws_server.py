"""The server as a subprocess for the real-time API tests: ``main.py`` on a loopback port, SQLite or PostgreSQL.

Imported as ``from ws_server import …`` (pytest puts this folder on ``sys.path``); the process itself is
``server_process.ServerProcess``.
"""

import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from pg_harness import app_url, create_app_database_sync, pg_admin_sync, pg_url
from server_process import ServerProcess

SECRET_KEY = 'ws-tests-secret-key-long-enough-for-hs256-signatures'  # every server's: tests sign tokens with it


# ----- the server ---------------------------------------------------------------------------------


@dataclass
class Server(ServerProcess):
    """``main.py`` (see ``ServerProcess``) with the shared secrets, its own settings and SQLite or PostgreSQL."""

    database_url: str = ''  # empty: SQLite in the data directory; else a postgresql:// URL
    settings: dict[str, str] = field(default_factory=dict)  # extra environment, e.g. WS_SEND_QUEUE

    stop_timeout = 5.0

    @property
    def ws_url(self) -> str:
        """The WebSocket base URL."""
        return f'ws://127.0.0.1:{self.port}'

    def extra_environment(self) -> dict[str, str]:
        """The shared secrets, the test's settings and the database."""
        env = {'SECRET_KEY': SECRET_KEY, 'STORAGE_SECRET': 'ws-tests-storage-secret', **self.settings}
        if self.database_url:
            env['DATABASE_URL'] = self.database_url
        return env

    async def sql(self, query: str, *args: Any) -> list[Any]:
        """Rows of one query on the server's database (for what only an operator can see)."""
        if not self.database_url:
            with sqlite3.connect(self.data_dir / 'lovedcrm.db') as conn:
                return conn.execute(query.replace('$1', '?'), args).fetchall()
        # as the admin: the server's own role sees no tenant rows outside an organization's unit of work
        conn = await asyncpg.connect(pg_url(self.database_url.rsplit('/', 1)[1], driver='postgresql'))
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
    """A fresh, empty PostgreSQL database (main.py migrates it): its name and postgresql:// URL as the app's role."""
    name = f'lovedcrm_ws_{uuid.uuid4().hex[:12]}'
    create_app_database_sync(name)
    return name, app_url(name, driver='postgresql')


def drop_postgres_database(name: str) -> None:
    """Drop a database made by ``create_postgres_database``, even with connections left."""
    pg_admin_sync(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
