"""Pipeline metrics (API-CONTRACT §4, docs/METRICS.md): every figure computed from a known stage history.

Histories are made through the API (create, move - also back -, reorder, delete), then dated: the test
writes when each lead was created and when each stage change happened into the database, and fixes the
metrics' clock, so every expected number can be worked out by hand.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from contract import STAGES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lovedcrm_ui.context import AppContext
from lovedcrm_ui.services import metrics
from lovedcrm_ui.services.board import BoardFilter
from lovedcrm_ui.services.metrics import MetricsSelection
from models import EventType, Lead, PipelineEvent

DAY0 = datetime(2025, 1, 1, tzinfo=UTC)
NOW = DAY0 + timedelta(days=12)
ROUTES = ('/crm/leads/pipeline/metrics', '/crm/leads/metrics/advanced', '/crm/leads/pipeline/advanced-metrics')
ADVANCED = ROUTES[1:]


def day(n: float) -> datetime:
    """``n`` days after the first day of the story."""
    return DAY0 + timedelta(days=n)


class Story:
    """Leads made and moved through the API, then dated in the database (as if it all happened back then)."""

    def __init__(self, api: httpx.AsyncClient, ctx: AppContext, who: Any) -> None:
        self.api = api
        self.ctx = ctx
        self.who = who

    async def lead(self, name: str, *moves: str, **fields: Any) -> str:
        """Create a lead and make its moves (a move to its own stage is a reorder); its id."""
        created = await self.api.post('/crm/leads', headers=self.who.headers, json={'name': name, **fields})
        assert created.status_code == 201, created.text
        lead_id: str = created.json()['id']
        for stage in moves:
            moved = await self.api.put(
                f'/crm/leads/{lead_id}/stage', headers=self.who.headers, json={'stage': stage, 'position': 0}
            )
            assert moved.status_code == 200, moved.text
        return lead_id

    async def dated(self, lead_id: str, *moments: datetime) -> None:
        """Date a lead's creation (first) and each of its real stage changes (then, in order); a reorder in a
        column happens some hours into the stay it belongs to."""
        async with self.ctx.db.session(cross_org=True) as session:
            lead = await session.get(Lead, uuid.UUID(lead_id))
            assert lead is not None
            events = (
                await session.execute(
                    select(PipelineEvent).where(PipelineEvent.lead_id == lead.id).order_by(PipelineEvent.seq)  # type: ignore[arg-type]
                )
            ).scalars()
            changes, reorders = [], 0
            for event in events:
                if event.type == EventType.LEAD_CREATED:
                    event.created_at = moments[0]
                elif event.type == EventType.LEAD_STAGE_CHANGED:
                    if event.payload['old_stage'] != event.payload['new_stage']:
                        changes.append(event)
                    else:  # a reorder: some hours into the stay it happened in
                        reorders += 1
                        event.created_at = moments[len(changes)] + timedelta(hours=reorders)
            assert len(changes) == len(moments) - 1, 'one moment for the creation and one per stage change'
            for event, moment in zip(changes, moments[1:], strict=True):
                event.created_at = moment
            lead.created_at, lead.stage_changed_at = moments[0], moments[-1]
            await session.commit()

    async def delete(self, lead_id: str) -> None:
        """Delete a lead through the API."""
        deleted = await self.api.delete(f'/crm/leads/{lead_id}', headers=self.who.headers)
        assert deleted.status_code == 204, deleted.text

    async def get(self, path: str, params: Any = None, who: Any = None) -> dict[str, Any]:
        """A metrics answer that must be a 200."""
        response = await self.api.get(path, headers=(who or self.who).headers, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def insights(
        self, selection: MetricsSelection = MetricsSelection(), days: int = 14, now: datetime = NOW
    ) -> Any:
        """What the /insights page gets for ``selection`` at ``now``."""
        async with self.ctx.db.session(read_only=True, organization_id=uuid.UUID(self.who.org_id)) as session:
            return await metrics.insights(
                session, organization_id=uuid.UUID(self.who.org_id), selection=selection, days=days, now=now
            )


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The metrics see ``NOW`` as the present (the current stay of each lead ends then)."""
    monkeypatch.setattr(metrics, 'utcnow', lambda: NOW)


