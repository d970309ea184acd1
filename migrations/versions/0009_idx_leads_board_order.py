"""idx_leads_board_order: a column's cards in board order (position, id) straight from the index

Replaces idx_leads_org_stage (organization_id, stage, position). A column reads its first cards ordered by
``position, id``; with ``id`` missing from the index PostgreSQL had to sort, and when its statistics were stale
(right after an import of thousands of leads, before autovacuum analyzes) it sorted the whole column: ~20 ms per
column at 20,000 cards instead of 0.1 ms (docs/BENCHMARKS.md, board open). With ``id`` in the index the order
comes from the index whatever the statistics say. The same index still serves the (organization, stage) counts.
Built CONCURRENTLY on PostgreSQL before the old one is dropped, so boards never lose their index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = ('idx_leads_board_order', ['organization_id', 'stage', 'position', 'id'])
OLD = ('idx_leads_org_stage', ['organization_id', 'stage', 'position'])


def _replace(create: tuple[str, list[str]], drop: tuple[str, list[str]]) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index(create[0], 'leads', create[1], postgresql_concurrently=True, if_not_exists=True)
            op.drop_index(drop[0], table_name='leads', postgresql_concurrently=True, if_exists=True)
    else:
        op.create_index(create[0], 'leads', create[1])
        op.drop_index(drop[0], table_name='leads')


def upgrade() -> None:
    _replace(NEW, OLD)


def downgrade() -> None:
    _replace(OLD, NEW)
