"""Many leads at once, straight into the table (no events): big boards for tests and benchmarks.

Used by tests (``from seeding import insert_leads``; tests/ is on ``sys.path``) and by ``bench/``.
"""

import uuid
from typing import Any

from contract import STAGES
from sqlalchemy import insert

from models import Lead, utcnow

BATCH = 2000


def lead_rows(organization_id: uuid.UUID, count: int, *, value: int | None = 100) -> list[dict[str, Any]]:
    """``count`` leads named 'Empresa 00000'…, spread over the five stages in turn, in name order per column.

    ``value=None`` gives lead ``i`` the value 1000 + i, an e-mail, a source in turn and every other one 'b2b'.
    """
    now = utcnow()
    varied = value is None
    return [
        {
            'id': uuid.uuid4(),
            'organization_id': organization_id,
            'name': f'Empresa {i:05d}',
            'email': f'contato{i}@empresa{i}.com.br' if varied else None,
            'source': ('site', 'evento', 'indicação')[i % 3] if varied else 'site',
            'estimated_value': 1000 + i if varied else value,
            'tags': (['b2b'] if i % 2 else []) if varied else [],
            'stage': STAGES[i % len(STAGES)],
            'position': float(i),
            'is_favorite': False,
            'stage_changed_at': now,
            'version': 1,
            'created_at': now,
            'updated_at': now,
        }
        for i in range(count)
    ]


async def insert_leads(executor: Any, rows: list[dict[str, Any]]) -> None:
    """Insert in batches through an ``AsyncSession`` or ``AsyncConnection`` (the caller commits)."""
    for start in range(0, len(rows), BATCH):
        await executor.execute(insert(Lead), rows[start : start + BATCH])


async def seed_board(ctx: Any, organization_id: uuid.UUID, count: int) -> None:
    """``count`` leads of R$ 100 in an organization of a running app (``AppContext``), committed."""
    async with ctx.db.session(cross_org=True) as session:
        await insert_leads(session, lead_rows(organization_id, count))
        await session.commit()
