"""The advanced metrics' trend: one row per day, ISO week, month or year of a period (docs/METRICS.md)."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Lead
from models.metrics import TrendPoint

from .stays import CLOSED, as_date, utc_day

ZERO = Decimal('0.00')


def period_unit(start: datetime, end: datetime) -> str:
    """``day`` up to 31 days, ``week`` up to 366, ``month`` up to ten years, else ``year``."""
    length = end - start
    if length <= timedelta(days=31):
        return 'day'
    if length <= timedelta(days=366):
        return 'week'
    return 'month' if length <= timedelta(days=3660) else 'year'


def period_label(day: date, unit: str) -> str:
    """The period of ``unit`` holding ``day``: ``2025-01-31``, ``2025-W05`` (ISO week), ``2025-01`` or ``2025``."""
    if unit == 'day':
        return day.isoformat()
    if unit == 'week':
        year, week, _ = day.isocalendar()
        return f'{year}-W{week:02d}'
    return f'{day.year}-{day.month:02d}' if unit == 'month' else str(day.year)


def period_labels(first: date, last: date, unit: str) -> list[str]:
    """Every period from the one holding ``first`` to the one holding ``last``, in order."""
    if unit == 'day':
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    if unit == 'week':
        monday = first - timedelta(days=first.weekday())
        return [period_label(monday + timedelta(weeks=i), unit) for i in range((last - monday).days // 7 + 1)]
    if unit == 'month':
        months = (last.year - first.year) * 12 + last.month - first.month
        steps = (first.month - 1 + i for i in range(months + 1))
        return [f'{first.year + step // 12}-{step % 12 + 1:02d}' for step in steps]
    return [str(year) for year in range(first.year, last.year + 1)]


def _rate(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, 2 decimals; 0 when ``whole`` is 0."""
    return round(part / whole * 100, 2) if whole else 0.0


async def trending(
    session: AsyncSession,
    *,
    conditions: list[Any],
    created: list[Any],
    closings: list[tuple[uuid.UUID, datetime, Decimal]],
    start: datetime | None,
    end: datetime,
) -> list[TrendPoint]:
    """One row per period (UTC) from ``start`` to ``end``, empty ones included; none without a ``start``.

    Of the leads matching ``conditions`` and ``created`` (the period's leads): ``leads_created`` in the period,
    ``leads_closed`` = those that entered fechado in it (``closings``: each lead once per period) and
    ``value_trend`` their estimated values, ``conversion_trend`` = the share of the period's new leads now in
    fechado (percent). The unit grows with the length: see ``period_unit``.
    """
    if start is None or start > end:
        return []
    unit = period_unit(start, end)
    day = utc_day(col(Lead.created_at), session.get_bind().dialect.name)
    rows = await session.execute(
        select(day, func.count(), func.sum(case((col(Lead.stage) == CLOSED, 1), else_=0)))
        .where(*conditions, *created)
        .group_by(day)
    )
    made: dict[str, list[int]] = {}
    for value, count, closed_now in rows.all():
        tally = made.setdefault(period_label(as_date(value), unit), [0, 0])
        tally[0] += int(count)
        tally[1] += int(closed_now or 0)
    closed: dict[str, dict[uuid.UUID, Decimal]] = {}
    for lead_id, entered, value in closings:
        closed.setdefault(period_label(entered.date(), unit), {})[lead_id] = value
    points = []
    for label in period_labels(start.date(), end.date(), unit):
        new, now_closed = made.get(label, [0, 0])
        won = closed.get(label, {})
        points.append(
            TrendPoint(
                period=label,
                leads_created=new,
                leads_closed=len(won),
                conversion_trend=_rate(now_closed, new),
                value_trend=sum(won.values(), ZERO),
            )
        )
    return points
