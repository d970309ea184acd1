"""The insights page's forecast card: weighted pipeline, and what should close this month and the next two.

A wide card under the figures (not one more figure in their row: seven figures in one row wrapped every money
value), the months as a table a screen reader reads by column header.
"""

from nicegui import ui

from models.metrics import Forecast

from .i18n import Translate, format_brl

MONTHS = {
    'pt-BR': ('jan', 'fev', 'mar', 'abr', 'mai', 'jun', 'jul', 'ago', 'set', 'out', 'nov', 'dez'),
    'en': ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'),
}
COLUMNS = ('forecast.col_month', 'forecast.col_leads', 'forecast.col_value', 'forecast.col_weighted')


def month_name(month: str, language: str | None) -> str:
    """``2026-12`` as people say it: ``dez/2026``, ``Dec 2026``."""
    year, number = month.split('-')
    if language == 'en':
        return f'{MONTHS["en"][int(number) - 1]} {year}'
    return f'{MONTHS["pt-BR"][int(number) - 1]}/{year}'


def cell(tag: str, text: str) -> ui.element:
    """A table cell holding ``text`` as a value (never markup)."""
    element = ui.element(tag)
    with element:
        ui.label(text)
    return element


class ForecastCard(ui.card):
    """Weighted pipeline value (open leads), expected closes per month, overdue and undated counts."""

    def __init__(self, t: Translate, language: str | None) -> None:
        super().__init__()
        self._t, self._language = t, language
        self.classes('forecast-card w-full q-pa-md').mark('kpi-forecast')
        with self, ui.element('div').classes('forecast-layout w-full'):
            with ui.column().classes('gap-1'):
                ui.label(t('forecast.insights_title')).classes('text-caption text-grey-8 kpi-title')
                self.value = ui.label().classes('text-h5 kpi-value')
                self.hint = ui.label(t('forecast.insights_weighted_hint')).classes('text-caption text-grey-7')
                self.overdue = ui.label().classes('text-caption text-grey-7')
            # on a phone the table scrolls sideways inside the card instead of widening the page (a named region in
            # the Tab order, so a keyboard can scroll it too)
            scroll = ui.element('div').classes('forecast-scroll').props('tabindex=0 role=region')
            scroll.props['aria-label'] = t('forecast.months_caption')
            with scroll, ui.element('table').classes('forecast-table') as table:
                with ui.element('caption').classes('text-caption text-grey-8'):
                    ui.label(t('forecast.months_caption'))
                with ui.element('thead'), ui.element('tr').mark('forecast-head'):
                    for key in COLUMNS:
                        cell('th', t(key)).props('scope=col')
                self.months = ui.element('tbody')
            self.table = table

    def show(self, forecast: Forecast) -> None:
        """Put the figures on the card."""
        t = self._t
        self.value.text = format_brl(forecast.weighted_pipeline_value)
        self.months.clear()
        with self.months:
            for month in forecast.months:
                with ui.element('tr').mark('forecast-month'):
                    cell('th', month_name(month.month, self._language)).props('scope=row')
                    cell('td', str(month.count))
                    cell('td', format_brl(month.value))
                    cell('td', format_brl(month.weighted_value))
        self.overdue.text = t('forecast.insights_overdue', n=forecast.overdue_count, undated=forecast.undated_count)
