"""idx_leads_org_created: the lead list's order (newest first) and the creation date range

``GET /crm/leads`` pages by ``created_at DESC, id DESC`` within one organization: without this index every
page sorted all the organization's leads (a top-N sort over 100,000 rows). The filter options' oldest and newest
creation dates read its two ends. Built CONCURRENTLY on PostgreSQL, as idx_leads_org_stage (0002).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ['organization_id', 'created_at', 'id']


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index('idx_leads_org_created', 'leads', COLUMNS, postgresql_concurrently=True, if_not_exists=True)
    else:
        op.create_index('idx_leads_org_created', 'leads', COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.drop_index('idx_leads_org_created', table_name='leads', postgresql_concurrently=True, if_exists=True)
    else:
        op.drop_index('idx_leads_org_created', table_name='leads')
