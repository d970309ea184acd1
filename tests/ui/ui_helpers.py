"""Helpers for simulated-user tests: sign in, read the board the way a person looks at it, wait for what they see.

Waiting is ``eventually`` / ``until`` from tests/waiting.py (re-exported here), or one of the waits below
built on them; never a fixed sleep.
"""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from accounts import PASSWORD
from mail_inbox import SmtpInbox as SmtpInbox  # re-exported: the team page's mail tests use it
from nicegui import background_tasks
from nicegui.testing import User
from waiting import eventually as eventually  # re-exported: the tests import their waits from here
from waiting import until as until

from lovedcrm_ui.ui.board.board import PipelineBoard
from lovedcrm_ui.ui.board.card import LeadCard


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

    async def shows(self, stage: str, names: list[str]) -> None:
        """Wait until a column shows exactly these cards, top to bottom."""

        def column_shows() -> None:
            drawn = self.names(stage)
            assert drawn == names, f'the {stage} column shows {drawn}, not {names}'

        await eventually(column_shows)

    @property
    def announcement(self) -> str:
        """What the board's live region says (read out by screen readers)."""
        return str(self.board.announcer.text)

    async def announced(self, text: str) -> None:
        """Wait until the board's live region says ``text`` (part of it)."""

        def says() -> None:
            assert text in self.announcement, f'the board announces {self.announcement!r}, not {text!r}'

        await eventually(says)

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

    def press(self, name: str, action: str) -> None:
        """A key on a card, as the board's key listener reports it: 'open' (Enter), 'menu' (M), 'left' (Alt+←)…"""
        fire(self.board.columns_row, 'keydown', {'card': self.card(name).id, 'action': action})

    def click(self, name: str, *, on_star: bool = False) -> None:
        """A click on a card (or on its star), as the board's click listener reports it."""
        fire(self.board.columns_row, 'click', {'card': self.card(name).id, 'action': 'star' if on_star else 'open'})


def fire(element: Any, event_type: str, args: Any = None) -> None:
    """Deliver a browser event to an element through its client, exactly as the socket would."""
    listeners = [lid for lid, listener in element._event_listeners.items() if listener.type == event_type]
    assert listeners, f'no {event_type} listener on {element}'
    for listener_id in listeners:
        message = {'id': element.id, 'type': event_type, 'listener_id': listener_id}
        message['args'] = [] if args is None else [json.dumps(args)]
        element.client.handle_event(message)


@asynccontextmanager
async def all_handled() -> AsyncIterator[None]:
    """On leaving the block, wait until the app has finished handling the events fired in it.

    For what a person does that changes nothing they could see (an ignored key, a refused save): NiceGUI
    runs async handlers as tasks, and once those the block started are done, what did not happen will not.
    Only for blocks that start no long-lived task (opening a page starts some: they never finish).
    """
    before = set(background_tasks.running_tasks)
    yield
    started = [task for task in background_tasks.running_tasks if task not in before]
    await until(lambda: all(task.done() for task in started), 'the handlers finish')


async def new_lead_dialog(user: User, stage: str = 'lead') -> Any:
    """Click a column's "+" on the user's board and wait for the empty lead dialog."""
    board = board_of(user)
    fire(board.board.columns[stage].add_button, 'click')
    await dialog_opened(board.board.lead_dialog)
    return board.board.lead_dialog


async def dialog_opened(dialog: Any) -> None:
    """Wait until a dialog is open (opening runs in the click's handler, a task)."""
    await until(lambda: dialog.value, f'{type(dialog).__name__} opens')


async def dialog_closed(dialog: Any) -> None:
    """Wait until a dialog is closed."""
    await until(lambda: not dialog.value, f'{type(dialog).__name__} closes')


# ----- team, invite, settings and profile pages ---------------------------------------------


def the(user: User, marker: str) -> Any:
    """The one element with ``marker`` on the user's page (visible or not)."""
    assert user.client is not None
    found = [e for e in user.client.elements.values() if marker in e._markers]
    assert len(found) == 1, f'{len(found)} elements marked {marker!r}'
    return found[0]


def choose(user: User, marker: str, value: Any) -> None:
    """Pick a value in a select (or set any value element), as the person's click would."""
    assert user.client is not None
    with user.client:
        the(user, marker).value = value


def shown(user: User, marker: str) -> str:
    """The text of a visible element (empty when hidden)."""
    element = the(user, marker)
    return str(element.text) if element.visible else ''


async def join_by_registering(user: User, link: str, name: str, password: str = PASSWORD) -> None:
    """Open an invite link signed out, create the account for the invited e-mail and wait for the board."""
    from urllib.parse import urlsplit

    await user.open(urlsplit(link).path)
    user.find(marker='join-name').type(name)
    user.find(marker='join-password').type(password)
    user.find(marker='join-terms').click()
    user.find(marker='join-register').click()
    await user.should_see(kind=PipelineBoard, retries=100)
    await board_of(user).wait_loaded()


async def answer_confirmation(user: User, yes: bool) -> None:
    """Wait until the confirmation dialog is open, then answer it."""
    from lovedcrm_ui.ui.widgets import ConfirmDialog

    assert user.client is not None
    client = user.client

    def asking() -> bool:
        return any(isinstance(e, ConfirmDialog) and e.value for e in client.elements.values())

    await until(asking, 'the confirmation dialog opens')
    user.find(marker='confirm-yes' if yes else 'confirm-no').click()


async def add_lead(ctx: Any, owner: Any, name: str, stage: str = 'lead', value: str | None = None, **extra: Any) -> Any:
    """Create a lead through the service, as ``owner`` (a teammate working elsewhere)."""
    from decimal import Decimal

    from lovedcrm_ui.services import leads
    from models.lead import LeadCreate

    data = LeadCreate(name=name, stage=stage, estimated_value=Decimal(value) if value else None, **extra)
    async with ctx.db.session(cross_org=True) as session:
        return await leads.create_lead(session, caller=owner.caller(), data=data)
