"""row-level security on the tenant tables (PostgreSQL only)

Defense in depth under the services' own ``organization_id`` filters: ``leads`` and ``pipeline_events``
show and accept only the rows of the organization the unit of work named (``lovedcrm.org_id``, set
transaction-locally by ``Database.session(organization_id=…)``), or every row when it declared itself
cross-organization (``lovedcrm.cross_org = 'on'``). FORCE makes the policies bind the tables' owner too,
so the app may own its schema (it runs these migrations) as long as its role is neither superuser nor
BYPASSRLS. Foreign-key actions (ON DELETE CASCADE / SET NULL) are not filtered by policies.

Identity tables (users, organizations, memberships, invites, auth_sessions) stay unrestricted: they are
read by user, e-mail or token before any organization is chosen (sign-in, switcher, invite link).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ('leads', 'pipeline_events')
POLICY = 'tenant_isolation'
# missing_ok (true): NULL on a connection that never set it; '' after a transaction that did, hence nullif
RULE = (
    "organization_id = nullif(current_setting('lovedcrm.org_id', true), '')::uuid"
    " OR current_setting('lovedcrm.cross_org', true) = 'on'"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite has no row-level security
    for table in TENANT_TABLES:
        op.execute(f'ALTER TABLE {table} ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE {table} FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON {table} USING ({RULE}) WITH CHECK ({RULE})')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TENANT_TABLES:
        op.execute(f'DROP POLICY IF EXISTS {POLICY} ON {table}')
        op.execute(f'ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE {table} DISABLE ROW LEVEL SECURITY')
