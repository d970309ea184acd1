"""The lead dialog's forecast inputs: the lead's own probability (its stage's default as a hint) and the expected
close date (typed in the person's format or picked from a calendar)."""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from nicegui import ui

from ..i18n import Translate

# how a day is typed and shown: the calendar's mask (Quasar) and Python's format, per language
DATE_FORMATS = {'en': ('YYYY-MM-DD', '%Y-%m-%d'), 'pt-BR': ('DD/MM/YYYY', '%d/%m/%Y')}


def parse_percent(text: Any) -> int | None:
    """A typed probability: None when empty; ValueError unless a whole number from 0 to 100."""
    raw = str(text if text is not None else '').strip().removesuffix('%').strip()
    if not raw:
        return None
    percent = int(raw)
    if not 0 <= percent <= 100:
        raise ValueError(raw)
    return percent


class ForecastFields(ui.row):
    """Probability (empty: the stage's percent, said in the hint) and expected close date."""

    def __init__(
        self, t: Translate, *, stage: ui.select, defaults: Callable[[], Mapping[str, int]], language: str | None
    ) -> None:
        super().__init__()
        self._t = t
        self._stage = stage
        self._defaults = defaults  # the organization's percent per stage, as the board last read it
        self._mask, self._format = DATE_FORMATS['en' if language == 'en' else 'pt-BR']
        self.classes('w-full no-wrap gap-2 forecast-fields')
        with self:
            self.probability = ui.input(
                t('forecast.probability'), validation={t('forecast.probability_invalid'): self._valid_percent}
            )
            self.probability.props('outlined dense inputmode=numeric').classes('grow').mark('lead-probability')
            self.close_date = ui.input(
                t('forecast.close_date'),
                placeholder=t('forecast.close_date_hint'),
                validation={t('forecast.close_date_invalid', format=t('forecast.close_date_hint')): self._valid_day},
            )
            self.close_date.props('outlined dense').classes('grow').mark('lead-close-date')
            with self.close_date.add_slot('append'):
                picker = ui.button(icon='event').props(f'flat round dense aria-label="{t("forecast.pick_date")}"')
                with ui.menu() as menu:
                    ui.date(mask=self._mask, on_change=menu.close).bind_value(self.close_date)
                picker.on('click', menu.open)
        stage.on_value_change(self.refresh)

    @staticmethod
    def _valid_percent(value: Any) -> bool:
        try:
            parse_percent(value)
        except ValueError:
            return False
        return True

    def _valid_day(self, value: Any) -> bool:
        try:
            self._day(value)
        except ValueError:
            return False
        return True

    def _day(self, value: Any) -> date | None:
        text = str(value or '').strip()
        return datetime.strptime(text, self._format).date() if text else None

    def display_day(self, value: Any) -> str:
        """A date (or its ISO text) in the person's format."""
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return day.strftime(self._format)

    def fill(self, lead: dict[str, Any], *, editable: bool) -> None:
        """Show the lead's probability and date."""
        probability = lead.get('probability')
        self.probability.value = '' if probability is None else str(probability)
        day = lead.get('expected_close_date')
        self.close_date.value = self.display_day(day) if day else ''
        for element in (self.probability, self.close_date):
            element.set_enabled(editable)
        self.refresh()

    def refresh(self) -> None:
        """The hint says what an empty probability counts as in the form's stage."""
        stage = str(self._stage.value or '')
        percent = self._defaults().get(stage)
        hint = (
            ''
            if percent is None
            else self._t('forecast.probability_hint', percent=percent, stage=self._t(f'stage.{stage}'))
        )
        self.probability.props(f'hint="{hint}"' if hint else 'hint=""')
        self.probability.props['placeholder'] = '' if percent is None else f'{percent}%'

    def validate(self) -> bool:
        """Both inputs checked (messages shown)."""
        return all([self.probability.validate(), self.close_date.validate()])

    def values(self) -> dict[str, Any]:
        """``probability`` and ``expected_close_date`` as the form stands (call ``validate`` first)."""
        try:
            probability = parse_percent(self.probability.value)
        except ValueError:
            probability = None
        try:
            day = self._day(self.close_date.value)
        except ValueError:
            day = None
        return {'probability': probability, 'expected_close_date': day}
