"""Helpers for simulated-user tests: sign in, and read the board the way a person looks at it."""

import json
from dataclasses import dataclass
from typing import Any

from nicegui.testing import User

from lovedcrm_ui.ui.board.board import PipelineBoard
from lovedcrm_ui.ui.board.card import LeadCard

PASSWORD = 'Secret123'


async def sign_in(user: User, someone: Any) -> None:
    """Sign in through the login page and wait for the board."""
    await user.open('/login')
    user.find('E-mail').type(someone.email)
    user.find('Senha').type(PASSWORD)
    user.find(marker='login-submit').click()
    await user.should_see(kind=PipelineBoard, retries=50)
    await board_of(user).wait_loaded()


def board_of(user: User) -> 'BoardView':
    """What a simulated user sees of the board."""
    assert user.client is not None
    boards = [e for e in user.client.elements.values() if isinstance(e, PipelineBoard)]
    assert boards, 'no board on this page'
    return BoardView(boards[0])


@dataclass
class BoardView:
    """Read the board the way a person looks at it: names per column, counts and totals."""

    board: PipelineBoard

    async def wait_loaded(self) -> None:
        await self.board._loaded.wait()

    def names(self, stage: str) -> list[str]:
        return [card.lead['name'] for card in self.board.columns[stage].card_list]

    def summary(self, stage: str) -> str:
        return self.board.columns[stage].summary.text

    def card(self, name: str) -> LeadCard:
        return next(c for c in self.board.cards.values() if c.lead['name'] == name)

    def drag(self, name: str, to_stage: str, new_index: int) -> None:
        """Fire the browser's ``sortend`` event through the client, as SortableJS would."""
        card = self.card(name)
        source = next(col for col in self.board.columns.values() if card in col.card_list)
        target = self.board.columns[to_stage]
        args = {
            'item_id': card.id,
            'from_id': source.cards.id,
            'to_id': target.cards.id,
            'old_index': source.card_list.index(card),
            'new_index': new_index,
        }
        listeners = [lid for lid, listener in source.cards._event_listeners.items() if listener.type == 'sortend']
        for listener_id in listeners:  # NiceGUI's own (moves the element) first, then the board's
            self.board.client.handle_event(
                {'id': source.cards.id, 'type': 'sortend', 'listener_id': listener_id, 'args': [json.dumps(args)]}
            )
