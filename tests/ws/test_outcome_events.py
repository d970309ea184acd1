"""Won / lost over the WebSocket API: a teammate's socket gets the outcome in the event's snapshot, and a reopen
clears it in the same event."""

from ws_helpers import join, open_socket, register
from ws_server import Server


async def test_a_teammates_socket_sees_the_deal_lost_then_reopened(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    lead = await ana.create_lead('Acme Ltda')

    async with open_socket(bruno) as bruno_socket:
        await ana.move_lead(lead['id'], 'fechado', outcome='lost', lost_reason='Preço')
        await ana.move_lead(lead['id'], 'negociacao')
        closed, reopened = await bruno_socket.events(2)

    assert closed['type'] == reopened['type'] == 'lead_stage_changed'
    assert (closed['lead']['stage'], closed['lead']['outcome'], closed['lead']['lost_reason']) == (
        'fechado',
        'lost',
        'Preço',
    )
    assert (reopened['lead']['stage'], reopened['lead']['outcome'], reopened['lead']['lost_reason']) == (
        'negociacao',
        None,
        None,
    )
    assert reopened['lead']['version'] == closed['lead']['version'] + 1  # one write, one event
