"""lead_notes: a lead's feed of timestamped notes; the old free-text notes become each lead's first note

Each lead with non-empty ``notes`` gets one note with that text, without an author (shown as "Nota anterior" /
"Earlier note") and dated at the lead's creation. ``leads.notes`` stays, from now on as the denormalized text of
the lead's latest note (services/notes.py keeps it in the same transaction as every note write), so the LovedCRM
``notes`` field of the API reads as before. Row-level security as on every tenant table (0004). Downgrade puts the
latest note's text back into ``leads.notes`` (it already is there unless someone bypassed the service) and drops
the table.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = 'tenant_isolation'
# the same rule as migrations/versions/0004_row_level_security.py
RULE = (
    "organization_id = nullif(current_setting('lovedcrm.org_id', true), '')::uuid"
    " OR current_setting('lovedcrm.cross_org', true) = 'on'"
)
# a new random id per row, as each database stores a UUID (PostgreSQL: uuid; SQLite: 32 hex digits, as sa.Uuid)
NEW_ID = {'postgresql': 'gen_random_uuid()', 'sqlite': 'lower(hex(randomblob(16)))'}


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    op.create_table(
        'lead_notes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('organization_id', sa.Uuid(), nullable=False),
        sa.Column('lead_id', sa.Uuid(), nullable=False),
        sa.Column('author_user_id', sa.Uuid(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_lead_notes_organization_id', 'lead_notes', ['organization_id'])
    op.create_index('idx_lead_notes_lead', 'lead_notes', ['lead_id', 'created_at'])
    if postgres:
        op.execute('ALTER TABLE lead_notes ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE lead_notes FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON lead_notes USING ({RULE}) WITH CHECK ({RULE})')
        # moving every organization's notes is cross-organization work, for this transaction only
        op.execute("SELECT set_config('lovedcrm.cross_org', 'on', true)")
    op.execute(
        'INSERT INTO lead_notes (id, organization_id, lead_id, author_user_id, body, created_at, updated_at) '
        f'SELECT {NEW_ID[bind.dialect.name]}, organization_id, id, NULL, notes, created_at, created_at FROM leads '
        "WHERE notes IS NOT NULL AND trim(notes) <> ''"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT set_config('lovedcrm.cross_org', 'on', true)")
    op.execute(
        'UPDATE leads SET notes = (SELECT n.body FROM lead_notes n WHERE n.lead_id = leads.id '
        'ORDER BY n.created_at DESC, n.id DESC LIMIT 1) '
        'WHERE EXISTS (SELECT 1 FROM lead_notes n WHERE n.lead_id = leads.id)'
    )
    op.drop_table('lead_notes')  # its indexes and policy go with it
