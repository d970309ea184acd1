"""Demo mode: ``python -m lovedcrm_ui seed-demo`` and ``python main.py --demo`` (``LOVEDCRM_DEMO=1``).

A newcomer gets an organization with two users and sixty leads whose history spans weeks, signs in with the
printed logins, and sees metrics that mean something. Seeding happens once, however often (or however many
processes at once) it is asked for, and the history is what the app itself would have written.
"""

import asyncio
import itertools
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_runner import AdminCli
from server_process import ServerProcess
from sqlalchemy import select

from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SLUG
from models import STAGE_ORDER, EventType, Lead, Organization, PipelineEvent

LOGIN_LINE = re.compile(r'browser (\d): (\S+)\s+password (\S+)')


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> AdminCli:
    """The admin commands, on this test's database."""
    return AdminCli(settings, monkeypatch, capsys)


async def demo_organizations(ctx: AppContext) -> list[Organization]:
    """Every organization with the demo's slug (there must never be more than one)."""
    async with ctx.db.session(read_only=True) as session:
        return list((await session.execute(select(Organization).where(Organization.slug == DEMO_SLUG))).scalars())


async def stored(ctx: AppContext, organization_id: uuid.UUID) -> tuple[list[Lead], list[PipelineEvent]]:
    """The demo organization's leads and events, as the database has them."""
    async with ctx.db.session(read_only=True, organization_id=organization_id) as session:
        leads = list((await session.execute(select(Lead).where(Lead.organization_id == organization_id))).scalars())
        events = list(
            (
                await session.execute(
                    select(PipelineEvent)
                    .where(PipelineEvent.organization_id == organization_id)
                    .order_by(PipelineEvent.seq)
                )
            ).scalars()
        )
    return leads, events


