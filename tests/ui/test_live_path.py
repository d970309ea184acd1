"""The live path never stops silently: after a log-out and log-in, and when a delivery is lost anyway."""

import uuid

from ui_helpers import add_lead, board_of, eventually, sign_in, until

from lovedcrm_ui.events.sockets import SocketClient
from lovedcrm_ui.services import moves
from lovedcrm_ui.ui.frame import ConnectionIndicator
from models import PipelineStage


def socket_for(person) -> SocketClient:  # type: ignore[no-untyped-def]
    """An API socket of ``person`` registered with the hub, as /ws/pipeline registers it."""
    return SocketClient(
        organization_id=person.organization_id,
        user_id=person.user_id,
        session_id=uuid.uuid4(),
        full_name=person.name,
        email=person.email,
        path='pipeline',
    )


def queued_seqs(client: SocketClient) -> list[int]:
    """The lead-event numbers waiting in a socket's outbox."""
    seqs = []
    while not client.outbox.empty():
        item = client.outbox.get_nowait()
        if isinstance(item, tuple) and item[0] is not None:
            seqs.append(item[0])
    return seqs


async def test_log_out_and_in_then_the_old_page_goes_away_and_the_board_stays_live(create_user, app_ctx, person):
    """The reported story: log out, log in again in the same tab, NiceGUI deletes the old page, a teammate moves."""
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, bruno, 'Acme Ltda', value='8000')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    old_page = ana_user.client
    assert old_page is not None

    await ana_user.open('/logout')  # the old board shuts (its subscriptions end once): nobody listens now
    await sign_in(ana_user, ana)
    api_socket = socket_for(bruno)  # an integration connects meanwhile
    app_ctx.sockets.add(api_socket)
    old_page.delete()  # what NiceGUI does RECONNECT_TIMEOUT later: the old board's stop() runs again
    queued_seqs(api_socket)

    async with app_ctx.db.session(cross_org=True) as session:
        moved = await moves.move_lead(
            session, caller=bruno.caller(), lead_id=lead.id, stage=PipelineStage.PROPOSTA, index=0
        )
    board = board_of(ana_user)

    def moved_on_the_board() -> None:
        assert board.names('proposta') == ['Acme Ltda']
        assert board.summary('proposta') == '1 lead · R$ 8.000,00'
        assert board.summary('lead') == '0 leads · R$ 0,00'
        assert not board.board.columns['lead'].load_more.visible

    await eventually(moved_on_the_board)
    assert moved.lead.version == 2
    assert queued_seqs(api_socket) == [2]  # the organization's API sockets still hear every event
    app_ctx.sockets.remove(api_socket)


async def test_a_board_that_missed_events_catches_up_within_two_rounds_and_says_so(create_user, app_ctx, person):
    """Defence in depth: even if an event never reaches a board, the guard finds the gap and re-reads."""
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    indicator = next(e for e in ana_user.client.elements.values() if isinstance(e, ConnectionIndicator))
    board.board._events.cancel()  # as if the bus had lost this board's listener
    await add_lead(app_ctx, ana, 'Perdido SA', value='10')
    assert board.names('lead') == []

    await app_ctx.watch.check_now()  # first sighting: the event may still be on its way
    assert board.names('lead') == []
    await app_ctx.watch.check_now()  # still behind a round later: re-read, and listen again
    assert indicator.state == 'catching_up'
    await board.shows('lead', ['Perdido SA'])
    await until(lambda: indicator.state == 'connected')
    assert board.summary('lead') == '1 lead · R$ 10,00'

    await add_lead(app_ctx, ana, 'Depois SA')  # live again without another round
    await board.shows('lead', ['Depois SA', 'Perdido SA'])


async def test_api_sockets_that_missed_events_are_caught_up_by_the_guard(app_ctx, person):
    ana = await person('Ana Souza')
    client = socket_for(ana)
    app_ctx.sockets.add(client)
    app_ctx.sockets.prime(ana.organization_id, 0)
    room = app_ctx.sockets._rooms[ana.organization_id]
    room.subscriptions[0].cancel()  # the hub's bus listener is lost
    await add_lead(app_ctx, ana, 'Perdido SA')
    assert queued_seqs(client) == []

    await app_ctx.watch.check_now()
    await app_ctx.watch.check_now()

    item = client.outbox.get_nowait()
    assert getattr(item, 'kind', None) == 'catch_up'  # the writer replays from what it last sent
    await add_lead(app_ctx, ana, 'Depois SA')
    assert queued_seqs(client) == [2]  # and the hub listens again
    app_ctx.sockets.remove(client)