async def told_story(api: httpx.AsyncClient, ctx: AppContext, who: Any) -> Story:
    """The story most tests read (days after DAY0; now = day 12):

    - Alfa (R$ 1000, site, tag b2b, starred): lead 0-2, contato 2-5, proposta 5-6, back to contato 6-8,
      proposta 8-10, fechado since 10.
    - Beta (R$ 500, evento, assigned to its creator): lead 1-4, contato since 4.
    - Gama (no value, site): created in proposta on day 3, negociacao since 7.
    - Delta: created on day 2, moved to contato on day 3, deleted - it counts nowhere.
    - Epsilon (R$ 250, indicação, tag b2c): lead since 4, reordered in its column once (no move).
    """
    story = Story(api, ctx, who)
    alfa = await story.lead(
        'Alfa',
        'contato',
        'proposta',
        'contato',
        'proposta',
        'fechado',
        estimated_value='1000',
        source='site',
        tags=['b2b'],
    )
    await story.dated(alfa, day(0), day(2), day(5), day(6), day(8), day(10))
    starred = await api.put(f'/crm/leads/{alfa}/favorite', headers=who.headers, json={'is_favorite': True})
    assert starred.status_code == 200, starred.text
    beta = await story.lead('Beta', 'contato', estimated_value='500', source='evento', assigned_user_id=who.user_id)
    await story.dated(beta, day(1), day(4))
    gama = await story.lead('Gama', 'negociacao', stage='proposta', source='site')
    await story.dated(gama, day(3), day(7))
    delta = await story.lead('Delta', 'contato', estimated_value='9999', source='site')
    await story.dated(delta, day(2), day(3))
    await story.delete(delta)
    epsilon = await story.lead('Epsilon', 'lead', estimated_value='250', source='indicação', tags=['b2c'])
    await story.dated(epsilon, day(4))
    return story


async def test_conversion_metrics_of_a_known_history(api, ctx, register, fixed_clock):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)

    body = await story.get(ROUTES[0])

    assert body['stage_counts'] == {'lead': 1, 'contato': 1, 'proposta': 0, 'negociacao': 1, 'fechado': 1}
    assert (body['total_leads'], body['conversion_rate']) == (4, 25.0)
    assert (body['total_pipeline_value'], body['closed_pipeline_value']) == (1750.0, 1000.0)
    # stays: lead 2 (Alfa), 3 (Beta), 8 (Epsilon); contato 3 + 2 (Alfa, twice), 8 (Beta);
    # proposta 1 + 2 (Alfa, twice), 4 (Gama); negociacao 5 (Gama); fechado 2 (Alfa)
    assert body['average_stage_times'] == {
        'lead': 4.33,
        'contato': 4.33,
        'proposta': 2.33,
        'negociacao': 5.0,
        'fechado': 2.0,
    }
    assert (body['period_start'], body['period_end']) == ('2025-01-01T00:00:00Z', '2025-01-13T00:00:00Z')


async def test_a_period_counts_its_new_leads_and_the_part_of_each_stay_inside_it(  # type: ignore[no-untyped-def]
    api, ctx, register, fixed_clock
):
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)

    body = await story.get(ROUTES[0], {'start_date': day(3).isoformat(), 'end_date': day(9).isoformat()})

    # created in [3, 9]: Gama (day 3) and Epsilon (day 4)
    assert body['stage_counts'] == {'lead': 1, 'contato': 0, 'proposta': 0, 'negociacao': 1, 'fechado': 0}
    assert (body['total_leads'], body['conversion_rate'], body['total_pipeline_value']) == (2, 0.0, 250.0)
    # every stay overlapping [3, 9], cut to it: lead 1 (Beta 3-4), 5 (Epsilon 4-9); contato 2 (Alfa 3-5),
    # 2 (Alfa 6-8), 5 (Beta 4-9); proposta 1 (Alfa 5-6), 1 (Alfa 8-9), 4 (Gama); negociacao 2 (Gama 7-9)
    assert body['average_stage_times'] == {
        'lead': 3.0,
        'contato': 3.0,
        'proposta': 2.0,
        'negociacao': 2.0,
        'fechado': 0.0,
    }
    assert (body['period_start'], body['period_end']) == ('2025-01-04T00:00:00Z', '2025-01-10T00:00:00Z')

    # a date alone: from its first instant to the last instant of the end day (UTC)
    whole_days = await story.get(ROUTES[0], {'start_date': '2025-01-04', 'end_date': '2025-01-09'})
    assert whole_days['average_stage_times'] == body['average_stage_times']
    assert (whole_days['period_start'], whole_days['period_end']) == (
        '2025-01-04T00:00:00Z',
        '2025-01-09T23:59:59.999999Z',
    )
    assert whole_days['stage_counts'] == body['stage_counts']


