"""Helpers for simulated-user tests: sign in, and read the board the way a person looks at it."""

import asyncio
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
    user.find(marker='login-email').type(someone.email)
    user.find(marker='login-password').type(PASSWORD)
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

    @property
    def client(self) -> Any:
        return self.board.client

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
        fire(source.cards, 'sortend', args)  # NiceGUI's own listener (moves the element) first, then the board's

    def press(self, name: str, event_type: str) -> None:
        """A key (or right-click) on a card, e.g. 'keydown.alt.right.prevent' or 'keydown.m'."""
        fire(self.card(name), event_type)


def fire(element: Any, event_type: str, args: Any = None) -> None:
    """Deliver a browser event to an element through its client, exactly as the socket would."""
    listeners = [lid for lid, listener in element._event_listeners.items() if listener.type == event_type]
    assert listeners, f'no {event_type} listener on {element}'
    for listener_id in listeners:
        message = {'id': element.id, 'type': event_type, 'listener_id': listener_id}
        message['args'] = [] if args is None else [json.dumps(args)]
        element.client.handle_event(message)


async def settle(rounds: int = 6) -> None:
    """Let queued events and background work run."""
    for _ in range(rounds):
        await asyncio.sleep(0.02)


async def eventually(check: Any, seconds: float = 5.0) -> None:
    """Retry an assertion until it holds (work triggered by a value change runs as a task)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            check()
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.02)
