"""Admin commands for the database: migrate, backup, restore.

SQLite is backed up with its online backup API (``sqlite3.Connection.backup``): a consistent copy even while
the server writes. PostgreSQL is PostgreSQL's business (``pg_dump`` / ``pg_restore``): these commands print
the command lines for the configured database instead, and exit 2.
"""

import argparse
import asyncio
import os
import shlex
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from .. import migrate
from ..config import Settings
from ..db import create_engine
from .common import (
    FAILED,
    OK,
    REFUSED,
    CommandError,
    current_revision,
    head_revision,
    hidden_url,
    known_revision,
    say,
    sqlite_path,
    warn,
)

SQLITE_HEADER = b'SQLite format 3\x00'
OUR_TABLES = frozenset({'alembic_version', 'users', 'organizations', 'memberships', 'leads', 'pipeline_events'})


def register(subparsers: Any) -> None:
    """Add the database commands to the parser."""
    migrate_parser = subparsers.add_parser(
        'migrate',
        help='upgrade the database schema to this version',
        description='Upgrade the database schema to the one this version needs (alembic upgrade head). The server '
        'does this at start unless started with --skip-migrations; run this first when several replicas start '
        'with --skip-migrations. The SQLite database is created if it does not exist.',
    )
    migrate_parser.set_defaults(handler=migrate_command)

    backup = subparsers.add_parser(
        'backup',
        help='copy the SQLite database to a file (safe while the server runs)',
        description="Copy the SQLite database to a file with SQLite's online backup API: a consistent copy even "
        'while the server runs and writes. The file is readable by its owner only (it holds password hashes). '
        'On PostgreSQL this prints the pg_dump command line to use instead and exits with 2.',
    )
    backup.add_argument('--output', required=True, metavar='FILE', help='the backup file to write')
    backup.add_argument('--force', action='store_true', help='replace FILE if it exists')
    backup.set_defaults(handler=backup_command)

    restore = subparsers.add_parser(
        'restore',
        help='replace the SQLite database with a backup (server stopped)',
        description='Replace the SQLite database with a file made by `backup`. The file is checked first (a SQLite '
        "database with this application's schema); the current database is kept beside it as <name>.bak. Stop "
        'the server first: the command refuses while a server answers at HOST:PORT. A backup of an older '
        'version is migrated when the server starts. On PostgreSQL this prints the pg_restore command line to use '
        'instead and exits with 2.',
    )
    restore.add_argument('--input', required=True, metavar='FILE', help='the backup file')
    restore.add_argument('--yes', action='store_true', help='really replace the current database')
    restore.set_defaults(handler=restore_command)


def migrate_command(args: argparse.Namespace, settings: Settings) -> int:
    """``migrate``."""
    path = sqlite_path(settings)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)

    async def revision() -> str | None:
        engine = create_engine(settings)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    before = asyncio.run(revision())
    head = head_revision(settings)
    if before == head:
        say(f'the database {hidden_url(settings.database_url)} is up to date (schema {head})')
        return OK
    if before is not None and not known_revision(settings, before):
        raise CommandError(
            f'the database is at schema {before}, which this version does not know (a newer version migrated it)',
            FAILED,
        )
    migrate.upgrade(settings.database_url)
    say(f'migrated {hidden_url(settings.database_url)} from schema {before or "(empty)"} to {head}')
    return OK


def postgres_guidance(settings: Settings, *, dump_file: str) -> str:
    """How to back up and restore the configured PostgreSQL database with pg_dump / pg_restore."""
    url = make_url(settings.database_url).set(drivername='postgresql')
    # as a superuser: the app's own role cannot read the tenant tables past their (forced) row-level security
    admin_url = URL.create(
        'postgresql', username='postgres', host=url.host, port=url.port, database=url.database, query=url.query
    ).render_as_string()
    quoted_url, quoted_file = shlex.quote(admin_url), shlex.quote(dump_file)
    return '\n'.join(
        (
            f'The database is PostgreSQL ({url.render_as_string(hide_password=True)}): back it up and restore it with '
            "PostgreSQL's own tools.",
            'Run them as a superuser or a BYPASSRLS role (here "postgres"): the app\'s own role cannot read the '
            'leads past their row-level security, so pg_dump as that role fails.',
            f'  back up:   pg_dump --format=custom --file={quoted_file} {quoted_url}',
            '  restore (every server stopped):',
            f'             pg_restore --clean --if-exists --single-transaction --dbname={quoted_url} {quoted_file}',
            'Passwords are not shown: give yours in PGPASSWORD or ~/.pgpass. pg_restore run as a superuser keeps '
            "the dump's owners (the app's role); the servers migrate an older dump's schema when they start.",
        )
    )


