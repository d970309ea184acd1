"""refresh-token rotation: each login session remembers its current refresh token

``auth_sessions.refresh_token_id`` is the ``jti`` of the one refresh token the session accepts next;
``refresh_rotated_at`` is when that token was issued (a replaced token presented within a few seconds
of its replacement is a client's own concurrent refresh, later it is a replay: the session is revoked).
Both are nullable: sessions that exist before this migration start rotating at their next refresh.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop columns in place (downgrade); on PostgreSQL these are plain ALTERs
    with op.batch_alter_table('auth_sessions') as table:
        table.add_column(sa.Column('refresh_token_id', sa.String(length=64), nullable=True))
        table.add_column(sa.Column('refresh_rotated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('auth_sessions') as table:
        table.drop_column('refresh_rotated_at')
        table.drop_column('refresh_token_id')
