"""Pipeline metrics computed from the leads and their stage history: the LovedCRM metrics API and /insights.

Every figure's rule is in docs/METRICS.md. In short: a figure's leads are the organization's current
leads matching the selection's filters (on their current fields) and created in its period; days in
stage come from every matching lead's stays clipped to the period (services/stays.py).
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import STAGE_ORDER, Lead, Organization, PipelineEvent, PipelineStage, utcnow
from models.metrics import (
    AdvancedMetrics,
    BottleneckAnalysis,
    ConversionMetrics,
    DayMoves,
    ExecutiveSummary,
    Forecast,
    FunnelStage,
    Insights,
    StageShare,
    StageTime,
    StageTotal,
)
from models.types import LeadOutcome

from .board import BoardFilter, to_money
from .errors import BadRequest, ErrorCode, NotFound
from .forecast import forecast, stage_probabilities
from .outcomes import top_lost_reasons
from .stays import (
    CLOSED,
    RANK,
    Progress,
    StayFigures,
    StayStats,
    as_date,
    event_lead_join,
    real_stage_change,
    stay_figures,
    utc_day,
)
from .trend import trending

LARGEST_VALUE = Decimal('9999999999.99')  # the most ``Lead.estimated_value`` (NUMERIC(12, 2)) holds
OPEN_STAGES = tuple(stage.value for stage in STAGE_ORDER if stage != PipelineStage.FECHADO)
ZERO = Decimal('0.00')


@dataclass(frozen=True)
class MetricsSelection:
    """Which leads a figure covers: a creation period and the board's filters (on the leads' current fields).

    A list matches any of its values (empty: no condition); ``start`` and ``end`` bound the creation time,
    both inclusive (naive datetimes are UTC).
    """

    start: datetime | None = None
    end: datetime | None = None
    stages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    assignee_ids: tuple[uuid.UUID, ...] = ()
    tags: tuple[str, ...] = ()
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    text: str = ''
    favorites_only: bool = False
    fields: tuple[tuple[str, str], ...] = ()  # plugin field filters, as on the board (BoardFilter.fields)

    @classmethod
    def from_board(
        cls, board_filter: BoardFilter, start: datetime | None = None, end: datetime | None = None
    ) -> 'MetricsSelection':
        """The leads the board shows for ``board_filter``, created between ``start`` and ``end``."""
        return cls(
            start=start,
            end=end,
            sources=(board_filter.source,) if board_filter.source else (),
            assignee_ids=(board_filter.assignee_id,) if board_filter.assignee_id else (),
            tags=board_filter.tags,
            value_min=board_filter.value_min,
            value_max=board_filter.value_max,
            text=board_filter.text,
            favorites_only=board_filter.favorites_only,
            fields=board_filter.fields,
        )

    def checked(self) -> 'MetricsSelection':
        """This selection with aware UTC bounds; an inverted date or value range is a 400."""
        start = None if self.start is None else utc(self.start)
        end = None if self.end is None else utc(self.end)
        if start is not None and end is not None and start > end:
            raise BadRequest('start_date must not be after end_date', code=ErrorCode.DATE_RANGE_INVERTED)
        if self.value_min is not None and self.value_max is not None and self.value_min > self.value_max:
            raise BadRequest('value_min must not be greater than value_max', code=ErrorCode.VALUE_RANGE_INVERTED)
        return replace(self, start=start, end=end)

    def lead_conditions(self, organization_id: uuid.UUID, dialect: str) -> list[Any]:
        """SQL conditions on ``Lead``: the organization and the filters (not the period)."""
        # the board's own rules for text, tags, favourites and value, so that a board and its insights agree;
        # a bound beyond what the column holds is compared as the column's largest value (as NUMERIC(12, 2)
        # it would overflow), so a lead without a value stays out whenever a bound is given
        too_high = self.value_min is not None and self.value_min > LARGEST_VALUE
        shared = BoardFilter(
            text=self.text,
            tags=self.tags,
            favorites_only=self.favorites_only,
            fields=self.fields,
            value_min=None if too_high else self.value_min,
            value_max=None if self.value_max is None else min(self.value_max, LARGEST_VALUE),
        )
        conditions = [col(Lead.organization_id) == organization_id, *shared.where(dialect)]
        if too_high:
            conditions.append(false())  # no lead's value is that large
        if self.stages:
            conditions.append(col(Lead.stage).in_(self.stages))
        if self.sources:
            conditions.append(col(Lead.source).in_(self.sources))
        if self.assignee_ids:
            conditions.append(col(Lead.assigned_user_id).in_(self.assignee_ids))
        return conditions

    def created_conditions(self) -> list[Any]:
        """SQL conditions on ``Lead``: created within the period."""
        conditions = []
        if self.start is not None:
            conditions.append(col(Lead.created_at) >= self.start)
        if self.end is not None:
            conditions.append(col(Lead.created_at) <= self.end)
        return conditions


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive means UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rate(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, 2 decimals; 0 when ``whole`` is 0."""
    return round(part / whole * 100, 2) if whole else 0.0


