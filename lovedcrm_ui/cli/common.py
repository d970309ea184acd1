"""What the admin commands share: exit codes, messages, the database (checked to be migrated) and password input."""

import argparse
import getpass
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicCommandError
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ..config import Settings
from ..db import Database, create_engine
from ..migrate import alembic_config
from ..security import PasswordHasher

OK = 0  # done
FAILED = 1  # could not be done: the database is unreachable or not migrated, a file cannot be written
REFUSED = 2  # bad input or a refusal: the message says what to change (argparse's usage errors are 2 too)

Handler = Callable[[argparse.Namespace, Settings], int]


class CommandError(Exception):
    """An expected failure: its message goes to stderr (no traceback) and the command exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def say(text: str) -> None:
    """A result, on standard output."""
    print(text, flush=True)


def warn(text: str) -> None:
    """A problem or a prompt-side note, on standard error."""
    print(text, file=sys.stderr, flush=True)


def hidden_url(url: str) -> str:
    """A database URL fit to print: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite database file of the settings, or None for PostgreSQL."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != 'sqlite':
        return None
    return Path(url.database or '').resolve()


def head_revision(settings: Settings) -> str:
    """The schema revision this code needs (the newest of migrations/)."""
    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    assert head is not None, 'migrations/ has no revisions'
    return head


def known_revision(settings: Settings, revision: str) -> bool:
    """Whether ``revision`` is one of this code's migrations."""
    try:
        return ScriptDirectory.from_config(alembic_config(settings.database_url)).get_revision(revision) is not None
    except AlembicCommandError:
        return False


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema revision the database is at (None: never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


@dataclass
class Tools:
    """The app's database and password hasher, built from the settings as the server builds them."""

    db: Database
    hasher: PasswordHasher


@asynccontextmanager
async def app_tools(settings: Settings) -> AsyncIterator[Tools]:
    """The database (refused unless its schema is this code's) and the hasher; both closed afterwards.

    On the PostgreSQL event bus, changes to who may see what (a reset password, a new role) are also
    NOTIFYed, so running servers close or update the boards concerned at once, as for a change made there.
    """
    path = sqlite_path(settings)
    if path is not None and not path.exists():
        raise CommandError(
            f'no database at {path}: start the server once, or run `python -m lovedcrm_ui migrate` '
            '(LOVEDCRM_DATA_DIR and DATABASE_URL choose the database)',
            FAILED,
        )
    origin = uuid.uuid4().hex if settings.event_bus == 'postgres' and settings.is_postgres else ''
    db = Database(create_engine(settings), None, notify_origin=origin)
    hasher = PasswordHasher(settings)
    try:
        await require_current_schema(settings, db.engine)
        yield Tools(db, hasher)
    finally:
        hasher.close()
        await db.dispose()


async def require_current_schema(settings: Settings, engine: AsyncEngine) -> None:
    """Refuse a database whose schema is not the one this code needs (``FAILED``, with what to do)."""
    current, head = await current_revision(engine), head_revision(settings)
    if current == head:
        return
    where = hidden_url(settings.database_url)
    if current is None:
        raise CommandError(f'the database {where} has no schema yet: run `python -m lovedcrm_ui migrate`', FAILED)
    if known_revision(settings, current):
        raise CommandError(
            f'the database {where} is at schema {current}, this version needs {head}: '
            'run `python -m lovedcrm_ui migrate`',
            FAILED,
        )
    raise CommandError(
        f'the database {where} is at schema {current}, which this version does not know '
        '(a newer version of LovedCRM Pipeline migrated it): use that version',
        FAILED,
    )


def add_password_options(parser: argparse.ArgumentParser) -> None:
    """``--password`` or ``--password-stdin``; with neither, the password is asked twice at the terminal."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--password',
        help='the new password (other users of this machine may see it in the process list: '
        'prefer the prompt or --password-stdin)',
    )
    group.add_argument(
        '--password-stdin', action='store_true', help='read the new password from the first line of standard input'
    )


def read_password(args: argparse.Namespace) -> str:
    """The password of ``add_password_options``: given, read from standard input, or typed twice at a prompt."""
    if args.password is not None:
        return str(args.password)
    if args.password_stdin:
        password = sys.stdin.readline().removesuffix('\n').removesuffix('\r')
        if not password:
            raise CommandError('no password on standard input (--password-stdin reads its first line)')
        return password
    if not sys.stdin.isatty():
        raise CommandError('no password given: run this at a terminal to be asked, or use --password-stdin')
    first = getpass.getpass('New password: ')
    if getpass.getpass('Repeat the new password: ') != first:
        raise CommandError('the two passwords differ: nothing was changed')
    return first
