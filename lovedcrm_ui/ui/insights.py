"""The /insights page's body: KPI cards and four ECharts, computed by ``services.metrics`` and kept live.

The page follows the board's filter (the same filter bar, the same address parameters — ui/filter_url.py) plus a
period. Any lead event of the organization marks the figures stale; they are recomputed at most once per
``REFRESH_DEBOUNCE_SECONDS`` (a burst of moves or an import costs one recomputation, not one per event).

Charts carry no user text: stage names and numbers only, with money and dates formatted here per language.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from nicegui import background_tasks, ui

from models import STAGE_ORDER, utcnow
from models.metrics import Insights

from ..context import AppContext
from ..events import LeadEvent
from ..services.board import BoardFilter, filter_choices, team
from ..services.metrics import MetricsSelection, insights
from .access_watch import AccessWatch
from .board.filters import FilterBar, field_filters
from .i18n import Translate, format_brl, format_datetime, format_day, zone_of
from .insights_forecast import ForecastCard
from .session import Viewer
from .widgets import StatusLine

log = logging.getLogger(__name__)

REFRESH_DEBOUNCE_SECONDS = 1.0
Period = Literal['30', '90', 'all']
PERIODS: tuple[Period, ...] = ('30', '90', 'all')
STAGE_COLOURS = ('#5c6bc0', '#29b6f6', '#ffa726', '#ab47bc', '#43a047')  # lead … fechado, as on the board


def format_number(value: float | Decimal, language: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals as people write it (``12,5`` in pt-BR, ``12.5`` in English)."""
    text = f'{float(value):,.{digits}f}'
    if language == 'en':
        return text
    return text.replace(',', '_').replace('.', ',').replace('_', '.')


def format_days(value: float | None, t: Translate, language: str) -> str:
    """``4,2 dias`` / ``1 day``; a dash when there is nothing to measure."""
    if value is None:
        return t('insights.kpi.none')
    if round(value, 1) == 1:
        return t('insights.day_one')
    return t('insights.days', n=format_number(value, language))


def day_label(day: date, language: str) -> str:
    """A day on the moves axis: ``01/12`` in pt-BR, ``Dec 01`` in English (i18n.format_day)."""
    return format_day(day, language)


def money_axis(language: str) -> str:
    """A JavaScript axis-label formatter for whole reais (a constant: no user text reaches the browser's code)."""
    locale = 'en-US' if language == 'en' else 'pt-BR'
    return f"v => 'R$ ' + Number(v).toLocaleString('{locale}', {{maximumFractionDigits: 0}})"


def _base(title: str, summary: str) -> dict[str, Any]:
    return {
        'aria': {'enabled': True, 'label': {'description': summary}},
        'title': {'show': False, 'text': title},
        'tooltip': {'trigger': 'item', 'confine': True},
        'grid': {'left': 8, 'right': 16, 'top': 24, 'bottom': 8, 'containLabel': True},
        'animationDuration': 300,
    }


def funnel_options(data: Insights, t: Translate) -> dict[str, Any]:
    """Leads that reached each stage or a later one, as a funnel in stage order."""
    items = [
        {
            'name': t(f'stage.{step.stage}'),
            'value': step.leads_count,
            'itemStyle': {'color': STAGE_COLOURS[index]},
        }
        for index, step in enumerate(data.funnel)
    ]
    summary = ', '.join(f'{item["name"]}: {item["value"]}' for item in items)
    options = _base(t('insights.chart.funnel'), summary)
    options['series'] = [
        {
            'type': 'funnel',
            'name': t('insights.series.leads'),
            'sort': 'none',
            'minSize': '22%',
            'left': '5%',
            'width': '90%',
            'gap': 2,
            'label': {'show': True, 'position': 'inside', 'formatter': '{b}: {c}'},
            'data': items,
        }
    ]
    return options


