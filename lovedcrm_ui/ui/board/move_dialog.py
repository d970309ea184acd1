"""The board's "Mover para…" dialog: the keyboard (and right-click) path to move a card, and the card's menu."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from nicegui import ui

from models import STAGE_ORDER

from ...extensions import CardAction, localize
from ..i18n import Translate


class MoveDialog(ui.dialog):
    """ "Mover para…": the keyboard (and right-click) path to move a card to another stage, and the card's menu.

    Below the stages it lists the plugins' card actions (extensions.CardAction) that apply to the lead.
    """

    def __init__(
        self,
        *,
        t: Translate,
        on_move: Callable[[uuid.UUID, str, str], Awaitable[None]],
        on_action: Callable[[uuid.UUID, str], Awaitable[None]] | None = None,
        on_outcome: Callable[[uuid.UUID], Awaitable[None]] | None = None,
        language: str | None = None,
    ) -> None:
        super().__init__()
        self._on_move = on_move
        self._on_action = on_action
        self._on_outcome = on_outcome
        self._language = language
        self._lead_id: uuid.UUID | None = None
        with self, ui.card().classes('gap-2'):
            self.title = ui.label(t('move.title')).classes('text-h6 dialog-title')
            with ui.column().classes('w-full gap-2') as self.move_part:
                self.place = ui.toggle({'top': t('move.top'), 'bottom': t('move.bottom')}, value='top')
                self.buttons = {}
                for stage in STAGE_ORDER:
                    button = ui.button(t(f'stage.{stage.value}'), on_click=lambda s=stage.value: self._choose(s))
                    self.buttons[stage.value] = button.props('outline no-caps').classes('w-full')
            # won / lost of a lead in Fechado (ui/board/outcome.py)
            self.outcome_button = ui.button(t('move.outcome'), icon='flag', on_click=self._outcome)
            self.outcome_button.props('flat no-caps align=left').classes('w-full').mark('move-outcome')
            with ui.column().classes('w-full gap-1') as self.action_part:
                ui.label(t('move.actions')).classes('text-subtitle2 q-mt-sm')
                self.action_buttons = ui.column().classes('w-full gap-1')
            self.action_part.set_visibility(False)
            ui.button(t('move.cancel'), on_click=self.close).props('flat')
        self._t = t

    def show_for(self, lead: dict[str, Any], *, actions: Sequence[CardAction] = (), can_move: bool = True) -> None:
        """Open for one card; its current stage is marked; ``actions``: the card actions to offer."""
        self._lead_id = uuid.UUID(str(lead['id']))
        self.title.text = f'{self._t("move.title")} {lead["name"]}' if can_move else lead['name']
        self.move_part.set_visibility(can_move)
        self.outcome_button.set_visibility(can_move and lead['stage'] == 'fechado' and self._on_outcome is not None)
        for stage, button in self.buttons.items():
            button.props(remove='unelevated').props('outline')
            if stage == lead['stage']:
                button.props(remove='outline').props('unelevated')
        self.action_buttons.clear()
        with self.action_buttons:
            for action in actions:
                label = localize(action.label, self._language)
                ui.button(label, icon=action.icon, on_click=lambda k=action.key: self._act(k)).props(
                    'flat no-caps align=left'
                ).classes('w-full').mark(f'card-action-{action.key}')
        self.action_part.set_visibility(bool(actions))
        self.open()

    async def _choose(self, stage: str) -> None:
        self.close()
        if self._lead_id is not None:
            await self._on_move(self._lead_id, stage, self.place.value)

    async def _outcome(self) -> None:
        self.close()
        if self._lead_id is not None and self._on_outcome is not None:
            await self._on_outcome(self._lead_id)

    async def _act(self, key: str) -> None:
        self.close()
        if self._lead_id is not None and self._on_action is not None:
            await self._on_action(self._lead_id, key)
