"""lead_activities: a lead's next steps (call, meeting, e-mail, task) with a due time, done or not, an assignee

``leads.next_activity`` keeps the lead's earliest open activity (kind, title, due time, assignee) as JSON, written
in the same transaction as every activity write (services/activities.py), so each lead snapshot (board read, every
event) carries the card's "next step" without a query per card. Row-level security as on every tenant table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = 'tenant_isolation'
# the same rule as migrations/versions/0004_row_level_security.py
RULE = (
    "organization_id = nullif(current_setting('lovedcrm.org_id', true), '')::uuid"
    " OR current_setting('lovedcrm.cross_org', true) = 'on'"
)


def upgrade() -> None:
    op.create_table(
        'lead_activities',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('organization_id', sa.Uuid(), nullable=False),
        sa.Column('lead_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('assignee_user_id', sa.Uuid(), nullable=True),
        sa.Column('created_by_user_id', sa.Uuid(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assignee_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_lead_activities_organization_id', 'lead_activities', ['organization_id'])
    # a lead's open activities by due time (its next step), then the done ones
    op.create_index('idx_lead_activities_lead', 'lead_activities', ['lead_id', 'done', 'due_at'])
    # "my activities": one member's open activities in one organization by due time
    op.create_index(
        'idx_lead_activities_assignee', 'lead_activities', ['organization_id', 'assignee_user_id', 'done', 'due_at']
    )
    op.add_column('leads', sa.Column('next_activity', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE lead_activities ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE lead_activities FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON lead_activities USING ({RULE}) WITH CHECK ({RULE})')


def downgrade() -> None:
    op.drop_table('lead_activities')  # its indexes and policy go with it
    with op.batch_alter_table('leads') as batch:
        batch.drop_column('next_activity')