def value_options(data: Insights, t: Translate, language: str) -> dict[str, Any]:
    """Estimated value per stage (bars), with the count in the tooltip."""
    names = [t(f'stage.{stage.stage}') for stage in data.stages]
    bars = [
        {
            'value': float(stage.value),
            'text': f'{format_brl(stage.value)} · {stage.count}',
            'itemStyle': {'color': STAGE_COLOURS[index]},
        }
        for index, stage in enumerate(data.stages)
    ]
    summary = ', '.join(f'{name}: {format_brl(stage.value)}' for name, stage in zip(names, data.stages, strict=True))
    options = _base(t('insights.chart.value'), summary)
    options['tooltip'] = {'trigger': 'item', 'confine': True, ':formatter': 'p => p.name + ": " + p.data.text'}
    options['xAxis'] = {'type': 'category', 'data': names, 'axisLabel': {'interval': 0}}
    options['yAxis'] = {'type': 'value', 'axisLabel': {':formatter': money_axis(language)}}
    options['series'] = [{'type': 'bar', 'name': t('insights.series.value'), 'data': bars, 'barMaxWidth': 48}]
    return options


def time_options(data: Insights, t: Translate, language: str) -> dict[str, Any]:
    """Days in each stage: a box (quartiles), whiskers (min, max) and the median; empty stages have no box."""
    names = [t(f'stage.{item.stage}') for item in data.stage_times]
    boxes: list[Any] = []
    for item in data.stage_times:
        if item.stays and item.median_days is not None:
            five = (item.min_days, item.q1_days, item.median_days, item.q3_days, item.max_days)
            boxes.append([round(float(v or 0), 2) for v in five])
        else:
            boxes.append([])
    summary = ', '.join(
        f'{name}: {format_days(item.median_days, t, language)}'
        for name, item in zip(names, data.stage_times, strict=True)
    )
    options = _base(t('insights.chart.time'), summary)
    options['tooltip'] = {'trigger': 'item', 'confine': True}
    options['xAxis'] = {'type': 'category', 'data': names, 'axisLabel': {'interval': 0}}
    options['yAxis'] = {'type': 'value', 'name': t('insights.days', n='').strip(), 'min': 0}
    options['series'] = [
        {'type': 'boxplot', 'name': t('insights.series.median'), 'data': boxes, 'itemStyle': {'color': '#e3f2fd'}}
    ]
    return options


def moves_options(data: Insights, t: Translate, language: str) -> dict[str, Any]:
    """Stage moves per day over the window (every day shown, zeros included)."""
    days = [day_label(item.day, language) for item in data.moves_per_day]
    counts = [item.moves for item in data.moves_per_day]
    total = sum(counts)
    summary = f'{t("insights.series.moves")}: {total}'
    options = _base(t('insights.chart.moves'), summary)
    options['tooltip'] = {'trigger': 'axis', 'confine': True}
    options['xAxis'] = {'type': 'category', 'data': days}
    options['yAxis'] = {'type': 'value', 'minInterval': 1}
    options['series'] = [
        {'type': 'bar', 'name': t('insights.series.moves'), 'data': counts, 'itemStyle': {'color': '#1976d2'}}
    ]
    return options


class Kpi(ui.card):
    """One figure with its name and a line that says what it counts."""

    def __init__(self, title: str, key: str) -> None:
        super().__init__()
        self.classes('kpi-card q-pa-md gap-1').mark(f'kpi-{key}')
        with self:
            ui.label(title).classes('text-caption text-grey-8 kpi-title')
            self.value = ui.label().classes('text-h5 kpi-value')
            self.hint = ui.label().classes('text-caption text-grey-7 kpi-hint')

    def show(self, value: str, hint: str) -> None:
        """New figure and explanation."""
        self.value.text = value
        self.hint.text = hint


class ChartCard(ui.card):
    """A chart with its title and a caption (the caption says how to read it)."""

    def __init__(self, title: str, key: str, caption: str = '') -> None:
        super().__init__()
        self.classes('chart-card q-pa-sm gap-1').mark(f'chart-{key}')
        with self:
            ui.label(title).classes('text-subtitle1 q-px-sm')
            self.caption = ui.label(caption).classes('text-caption text-grey-7 q-px-sm')
            self.chart = ui.echart({}).classes('w-full chart-canvas').props('role=img')

    def draw(self, options: dict[str, Any], label: str) -> None:
        """Replace the chart's options; ``label`` is its accessible description."""
        self.chart.options.clear()
        self.chart.options.update(options)
        self.chart.props['aria-label'] = label  # set as a value: no quoting to get wrong
        self.chart.update()


