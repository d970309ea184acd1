"""Won / lost outcomes: leads.outcome and leads.lost_reason, organizations.lost_reasons

``outcome`` ('won' | 'lost' | null) and ``lost_reason`` (≤ 200 characters, only with 'lost') say how a deal in
fechado ended; existing leads get null (metrics count a lead in fechado without an outcome as won, which is what
fechado meant before). ``lost_reasons`` is the organization's list of reasons offered when a deal is lost;
existing organizations get the pt-BR defaults. Row-level security on ``leads`` and ``organizations`` already
covers the new columns.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the defaults as they were when this migration was written (models/organization.py may change later)
DEFAULT_LOST_REASONS = ['Preço', 'Concorrente', 'Sem orçamento', 'Sem resposta', 'Momento errado']


def upgrade() -> None:
    with op.batch_alter_table('leads') as table:
        table.add_column(sa.Column('outcome', sa.String(10), nullable=True))
        table.add_column(sa.Column('lost_reason', sa.String(200), nullable=True))
    with op.batch_alter_table('organizations') as table:
        table.add_column(
            sa.Column('lost_reasons', sa.JSON(), nullable=False, server_default=json.dumps(DEFAULT_LOST_REASONS))
        )


def downgrade() -> None:
    with op.batch_alter_table('organizations') as table:
        table.drop_column('lost_reasons')
    with op.batch_alter_table('leads') as table:
        table.drop_column('lost_reason')
        table.drop_column('outcome')
