"""A socket that drops and comes back: NiceGUI's replay must not undo what changed while it was down.

The scenario the board benchmark found (lovedcrm_ui/nicegui_fixes.py): a teammate's move is sent to
a socket that is already dead, the browser reconnects, and meanwhile another move is waiting to be
sent. The browser gets the waiting update first and the replay after it; every element must end in
its current state.
"""

import copy
import uuid

from nicegui.nicegui import _on_handshake
from ui_helpers import add_lead, board_of, settle, sign_in

from lovedcrm_ui.services import moves
from models import PipelineStage


async def test_a_replay_after_reconnect_leaves_the_browser_in_the_current_state(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    acme = await add_lead(app_ctx, ana, 'Acme Ltda')
    beta = await add_lead(app_ctx, ana, 'Beta SA')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await settle()
    client = ana_user.client
    outbox = client.outbox
    browser_has = outbox.next_message_id  # everything before this reached Ana's browser

    sent: list[tuple[str, dict]] = []
    emit = outbox._emit

    async def recording_emit(message):  # type: ignore[no-untyped-def]
        sent.append((message[1], copy.deepcopy(message[2])))
        await emit(message)

    outbox._emit = recording_emit  # type: ignore[method-assign]

    async def bruno_moves(lead_id: uuid.UUID, stage: PipelineStage) -> None:
        async with app_ctx.db.session() as session:
            await moves.move_lead(session, caller=bruno.caller(), lead_id=lead_id, stage=stage, index=0)
        await settle()

    await bruno_moves(acme.id, PipelineStage.PROPOSTA)  # sent, but the socket was already dead: lost
    (socket_id,) = list(client._socket_to_document_id)
    client.handle_disconnect(socket_id)  # the server notices the drop
    await bruno_moves(acme.id, PipelineStage.FECHADO)  # waits for the browser to come back
    await bruno_moves(beta.id, PipelineStage.CONTATO)
    sent.clear()
    await _on_handshake(
        f'test-{uuid.uuid4()}',
        {
            'client_id': client.id,
            'tab_id': ana_user.tab_id,
            'document_id': str(uuid.uuid4()),
            'next_message_id': browser_has,
        },
    )
    await settle()

    # what the browser holds after applying everything it received since it reconnected, in order
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
    board = board_of(ana_user)
    assert board.names('fechado') == ['Acme Ltda']
    assert board.names('contato') == ['Beta SA']
