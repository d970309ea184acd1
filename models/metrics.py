"""Pipeline metrics: the LovedCRM metrics responses and the /insights page's figures (docs/METRICS.md)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer
from sqlmodel import SQLModel

from .types import PUBLIC_CONFIG


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal('0.01')))


# money in the metrics travels as a JSON number (1750.5): LovedCRM's client types these fields as numbers and does
# arithmetic on them (a lead's own estimated_value stays a string, "5000.00", as in the leads API); in Python a Decimal
Money = Annotated[Decimal, PlainSerializer(_money, return_type=float, when_used='json')]


class MetricsModel(SQLModel):
    """Base of the metrics responses: every field is always sent (OpenAPI lists them all as required)."""

    model_config = PUBLIC_CONFIG


class LostReasonCount(MetricsModel):
    """One of the most frequent reasons deals were lost, and how many."""

    reason: str
    count: int


class ForecastMonth(MetricsModel):
    """Open leads expected to close in one month (``2026-12``): how many, their value and weighted value."""

    month: str
    count: int
    value: Money
    weighted_value: Money


class Forecast(MetricsModel):
    """The selection's open leads (not in fechado): weighted pipeline and expected closes (docs/METRICS.md).

    Weighted: each lead's value times its probability (its own, else its stage's percent in
    ``stage_probabilities``). ``months``: this month and the next two by ``expected_close_date``.
    """

    weighted_pipeline_value: Money
    open_count: int
    overdue_count: int
    undated_count: int
    months: list[ForecastMonth]
    stage_probabilities: dict[str, int]


class ConversionMetrics(MetricsModel):
    """``GET /crm/leads/pipeline/metrics``: counts, conversion, values and days in stage for a period."""

    stage_counts: dict[str, int]
    conversion_rate: float
    # every stage present; 0 for a stage without stays (LovedCRM's client calls toFixed() on each value)
    average_stage_times: dict[str, float]
    total_pipeline_value: Money
    closed_pipeline_value: Money
    total_leads: int
    period_start: datetime | None
    period_end: datetime | None
    # beyond LovedCRM's response: how the deals in fechado ended (no outcome counts as won), most frequent lost reasons
    won_count: int
    lost_count: int
    top_lost_reasons: list[LostReasonCount]
    forecast: Forecast  # beyond LovedCRM's response too: weighted pipeline and expected closes


class StageShare(MetricsModel):
    """One stage of ``stage_distribution``: its leads now, their share of all and their value."""

    stage: str
    count: int
    percentage: float
    total_value: Money


class FunnelStage(MetricsModel):
    """One step of the conversion funnel: leads that reached this stage or a later one."""

    stage: str
    leads_count: int
    conversion_rate: float  # vs the first stage
    drop_off_rate: float  # vs the previous stage
    avg_time_days: float


class BottleneckAnalysis(MetricsModel):
    """The open stage where leads stay longest, and whether that is a bottleneck (docs/METRICS.md)."""

    detected: bool
    stage: str | None
    avg_time_days: float | None
    leads_stuck: int | None
    recommendations: list[str]


class TrendPoint(MetricsModel):
    """One period of ``trending_data`` (a day ``2025-01-31``, an ISO week ``2025-W05``, a month or a year)."""

    period: str
    leads_created: int
    leads_closed: int
    conversion_trend: float
    value_trend: Money


class ExecutiveSummary(MetricsModel):
    """The headline figures of the advanced metrics."""

    total_pipeline_value: Money
    avg_deal_size: Money
    conversion_rate: float
    avg_sales_cycle_days: float
    top_performing_source: str | None


class AdvancedMetrics(MetricsModel):
    """``GET /crm/leads/metrics/advanced`` and ``/pipeline/advanced-metrics``."""

    stage_distribution: list[StageShare]
    conversion_funnel: list[FunnelStage]
    bottleneck_analysis: BottleneckAnalysis
    trending_data: list[TrendPoint]
    executive_summary: ExecutiveSummary
    stage_counts: dict[str, int]
    period_start: datetime | None
    period_end: datetime | None


class StageTotal(MetricsModel):
    """Leads now in a stage and the sum of their estimated values."""

    stage: str
    count: int
    value: Money


class StageTime(MetricsModel):
    """Days in one stage over its stays (clipped to the period); all None without stays."""

    stage: str
    stays: int
    mean_days: float | None
    median_days: float | None
    q1_days: float | None
    q3_days: float | None
    min_days: float | None
    max_days: float | None


class DayMoves(MetricsModel):
    """Stage changes made on one UTC day."""

    day: date
    moves: int


class Insights(MetricsModel):
    """Everything the /insights page shows for one selection."""

    stages: list[StageTotal]
    open_value: Money
    closed_value: Money
    conversion_rate: float
    avg_cycle_days: float | None
    idle_leads: int
    idle_alert_days: int
    funnel: list[FunnelStage]
    stage_times: list[StageTime]
    moves_per_day: list[DayMoves]
    won_count: int
    lost_count: int
    top_lost_reasons: list[LostReasonCount]
    forecast: Forecast
