"""Forecast: leads.probability and leads.expected_close_date, organizations.stage_probabilities

``probability`` (0 to 100, null: the stage's default) and ``expected_close_date`` (a date, null: not said) are
regular lead fields. ``stage_probabilities`` is the organization's percent per stage; existing organizations
get the defaults. Row-level security on ``leads`` and ``organizations`` already covers the new columns.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the defaults as they were when this migration was written (models/organization.py may change later)
DEFAULT_STAGE_PROBABILITIES = {'lead': 10, 'contato': 20, 'proposta': 50, 'negociacao': 75, 'fechado': 100}


def upgrade() -> None:
    with op.batch_alter_table('leads') as table:
        table.add_column(sa.Column('probability', sa.SmallInteger(), nullable=True))
        table.add_column(sa.Column('expected_close_date', sa.Date(), nullable=True))
    with op.batch_alter_table('organizations') as table:
        table.add_column(
            sa.Column(
                'stage_probabilities',
                sa.JSON(),
                nullable=False,
                server_default=json.dumps(DEFAULT_STAGE_PROBABILITIES),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('organizations') as table:
        table.drop_column('stage_probabilities')
    with op.batch_alter_table('leads') as table:
        table.drop_column('expected_close_date')
        table.drop_column('probability')