def backup_command(args: argparse.Namespace, settings: Settings) -> int:
    """``backup``."""
    path = sqlite_path(settings)
    if path is None:
        warn(postgres_guidance(settings, dump_file=args.output))
        return REFUSED
    if not path.exists():
        raise CommandError(f'no database at {path}: nothing to back up', FAILED)
    output = Path(args.output).resolve()
    if output == path:
        raise CommandError('the backup file cannot be the database itself')
    if not output.parent.is_dir():
        raise CommandError(f'no directory {output.parent} to write the backup in')
    if output.exists() and not args.force:
        raise CommandError(f'{output} exists: choose another file, or add --force to replace it')
    temporary = _private_file(output.parent, output.name)
    try:
        _copy_database(path, temporary, timeout=settings.sqlite_busy_timeout_ms / 1000)
        revision = check_backup(settings, temporary)
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)
    say(f'backed up {path} to {output} ({output.stat().st_size:,} bytes, schema {revision})')
    say(f'restore it with: python -m lovedcrm_ui restore --input {shlex.quote(str(output))} --yes')
    return OK


def _private_file(directory: Path, name: str) -> Path:
    """A new empty file beside ``name`` (SQLite takes an empty file as an empty database)."""
    path = directory / f'.{name}.{uuid.uuid4().hex[:8]}.tmp'
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def check_backup(settings: Settings, path: Path) -> str:
    """The schema revision of a backup file, after checking it is an intact SQLite database of this application."""
    with path.open('rb') as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise CommandError(f'{path} is not a SQLite database')
    uri = f'file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1'
    try:
        with closing(sqlite3.connect(uri, uri=True)) as backup:
            check = backup.execute('PRAGMA quick_check').fetchone()[0]
            if check != 'ok':
                raise CommandError(f'{path} is damaged: {check}')
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = OUR_TABLES - tables
            if missing:
                raise CommandError(
                    f'{path} is not a LovedCRM Pipeline database (no table {", ".join(sorted(missing))})'
                )
            row = backup.execute('SELECT version_num FROM alembic_version').fetchone()
    except sqlite3.DatabaseError as exc:
        raise CommandError(f'{path} cannot be read as a SQLite database: {exc}') from None
    if row is None or not known_revision(settings, str(row[0])):
        found = 'no schema revision' if row is None else f'schema {row[0]}'
        raise CommandError(f'{path} has {found}, which this version does not know')
    return str(row[0])


def server_answers(settings: Settings) -> str | None:
    """The address of a LovedCRM server answering at the configured HOST:PORT, or None."""
    host = '127.0.0.1' if settings.host in ('0.0.0.0', '::', '') else settings.host
    url = f'http://{host}:{settings.port}/healthz'
    try:
        with urllib.request.urlopen(url, timeout=2):
            return url
    except urllib.error.HTTPError:
        return url  # something answers HTTP there: refuse rather than pull the database from under it
    except (OSError, ValueError):
        return None


def restore_command(args: argparse.Namespace, settings: Settings) -> int:
    """``restore``."""
    path = sqlite_path(settings)
    if path is None:
        warn(postgres_guidance(settings, dump_file=args.input))
        return REFUSED
    source = Path(args.input).resolve()
    if not source.is_file():
        raise CommandError(f'no file {source}')
    if source == path:
        raise CommandError('the backup file is the database itself')
    revision = check_backup(settings, source)
    if not args.yes:
        raise CommandError(
            f'restore replaces the database {path} with {source} (schema {revision}); the current one is kept '
            f'as {path.name}.bak. Stop the server, then run this again with --yes'
        )
    running = server_answers(settings)
    if running is not None:
        raise CommandError(f'a server answers at {running}: stop it before restoring')
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _private_file(path.parent, path.name)
    kept = path.with_name(path.name + '.bak')
    try:
        _copy_database(source, temporary)
        if path.exists():
            _copy_database(path, kept)  # through the backup API: what the write-ahead log holds comes along
        for leftover in (Path(f'{path}-wal'), Path(f'{path}-shm')):  # they belong to the replaced database
            leftover.unlink(missing_ok=True)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    say(f'restored {source} (schema {revision}) into {path}')
    if kept.exists():
        say(f'the previous database is kept as {kept}')
    if revision != head_revision(settings):
        say('its schema is older than this version: the server migrates it at start (or run `migrate`)')
    return OK


def _copy_database(source: Path, target: Path, *, timeout: float = 10.0) -> None:
    """Copy a SQLite database with the backup API into ``target`` (replaced), as one self-contained file.

    One step (``pages=-1``): the whole database as of one moment, under one read transaction, even while the
    server writes (a writer holding the lock is waited for up to ``timeout`` seconds).
    """
    target.unlink(missing_ok=True)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # readable by its owner only
    with closing(sqlite3.connect(source, timeout=timeout)) as reader, closing(sqlite3.connect(target)) as writer:
        reader.backup(writer)
        writer.execute('PRAGMA journal_mode=DELETE')  # no write-ahead log beside it: the file is the whole copy
