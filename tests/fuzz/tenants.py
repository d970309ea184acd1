"""Two organizations built through the API for the isolation fuzz: what each owns, and what the other must never see.

Every name, e-mail and text of a tenant carries its marker (``qzalpha`` for A), so a response that
names anything of A shows it; ids and tokens are collected as they are created. tests/fuzz is on
``sys.path`` when its tests run: ``from tenants import Tenant, build_tenant``.
"""

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from lovedcrm_ui.context import AppContext
from models import Invite

MARKERS = {'A': 'qzalpha', 'B': 'qzbravo'}
STAGES = ('lead', 'contato', 'proposta', 'negociacao', 'fechado')


@dataclass
class Tenant:
    """One organization: its owner, a second member, a few leads and a pending invite."""

    label: str
    owner: Any  # tests/conftest.py's Account (headers, bearer, ids, tokens)
    member: Any
    lead_ids: list[str] = field(default_factory=list)
    invite_ids: list[str] = field(default_factory=list)
    invite_tokens: list[str] = field(default_factory=list)
    # every id, name, e-mail, text and token of this tenant (and of its member's own organization)
    secrets: set[str] = field(default_factory=set)

    @property
    def marker(self) -> str:
        """The string in every name and text of this tenant."""
        return MARKERS[self.label]

    @property
    def org_id(self) -> str:
        """The tenant's organization."""
        return self.owner.org_id

    @property
    def user_ids(self) -> list[str]:
        """Owner and member."""
        return [self.owner.user_id, self.member.user_id]

    def remember(self, values: Iterable[Any]) -> None:
        """Add values (ids, names, e-mails, tokens) to what the other tenant must never see."""
        self.secrets.update(str(value) for value in values if value)


async def build_tenant(
    api: httpx.AsyncClient,
    register: Callable[..., Awaitable[Any]],
    join: Callable[..., Awaitable[Any]],
    label: str,
    leads: int = 4,
) -> Tenant:
    """Register an organization through the API: owner, member, ``leads`` leads over the stages, a pending invite."""
    marker = MARKERS[label]
    owner = await register(f'Ana {marker}', email=f'ana.{marker}.{uuid.uuid4().hex[:6]}@example.com')
    member = await join(owner, 'member', name=f'Bruno {marker}')
    tenant = Tenant(label, owner, member)
    renamed = await api.put('/organizations/current', headers=owner.headers, json={'name': f'Empresa {marker}'})
    assert renamed.status_code == 200, renamed.text
    tenant.remember([marker, owner.org_id, f'Empresa {marker}', owner.organization['name']])
    for account in (owner, member):
        tenant.remember([account.user_id, account.email, account.user['full_name']])
        tenant.remember([account.access_token, account.refresh_token])
    # the member registered first: their own organization is theirs, not the other tenant's business either
    own = await api.get('/users/me/organizations', headers=member.bearer)
    assert own.status_code == 200, own.text
    tenant.remember(value for org in own.json() for value in (org['id'], org['name']))
    for i in range(leads):
        body = {
            'name': f'Lead {marker} {i}',
            'email': f'lead{i}.{marker}@example.com',
            'source': f'fonte-{marker}',
            'notes': f'nota {marker} {i}',
            'tags': [f'tag{marker}'],
            'stage': STAGES[i % len(STAGES)],
            'assigned_user_id': member.user_id,
        }
        created = await api.post('/crm/leads', headers=owner.headers, json=body)
        assert created.status_code == 201, created.text
        tenant.lead_ids.append(created.json()['id'])
        tenant.remember([created.json()['id'], body['name'], body['email'], body['notes']])
    invite = {
        'email': f'carla.{marker}@example.com',
        'role': 'member',
        'message': f'Bem-vinda {marker}',
        'invited_name': f'Carla {marker}',
    }
    invited = await api.post('/organizations/invites', headers=owner.headers, json=invite)
    assert invited.status_code == 201, invited.text
    tenant.invite_ids.append(invited.json()['id'])
    tenant.invite_tokens.append(await invite_token(api, invited.json()['id']))
    tenant.remember([invite['email'], invite['message'], invite['invited_name'], invited.json()['id']])
    tenant.remember(tenant.invite_tokens)
    return tenant


async def keep_signed_in(api: httpx.AsyncClient, login: Callable[..., Awaitable[Any]], tenant: Tenant) -> None:
    """Sign the tenant's people in again where a fuzzed call ended their session (a sign-out, a refresh reuse)."""
    for role in ('owner', 'member'):
        account = getattr(tenant, role)
        if (await api.get('/auth/me', headers=account.bearer)).status_code == 200:
            continue
        fresh = await login(account.email)
        if fresh.org_id != tenant.org_id:  # a sign-in lands in the most recently used organization
            switched = await api.post(
                '/auth/switch-organization', headers=fresh.bearer, json={'organization_id': tenant.org_id}
            )
            assert switched.status_code == 200, switched.text
            fresh.access_token, fresh.organization = switched.json()['access_token'], switched.json()['organization']
        setattr(tenant, role, fresh)


async def invite_token(api: httpx.AsyncClient, invite_id: str) -> str:
    """An invite's token, read from the database as the invitee reads it in the e-mailed link."""
    ctx: AppContext = api._transport.app.state.ctx  # type: ignore[attr-defined]
    async with ctx.db.session(read_only=True, cross_org=True) as session:
        token = await session.scalar(select(col(Invite.token)).where(col(Invite.id) == uuid.UUID(invite_id)))
    assert token
    return str(token)


def leaked(secrets: Iterable[str], response_text: str, known: set[str]) -> list[str]:
    """The secrets a response names that its receiver never sent (``known``: lowercased values they sent)."""
    text = response_text.lower()
    return sorted(secret for secret in secrets if secret.lower() in text and secret.lower() not in known)
