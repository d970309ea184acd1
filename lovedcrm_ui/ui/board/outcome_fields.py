"""The lead dialog's won / lost inputs: shown while the form's stage is Fechado (and the lead exists)."""

from collections.abc import Callable
from typing import Any

from nicegui import ui

from models import PipelineStage
from models.lead import LOST_REASON_MAX

from ..i18n import Translate


class OutcomeFields(ui.row):
    """Outcome (none / won / lost) and, when lost, its reason; values follow services/outcomes.py's rule."""

    def __init__(self, t: Translate, *, stage: ui.select, exists: Callable[[], bool]) -> None:
        super().__init__()
        self._stage = stage
        self._exists = exists  # a new lead has no outcome yet: it is said once the deal is closed
        self.classes('w-full no-wrap gap-2')
        with self:
            self.outcome = ui.select(
                {'': t('outcome.none'), 'won': t('outcome.won'), 'lost': t('outcome.lost')},
                label=t('outcome.field'),
                value='',
                on_change=self.refresh,
            )
            self.outcome.props('outlined dense').classes('grow').mark('lead-outcome')
            self.reason = ui.input(
                t('outcome.reason'),
                validation={t('outcome.reason_too_long', n=LOST_REASON_MAX): self._short_enough},
            )
            self.reason.props('outlined dense').classes('grow').mark('lead-lost-reason')
        stage.on_value_change(self.refresh)

    @staticmethod
    def _short_enough(value: Any) -> bool:
        return len((value or '').strip()) <= LOST_REASON_MAX

    def _closed(self) -> bool:
        return self._stage.value == PipelineStage.FECHADO and self._exists()

    def fill(self, lead: dict[str, Any], *, editable: bool) -> None:
        """Show the lead's outcome and reason."""
        self.outcome.value = lead.get('outcome') or ''
        self.reason.value = lead.get('lost_reason') or ''
        for element in (self.outcome, self.reason):
            element.set_enabled(editable)
        self.refresh()

    def refresh(self) -> None:
        """Visible in Fechado only; the reason only for a lost deal."""
        closed = self._closed()
        self.set_visibility(closed)
        self.reason.set_visibility(closed and self.outcome.value == 'lost')

    def values(self) -> dict[str, Any]:
        """``outcome`` and ``lost_reason`` as the form stands (outside Fechado both are None: leaving clears them)."""
        closed = self._closed()
        lost = closed and self.outcome.value == 'lost'
        return {
            'outcome': (self.outcome.value or None) if closed else None,
            'lost_reason': ((self.reason.value or '').strip() or None) if lost else None,
        }
