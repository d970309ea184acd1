"""Admin commands: ``python -m lovedcrm_ui <command>`` (``--help`` on each).

They read the server's settings (DATABASE_URL, LOVEDCRM_DATA_DIR, …: README.md) and call the app's own
services, so their rules are the app's. Exit codes: 0 done, 1 could not be done (database unreachable or
not migrated), 2 refused (bad input; the message on stderr names the problem). Expected errors print a
message, never a traceback.
"""

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

from ..config import Settings
from ..db_health import failure_kind
from ..services.admin import validation_message
from ..services.errors import DomainError
from . import accounts, database, demo
from .common import FAILED, REFUSED, CommandError, Handler, hidden_url, warn

EPILOG = """\
Settings come from the environment, as for the server: DATABASE_URL (empty: SQLite in LOVEDCRM_DATA_DIR,
default ./data), PASSWORD_HASH_ROUNDS, … (README.md). Exit codes: 0 done; 1 could not be done (the database
is unreachable or not migrated); 2 refused: bad input, named on standard error.
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every admin command."""
    parser = argparse.ArgumentParser(
        prog='python -m lovedcrm_ui',
        description='Administer a LovedCRM Pipeline server: accounts, organizations, demo data, the database.',
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND', title='commands')
    accounts.register(subparsers)
    demo.register(subparsers)
    database.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one admin command; returns its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), printed by argparse
        return exc.code if isinstance(exc.code, int) else REFUSED
    handler: Handler | None = getattr(args, 'handler', None)
    if handler is None:
        parser.print_help(sys.stderr)
        return REFUSED
    try:
        settings = Settings()
    except ValidationError as exc:
        warn(f'error: a setting in the environment is invalid: {validation_message(exc)}')
        return REFUSED
    try:
        return handler(args, settings)
    except CommandError as exc:
        warn(f'error: {exc.message}')
        return exc.exit_code
    except DomainError as exc:
        warn(f'error: {exc.detail}')
        return REFUSED
    except KeyboardInterrupt:
        warn('interrupted: nothing more was done')
        return FAILED
    except (sa_exc.OperationalError, sa_exc.InterfaceError, OSError, TimeoutError) as exc:
        if isinstance(exc, OSError | TimeoutError) and failure_kind(exc) is None:
            raise  # not the database's: a real bug, with its traceback
        warn(f'error: cannot use the database {hidden_url(settings.database_url)}: {_reason(exc)}')
        return FAILED


def _reason(exc: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy's wrapper adds the statement and its parameters)."""
    text = str(getattr(exc, 'orig', None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
