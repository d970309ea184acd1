"""A socket that drops and comes back: NiceGUI's replay must not undo what changed while it was down.

The scenario the board benchmark found (lovedcrm_ui/nicegui_fixes.py): a teammate's move is sent to
a socket that is already dead, the browser reconnects, and meanwhile another move is waiting to be
sent. The browser gets the waiting update first and the replay after it; every element must end in
its current state.
"""

import copy
import uuid
from typing import Any

from nicegui.nicegui import _on_handshake
from ui_helpers import add_lead, board_of, sign_in, until

from lovedcrm_ui.services import moves
from models import PipelineStage


class SentRecord(list[tuple[str, dict]]):
    """From now on, a copy of every message an outbox sends (as sent: ``_emit`` fills in replayed updates)."""

    def __init__(self, outbox: Any) -> None:
        super().__init__()
        self.outbox = outbox
        self.sending = 0
        emit = outbox._emit

        async def recording_emit(message: Any) -> None:
            self.sending += 1
            try:
                await emit(message)
            finally:
                self.sending -= 1
            self.append((message[1], copy.deepcopy(dict(message[2]))))

        outbox._emit = recording_emit

    async def all_sent(self) -> None:
        """Wait until the outbox has sent everything it holds (it holds it while the browser is away)."""
        outbox = self.outbox
        await until(lambda: not outbox.updates and not outbox.messages and not self.sending, 'the outbox is empty')


def assert_browser_current(client: Any, sent: list[tuple[str, dict]]) -> None:
    """Apply the updates in the order sent, as the browser does: every element must end current."""
    browser: dict[int, dict | None] = {}
    for message_type, data in sent:
        if message_type == 'update':
            browser.update({int(key): value for key, value in data.items() if key != '_id'})
    assert browser, 'nothing was replayed'
    for element_id, state in browser.items():
        element = client.elements.get(element_id)
        if element is None:
            assert state is None, f'element {element_id} is gone on the server but not in the browser'
        else:
            assert state == element._to_dict(), f'element {element_id} ({type(element).__name__}) is stale'


async def reconnect(user: Any, next_message_id: int) -> None:
    """The browser's socket comes back and says which message it expects next."""
    await _on_handshake(
        f'test-{uuid.uuid4()}',
        {
            'client_id': user.client.id,
            'tab_id': user.tab_id,
            'document_id': str(uuid.uuid4()),
            'next_message_id': next_message_id,
        },
    )


async def test_a_replay_after_reconnect_leaves_the_browser_in_the_current_state(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    acme = await add_lead(app_ctx, ana, 'Acme Ltda')
    beta = await add_lead(app_ctx, ana, 'Beta SA')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    client = ana_user.client
    outbox = client.outbox
    sent = SentRecord(outbox)
    await sent.all_sent()
    browser_has = outbox.next_message_id  # everything before this reached Ana's browser
    board = board_of(ana_user)

    async def bruno_moves(lead_id: uuid.UUID, name: str, stage: PipelineStage) -> None:
        """Bruno's move, drawn on Ana's board (on the server: whether her browser gets it is the question)."""
        async with app_ctx.db.session(cross_org=True) as session:
            await moves.move_lead(session, caller=bruno.caller(), lead_id=lead_id, stage=stage, index=0)
        await until(lambda: name in board.names(stage))

    await bruno_moves(acme.id, 'Acme Ltda', PipelineStage.PROPOSTA)
    await sent.all_sent()  # sent, but the socket was already dead: lost
    (socket_id,) = list(client._socket_to_document_id)
    client.handle_disconnect(socket_id)  # the server notices the drop
    await bruno_moves(acme.id, 'Acme Ltda', PipelineStage.FECHADO)  # waits for the browser to come back
    await bruno_moves(beta.id, 'Beta SA', PipelineStage.CONTATO)
    sent.clear()
    await reconnect(ana_user, browser_has)
    await sent.all_sent()

    assert_browser_current(client, sent)
    assert board.names('fechado') == ['Acme Ltda']
    assert board.names('contato') == ['Beta SA']


async def test_a_change_between_the_rewind_and_the_send_is_not_undone(create_user, app_ctx, person, monkeypatch):
    """The replay is decided during the handshake and sent a moment later; a move in between must survive."""
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    acme = await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    client = ana_user.client
    sent = SentRecord(client.outbox)
    await sent.all_sent()
    browser_has = client.outbox.next_message_id
    async with app_ctx.db.session(cross_org=True) as session:  # sent, but the socket was already dead: lost
        await moves.move_lead(session, caller=bruno.caller(), lead_id=acme.id, stage=PipelineStage.PROPOSTA, index=0)
    await board_of(ana_user).shows('proposta', ['Acme Ltda'])
    await sent.all_sent()
    (socket_id,) = list(client._socket_to_document_id)
    client.handle_disconnect(socket_id)
    sent.clear()
    board = board_of(ana_user).board
    rewind = type(client.outbox).try_rewind

    def rewind_then_change(outbox: Any, target: int) -> None:
        rewind(outbox, target)
        # what the board's worker may do before the outbox sends: move the card on, change a total
        board.cards[acme.id].move(board.columns['fechado'].cards)
        board.columns['fechado'].summary.text = '1 lead · R$ 0,00'

    monkeypatch.setattr(type(client.outbox), 'try_rewind', rewind_then_change)
    await reconnect(ana_user, browser_has)
    await sent.all_sent()

    assert_browser_current(client, sent)


def test_the_patch_refuses_a_nicegui_it_was_not_checked_against(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A NiceGUI upgrade must be a decision: the app does not start on another minor version or changed internals."""
    import pytest

    from lovedcrm_ui import nicegui_fixes

    nicegui_fixes.check_compatible()  # the installed, pinned one passes
    with pytest.raises(nicegui_fixes.UnsupportedNiceGUI, match=r'checked against 3\.18'):
        nicegui_fixes.check_compatible('3.19.0')

    async def changed_emit(self, message, extra) -> None:  # type: ignore[no-untyped-def]
        pass

    monkeypatch.setattr(nicegui_fixes, '_original_emit', changed_emit)
    with pytest.raises(nicegui_fixes.UnsupportedNiceGUI, match=r'Outbox\._emit'):
        nicegui_fixes.check_compatible()
