"""Won / lost on the board: the card's badge and the prompt that asks how a deal in Fechado ended.

The prompt opens after a person moves a card into Fechado (drag, keyboard, menu: the move has already
happened) and from the card menu; closing it leaves the outcome unset. Saving goes through
``BoardActions.set_outcome`` (the versioned ``lead_updated`` of services/leads.py), so teammates' boards
update from the event like for any other edit.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from models import PipelineStage
from models.lead import LOST_REASON_MAX
from models.types import LeadOutcome

from ..i18n import Translate
from .dialogs import SaveOutcome

CLOSED = PipelineStage.FECHADO.value


def outcome_badge(lead: dict[str, Any], t: Translate) -> tuple[str, str] | None:
    """The card's badge (text, tone) for a lead in Fechado: won, lost with its reason, or no outcome yet."""
    if lead.get('stage') != CLOSED:
        return None
    outcome = lead.get('outcome')
    if outcome == LeadOutcome.WON:
        return t('outcome.won'), 'green'
    if outcome == LeadOutcome.LOST:
        reason = lead.get('lost_reason')
        return (t('outcome.lost_because', reason=reason) if reason else t('outcome.lost')), 'red'
    return t('outcome.none'), 'grey'


def lost_reason_text(chosen: str | None, details: str | None) -> str | None:
    """One reason from the organization's list and/or free text (``Preço — acima do teto``); None when neither."""
    parts = [part.strip() for part in (chosen, details) if part and part.strip()]
    return ' — '.join(parts) or None


SaveOutcomeCall = Callable[[uuid.UUID, int, LeadOutcome | None, str | None], Awaitable[SaveOutcome]]


class OutcomeDialog(ui.dialog):
    """ "Como terminou …?": Ganho, or Perdido with a reason (the organization's list and/or free text)."""

    def __init__(
        self, *, t: Translate, on_save: SaveOutcomeCall, load_reasons: Callable[[], Awaitable[list[str]]]
    ) -> None:
        super().__init__()
        self._t = t
        self._on_save = on_save
        self._load_reasons = load_reasons
        self.lead: dict[str, Any] = {}
        with self, ui.card().classes('gap-2'):
            self.title = ui.label().classes('text-h6 dialog-title')
            ui.label(t('outcome.hint')).classes('text-caption text-grey-7')
            with ui.row().classes('gap-2'):
                ui.button(t('outcome.won'), icon='emoji_events', on_click=self._won).props(
                    'unelevated color=positive no-caps'
                ).mark('outcome-won')
                ui.button(t('outcome.lost'), icon='thumb_down', on_click=self._show_lost).props(
                    'unelevated color=negative no-caps'
                ).mark('outcome-lost')
            with ui.column().classes('w-full gap-1') as self.lost_part:
                ui.label(t('outcome.reason')).classes('text-subtitle2')
                self.reasons = ui.radio([]).props('dense').mark('outcome-reasons')
                self.details = ui.input(t('outcome.reason_text')).props('outlined dense').classes('w-full')
                self.details.mark('outcome-reason-text')
                ui.button(t('outcome.save_lost'), on_click=self._lost).props('color=negative no-caps').mark(
                    'outcome-save-lost'
                )
            self.message = ui.label().classes('text-negative').props('role=alert').mark('outcome-message')
            with ui.row().classes('gap-2'):
                self.clear_button = ui.button(t('outcome.clear'), on_click=self._clear).props('flat no-caps')
                self.clear_button.mark('outcome-clear')
                ui.button(t('outcome.later'), on_click=self.close).props('flat no-caps').mark('outcome-later')

    async def ask(self, lead: dict[str, Any]) -> None:
        """Open for a lead in Fechado, showing its current outcome (a lost one opens with its reason part)."""
        self.lead = dict(lead)
        reasons = await self._load_reasons()
        self.title.text = self._t('outcome.title', name=lead['name'])
        current = lead.get('lost_reason') or ''
        chosen = current if current in reasons else None
        self.reasons.options = reasons
        self.reasons.value = chosen
        self.reasons.update()
        self.details.value = '' if chosen or not current else current
        self.lost_part.set_visibility(lead.get('outcome') == LeadOutcome.LOST)
        self.clear_button.set_visibility(lead.get('outcome') is not None)
        self.message.text = ''
        self.open()

    def _show_lost(self) -> None:
        self.lost_part.set_visibility(True)

    async def _won(self) -> None:
        await self._submit(LeadOutcome.WON, None)

    async def _lost(self) -> None:
        reason = lost_reason_text(self.reasons.value, self.details.value)
        if reason is not None and len(reason) > LOST_REASON_MAX:
            self.message.text = self._t('outcome.reason_too_long', n=LOST_REASON_MAX)
            return
        await self._submit(LeadOutcome.LOST, reason)

    async def _clear(self) -> None:
        await self._submit(None, None)

    async def _submit(self, outcome: LeadOutcome | None, reason: str | None) -> None:
        lead = self.lead
        refused = await self._on_save(uuid.UUID(str(lead['id'])), int(lead['version']), outcome, reason)
        if refused is None:
            self.close()
            return
        current = refused.current
        if current is not None and current.get('stage') != CLOSED:
            self.close()  # reopened meanwhile: there is no outcome to give any more
            ui.notify(self._t('outcome.not_closed', name=current['name']), type='warning')
            return
        if current is not None:  # a teammate changed it first: show theirs, the next answer goes over it
            self.lead = dict(current)
            self.clear_button.set_visibility(current.get('outcome') is not None)
        self.message.text = refused.message