@dataclass(frozen=True)
class Thresholds:
    """The organization's idle thresholds in days (a lead is idle from ``alert`` days in its stage)."""

    warning: int
    alert: int


async def thresholds(session: AsyncSession, organization_id: uuid.UUID) -> Thresholds:
    """The organization's ``idle_warning_days`` and ``idle_alert_days``."""
    row = (
        await session.execute(
            select(col(Organization.idle_warning_days), col(Organization.idle_alert_days)).where(
                col(Organization.id) == organization_id
            )
        )
    ).first()
    if row is None:
        raise NotFound('Organization not found', code=ErrorCode.ORGANIZATION_NOT_FOUND)
    return Thresholds(int(row[0]), int(row[1]))


def _per_stage(default: Any) -> dict[str, Any]:
    """A value for every stage."""
    return {stage.value: default for stage in STAGE_ORDER}


@dataclass
class Totals:
    """The selected leads created in the period, by their current stage (the closed ones also by source)."""

    counts: dict[str, int] = field(default_factory=lambda: _per_stage(0))
    values: dict[str, Decimal] = field(default_factory=lambda: _per_stage(ZERO))
    valued: dict[str, int] = field(default_factory=lambda: _per_stage(0))  # leads with an estimated value
    idle: dict[str, int] = field(default_factory=lambda: _per_stage(0))
    closed_by_source: dict[str, tuple[Decimal, int]] = field(default_factory=dict)  # won deals only
    earliest: datetime | None = None
    # the deals in fechado by outcome: lost, or won (a lead there without an outcome counts as won)
    won: int = 0
    lost: int = 0
    won_value: Decimal = ZERO
    won_valued: int = 0

    @property
    def total(self) -> int:
        """Every lead counted."""
        return sum(self.counts.values())

    @property
    def value(self) -> Decimal:
        """The sum of the estimated values."""
        return sum(self.values.values(), ZERO)

    @property
    def conversion_rate(self) -> float:
        """Won leads of all, in percent."""
        return rate(self.won, self.total)


async def totals(
    session: AsyncSession, *, organization_id: uuid.UUID, selection: MetricsSelection, idle_since: datetime
) -> Totals:
    """Counts, values, idle leads (open, in their stage since ``idle_since`` or before) per stage: one group-by."""
    dialect = session.get_bind().dialect.name
    idle = case((and_(col(Lead.stage) != CLOSED, col(Lead.stage_changed_at) <= idle_since), 1), else_=0)
    rows = await session.execute(
        select(
            col(Lead.stage),
            col(Lead.source),
            func.count(),
            func.sum(col(Lead.estimated_value)),
            func.count(col(Lead.estimated_value)),
            func.min(col(Lead.created_at)),
            func.sum(idle),
            col(Lead.outcome),
        )
        .where(*selection.lead_conditions(organization_id, dialect), *selection.created_conditions())
        .group_by(col(Lead.stage), col(Lead.source), col(Lead.outcome))
    )
    result = Totals()
    for stage, source, count, value, valued, earliest, idle_count, outcome in rows.all():
        if stage not in result.counts:
            continue  # the stage column takes no other value; a guard, not a case
        money = to_money(value)
        result.counts[stage] += int(count)
        result.values[stage] += money
        result.valued[stage] += int(valued)
        result.idle[stage] += int(idle_count or 0)
        if stage == CLOSED and outcome == LeadOutcome.LOST:
            result.lost += int(count)
        elif stage == CLOSED:
            result.won += int(count)
            result.won_value += money
            result.won_valued += int(valued)
            won_money, won_count = result.closed_by_source.get(source, (ZERO, 0))
            result.closed_by_source[source] = (won_money + money, won_count + int(count))
        if earliest is not None and (result.earliest is None or utc(earliest) < result.earliest):
            result.earliest = utc(earliest)
    return result


