"""Replay: a client that was away gets exactly the events it missed, in order, then live ones."""

import asyncio

from api_person import ApiPerson
from contract import STAGES as CONTRACT_STAGES
from ws_helpers import join, open_socket, register
from ws_server import Server

STAGES = [*CONTRACT_STAGES[1:], CONTRACT_STAGES[0]]  # every stage but the one leads start in, first


async def test_reconnecting_with_since_replays_what_was_missed_then_goes_live(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    async with open_socket(ana) as socket:
        first = await ana.create_lead('Acme Ltda')
        second = await ana.create_lead('Padaria Pão Quente')
        last_seen = (await socket.events(2))[-1]['seq']
    # away: Bruno works meanwhile
    await bruno.move_lead(first['id'], 'contato')
    await bruno.move_lead(second['id'], 'proposta')
    await bruno.update_lead(first['id'], phone='+55 11 4000-1000')

    async with open_socket(ana, since=last_seen) as socket:
        replayed = await socket.events(3)
        await bruno.move_lead(first['id'], 'negociacao')
        live = await socket.receive()
        rest = await socket.round_trip()

    assert socket.greeting['seq'] == last_seen + 3
    assert [(f['seq'], f['type'], f['lead_id'], f['user_id']) for f in replayed] == [
        (last_seen + 1, 'lead_stage_changed', first['id'], bruno.user_id),
        (last_seen + 2, 'lead_stage_changed', second['id'], bruno.user_id),
        (last_seen + 3, 'lead_updated', first['id'], bruno.user_id),
    ]
    assert (live['seq'], live['new_stage']) == (last_seen + 4, 'negociacao')
    assert rest == []  # nothing twice


async def test_resume_mid_connection_replays_from_the_event_table(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    lead = await ana.create_lead('Acme Ltda')
    async with open_socket(ana) as socket:
        await ana.move_lead(lead['id'], 'contato')
        await ana.move_lead(lead['id'], 'proposta')
        live = await socket.events(2)

        await socket.send({'type': 'resume', 'since': 1})
        replayed = await socket.events(2)
        await ana.move_lead(lead['id'], 'negociacao')
        after = await socket.receive()
        rest = await socket.round_trip()

    assert [f['seq'] for f in live] == [2, 3]
    assert replayed == live  # the stored events, in the same shape as when they were live
    assert (after['seq'], after['old_stage'], after['new_stage']) == (4, 'proposta', 'negociacao')
    assert rest == []


async def test_a_malformed_resume_gets_an_error_and_the_socket_stays_open(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')

    async with open_socket(ana) as socket:
        errors = []
        for since in ('3', -1, None, True, 1.5):
            await socket.send({'type': 'resume', 'since': since})
            errors.append(await socket.receive())
        rest = await socket.round_trip()

    assert errors == [{'type': 'error', 'message': 'resume needs a non-negative integer "since"'}] * 5
    assert rest == []


async def test_since_ahead_of_the_organization_asks_for_a_resync(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    lead = await ana.create_lead('Acme Ltda')

    async with open_socket(ana, since=50) as socket:
        on_connect = await socket.receive()
        await socket.send({'type': 'resume', 'since': 7})
        on_resume = await socket.receive()
        await ana.move_lead(lead['id'], 'contato')
        live = await socket.receive()

    assert on_connect == {'type': 'resync_required', 'seq': 1, 'since': 50, 'max_replay': 1000}
    assert on_resume == {'type': 'resync_required', 'seq': 1, 'since': 7, 'max_replay': 1000}
    assert (live['type'], live['seq']) == ('lead_stage_changed', 2)  # and it carries on live


async def test_more_missed_events_than_the_replay_limit_asks_for_a_resync(tight_server: Server) -> None:
    ana = await register(tight_server, 'Ana Souza')
    lead = await ana.create_lead('Acme Ltda')
    for stage in [*STAGES, 'contato']:
        await ana.move_lead(lead['id'], stage)  # seq 2..7

    async with open_socket(ana, since=1) as too_far:  # six missed, REPLAY_LIMIT=5 on this server
        refused = await too_far.receive()
    async with open_socket(ana, since=2) as within:  # five missed
        replayed = await within.events(5)

    assert refused == {'type': 'resync_required', 'seq': 7, 'since': 1, 'max_replay': 5}
    assert [f['seq'] for f in replayed] == [3, 4, 5, 6, 7]


async def test_reconnecting_while_a_teammate_keeps_moving_leads_loses_and_repeats_nothing(event_server: Server) -> None:
    ana = await register(event_server, 'Ana Souza')
    bruno = await join(ana, 'Bruno Lima')
    lead = await bruno.create_lead('Acme Ltda')
    moves = 30

    async def keep_moving(person: ApiPerson) -> None:
        async with person.api() as client:
            for index in range(moves):
                response = await client.put(f'/crm/leads/{lead["id"]}/stage', json={'stage': STAGES[index % 5]})
                assert response.status_code == 200, response.text

    received: list[int] = []
    async with open_socket(ana) as socket:
        last = socket.greeting['seq']
    writer = asyncio.create_task(keep_moving(bruno))
    try:
        while len(received) < moves:
            # a client on a flaky network: a few events per connection, then it drops and resumes
            async with open_socket(ana, since=last) as socket:
                for _ in range(min(3, moves - len(received))):
                    [frame] = await socket.events(1)
                    received.append(frame['seq'])
                    last = frame['seq']
        await writer
    finally:
        writer.cancel()

    assert received == list(range(2, 2 + moves))