async def test_advanced_metrics_of_a_known_history(api, ctx, register, fixed_clock):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)

    body = await story.get(ADVANCED[0])

    assert body == await story.get(ADVANCED[1])  # LovedCRM's two paths for the same thing
    assert body['stage_counts'] == {'lead': 1, 'contato': 1, 'proposta': 0, 'negociacao': 1, 'fechado': 1}
    assert body['stage_distribution'] == [
        {'stage': 'lead', 'count': 1, 'percentage': 25.0, 'total_value': 250.0},
        {'stage': 'contato', 'count': 1, 'percentage': 25.0, 'total_value': 500.0},
        {'stage': 'proposta', 'count': 0, 'percentage': 0.0, 'total_value': 0.0},
        {'stage': 'negociacao', 'count': 1, 'percentage': 25.0, 'total_value': 0.0},
        {'stage': 'fechado', 'count': 1, 'percentage': 25.0, 'total_value': 1000.0},
    ]
    # reached at least: lead all 4; contato Alfa, Beta, Gama (created past it); proposta and negociacao Alfa,
    # Gama; fechado Alfa
    assert [
        (s['stage'], s['leads_count'], s['conversion_rate'], s['drop_off_rate']) for s in body['conversion_funnel']
    ] == [
        ('lead', 4, 100.0, 0.0),
        ('contato', 3, 75.0, 25.0),
        ('proposta', 2, 50.0, 33.33),
        ('negociacao', 2, 50.0, 0.0),
        ('fechado', 1, 25.0, 50.0),
    ]
    assert [s['avg_time_days'] for s in body['conversion_funnel']] == [4.33, 4.33, 2.33, 5.0, 2.0]
    # negociacao is the slowest open stage (5 days) but under the 7 warning days, and not twice the others
    bottleneck = body['bottleneck_analysis']
    assert (bottleneck['detected'], bottleneck['stage'], bottleneck['avg_time_days'], bottleneck['leads_stuck']) == (
        False,
        'negociacao',
        5.0,
        0,
    )
    assert bottleneck['recommendations'] and all(isinstance(text, str) for text in bottleneck['recommendations'])
    assert body['executive_summary'] == {
        'total_pipeline_value': 1750.0,
        'avg_deal_size': 1000.0,  # the closed leads with a value
        'conversion_rate': 25.0,
        'avg_sales_cycle_days': 10.0,  # Alfa: created day 0, closed day 10
        'top_performing_source': 'site',
    }
    # 12 days: one period per day, day 0 to day 12 (today)
    trend = {point['period']: point for point in body['trending_data']}
    assert list(trend) == [(DAY0.date() + timedelta(days=n)).isoformat() for n in range(13)]
    created = {period: point['leads_created'] for period, point in trend.items() if point['leads_created']}
    assert created == {'2025-01-01': 1, '2025-01-02': 1, '2025-01-04': 1, '2025-01-05': 1}
    assert trend['2025-01-01']['conversion_trend'] == 100.0  # Alfa, created that day, is closed now
    assert trend['2025-01-02']['conversion_trend'] == 0.0
    closed = {period: (p['leads_closed'], p['value_trend']) for period, p in trend.items() if p['leads_closed']}
    assert closed == {'2025-01-11': (1, 1000.0)}


