"""Fixtures for the leads tests: a client of the leads API and a window on the database behind it."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from lovedcrm_ui.context import AppContext
from models import Lead, Organization, PipelineEvent


class LeadsClient:
    """What a LovedCRM client does with leads, with the status checks every test would repeat."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api

    async def create(self, who: Any, name: str = 'Acme Ltda', **fields: Any) -> dict[str, Any]:
        """Create a lead as ``who`` (201 expected) and return it."""
        response = await self.api.post('/crm/leads', headers=who.headers, json={'name': name, **fields})
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def get(self, who: Any, lead_id: str) -> dict[str, Any]:
        """One lead as ``who`` sees it (200 expected)."""
        response = await self.api.get(f'/crm/leads/{lead_id}', headers=who.headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def move(self, who: Any, lead_id: str, stage: str, **body: Any) -> httpx.Response:
        """``PUT /crm/leads/{id}/stage``; the caller checks the status."""
        return await self.api.put(f'/crm/leads/{lead_id}/stage', headers=who.headers, json={'stage': stage, **body})

    async def moved(self, who: Any, lead_id: str, stage: str, **body: Any) -> dict[str, Any]:
        """A move that must succeed; the lead after it."""
        response = await self.move(who, lead_id, stage, **body)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def every(self, who: Any, **params: Any) -> list[dict[str, Any]]:
        """Every lead ``who`` can list, walking all pages of 100."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            response = await self.api.get(
                '/crm/leads', headers=who.headers, params={'page': page, 'page_size': 100, **params}
            )
            assert response.status_code == 200, response.text
            body = response.json()
            found += body['leads']
            if not body['has_more']:
                return found
            page += 1

    async def column(self, who: Any, stage: str) -> list[str]:
        """The names in one board column, top to bottom (ordered by position, as the board draws it)."""
        return [lead['name'] for lead in sorted(await self.every(who, stage=stage), key=lambda lead: lead['position'])]


@pytest.fixture
def leads(api: httpx.AsyncClient) -> LeadsClient:
    """A client of ``/crm/leads``."""
    return LeadsClient(api)


class Store:
    """The database behind the API: the event journal, and changes only time or an operator makes."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def events(self, org_id: str) -> list[PipelineEvent]:
        """Every ``pipeline_events`` row of an organization, in ``seq`` order."""
        async with self.ctx.db.session(read_only=True, cross_org=True) as session:
            rows = await session.execute(
                select(PipelineEvent)
                .where(PipelineEvent.organization_id == uuid.UUID(org_id))
                .order_by(PipelineEvent.seq)  # type: ignore[arg-type]
            )
            return list(rows.scalars())

    async def seq(self, org_id: str) -> int:
        """The organization's last allocated event number."""
        async with self.ctx.db.session(read_only=True) as session:
            value = await session.scalar(select(Organization.event_seq).where(Organization.id == uuid.UUID(org_id)))
        assert value is not None
        return int(value)

    async def set_lead(self, lead_id: str, **values: Any) -> None:
        """Change a lead's stored columns behind the API (no event: time passing, a legacy import)."""
        async with self.ctx.db.session(cross_org=True) as session:
            result = await session.execute(update(Lead).where(Lead.id == uuid.UUID(lead_id)).values(**values))  # type: ignore[arg-type]
            assert result.rowcount == 1  # type: ignore[attr-defined]
            await session.commit()


@pytest.fixture
def store(ctx: AppContext) -> Store:
    """The database of this test, read and changed directly."""
    return Store(ctx)
