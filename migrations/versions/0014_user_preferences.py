"""user_preferences: each user's board density and colour theme (issue 18)

``users.density`` ('comfortable' | 'compact') and ``users.theme`` ('light' | 'dark' | 'system'), with the defaults
every existing user keeps (comfortable, light). ``users`` is not a tenant table: no row-level security to add.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('density', sa.String(16), nullable=False, server_default='comfortable'))
        batch.add_column(sa.Column('theme', sa.String(16), nullable=False, server_default='light'))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('theme')
        batch.drop_column('density')
