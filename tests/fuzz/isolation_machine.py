"""A Hypothesis state machine of two organizations, A and B, used at random through the HTTP API.

Rules: create, move (random stage and index), edit and delete leads (with the version last read, or a stale
one: 409), invite a new or an existing person, accept, remove a member, switch organization, and someone of
one organization touching the other's leads, members and invites by id (always 403/404, never naming them).

Invariants after every step, for each organization, read by its owner's own session: the leads (names,
stages, versions, and each column's order) are the model's; the per-stage counts of
``/crm/leads/statistics`` are the model's; every event since the last look has the next ``seq`` (no gap, no
double), belongs to the organization and names only its leads; the last ``seq`` is the number of lead
writes that succeeded. A removed member's token is refused.

The machine runs in Hypothesis's thread; ``Api`` sends each request on the test's event loop.
"""

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from accounts import PASSWORD
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select
from sqlmodel import col

from lovedcrm_ui.context import AppContext
from models import Invite

STAGES = ('lead', 'contato', 'proposta', 'negociacao', 'fechado')
CALL_TIMEOUT = 60.0  # seconds for one request
MAX_PENDING = 2  # open invites an organization may have: more would only add people who never join


class Api:
    """The test's HTTP client, driven from another thread: every call runs on the test's event loop."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop, ctx: AppContext) -> None:
        self.client = client
        self.loop = loop
        self.ctx = ctx
        self.calls = 0
        self.outcomes: Counter[str] = Counter()  # what the rules did (a run that only skipped proves nothing)

    def note(self, outcome: str) -> None:
        """Count one outcome of a rule."""
        self.outcomes[outcome] += 1

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **options: Any) -> httpx.Response:
        """One request; the response."""
        self.calls += 1
        request = self.client.request(method, path, headers=headers, **options)
        return asyncio.run_coroutine_threadsafe(request, self.loop).result(timeout=CALL_TIMEOUT)

    def invite_token(self, invite_id: str) -> str:
        """The token of an invite's link, read from the database as the invitee reads it in the e-mail."""

        async def read() -> str | None:
            async with self.ctx.db.session(read_only=True) as session:
                return await session.scalar(select(col(Invite.token)).where(col(Invite.id) == uuid.UUID(invite_id)))

        token = asyncio.run_coroutine_threadsafe(read(), self.loop).result(timeout=CALL_TIMEOUT)
        assert token
        return token

    def read_all(self, reads: dict[Any, tuple[str, dict[str, str], dict[str, Any]]]) -> dict[Any, Any]:
        """Several GETs at once (key → path, headers, params), each of which must succeed; key → JSON body."""

        async def read(path: str, headers: dict[str, str], params: dict[str, Any]) -> Any:
            response = await self.client.get(path, headers=headers, params=params)
            assert response.status_code == 200, f'GET {path}: {response.status_code} {response.text}'
            return response.json()

        async def every() -> list[Any]:
            return await asyncio.gather(*(read(*request) for request in reads.values()))

        self.calls += len(reads)
        bodies = asyncio.run_coroutine_threadsafe(every(), self.loop).result(timeout=CALL_TIMEOUT)
        return dict(zip(reads, bodies, strict=True))

    def ok(self, method: str, path: str, headers: dict[str, str] | None = None, **options: Any) -> Any:
        """A request that must succeed (2xx); its JSON body."""
        response = self.call(method, path, headers, **options)
        assert response.is_success, f'{method} {path}: {response.status_code} {response.text}'
        return response.json() if response.content else None


@dataclass
class Person:
    """Someone signed in: one access token, for one organization at a time (``current``: 'A', 'B' or their own)."""

    name: str
    email: str
    user_id: str
    token: str
    current: str | None
    roles: dict[str, str] = field(default_factory=dict)  # 'A'/'B' → role there

    def headers(self, org_id: str) -> dict[str, str]:
        """Bearer + X-Org-Id."""
        return {'Authorization': f'Bearer {self.token}', 'X-Org-Id': org_id}

    @property
    def bearer(self) -> dict[str, str]:
        """Bearer only."""
        return {'Authorization': f'Bearer {self.token}'}


@dataclass
class Lead:
    """A lead as the model knows it."""

    id: str
    name: str
    stage: str
    version: int


