"""idx_leads_org_stage: the board's per-column counts and order

Its own migration so that on PostgreSQL it is built CONCURRENTLY (no write lock on a live
``leads`` table); CONCURRENTLY cannot run inside a transaction, hence the autocommit block.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ['organization_id', 'stage', 'position']


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index('idx_leads_org_stage', 'leads', COLUMNS, postgresql_concurrently=True, if_not_exists=True)
    else:
        op.create_index('idx_leads_org_stage', 'leads', COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.drop_index('idx_leads_org_stage', table_name='leads', postgresql_concurrently=True, if_exists=True)
    else:
        op.drop_index('idx_leads_org_stage', table_name='leads')
