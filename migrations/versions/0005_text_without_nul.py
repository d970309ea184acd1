"""stored text without NUL: what was accepted before the text rule is read back under it

The API now refuses text with a NUL character (``models.types.check_text``) and the read models keep
that rule, so a row stored earlier with one would fail every read of it (a board, a list). PostgreSQL
never stored NUL in a text column, but SQLite did, and both kept it inside JSON tags (``"\\u0000"``).
Each NUL becomes U+FFFD (the replacement character): lengths stay within their limits, no name becomes
empty, and the spot stays visible. Nothing else changes (no version, no event). Not reversible, and
nothing to reverse: downgrade keeps the cleaned text.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import json
from collections.abc import Sequence
from typing import Any

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLACEMENT = '\ufffd'
# the text columns the read models validate (LeadPublic, UserPublic, OrganizationPublic, InvitePublic)
TEXT_COLUMNS = {
    'leads': ('name', 'phone', 'source', 'notes'),
    'users': ('full_name', 'location', 'phone', 'timezone'),
    'organizations': ('name', 'website'),
    'invites': ('message', 'invited_name'),
}


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace('\x00', REPLACEMENT)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


def _clean_sqlite_text(bind: Connection) -> None:
    for table, columns in TEXT_COLUMNS.items():
        # as a BLOB, so that SQLite's text functions cannot stop at the NUL
        found = ' OR '.join(f"instr(CAST({column} AS BLOB), x'00') > 0" for column in columns)
        rows = bind.execute(text(f'SELECT id, {", ".join(columns)} FROM {table} WHERE {found}')).all()
        for row in rows:
            values = {column: _cleaned(getattr(row, column)) for column in columns}
            assignments = ', '.join(f'{column} = :{column}' for column in columns)
            bind.execute(text(f'UPDATE {table} SET {assignments} WHERE id = :id'), {**values, 'id': row.id})


def _clean_tags(bind: Connection, postgres: bool) -> None:
    # JSON keeps NUL as the six characters \u0000 (a tag with a literal backslash-u0000 also matches; it is
    # left as it is, since its decoded text has no NUL)
    tags = 'tags::text' if postgres else 'tags'
    found = f"strpos({tags}, '\\u0000') > 0" if postgres else "instr(tags, '\\u0000') > 0"
    for row in bind.execute(text(f'SELECT id, {tags} AS tags FROM leads WHERE {found}')).all():
        stored = json.loads(row.tags)
        cleaned = _cleaned(stored)
        if cleaned != stored:
            cast = 'CAST(:tags AS json)' if postgres else ':tags'
            bind.execute(
                text(f'UPDATE leads SET tags = {cast} WHERE id = :id'), {'tags': json.dumps(cleaned), 'id': row.id}
            )


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    if postgres:
        # leads has row-level security (0004): this data fix is cross-organization work, for this transaction only
        bind.execute(text("SELECT set_config('lovedcrm.cross_org', 'on', true)"))
    else:
        _clean_sqlite_text(bind)  # PostgreSQL text columns cannot hold NUL
    _clean_tags(bind, postgres)


def downgrade() -> None:
    pass  # the cleaned text stays: it was invalid before, and nothing depends on the NUL