@dataclass
class Org:
    """One organization as the model knows it."""

    label: str
    marker: str  # in every lead name of this organization
    id: str
    audit: dict[str, str]  # headers of the owner's second session, used only to read
    leads: dict[str, Lead] = field(default_factory=dict)  # in creation order
    columns: dict[str, list[str]] = field(default_factory=lambda: {stage: [] for stage in STAGES})
    # every lead id created here, deleted ones included (a list: draws by position replay the same way each run)
    ever: list[str] = field(default_factory=list)
    writes: int = 0  # lead writes that succeeded: each is one event
    seen_seq: int = 0
    invites: dict[str, tuple[Person, str, str]] = field(default_factory=dict)  # pending: id → (invitee, token, role)
    named: int = 0

    def next_name(self, what: str) -> str:
        """A lead name unique in the run, carrying the organization's marker."""
        self.named += 1
        return f'{what} {self.marker} {self.named}'


class IsolationMachine(RuleBasedStateMachine):
    """Two organizations and the people around them; see the module docstring."""

    def __init__(self, api: Api) -> None:
        super().__init__()
        self.api = api
        self.people: list[Person] = []
        self.orgs = {label: self._found(label) for label in ('A', 'B')}
        for org in self.orgs.values():  # a lead in each of two columns: moves and edits apply from the first step
            owner = next(p for p in self.people if p.roles.get(org.label) == 'owner')
            for stage in STAGES[:2]:
                self._create(org, owner, stage)

    # -- people and organizations --------------------------------------------------------------------------

    def _register(self, name: str) -> Person:
        email = f'{name.split()[0].lower()}.{uuid.uuid4().hex[:10]}@example.com'
        body = self.api.ok(
            'POST',
            '/auth/register',
            json={'email': email, 'password': PASSWORD, 'full_name': name, 'terms_accepted': True},
        )
        person = Person(name, email, body['user']['id'], body['access_token'], current=None)
        self.people.append(person)
        return person

    def _found(self, label: str) -> Org:
        marker = f'qz{label.lower()}{uuid.uuid4().hex[:8]}'
        owner = self._register(f'Dona {marker}')
        org_id = self.api.ok('GET', '/users/me/organizations', owner.bearer)[0]['id']
        owner.current, owner.roles[label] = label, 'owner'
        # a second session of the owner reads for the invariants: the owner's own token may switch away
        audit = self.api.ok('POST', '/auth/login', json={'email': owner.email, 'password': PASSWORD})
        org = Org(label, marker, org_id, {'Authorization': f'Bearer {audit["access_token"]}', 'X-Org-Id': org_id})
        self.api.ok('PUT', '/organizations/current', owner.headers(org_id), json={'name': f'Empresa {marker}'})
        return org

    def _actor(self, data: st.DataObject, label: str) -> Person | None:
        """Someone whose token is for ``label`` and who belongs there (any role)."""
        here = [p for p in self.people if p.current == label and label in p.roles]
        return data.draw(st.sampled_from(here), label='actor') if here else None

    @staticmethod
    def _version(data: st.DataObject, lead: Lead) -> tuple[int, bool]:
        """The version to send: the one last read, or (sometimes) an older one, which must get a 409."""
        stale = lead.version > 1 and data.draw(st.integers(0, 2), label='stale?') == 0
        return (lead.version - 1 if stale else lead.version), stale

    def _refused_writer(self, response: httpx.Response, actor: Person, label: str) -> bool:
        """True (and checked) if ``actor`` is a viewer, whose writes are refused."""
        if actor.roles[label] != 'viewer':
            return False
        assert response.status_code == 403, response.text
        self.api.note('viewer refused')
        return True

    # -- lead rules ----------------------------------------------------------------------------------------

    @rule(data=st.data(), label=st.sampled_from('AB'), stage=st.sampled_from(STAGES))
    def create_lead(self, data: st.DataObject, label: str, stage: str) -> None:
        actor = self._actor(data, label)
        if actor is not None:
            self._create(self.orgs[label], actor, stage)

    def _create(self, org: Org, actor: Person, stage: str) -> None:
        name = org.next_name('Lead')
        response = self.api.call('POST', '/crm/leads', actor.headers(org.id), json={'name': name, 'stage': stage})
        if self._refused_writer(response, actor, org.label):
            return
        assert response.status_code == 201, response.text
        lead = response.json()
        assert (lead['name'], lead['stage'], lead['organization_id']) == (name, stage, org.id)
        org.leads[lead['id']] = Lead(lead['id'], name, stage, lead['version'])
        org.columns[stage].insert(0, lead['id'])  # a new lead goes on top of its column
        org.ever.append(lead['id'])
        org.writes += 1
        self.api.note('created')

    @rule(data=st.data(), label=st.sampled_from('AB'), stage=st.sampled_from(STAGES))
    def move_lead(self, data: st.DataObject, label: str, stage: str) -> None:
        org = self.orgs[label]
        actor, lead = self._actor(data, label), self._pick_lead(data, org)
        if actor is None or lead is None:
            return
        index = data.draw(st.none() | st.integers(0, 6), label='index')
        version, stale = self._version(data, lead)
        body: dict[str, Any] = {'stage': stage, 'expected_version': version}
        if index is not None:
            body['position'] = index
        response = self.api.call('PUT', f'/crm/leads/{lead.id}/stage', actor.headers(org.id), json=body)
        if self._refused_writer(response, actor, label):
            return
        if stale:
            assert response.status_code == 409, response.text
            self.api.note('stale move refused')
            return
        assert response.status_code == 200, response.text
        moved = response.json()
        assert (moved['stage'], moved['version']) == (stage, lead.version + 1), moved
        old_column = org.columns[lead.stage]
        place = old_column.index(lead.id)
        old_column.remove(lead.id)
        if index is None:  # no index: top of a new column, the same place in its own
            index = place if stage == lead.stage else 0
        column = org.columns[stage]
        column.insert(min(index, len(column)), lead.id)
        lead.stage, lead.version = stage, moved['version']
        org.writes += 1
        self.api.note('moved')

    @rule(data=st.data(), label=st.sampled_from('AB'))
    def edit_lead(self, data: st.DataObject, label: str) -> None:
        org = self.orgs[label]
        actor, lead = self._actor(data, label), self._pick_lead(data, org)
        if actor is None or lead is None:
            return
        version, stale = self._version(data, lead)
        name = org.next_name('Renamed')
        body = {'name': name, 'expected_version': version}
        response = self.api.call('PUT', f'/crm/leads/{lead.id}', actor.headers(org.id), json=body)
        if self._refused_writer(response, actor, label):
            return
        if stale:
            assert response.status_code == 409, response.text
            self.api.note('stale edit refused')
            return
        assert response.status_code == 200, response.text
        assert (response.json()['name'], response.json()['version']) == (name, lead.version + 1), response.text
        lead.name, lead.version = name, lead.version + 1
        org.writes += 1
        self.api.note('edited')

    @rule(data=st.data(), label=st.sampled_from('AB'))
    def delete_lead(self, data: st.DataObject, label: str) -> None:
        org = self.orgs[label]
        actor, lead = self._actor(data, label), self._pick_lead(data, org)
        if actor is None or lead is None:
            return
        version, stale = self._version(data, lead)
        response = self.api.call(
            'DELETE', f'/crm/leads/{lead.id}', actor.headers(org.id), params={'expected_version': version}
        )
        if self._refused_writer(response, actor, label):
            return
        if stale:
            assert response.status_code == 409, response.text
            self.api.note('stale delete refused')
            return
        assert response.status_code == 204, response.text
        del org.leads[lead.id]
        org.columns[lead.stage].remove(lead.id)
        org.writes += 1
        self.api.note('deleted')

    def _pick_lead(self, data: st.DataObject, org: Org) -> Lead | None:
        if not org.leads:
            return None
        return org.leads[data.draw(st.sampled_from(list(org.leads)), label='lead')]

    # -- membership rules ----------------------------------------------------------------------------------

    @rule(data=st.data(), label=st.sampled_from('AB'), role=st.sampled_from(['member', 'viewer']))
    def invite(self, data: st.DataObject, label: str, role: str) -> None:
        """The owner invites someone new or someone already around; the invite stays pending."""
        self._invite(data, label, role)

    @rule(data=st.data(), label=st.sampled_from('AB'), role=st.sampled_from(['member', 'viewer']))
    def bring_someone_in(self, data: st.DataObject, label: str, role: str) -> None:
        """Invite, accept at once and (often) go there: teams grow in one step, as they mostly do."""
        invite_id = self._invite(data, label, role)
        if invite_id is not None:
            self._accept(data, self.orgs[label], invite_id)

    @rule(data=st.data())
    def accept_invite(self, data: st.DataObject) -> None:
        """An invite pending for a while is accepted."""
        pending = [(org, invite_id) for org in self.orgs.values() for invite_id in org.invites]
        if pending:
            self._accept(data, *data.draw(st.sampled_from(pending), label='invite'))

    def _invite(self, data: st.DataObject, label: str, role: str) -> str | None:
        org = self.orgs[label]
        owner = next((p for p in self.people if p.roles.get(label) == 'owner' and p.current == label), None)
        if owner is None or len(org.invites) >= MAX_PENDING:
            return None
        pending = {invitee.user_id for invitee, _token, _role in org.invites.values()}
        others = [p for p in self.people if label not in p.roles and p.user_id not in pending]
        invitee = data.draw(st.sampled_from([None, *others]), label='invitee')  # None: someone new
        if invitee is None:
            invitee = self._register(f'Pessoa {len(self.people)}')
        invite = self.api.ok(
            'POST', '/organizations/invites', owner.headers(org.id), json={'email': invitee.email, 'role': role}
        )
        org.invites[invite['id']] = (invitee, self.api.invite_token(invite['id']), role)
        self.api.note('invited')
        return str(invite['id'])

    def _accept(self, data: st.DataObject, org: Org, invite_id: str) -> None:
        invitee, token, role = org.invites.pop(invite_id)
        accepted = self.api.ok('POST', f'/invites/{token}/accept', invitee.bearer, json={'token': token})
        assert (accepted['organization_id'], accepted['role']) == (org.id, role), accepted
        invitee.roles[org.label] = role
        self.api.note('joined')
        if data.draw(st.booleans(), label='go there now?'):  # as the invite page does
            self._switch(invitee, org.label)

    def _switch(self, person: Person, label: str) -> None:
        org = self.orgs[label]
        response = self.api.call('POST', '/auth/switch-organization', person.bearer, json={'organization_id': org.id})
        if label not in person.roles:
            assert response.status_code == 403, response.text
            self.api.note('switch refused')
            return
        assert response.status_code == 200, response.text
        assert response.json()['organization']['id'] == org.id
        person.token, person.current = response.json()['access_token'], label
        self.api.note('switched')

    @rule(data=st.data(), label=st.sampled_from('AB'))
    def remove_member(self, data: st.DataObject, label: str) -> None:
        org = self.orgs[label]
        owner = next((p for p in self.people if p.roles.get(label) == 'owner' and p.current == label), None)
        members = [p for p in self.people if p.roles.get(label) in ('member', 'viewer')]
        if owner is None or not members:
            return
        member = data.draw(st.sampled_from(members), label='member')
        self.api.ok('DELETE', f'/organizations/members/{member.user_id}', owner.headers(org.id))
        del member.roles[label]
        self.api.note('removed')
        if member.current == label:  # their token names this organization: it must stop working at once
            self._removed_member_is_refused(member)

    @rule(data=st.data())
    def switch_organization(self, data: st.DataObject) -> None:
        person = data.draw(st.sampled_from(self.people), label='person')
        # mostly where the person belongs; now and then where they do not (403)
        label = data.draw(
            st.sampled_from(sorted(person.roles) or ['A']) if data.draw(st.integers(0, 3)) else st.sampled_from('AB'),
            label='to',
        )
        self._switch(person, label)

    # -- the other organization's things -------------------------------------------------------------------

    @rule(data=st.data(), label=st.sampled_from('AB'))
    def touch_the_other_organization(self, data: st.DataObject, label: str) -> None:
        """Someone of ``label`` only, acting on the other organization's leads, members or invites by id."""
        mine, theirs = self.orgs[label], self.orgs['B' if label == 'A' else 'A']
        outsiders = [p for p in self.people if p.current == label and label in p.roles and theirs.label not in p.roles]
        if not outsiders:
            return
        intruder = data.draw(st.sampled_from(outsiders), label='intruder')
        targets: list[tuple[str, str, dict[str, Any] | None]] = []
        for lead_id in theirs.ever:
            targets += [
                ('GET', f'/crm/leads/{lead_id}', None),
                ('PUT', f'/crm/leads/{lead_id}', {'name': 'mine now'}),
                ('PUT', f'/crm/leads/{lead_id}/stage', {'stage': 'fechado'}),
                ('PUT', f'/crm/leads/{lead_id}/favorite', {'is_favorite': True}),
                ('GET', f'/crm/leads/{lead_id}/history', None),
                ('DELETE', f'/crm/leads/{lead_id}', None),
            ]
        for person in self.people:
            if theirs.label in person.roles and label not in person.roles:
                targets += [
                    ('PUT', f'/organizations/members/{person.user_id}', {'role': 'viewer'}),
                    ('DELETE', f'/organizations/members/{person.user_id}', None),
                ]
        targets += [('DELETE', f'/organizations/invites/{invite_id}', None) for invite_id in theirs.invites]
        if not targets:
            return
        method, path, body = data.draw(st.sampled_from(targets), label='target')
        org_header = data.draw(st.sampled_from([mine.id, theirs.id]), label='X-Org-Id')
        response = self.api.call(method, path, intruder.headers(org_header), json=body)
        assert response.status_code in (403, 404), f'{method} {path} as {label}: {response.status_code} {response.text}'
        assert theirs.marker not in response.text, response.text
        self.api.note('intruder refused')

    @rule(data=st.data())
    def removed_member_comes_back(self, data: st.DataObject) -> None:
        """Later, the removed member tries again with the token of the organization they left."""
        removed = [p for p in self.people if p.current in self.orgs and p.current not in p.roles]
        if removed:
            self._removed_member_is_refused(data.draw(st.sampled_from(removed), label='removed'))

    def _removed_member_is_refused(self, person: Person) -> None:
        org = self.orgs[person.current or '']
        response = self.api.call('GET', '/crm/leads', person.headers(org.id))
        assert response.status_code == 403, response.text
        assert org.marker not in response.text, response.text
        self.api.note('removed member refused')

    # -- invariants ----------------------------------------------------------------------------------------

    @invariant()
    def each_organization_matches_the_model(self) -> None:
        """Leads, columns, statistics and events of both organizations, read at once (six concurrent requests)."""
        reads = {
            (org.label, what): (path, params)
            for org in self.orgs.values()
            for what, path, params in (
                ('leads', '/crm/leads', {'page_size': 100}),
                ('statistics', '/crm/leads/statistics', {}),
                ('events', '/crm/pipeline/events', {'since': org.seen_seq, 'limit': 1000}),
            )
        }
        bodies = self.api.read_all(
            {key: (path, self.orgs[key[0]].audit, params) for key, (path, params) in reads.items()}
        )
        for org in self.orgs.values():
            self._leads_are_the_model(org, bodies[org.label, 'leads'])
            self._statistics_count_the_model(org, bodies[org.label, 'statistics'])
            self._events_are_gap_free_and_the_organizations_own(org, bodies[org.label, 'events'])

    def _leads_are_the_model(self, org: Org, body: dict[str, Any]) -> None:
        listed = body['leads']
        assert not body['has_more'], 'the model keeps fewer than 100 leads an organization'
        assert {lead['organization_id'] for lead in listed} <= {org.id}, (
            f'{org.label} lists a lead of another organization'
        )
        seen = {lead['id']: (lead['name'], lead['stage'], lead['version']) for lead in listed}
        assert seen == {lead.id: (lead.name, lead.stage, lead.version) for lead in org.leads.values()}, org.label
        for stage in STAGES:
            column = [
                lead['id'] for lead in sorted(listed, key=lambda lead: lead['position']) if lead['stage'] == stage
            ]
            assert column == org.columns[stage], f'{org.label} column {stage}'

    @staticmethod
    def _statistics_count_the_model(org: Org, stats: dict[str, Any]) -> None:
        expected = {stage: len(org.columns[stage]) for stage in STAGES}
        assert {stage: stats['stage_counts'].get(stage, 0) for stage in STAGES} == expected, (org.label, stats)
        assert stats['total_leads'] == len(org.leads), (org.label, stats)

    @staticmethod
    def _events_are_gap_free_and_the_organizations_own(org: Org, body: dict[str, Any]) -> None:
        seqs = [event['seq'] for event in body['events']]
        assert seqs == list(range(org.seen_seq + 1, org.seen_seq + 1 + len(seqs))), (org.label, seqs)
        assert body['latest_seq'] == org.writes, f'{org.label}: latest_seq {body["latest_seq"]}, {org.writes} writes'
        for event in body['events']:
            assert event['organization_id'] == org.id, event
            named = event.get('lead_id') or (event.get('lead') or {}).get('id')
            assert named in org.ever, event
        org.seen_seq = body['latest_seq']