@dataclass(frozen=True)
class Figures:
    """What every metric is built from, read once per request."""

    selection: MetricsSelection
    now: datetime
    limits: Thresholds
    totals: Totals
    stays: StayFigures

    @property
    def stats(self) -> dict[str, StayStats]:
        """Days in each stage."""
        return self.stays.stats

    @property
    def reached(self) -> Progress:
        """How far the period's leads got (read only when asked for)."""
        return self.stays.progress


async def _figures(
    session: AsyncSession,
    organization_id: uuid.UUID,
    selection: MetricsSelection,
    now: datetime | None,
    *,
    with_quartiles: bool = False,
    with_progress: bool = False,
    with_closings: bool = False,
) -> Figures:
    """Check the selection, then read the thresholds, the per-stage totals and what the stays give."""
    selection = selection.checked()
    now = utc(now or utcnow())
    dialect = session.get_bind().dialect.name
    limits = await thresholds(session, organization_id)
    counted = await totals(
        session, organization_id=organization_id, selection=selection, idle_since=now - timedelta(days=limits.alert)
    )
    stays = await stay_figures(
        session,
        organization_id=organization_id,
        conditions=selection.lead_conditions(organization_id, dialect),
        start=selection.start,
        end=selection.end,
        now=now,
        with_quartiles=with_quartiles,
        with_progress=with_progress,
        with_closings=with_closings,
    )
    return Figures(selection, now, limits, counted, stays)


def funnel(reached: Progress, stays: dict[str, StayStats]) -> list[FunnelStage]:
    """Per stage: leads that reached it or a later one, vs the first stage and vs the previous one."""
    steps = []
    first = reached.at_least(0)
    previous: int | None = None
    for stage_rank, stage in enumerate(STAGE_ORDER):
        count = reached.at_least(stage_rank)
        steps.append(
            FunnelStage(
                stage=stage.value,
                leads_count=count,
                conversion_rate=rate(count, first),
                drop_off_rate=0.0 if previous is None else rate(previous - count, previous),
                avg_time_days=round(stays[stage.value].mean or 0.0, 2),
            )
        )
        previous = count
    return steps


def bottleneck(figures: Figures) -> BottleneckAnalysis:
    """The open stage with the longest average stay. A bottleneck when that average is over the organization's
    idle warning days, or is at least 1 day and at least twice every other open stage's average."""
    means = {stage: mean for stage in OPEN_STAGES if (mean := figures.stats[stage].mean) is not None}
    if not means:
        return BottleneckAnalysis(
            detected=False,
            stage=None,
            avg_time_days=None,
            leads_stuck=None,
            recommendations=['Not enough stage history yet to look for a bottleneck'],
        )
    stage = max(means, key=lambda name: (means[name], -RANK[name]))  # a tie goes to the earlier stage
    average = means[stage]
    others = [mean for name, mean in means.items() if name != stage]
    detected = average > figures.limits.warning or (average >= 1 and bool(others) and average >= 2 * max(others))
    stuck = figures.totals.idle[stage]
    if detected:
        advice = [
            f'Leads spend {average:.1f} days in {stage} on average, the longest of the open stages',
            f'Agree on what a lead needs to leave {stage} and check it in every pipeline review',
        ]
    else:
        advice = [f'No bottleneck: the slowest open stage, {stage}, averages {average:.1f} days']
    if stuck:
        advice.append(f'Follow up on the {stuck} lead(s) in {stage} for {figures.limits.alert} days or more')
    return BottleneckAnalysis(
        detected=detected, stage=stage, avg_time_days=round(average, 2), leads_stuck=stuck, recommendations=advice
    )