class InsightsView(ui.column):
    """KPIs and charts for the viewer's organization, the board's filter and a period; live."""

    def __init__(
        self,
        ctx: AppContext,
        viewer: Viewer,
        *,
        board_filter: BoardFilter,
        period: Period,
        on_address: Callable[[BoardFilter, Period], None],
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        self.t = t = viewer.t
        self.language = viewer.language
        self.timezone = viewer.timezone
        self.filter = board_filter
        self.period: Period = period
        self._on_address = on_address
        self._pending: asyncio.Task[None] | None = None
        self._refresh_lock = asyncio.Lock()
        self.refreshes = 0  # how many times the figures were computed (tests wait on it)
        self.last_duration = 0.0  # seconds the last computation took
        self.classes('w-full gap-3 p-4 insights')
        with self:
            with ui.row().classes('w-full items-center justify-between gap-2'):
                ui.label(t('insights.title', organization=viewer.organization_name)).classes('text-h5')
                options = {p: t(f'insights.period.{p}') for p in PERIODS}
                self.period_toggle = ui.toggle(options, value=period, on_change=self._period_changed)
                self.period_toggle.props(f'no-caps dense aria-label="{t("insights.period")}"').mark('insights-period')
            self.filter_bar = FilterBar(t=t, on_change=self.set_filter, field_filters=field_filters(ctx, viewer))
            self.filter_bar.show(board_filter)
            with ui.row().classes('w-full items-center gap-3'):
                self.scope = ui.label().classes('text-caption text-grey-8').mark('insights-scope')
                self.updated = ui.label().classes('text-caption text-grey-7').mark('insights-updated')
            with ui.row().classes('w-full items-center gap-2'):
                self.status = StatusLine().mark('insights-status')
                self.retry = ui.button(t('insights.retry'), on_click=self.refresh).props('flat dense no-caps')
                self.retry.set_visibility(False)
            with ui.element('div').classes('kpi-grid w-full'):
                self.open_value = Kpi(t('insights.kpi.open_value'), 'open-value')
                self.closed_value = Kpi(t('insights.kpi.closed_value'), 'closed-value')
                self.conversion = Kpi(t('insights.kpi.conversion'), 'conversion')
                self.cycle = Kpi(t('insights.kpi.cycle'), 'cycle')
                self.idle = Kpi(t('insights.kpi.idle'), 'idle')
                self.outcomes = Kpi(t('insights.kpi.outcomes'), 'outcomes')  # won / lost, top lost reasons
            self.forecast = ForecastCard(t, self.language)  # weighted pipeline, expected closes by month
            self.empty = ui.label(t('insights.empty')).classes('text-body1 text-grey-8').mark('insights-empty')
            self.empty.set_visibility(False)
            with ui.element('div').classes('chart-grid w-full'):
                self.funnel = ChartCard(t('insights.chart.funnel'), 'funnel', t('insights.chart.funnel_hint'))
                self.value = ChartCard(t('insights.chart.value'), 'value')
                self.times = ChartCard(t('insights.chart.time'), 'time', t('insights.chart.time_hint'))
                self.moves = ChartCard(t('insights.chart.moves'), 'moves')
        AccessWatch(ctx, viewer, content=self, redraw=self.refresh)

    # ----- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Offer the filter choices, follow the organization's lead events, compute the figures."""
        org = self.viewer.organization_id
        subscription = self.ctx.bus.subscribe(org, self._on_event)

        def stop() -> None:
            subscription.cancel()
            if self._pending is not None:
                self._pending.cancel()

        self.client.on_delete(stop)
        try:
            async with self.ctx.db.session(read_only=True, organization_id=org) as session:
                choices = await filter_choices(session, organization_id=org)
                members = await team(session, organization_id=org)
            self.filter_bar.set_choices(sources=choices.sources, members=members, tags=choices.tags)
        except Exception:  # the figures below report the outage to the person; the choices can wait
            log.exception('insights: filter choices could not be read')
        await self.refresh()

    def _on_event(self, event: LeadEvent) -> None:
        # runs inside the writer's commit: only schedule, never compute or touch elements here
        if self._pending is None or self._pending.done():
            self._pending = background_tasks.create(self._refresh_later(), name=f'insights-{self.client.id}')

    async def _refresh_later(self) -> None:
        # a debounce: many events, one recomputation; a big organization (seconds per computation) is recomputed
        # at most about a quarter of the time, so open insights pages never keep the server busy
        await asyncio.sleep(max(REFRESH_DEBOUNCE_SECONDS, 3 * self.last_duration))
        self._pending = None
        await self.refresh()

    # ----- changes by the person ----------------------------------------------------------------

    async def set_filter(self, board_filter: BoardFilter) -> None:
        """A new filter from the filter bar."""
        if board_filter == self.filter:
            return
        self.filter = board_filter
        self._on_address(board_filter, self.period)
        await self.refresh()

    async def _period_changed(self) -> None:
        period = self.period_toggle.value
        if period not in PERIODS or period == self.period:
            return
        self.period = period
        self._on_address(self.filter, period)
        await self.refresh()

    # ----- figures ------------------------------------------------------------------------------

    def selection(self, now: datetime) -> MetricsSelection:
        """What the figures are computed over: the filter, and the period's start."""
        start = None if self.period == 'all' else now - timedelta(days=int(self.period))
        return MetricsSelection.from_board(self.filter, start=start)

    async def refresh(self) -> None:
        """Compute and draw every figure (one at a time; a refresh asked for meanwhile runs after)."""
        if self.is_deleted:
            return
        async with self._refresh_lock:
            now = utcnow()
            window = 30 if self.period == '30' else 90
            org = self.viewer.organization_id
            started = time.monotonic()
            try:
                async with self.ctx.db.session(read_only=True, organization_id=org) as session:
                    data = await insights(
                        session,
                        organization_id=org,
                        selection=self.selection(now),
                        days=window,
                        now=now,
                        today=now.astimezone(zone_of(self.timezone)).date(),  # overdue closes: the viewer's date
                    )
            except Exception:
                log.exception('insights could not be computed')
                self.status.error(self.t('insights.error'))
                self.retry.set_visibility(True)
                return
            finally:
                self.last_duration = time.monotonic() - started
            if self.is_deleted:
                return
            self.status.reset()
            self.retry.set_visibility(False)
            self.draw(data, now, window)
            self.refreshes += 1

    def draw(self, data: Insights, now: datetime, window: int) -> None:
        """Put computed figures on the page."""
        t, language = self.t, self.language
        open_count = sum(stage.count for stage in data.stages if stage.stage != STAGE_ORDER[-1].value)
        closed_count = sum(stage.count for stage in data.stages if stage.stage == STAGE_ORDER[-1].value)
        total = open_count + closed_count
        self.scope.text = (
            t('insights.scope.all') if self.period == 'all' else t('insights.scope.days', days=self.period)
        )
        self.updated.text = t('insights.updated', time=format_datetime(now, language, self.timezone))
        self.open_value.show(format_brl(data.open_value), self._count_hint('open', open_count))
        self.closed_value.show(format_brl(data.closed_value), self._count_hint('closed', data.won_count))
        rate = f'{format_number(data.conversion_rate, language)}%' if total else t('insights.kpi.none')
        self.conversion.show(rate, t('insights.kpi.conversion_hint'))
        self.cycle.show(format_days(data.avg_cycle_days, t, language), t('insights.kpi.cycle_hint'))
        self.idle.show(str(data.idle_leads), t('insights.kpi.idle_hint', days=data.idle_alert_days))
        self.idle.classes(replace='kpi-card q-pa-md gap-1' + (' kpi-alert' if data.idle_leads else ''))
        reasons = ', '.join(f'{reason.reason} ({reason.count})' for reason in data.top_lost_reasons)
        self.outcomes.show(
            t('insights.kpi.outcomes_value', won=data.won_count, lost=data.lost_count),
            t('insights.lost_reasons', reasons=reasons) if reasons else t('insights.lost_reasons_none'),
        )
        self.forecast.show(data.forecast)
        self.empty.set_visibility(total == 0)
        charts = (
            (self.funnel, funnel_options(data, t)),
            (self.value, value_options(data, t, language)),
            (self.times, time_options(data, t, language)),
            (self.moves, moves_options(data, t, language)),
        )
        self.moves.caption.text = t('insights.chart.moves_window', days=window)
        for card, options in charts:
            title = options['title']['text']
            summary = options['aria']['label']['description']
            card.draw(options, t('insights.a11y.chart', title=title, summary=summary))

    def _count_hint(self, kind: str, count: int) -> str:
        return self.t(f'insights.kpi.{kind}_hint_one') if count == 1 else self.t(f'insights.kpi.{kind}_hint', n=count)
