"""The insights page's forecast card: weighted pipeline, and what should close this month and the next two."""

from nicegui import ui

from models.metrics import Forecast

from .i18n import Translate, format_brl

MONTHS = {
    'pt-BR': ('jan', 'fev', 'mar', 'abr', 'mai', 'jun', 'jul', 'ago', 'set', 'out', 'nov', 'dez'),
    'en': ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'),
}


def month_name(month: str, language: str | None) -> str:
    """``2026-12`` as people say it: ``dez/2026``, ``Dec 2026``."""
    year, number = month.split('-')
    if language == 'en':
        return f'{MONTHS["en"][int(number) - 1]} {year}'
    return f'{MONTHS["pt-BR"][int(number) - 1]}/{year}'


class ForecastCard(ui.card):
    """Weighted pipeline value (open leads), expected closes per month, overdue and undated counts."""

    def __init__(self, t: Translate, language: str | None) -> None:
        super().__init__()
        self._t, self._language = t, language
        self.classes('kpi-card q-pa-md gap-1').mark('kpi-forecast')
        with self:
            ui.label(t('forecast.insights_title')).classes('text-caption text-grey-8 kpi-title')
            self.value = ui.label().classes('text-h5 kpi-value')
            self.hint = ui.label(t('forecast.insights_weighted_hint')).classes('text-caption text-grey-7 kpi-hint')
            self.months = ui.column().classes('gap-0 text-caption')
            self.overdue = ui.label().classes('text-caption text-grey-7')

    def show(self, forecast: Forecast) -> None:
        """Put the figures on the card."""
        t = self._t
        self.value.text = format_brl(forecast.weighted_pipeline_value)
        self.months.clear()
        with self.months:
            for month in forecast.months:
                ui.label(
                    t(
                        'forecast.insights_month',
                        month=month_name(month.month, self._language),
                        n=month.count,
                        value=format_brl(month.value),
                        weighted=format_brl(month.weighted_value),
                    )
                ).mark('forecast-month')
        self.overdue.text = t('forecast.insights_overdue', n=forecast.overdue_count, undated=forecast.undated_count)