def top_source(closed_by_source: dict[str, tuple[Decimal, int]]) -> str | None:
    """The source with the most closed value, then the most closed leads, then the first by name; None without."""
    if not closed_by_source:
        return None
    return min(
        closed_by_source, key=lambda source: (-closed_by_source[source][0], -closed_by_source[source][1], source)
    )


def executive_summary(counted: Totals, reached: Progress) -> ExecutiveSummary:
    """Total value, average closed deal, conversion, sales cycle and the best source."""
    valued = counted.won_valued
    deal = (counted.won_value / valued).quantize(Decimal('0.01')) if valued else ZERO
    return ExecutiveSummary(
        total_pipeline_value=counted.value,
        avg_deal_size=deal,
        conversion_rate=counted.conversion_rate,
        avg_sales_cycle_days=round(reached.avg_cycle_days or 0.0, 2),
        top_performing_source=top_source(counted.closed_by_source),
    )


def stage_distribution(counted: Totals) -> list[StageShare]:
    """Every stage's leads, their share of all (percent) and their value."""
    return [
        StageShare(
            stage=stage,
            count=counted.counts[stage],
            percentage=rate(counted.counts[stage], counted.total),
            total_value=counted.values[stage],
        )
        for stage in counted.counts
    ]


async def conversion_metrics(
    session: AsyncSession, *, organization_id: uuid.UUID, selection: MetricsSelection, now: datetime | None = None
) -> ConversionMetrics:
    """``ConversionMetrics``: the period's leads by stage, conversion, values, and mean days per stage.

    ``average_stage_times``: mean days of the period-clipped stays per stage, 0 for a stage without stays
    (LovedCRM's client formats each one as a number). ``period_start``: the start, else the earliest lead's
    creation (None without leads); ``period_end``: the end, else now.
    """
    figures = await _figures(session, organization_id, selection, now)
    counted = figures.totals
    return ConversionMetrics(
        stage_counts=counted.counts,
        conversion_rate=counted.conversion_rate,
        average_stage_times={stage: round(stats.mean or 0.0, 2) for stage, stats in figures.stats.items()},
        total_pipeline_value=counted.value,
        closed_pipeline_value=counted.won_value,
        total_leads=counted.total,
        period_start=figures.selection.start or counted.earliest,
        period_end=figures.selection.end or figures.now,
        won_count=counted.won,
        lost_count=counted.lost,
        top_lost_reasons=await _top_lost(session, organization_id, figures.selection),
        forecast=await _forecast(session, organization_id, figures.selection),
    )


async def advanced_metrics(
    session: AsyncSession, *, organization_id: uuid.UUID, selection: MetricsSelection, now: datetime | None = None
) -> AdvancedMetrics:
    """``AdvancedMetrics``: distribution, funnel, bottleneck, trend per period (services/trend.py) and the
    executive summary; the trend runs from ``period_start`` to the earlier of ``period_end`` and now."""
    figures = await _figures(session, organization_id, selection, now, with_progress=True, with_closings=True)
    start = figures.selection.start or figures.totals.earliest
    end = min(figures.selection.end or figures.now, figures.now)
    return AdvancedMetrics(
        stage_distribution=stage_distribution(figures.totals),
        conversion_funnel=funnel(figures.reached, figures.stats),
        bottleneck_analysis=bottleneck(figures),
        trending_data=await trending(
            session,
            conditions=figures.selection.lead_conditions(organization_id, session.get_bind().dialect.name),
            created=figures.selection.created_conditions(),
            closings=figures.stays.closings,
            start=start,
            end=end,
        ),
        executive_summary=executive_summary(figures.totals, figures.reached),
        stage_counts=figures.totals.counts,
        period_start=start,
        period_end=figures.selection.end or figures.now,
    )


# --- /insights


