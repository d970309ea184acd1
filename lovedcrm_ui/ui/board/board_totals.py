"""The board header's totals: leads shown of all the organization's, their value and weighted value, live.

Its own small element (the filter bar beside it changes on its own): the board calls ``show`` after drawing and
after every event it applies; the numbers are the columns' own (filtered) totals, so header and columns agree.
"""

from collections.abc import Iterable
from decimal import Decimal

from nicegui import ui

from ..i18n import Translate, format_brl
from .column import StageColumn


class BoardTotals(ui.row):
    """ "N de M exibidos · Total R$ … · Ponderado R$ …" for the whole (filtered) board."""

    def __init__(self, *, t: Translate) -> None:
        super().__init__()
        self._t = t
        self.all_leads = 0  # every lead of the organization, whatever the filter
        self.shown = 0
        self.total = Decimal('0.00')
        self.weighted = Decimal('0.00')
        self.classes('w-full items-center gap-3 board-totals text-caption text-grey-8').props('role=group')
        with self:
            self.shown_label = ui.label().mark('board-shown')
            self.total_label = ui.label().mark('board-total')
            self.weighted_label = ui.label().mark('board-weighted')

    def show(self, columns: Iterable[StageColumn], all_leads: int | None = None) -> None:
        """Sum the columns' totals; ``all_leads`` when known anew (a re-read), else the last one kept."""
        columns = list(columns)
        if all_leads is not None:
            self.all_leads = all_leads
        self.shown = sum(column.count for column in columns)
        self.all_leads = max(self.all_leads, self.shown)
        self.total = sum((column.total for column in columns), Decimal('0.00'))
        self.weighted = sum((column.weighted for column in columns), Decimal('0.00'))
        t = self._t
        self.shown_label.text = t('forecast.board_shown', shown=self.shown, all=self.all_leads)
        self.total_label.text = t('forecast.board_total', value=format_brl(self.total))
        self.weighted_label.text = t('forecast.board_weighted', value=format_brl(self.weighted))
        self.weighted_label.props['title'] = t('forecast.weighted_hint')
        self.props['aria-label'] = t(
            'forecast.board_label',
            shown=self.shown,
            all=self.all_leads,
            total=format_brl(self.total),
            weighted=format_brl(self.weighted),
        )

    def count_change(self, change: int) -> None:
        """A lead was created (+1) or deleted (-1) in the organization (shown or not)."""
        self.all_leads = max(0, self.all_leads + change)
