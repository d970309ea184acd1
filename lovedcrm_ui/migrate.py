"""Run Alembic migrations from the app and the tests (no alembic.ini lookup needed)."""

import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / 'migrations'


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    config.attributes['database_url'] = database_url
    return config


def _in_thread(target: Callable[..., object], *args: object) -> None:
    # env.py uses asyncio.run(); a fresh thread has no running loop, whoever calls us
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=run, name='alembic')
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def upgrade(database_url: str, revision: str = 'head') -> None:
    """Upgrade the database schema to ``revision``."""
    _in_thread(command.upgrade, alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = 'base') -> None:
    """Downgrade the database schema to ``revision``."""
    _in_thread(command.downgrade, alembic_config(database_url), revision)