async def moves_per_day(
    session: AsyncSession, *, organization_id: uuid.UUID, selection: MetricsSelection, days: int, now: datetime
) -> list[DayMoves]:
    """Stage changes of the selection's leads (its filters, not its period) per UTC day for the ``days`` days
    ending today, every day listed; reorders within a column are no moves, deleted leads' moves are gone."""
    dialect = session.get_bind().dialect.name
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    day = utc_day(col(PipelineEvent.created_at), dialect)
    rows = await session.execute(
        select(day, func.count())
        .select_from(PipelineEvent)
        .join(Lead, event_lead_join())
        .where(
            col(PipelineEvent.organization_id) == organization_id,
            real_stage_change(),
            col(PipelineEvent.created_at) >= datetime.combine(first, time(), UTC),
            *selection.lead_conditions(organization_id, dialect),
        )
        .group_by(day)
    )
    counts = {as_date(value): int(count) for value, count in rows.all()}
    every_day = (first + timedelta(days=i) for i in range(days))
    return [DayMoves(day=day_, moves=counts.get(day_, 0)) for day_ in every_day]


def stage_times(stays: dict[str, StayStats]) -> list[StageTime]:
    """Each stage's stay statistics, in board order."""
    return [
        StageTime(
            stage=stage,
            stays=stats.stays,
            mean_days=stats.mean,
            median_days=stats.median,
            q1_days=stats.q1,
            q3_days=stats.q3,
            min_days=stats.low,
            max_days=stats.high,
        )
        for stage, stats in stays.items()
    ]


async def insights(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    selection: MetricsSelection,
    days: int = 30,
    now: datetime | None = None,
    today: date | None = None,
) -> Insights:
    """What the /insights page shows: per-stage totals, KPIs, funnel, days in stage, moves per day.

    The API's rules (docs/METRICS.md); ``idle_leads``: open leads of the selection in their stage for the
    organization's ``idle_alert_days`` or more; ``moves_per_day``: the ``days`` UTC days ending today
    (the selection's filters apply, its period does not). ``today``: the viewer's date, for the forecast's
    overdue count and months (default: the UTC date, as the API).
    """
    if days < 1:
        raise ValueError('days must be at least 1')
    figures = await _figures(session, organization_id, selection, now, with_quartiles=True, with_progress=True)
    moves = await moves_per_day(
        session, organization_id=organization_id, selection=figures.selection, days=days, now=figures.now
    )
    counted = figures.totals
    return Insights(
        stages=[StageTotal(stage=stage, count=counted.counts[stage], value=counted.values[stage]) for stage in RANK],
        open_value=counted.value - counted.values[CLOSED],
        closed_value=counted.won_value,
        conversion_rate=counted.conversion_rate,
        avg_cycle_days=figures.reached.avg_cycle_days,
        idle_leads=sum(counted.idle[stage] for stage in OPEN_STAGES),
        idle_alert_days=figures.limits.alert,
        funnel=funnel(figures.reached, figures.stats),
        stage_times=stage_times(figures.stats),
        moves_per_day=moves,
        won_count=counted.won,
        lost_count=counted.lost,
        top_lost_reasons=await _top_lost(session, organization_id, figures.selection),
        forecast=await _forecast(session, organization_id, figures.selection, today),
    )


async def _top_lost(session: AsyncSession, organization_id: uuid.UUID, selection: MetricsSelection) -> list[Any]:
    conditions = selection.lead_conditions(organization_id, session.get_bind().dialect.name)
    return await top_lost_reasons(session, conditions=[*conditions, *selection.created_conditions()])


async def _forecast(
    session: AsyncSession, organization_id: uuid.UUID, selection: MetricsSelection, today: date | None = None
) -> Forecast:
    """The selection's weighted pipeline and expected closes (services/forecast.py); ``today``: whose date."""
    conditions = selection.lead_conditions(organization_id, session.get_bind().dialect.name)
    defaults = await stage_probabilities(session, organization_id=organization_id)
    return await forecast(
        session, conditions=[*conditions, *selection.created_conditions()], defaults=defaults, today=today
    )
