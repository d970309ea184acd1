"""session details and password-reset tokens

``auth_sessions`` learns what its owner needs to recognise a session in their list: the client's
``user_agent`` and ``ip_address`` at sign-in, and ``last_used_at``. All nullable: sessions from before
this migration show their creation time and no device.

``password_reset_tokens`` holds the e-mailed reset links: a SHA-256 of the token (never the token),
its expiry, and when it was used (single use). Not tenant data: no row-level security.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop columns in place (downgrade); on PostgreSQL these are plain ALTERs
    with op.batch_alter_table('auth_sessions') as table:
        table.add_column(sa.Column('user_agent', sa.String(length=512), nullable=True))
        table.add_column(sa.Column('ip_address', sa.String(length=64), nullable=True))
        table.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'password_reset_tokens',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_password_reset_tokens_user_id'), 'password_reset_tokens', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_password_reset_tokens_user_id'), table_name='password_reset_tokens')
    op.drop_table('password_reset_tokens')
    with op.batch_alter_table('auth_sessions') as table:
        table.drop_column('last_used_at')
        table.drop_column('ip_address')
        table.drop_column('user_agent')