async def test_a_bottleneck_is_reported_with_the_leads_stuck_in_it(api, ctx, register, fixed_clock):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)
    thresholds = {'idle_warning_days': 2, 'idle_alert_days': 5}
    assert (await api.put('/organizations/current', headers=ana.headers, json=thresholds)).status_code == 200

    bottleneck = (await story.get(ADVANCED[0]))['bottleneck_analysis']

    # negociacao averages 5 days, over the 2 warning days; Gama has been there 5 days (the alert threshold)
    assert (bottleneck['detected'], bottleneck['stage'], bottleneck['leads_stuck']) == (True, 'negociacao', 1)
    assert any('1 lead(s) in negociacao for 5 days' in text for text in bottleneck['recommendations'])


async def test_insights_of_a_known_history(api, ctx, register, fixed_clock):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)
    thresholds = {'idle_warning_days': 3, 'idle_alert_days': 5}
    assert (await api.put('/organizations/current', headers=ana.headers, json=thresholds)).status_code == 200

    seen = await story.insights(days=14)

    assert [(s.stage, s.count, str(s.value)) for s in seen.stages] == [
        ('lead', 1, '250.00'),
        ('contato', 1, '500.00'),
        ('proposta', 0, '0.00'),
        ('negociacao', 1, '0.00'),
        ('fechado', 1, '1000.00'),
    ]
    assert (str(seen.open_value), str(seen.closed_value), seen.conversion_rate) == ('750.00', '1000.00', 25.0)
    assert seen.avg_cycle_days == pytest.approx(10.0)
    # open and in their stage for 5 days or more: Beta (since 4), Gama (since 7), Epsilon (since 4)
    assert (seen.idle_leads, seen.idle_alert_days) == (3, 5)
    assert [step.leads_count for step in seen.funnel] == [4, 3, 2, 2, 1]
    times = {t.stage: t for t in seen.stage_times}
    lead_stays = times['lead']  # 2, 3, 8
    assert (lead_stays.stays, lead_stays.min_days, lead_stays.max_days) == (3, pytest.approx(2), pytest.approx(8))
    assert (lead_stays.q1_days, lead_stays.median_days, lead_stays.q3_days) == (
        pytest.approx(2.5),
        pytest.approx(3),
        pytest.approx(5.5),
    )
    assert lead_stays.mean_days == pytest.approx(13 / 3)
    assert (times['fechado'].stays, times['fechado'].median_days) == (1, pytest.approx(2))
    # a stage without stays has no statistics
    empty = await story.insights(MetricsSelection(stages=('proposta',)))
    assert [(t.stays, t.mean_days, t.median_days) for t in empty.stage_times] == [(0, None, None)] * 5
    assert empty.avg_cycle_days is None
    # moves per UTC day over the 14 days ending today: Alfa's five, Beta's, Gama's; not Delta's (deleted),
    # nor Epsilon's reorder
    assert [m.day for m in seen.moves_per_day] == [NOW.date() - timedelta(days=13 - n) for n in range(14)]
    moves = {m.day: m.moves for m in seen.moves_per_day if m.moves}
    assert moves == {day(n).date(): 1 for n in (2, 4, 5, 6, 7, 8, 10)}


async def test_the_insights_follow_the_board_filter(api, ctx, register, fixed_clock):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)

    site = await story.insights(MetricsSelection.from_board(BoardFilter(source='site')))
    text = await story.insights(MetricsSelection.from_board(BoardFilter(text='ALF')))
    ranged = await story.insights(MetricsSelection.from_board(BoardFilter(), start=day(3), end=day(9)))

    assert [s.count for s in site.stages] == [0, 0, 0, 1, 1]  # Gama, Alfa
    assert [s.count for s in text.stages] == [0, 0, 0, 0, 1]
    assert {m.day: m.moves for m in text.moves_per_day if m.moves} == {day(n).date(): 1 for n in (2, 5, 6, 8, 10)}
    assert [s.count for s in ranged.stages] == [1, 0, 0, 1, 0]