async def sign_in(api: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    """Bearer + X-Org-Id headers of a fresh login."""
    response = await api.post('/auth/login', json={'email': email, 'password': password})
    assert response.status_code == 200, response.text
    body = response.json()
    return {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': body['organization']['id']}


async def test_seeding_twice_adds_the_demo_once_with_the_apps_own_history(ctx: AppContext, cli: AdminCli) -> None:
    first = await cli('seed-demo')
    assert first.code == 0, first.err
    assert 'NEVER USE IT FOR REAL DATA' in first.out and '(added)' in first.out
    for account in DEMO_ACCOUNTS:
        assert re.search(rf'{re.escape(account.email)}\s+password {DEMO_PASSWORD}', first.out)
    assert f'http://127.0.0.1:{cli.port}/login' in first.out
    [organization] = await demo_organizations(ctx)
    leads, events = await stored(ctx, organization.id)

    again = await cli('seed-demo')
    assert again.code == 0, again.err
    assert 'already there, nothing added' in again.out
    assert len(await demo_organizations(ctx)) == 1
    assert [len(x) for x in await stored(ctx, organization.id)] == [len(leads), len(events)]

    # the sequence is gap-free and in time order, as commits make it
    assert [event.seq for event in events] == list(range(1, organization.event_seq + 1))
    assert [event.created_at for event in events] == sorted(event.created_at for event in events)
    history: dict[uuid.UUID, list[PipelineEvent]] = defaultdict(list)
    for event in events:
        history[event.lead_id].append(event)
    assert set(history) == {lead.id for lead in leads}
    went_back = 0
    for lead in leads:
        created, *moves = history[lead.id]
        assert created.type == EventType.LEAD_CREATED and created.created_at == lead.created_at
        assert all(move.type == EventType.LEAD_STAGE_CHANGED for move in moves)
        stages = [created.payload['lead']['stage']] + [move.payload['new_stage'] for move in moves]
        assert [move.payload['old_stage'] for move in moves] == stages[:-1]
        assert lead.stage == stages[-1] == history[lead.id][-1].payload['lead']['stage']
        assert lead.stage_changed_at == history[lead.id][-1].created_at
        assert lead.version == len(history[lead.id])
        ranks = [STAGE_ORDER.index(stage) for stage in stages]
        went_back += any(later < earlier for earlier, later in itertools.pairwise(ranks))
    assert went_back >= 2
    # in each column, the lead that arrived last is on top, as the board puts a moved card
    columns: dict[str, list[Lead]] = defaultdict(list)
    for lead in leads:
        columns[lead.stage].append(lead)
    for column in columns.values():
        by_position = sorted(column, key=lambda lead: lead.position)
        assert by_position == sorted(column, key=lambda lead: lead.stage_changed_at, reverse=True)
        assert len({lead.position for lead in column}) == len(column)
    # realistic spread: weeks of history, every stage, both users, several sources
    span = max(lead.created_at for lead in leads) - min(lead.created_at for lead in leads)
    assert timedelta(weeks=5) < span < timedelta(weeks=8)
    assert len(leads) >= 50 and {lead.stage for lead in leads} == set(STAGE_ORDER)
    assert len({lead.assigned_user_id for lead in leads} - {None}) == 2
    assert len({lead.source for lead in leads}) >= 5
    assert all(lead.phone and lead.phone.startswith('+55') for lead in leads)


async def test_the_printed_logins_open_a_board_whose_metrics_mean_something(
    api: httpx.AsyncClient, cli: AdminCli
) -> None:
    seeded = await cli('seed-demo')
    assert seeded.code == 0, seeded.err
    logins = {email: password for _number, email, password in LOGIN_LINE.findall(seeded.out)}
    assert set(logins) == {account.email for account in DEMO_ACCOUNTS}
    ana, bruno = [await sign_in(api, email, password) for email, password in logins.items()]
    assert ana['X-Org-Id'] == bruno['X-Org-Id']  # both land in the demo organization

    listed = await api.get('/crm/leads', headers=bruno, params={'page_size': 100})
    assert listed.status_code == 200 and listed.json()['total_count'] == 60
    metrics = (await api.get('/crm/leads/pipeline/metrics', headers=ana)).json()
    assert 0 < metrics['conversion_rate'] < 100
    assert all(days > 0 for days in metrics['average_stage_times'].values()), metrics['average_stage_times']
    assert metrics['total_leads'] == 60 and metrics['closed_pipeline_value'] > 0
    advanced = (await api.get('/crm/leads/metrics/advanced', headers=ana)).json()
    assert advanced['executive_summary']['avg_sales_cycle_days'] > 0
    funnel = advanced['conversion_funnel']
    assert funnel[0]['leads_count'] == 60 and 0 < funnel[-1]['leads_count'] < 60
    # a lead's history lists who moved it, like any move made in the app
    moved = next(lead for lead in listed.json()['leads'] if lead['stage'] == 'fechado')
    steps = (await api.get(f'/crm/leads/{moved["id"]}/history', headers=ana)).json()
    assert len(steps) >= 2 and {step['actor_name'] for step in steps} <= {a.full_name for a in DEMO_ACCOUNTS}
    # open deals have next steps (some overdue, some with none planned) and a forecast to show
    leads = listed.json()['leads']
    planned = [lead for lead in leads if lead['next_activity']]
    assert planned and all(lead['stage'] != 'fechado' for lead in planned)
    assert any(lead['next_activity'] is None and lead['stage'] != 'fechado' for lead in leads)
    mine = (await api.get('/crm/activities', headers=ana, params={'mine': 'true', 'status': 'open'})).json()
    assert mine and {a['lead_id'] for a in mine} <= {lead['id'] for lead in planned}
    forecast = (await api.get('/crm/leads/pipeline/metrics', headers=ana)).json()['forecast']
    assert forecast['weighted_pipeline_value'] > 0 and any(month['count'] for month in forecast['months'])
    # closed deals say how they ended, as a team would: most won, some lost with one of the organization's reasons
    closed = [lead for lead in leads if lead['stage'] == 'fechado']
    won = [lead for lead in closed if lead['outcome'] == 'won']
    lost = [lead for lead in closed if lead['outcome'] == 'lost']
    assert len(won) + len(lost) == len(closed) and 0 < len(lost) < len(won)
    reasons = (await api.get('/organizations/current/lost-reasons', headers=ana)).json()['reasons']
    assert all(lead['lost_reason'] in reasons and lead['notes'] for lead in lost)
    assert all(lead['lost_reason'] is None for lead in won)
    assert (metrics['won_count'], metrics['lost_count']) == (len(won), len(lost))
    assert sum(reason['count'] for reason in metrics['top_lost_reasons']) == len(lost)
    assert metrics['closed_pipeline_value'] == sum(float(lead['estimated_value'] or 0) for lead in won)
    # the outcome came with the move into fechado, in the change history like a move made in the app
    last_move = (await api.get(f'/crm/leads/{lost[0]["id"]}/history', headers=ana)).json()[-1]
    assert last_move['to_stage'] == 'fechado'


async def test_two_seeders_at_once_make_one_demo(ctx: AppContext, cli: AdminCli) -> None:
    results = await asyncio.gather(cli('seed-demo'), cli('seed-demo'))
    assert [result.code for result in results] == [0, 0], [result.err for result in results]
    [organization] = await demo_organizations(ctx)
    leads, _events = await stored(ctx, organization.id)
    assert len(leads) == 60


async def test_demo_mode_is_refused_in_production(ctx: AppContext, cli: AdminCli) -> None:
    cli.set(LOVEDCRM_ENV='production')
    refused = await cli('seed-demo')
    assert refused.code == 2 and 'production' in refused.err
    assert await demo_organizations(ctx) == []


@dataclass
class DemoServer(ServerProcess):
    """``python main.py`` with the arguments and variables a test chooses, on SQLite in ``data_dir``."""

    variables: dict[str, str] = field(default_factory=dict)

    def extra_environment(self) -> dict[str, str]:
        return self.variables


def leads_seen_with_printed_logins(server: DemoServer, log_offset: int) -> list[dict[str, Any]]:
    """Sign in with each login the server printed since ``log_offset``; the leads each one lists (the same)."""
    printed = server.log_path.read_bytes()[log_offset:].decode(errors='replace')
    assert 'NEVER USE IT FOR REAL DATA' in printed and f'{server.url}/login' in printed, printed
    logins = LOGIN_LINE.findall(printed)
    assert {email for _number, email, _password in logins} == {account.email for account in DEMO_ACCOUNTS}
    seen = []
    with httpx.Client(base_url=server.url, timeout=15) as http:
        for _number, email, password in logins:
            auth = http.post('/auth/login', json={'email': email, 'password': password})
            assert auth.status_code == 200, auth.text
            headers = {
                'Authorization': f'Bearer {auth.json()["access_token"]}',
                'X-Org-Id': auth.json()['organization']['id'],
            }
            listed = http.get('/crm/leads', headers=headers, params={'page_size': 100})
            assert listed.status_code == 200, listed.text
            seen.append(listed.json())
    assert seen[0] == seen[1]
    return list(seen[0]['leads'])


def test_main_demo_prints_logins_that_work_and_a_restart_adds_nothing(tmp_path: Path) -> None:
    server = DemoServer(tmp_path / 'data', args=('--demo',))
    try:
        server.start()
        first = leads_seen_with_printed_logins(server, 0)
        assert len(first) == 60
    finally:
        server.stop()
    # the Docker image's way: LOVEDCRM_DEMO=1, same data directory
    restarted = DemoServer(tmp_path / 'data', port=server.port, variables={'LOVEDCRM_DEMO': '1'})
    offset = server.log_size()
    try:
        restarted.start()
        again = leads_seen_with_printed_logins(restarted, offset)
        assert 'already there, nothing added' in restarted.log_path.read_bytes()[offset:].decode()
        assert {lead['id'] for lead in again} == {lead['id'] for lead in first}
    finally:
        restarted.stop()
