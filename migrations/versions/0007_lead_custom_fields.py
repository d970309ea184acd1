"""leads.custom_fields: values of the fields that plugins add

One JSON object per lead (docs/EXTENDING.md); existing leads get ``{}``. Row-level security on ``leads`` already
covers the new column.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('leads') as table:
        table.add_column(sa.Column('custom_fields', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('leads') as table:
        table.drop_column('custom_fields')