async def test_snake_case_and_camel_case_parameters_give_the_same_answer(api, ctx, register, fixed_clock):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)
    snake = {
        'start_date': '2025-01-01',
        'end_date': day(5).isoformat(),
        'assigned_users': ana.user_id,
        'value_min': '100',
        'value_max': '600',
        'favorites_only': 'false',
    }
    camel = {
        'startDate': '2025-01-01',
        'endDate': day(5).isoformat(),
        'assignedUsers': ana.user_id,
        'valueMin': '100',
        'valueMax': '600',
        'favoritesOnly': 'false',
    }

    for path in ROUTES:
        by_snake, by_camel = await story.get(path, snake), await story.get(path, camel)
        assert by_snake == by_camel
        assert by_snake['stage_counts']['contato'] == 1 and sum(by_snake['stage_counts'].values()) == 1  # Beta
    # both spellings sent: the snake_case one wins
    both = await story.get(ROUTES[0], {**camel, 'value_min': '501', 'value_max': '2000'})
    assert both['total_leads'] == 0


@pytest.mark.parametrize(
    ('params', 'names'),
    [
        ({'stages': ['lead', 'fechado']}, {'Epsilon', 'Alfa'}),
        ({'sources': ['site', 'evento']}, {'Alfa', 'Beta', 'Gama'}),
        ({'sources': 'nowhere'}, set()),
        ({'assigned_users': str(uuid.uuid4())}, set()),
        ({'tags': ['b2c', 'unknown']}, {'Epsilon'}),
        ({'value_min': '250', 'value_max': '500'}, {'Beta', 'Epsilon'}),
        ({'valueMin': '501'}, {'Alfa'}),
        ({'value_min': '10000000000'}, set()),  # more than any lead's value can be
        ({'value_max': '10000000000'}, {'Alfa', 'Beta', 'Epsilon'}),
        ({'q': 'ET'}, {'Beta'}),
        ({'favorites_only': 'true'}, {'Alfa'}),
        ({'stages': 'negociacao', 'sources': 'site'}, {'Gama'}),
    ],
)
async def test_filters_select_leads_by_their_current_fields(api, ctx, register, fixed_clock, params, names):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = await told_story(api, ctx, ana)
    stages = {'Alfa': 'fechado', 'Beta': 'contato', 'Gama': 'negociacao', 'Epsilon': 'lead'}

    for path in ROUTES:
        counts = (await story.get(path, params))['stage_counts']
        expected = {stage: sum(1 for name in names if stages[name] == stage) for stage in STAGES}
        assert counts == expected, path


async def test_an_empty_organization_gets_zeros(api, register):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    story = Story(api, None, ana)  # type: ignore[arg-type]

    basic = await story.get(ROUTES[0])
    advanced = await story.get(ADVANCED[0], {'start_date': '2025-01-01', 'end_date': '2025-01-03'})
    unbounded = await story.get(ADVANCED[1])

    zeros = dict.fromkeys(STAGES, 0)
    assert basic['stage_counts'] == zeros and basic['average_stage_times'] == dict.fromkeys(STAGES, 0.0)
    assert (basic['total_leads'], basic['conversion_rate'], basic['total_pipeline_value']) == (0, 0.0, 0.0)
    assert basic['period_start'] is None and basic['period_end'] is not None
    assert [s['leads_count'] for s in advanced['conversion_funnel']] == [0] * 5
    assert advanced['bottleneck_analysis']['detected'] is False
    assert [p['period'] for p in advanced['trending_data']] == ['2025-01-01', '2025-01-02', '2025-01-03']
    assert advanced['executive_summary']['top_performing_source'] is None
    assert unbounded['trending_data'] == []


async def test_another_organization_s_leads_never_count(api, ctx, register, fixed_clock):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    await told_story(api, ctx, ana)
    carla = await register('Carla Dias')
    mine = await Story(api, ctx, carla).lead('Zeta', 'contato', estimated_value='70')

    for path in ROUTES:
        body = await Story(api, ctx, carla).get(path)
        assert body['stage_counts'] == {**dict.fromkeys(STAGES, 0), 'contato': 1}, path
    assert (await Story(api, ctx, carla).get(ROUTES[0]))['total_pipeline_value'] == 70.0
    # Ana's id as an assignee filter, or her organization's header with Carla's token: nothing of Ana's
    assert (await Story(api, ctx, carla).get(ROUTES[0], {'assigned_users': ana.user_id}))['total_leads'] == 0
    crossed = await api.get(ROUTES[0], headers={**carla.headers, 'X-Org-Id': ana.org_id})
    assert crossed.status_code == 403
    assert mine


