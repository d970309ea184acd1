"""Someone as a REST client sees them: their account, the organization they act in and its tokens.

Shared by the tests that talk to ``main.py`` over TCP (tests/ws, tests/browser); tests/ is on
``sys.path``: ``from api_person import ApiPerson``. The simulated-user tests' ``Person`` (tests/ui)
is a different thing: an account made in-process, acting through the services.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import httpx
from accounts import PASSWORD
from server_process import ServerProcess
from waiting import WAIT

ServerT = TypeVar('ServerT', bound=ServerProcess)


def new_account(full_name: str) -> dict[str, Any]:
    """A ``/auth/register`` body for ``full_name`` with an e-mail used nowhere else."""
    email = f'{full_name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com'
    return {'email': email, 'password': PASSWORD, 'full_name': full_name, 'terms_accepted': True}


@dataclass
class ApiPerson(Generic[ServerT]):
    """A registered user acting in one organization through the REST API, with the tokens to do so."""

    server: ServerT
    email: str
    full_name: str
    user_id: str
    organization_id: str
    organization_name: str
    access_token: str
    refresh_token: str

    @classmethod
    def from_auth(cls, server: ServerT, body: dict[str, Any]) -> 'ApiPerson[ServerT]':
        """The person an auth answer (register, login, switch organization) describes."""
        user, organization = body['user'], body['organization']
        return cls(
            server=server,
            email=user['email'],
            full_name=user['full_name'],
            user_id=user['id'],
            organization_id=organization['id'],
            organization_name=organization['name'],
            access_token=body['access_token'],
            refresh_token=body['refresh_token'],
        )

    @property
    def headers(self) -> dict[str, str]:
        """Bearer + X-Org-Id for the person's organization."""
        return {'Authorization': f'Bearer {self.access_token}', 'X-Org-Id': self.organization_id}

    def on(self, server: ServerT) -> 'ApiPerson[ServerT]':
        """The same person and tokens, talking to another replica."""
        return replace(self, server=server)

    # ----- asynchronous calls (tests running in asyncio) ------------------------------------------

    @asynccontextmanager
    async def api(self) -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client acting as this person."""
        async with httpx.AsyncClient(base_url=self.server.url, headers=self.headers, timeout=WAIT) as client:
            yield client

    async def request(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """One API call as this person; the JSON answer (None for 204)."""
        async with self.api() as client:
            response = await client.request(method, path, **kwargs)
        assert response.status_code == expect, f'{method} {path}: {response.status_code} {response.text}'
        return response.json() if response.content else None

    async def create_lead(self, name: str, **fields: Any) -> dict[str, Any]:
        """Create a lead."""
        return dict(await self.request('POST', '/crm/leads', 201, json={'name': name, **fields}))

    async def update_lead(self, lead_id: str, **fields: Any) -> dict[str, Any]:
        """Change some fields of a lead."""
        return dict(await self.request('PUT', f'/crm/leads/{lead_id}', json=fields))

    async def move_lead(self, lead_id: str, stage: str, **fields: Any) -> dict[str, Any]:
        """Move a lead to another stage."""
        return dict(await self.request('PUT', f'/crm/leads/{lead_id}/stage', json={'stage': stage, **fields}))

    async def delete_lead(self, lead_id: str) -> None:
        """Delete a lead."""
        await self.request('DELETE', f'/crm/leads/{lead_id}', 204)