@pytest.mark.parametrize(
    ('params', 'location', 'kind'),
    [
        ({'start_date': 'yesterday'}, ['query', 'start_date'], 'datetime_parsing'),
        ({'endDate': '2025-13-01'}, ['query', 'endDate'], 'datetime_parsing'),
        ({'start_date': '0001-01-01T00:00:00+05:00'}, ['query', 'start_date'], 'datetime_parsing'),
        ({'stages': ['lead', 'won']}, ['query', 'stages', 1], 'enum'),
        ({'stages': 'LEAD'}, ['query', 'stages', 0], 'enum'),
        ({'assigned_users': 'ana'}, ['query', 'assigned_users', 0], 'uuid_parsing'),
        ({'value_min': '-1'}, ['query', 'value_min'], 'greater_than_equal'),
        ({'valueMax': 'NaN'}, ['query', 'valueMax'], 'finite_number'),
        ({'value_max': '1.000,50'}, ['query', 'value_max'], 'decimal_parsing'),
        ({'value_min': '10.005'}, ['query', 'value_min'], 'decimal_max_places'),
        ({'value_min': '1e16'}, ['query', 'value_min'], 'less_than_equal'),
        ({'tags': 'b2\x00b'}, ['query', 'tags', 0], 'string_nul'),
        ({'q': 'x' * 256}, ['query', 'q'], 'string_too_long'),
        ({'favorites_only': 'maybe'}, ['query', 'favorites_only'], 'bool_parsing'),
    ],
)
async def test_an_unreadable_parameter_is_a_422_naming_it(api, register, params, location, kind):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')

    for path in ROUTES:
        response = await api.get(path, headers=ana.headers, params=params)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body['code'] == 'validation_error'
        assert [(error['loc'], error['type']) for error in body['detail']] == [(location, kind)]
        assert body['detail'][0]['msg']


@pytest.mark.parametrize(
    ('params', 'code', 'detail'),
    [
        (
            {'startDate': '2025-02-01', 'endDate': '2025-01-31'},
            'date_range_inverted',
            'start_date must not be after end_date',
        ),
        (
            {'value_min': '500', 'value_max': '100'},
            'value_range_inverted',
            'value_min must not be greater than value_max',
        ),
    ],
)
async def test_an_inverted_range_is_a_400_that_says_so(api, register, params, code, detail):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')

    for path in ROUTES:
        response = await api.get(path, headers=ana.headers, params=params)
        assert (response.status_code, response.json()) == (400, {'detail': detail, 'code': code})


async def test_forgiving_forms_lovedcrm_clients_send(api, register):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).json()

    # empty values are absent; a naive date-time is UTC; an unescaped '+' of an offset arrives as a space
    forms = [
        {'start_date': '', 'valueMin': ''},
        {'startDate': datetime.now(UTC).date().isoformat() + 'T00:00:00'},
        {'end_date': (datetime.now(UTC) + timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%S') + ' 00:00'},
        {'start_date': datetime.now(UTC).date().isoformat(), 'stages': 'lead', 'unknown': 'ignored'},
    ]
    for params in forms:
        for path in ROUTES:
            response = await api.get(path + '/', headers=ana.headers, params=params)
            assert response.status_code == 200, (params, response.text)
            assert response.json()['stage_counts']['lead'] == 1, params
    assert lead


@pytest.mark.parametrize(
    'params',
    [
        {'start_date': '0001-01-01'},
        {'end_date': '9999-12-31'},
        {'start_date': '9999-12-31', 'end_date': '9999-12-31'},
        {'startDate': '0001-01-01T00:00:00Z', 'endDate': '0001-01-01T00:00:01Z'},
        {'value_max': '1e15', 'q': '%_\\*?[a]'},
        {'value_min': '99999999999', 'tags': 'x' * 255},
    ],
)
async def test_extreme_but_valid_values_are_answered(api, register, params):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    assert (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).status_code == 201

    for path in ROUTES:
        response = await api.get(path, headers=ana.headers, params=params)
        assert response.status_code == 200, (path, response.text[:300])
    trend = (await api.get(ADVANCED[0], headers=ana.headers, params=params)).json()['trending_data']
    assert len(trend) <= 10_000


async def test_the_routes_are_documented(api):  # type: ignore[no-untyped-def]
    schema = (await api.get('/openapi.json')).json()

    for path in ROUTES:
        operation = schema['paths'][path]['get']
        names = {parameter['name'] for parameter in operation['parameters']}
        assert {'start_date', 'end_date', 'stages', 'sources', 'assigned_users', 'tags', 'value_min'} <= names
        assert '200' in operation['responses'] and '400' in operation['responses']


# ----- a property: random histories, checked against a model of the rules -----------------------------

MOVES = st.lists(st.tuples(st.sampled_from(STAGES), st.integers(1, 4)), max_size=5)
LEAD = st.tuples(st.sampled_from(STAGES), st.integers(0, 6), MOVES)
BOUND = st.one_of(st.none(), st.integers(0, 30))


def model_stays(start_stage: str, created: int, moves: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(stage, entered, left) in days for a lead created on day ``created`` and moved after the given gaps."""
    stays, stage, entered, at = [], start_stage, created, created
    for target, gap in moves:
        at += gap
        if target != stage:
            stays.append((stage, entered, at))
            stage, entered = target, at
    stays.append((stage, entered, 30))  # now is day 30
    return stays


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leads=st.lists(LEAD, min_size=1, max_size=3), start=BOUND, end=BOUND)
async def test_random_histories_agree_with_the_rules(api, ctx, owner, leads, start, end, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(metrics, 'utcnow', lambda: day(30))
    if start is not None and end is not None and start > end:
        start, end = end, start
    story = Story(api, ctx, owner)
    tag = uuid.uuid4().hex[:12]  # this example's leads, among those of the examples before
    modelled = []
    for index, (first_stage, created, moves) in enumerate(leads):
        lead_id = await story.lead(f'{tag} {index}', *(stage for stage, _ in moves), stage=first_stage)
        stays = model_stays(first_stage, created, moves)
        await story.dated(lead_id, day(created), *(day(entered) for _, entered, _ in stays[1:]))
        modelled.append((created, stays))
    params: dict[str, Any] = {'q': tag}
    low, high = (0 if start is None else start), (30 if end is None else end)
    if start is not None:
        params['start_date'] = day(start).isoformat()
    if end is not None:
        params['end_date'] = day(end).isoformat()

    basic = await story.get(ROUTES[0], params)
    advanced = await story.get(ADVANCED[0], params)
    selection = MetricsSelection(
        text=tag, start=None if start is None else day(start), end=None if end is None else day(end)
    )
    seen = await story.insights(selection, now=day(30))

    in_period = [stays for created, stays in modelled if low <= created <= high]
    assert basic['total_leads'] == sum(basic['stage_counts'].values()) == len(in_period)
    assert basic['stage_counts'] == {stage: sum(1 for s in in_period if s[-1][0] == stage) for stage in STAGES}
    clipped: dict[str, list[int]] = {stage: [] for stage in STAGES}
    for _, stays in modelled:
        for stage, entered, left in stays:
            if min(left, high) > max(entered, low):
                clipped[stage].append(min(left, high) - max(entered, low))
    expected_means = {stage: round(sum(d) / len(d), 2) if d else 0.0 for stage, d in clipped.items()}
    assert basic['average_stage_times'] == pytest.approx(expected_means, abs=0.011)
    # every lead's clipped stays add up to its life inside the period
    lived = sum(max(0, high - max(created, low)) for created, _ in modelled)
    assert sum((t.mean_days or 0) * t.stays for t in seen.stage_times) == pytest.approx(lived, abs=1e-3)
    funnel = [step['leads_count'] for step in advanced['conversion_funnel']]
    assert funnel == sorted(funnel, reverse=True) and funnel[0] == len(in_period)
    furthest = [max(STAGES.index(stage) for stage, _, _ in stays) for stays in in_period]
    assert funnel == [sum(1 for f in furthest if f >= rank) for rank in range(5)]


@pytest.fixture
async def owner(register):  # type: ignore[no-untyped-def]
    """One account for every example of a property (fixtures are made once per test, not per example)."""
    return await register()
