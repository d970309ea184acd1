"""A lead's activities (next steps) through the API: add, list, complete, reopen, edit, delete; the lead's
``next_activity`` is its earliest open one; an activity never bumps the lead's version; tenancy and roles."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lovedcrm_ui.events import LeadEvent
from lovedcrm_ui.services.facets import facet_cache

SOON = datetime(2030, 5, 6, 13, 0, tzinfo=UTC)


def at(hours: float) -> str:
    return (SOON + timedelta(hours=hours)).isoformat()


def listen(ctx, account) -> list[LeadEvent]:  # type: ignore[no-untyped-def]
    received: list[LeadEvent] = []
    ctx.bus.subscribe(uuid.UUID(account.org_id), received.append)
    return received


async def add(api, who, lead_id: str, **body: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await api.post(
        f'/crm/leads/{lead_id}/activities',
        headers=who.headers,
        json={'kind': 'call', 'title': 'Ligar', 'due_at': at(0), **body},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_lead_s_next_step_is_its_earliest_open_activity(api, ctx, register, join, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    lead = await leads.create(ana)
    received = listen(ctx, ana)

    later = await add(api, ana, lead['id'], kind='meeting', title='Reunião de proposta', due_at=at(24))
    first = await add(api, bruno, lead['id'], title='Confirmar horário', due_at=at(1), assignee_user_id=ana.user_id)
    assert (later['assignee_user_id'], later['assignee_name']) == (ana.user_id, 'Ana Souza')
    assert later['lead_name'] == 'Acme Ltda'

    now = await leads.get(ana, lead['id'])
    assert now['next_activity'] == {
        'id': first['id'], 'kind': 'call', 'title': 'Confirmar horário',
        'due_at': first['due_at'], 'assignee_user_id': ana.user_id,
    }  # fmt: skip
    assert (now['version'], now['updated_at']) == (lead['version'], lead['updated_at'])  # no edit of the lead

    done = await api.patch(f'/crm/activities/{first["id"]}', headers=bruno.headers, json={'done': True})
    assert done.status_code == 200, done.text
    assert (done.json()['done'], done.json()['version']) == (True, 2)
    assert (await leads.get(ana, lead['id']))['next_activity']['id'] == later['id']

    listed = (await api.get(f'/crm/leads/{lead["id"]}/activities', headers=bruno.headers)).json()
    assert [(a['title'], a['done']) for a in listed] == [('Reunião de proposta', False), ('Confirmar horário', True)]

    reopened = await api.patch(f'/crm/activities/{first["id"]}', headers=ana.headers, json={'done': False})
    assert (reopened.json()['done'], reopened.json()['done_at']) == (False, None)
    deleted = await api.delete(f'/crm/activities/{first["id"]}', headers=ana.headers)
    assert deleted.status_code == 204, deleted.text
    await api.delete(f'/crm/activities/{later["id"]}', headers=ana.headers)
    assert (await leads.get(ana, lead['id']))['next_activity'] is None

    assert {e.type for e in received} == {'lead_activity_changed'}
    assert [e.frame['action'] for e in received] == ['added', 'added', 'done', 'reopened', 'deleted', 'deleted']
    assert received[1].frame['lead']['next_activity']['id'] == first['id']
    assert received[1].frame['activity']['title'] == 'Confirmar horário'


async def test_an_activity_never_makes_a_teammate_s_pending_edit_a_conflict(api, ctx, register, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    await api.get('/crm/leads/statistics', headers=ana.headers)  # the facets are counted once
    async with ctx.db.session(read_only=True) as session:
        cache = facet_cache(session)
    rebuilds = cache.rebuilds
    await add(api, ana, lead['id'])
    await api.get('/crm/leads/statistics', headers=ana.headers)
    assert cache.rebuilds == rebuilds  # the facets know the event type: no recount

    edit = await api.put(
        f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'phone': '123', 'expected_version': lead['version']}
    )

    assert edit.status_code == 200, edit.text
    assert edit.json()['next_activity']['title'] == 'Ligar'  # the edit keeps the next step


async def test_my_activities_lists_the_caller_s_open_ones_by_due_time(api, register, join, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await join(ana, 'member', name='Bruno Lima')
    acme, beta = await leads.create(ana), await leads.create(ana, name='Beta SA')
    await add(api, ana, beta['id'], title='Depois', due_at=at(5))
    await add(api, ana, acme['id'], title='Antes', due_at=at(-5))
    await add(api, ana, acme['id'], title='Do Bruno', assignee_user_id=bruno.user_id)
    await add(api, ana, acme['id'], title='De ninguém', assignee_user_id=None)
    finished = await add(api, ana, acme['id'], title='Feita', done=True)

    mine = (await api.get('/crm/activities', headers=ana.headers, params={'mine': 'true', 'status': 'open'})).json()
    assert [(a['title'], a['lead_name']) for a in mine] == [('Antes', 'Acme Ltda'), ('Depois', 'Beta SA')]
    bruno_s = (await api.get('/crm/activities', headers=bruno.headers)).json()
    assert [a['title'] for a in bruno_s] == ['Do Bruno']
    done = (await api.get('/crm/activities', headers=ana.headers, params={'status': 'done'})).json()
    assert [a['id'] for a in done] == [finished['id']]
    every = (await api.get('/crm/activities', headers=bruno.headers, params={'mine': 'false'})).json()
    assert len(every) == 4


async def test_bad_input_gets_a_clear_refusal(api, register, join, leads):  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    carla = await register('Carla Dias')
    vera = await join(ana, 'viewer', name='Vera Viewer')
    lead = await leads.create(ana)
    path = f'/crm/leads/{lead["id"]}/activities'
    activity = await add(api, ana, lead['id'])

    stranger = await api.post(path, headers=ana.headers, json={'kind': 'call', 'title': 'x', 'due_at': at(0),
                                                                 'assignee_user_id': carla.user_id})  # fmt: skip
    assert (stranger.status_code, stranger.json()['code']) == (422, 'assignee_not_member')
    unknown = await api.post(f'/crm/leads/{uuid.uuid4()}/activities', headers=ana.headers,
                             json={'kind': 'call', 'title': 'x', 'due_at': at(0)})  # fmt: skip
    assert (unknown.status_code, unknown.json()['code']) == (404, 'lead_not_found')
    for body in (
        {'kind': 'visit', 'title': 'x', 'due_at': at(0)},
        {'kind': 'call', 'title': '   ', 'due_at': at(0)},
        {'kind': 'call', 'title': 'x', 'due_at': '2030-05-06T10:00:00'},  # no zone: ambiguous
        {'kind': 'call', 'title': 'x', 'due_at': '1900-01-01T00:00:00Z'},
        {'kind': 'call', 'title': 'x' * 201, 'due_at': at(0)},
    ):
        refused = await api.post(path, headers=ana.headers, json=body)
        assert (refused.status_code, refused.json()['code']) == (422, 'validation_error'), body

    first = await api.patch(f'/crm/activities/{activity["id"]}', headers=ana.headers,
                            json={'title': 'Ligar de novo', 'expected_version': 1})  # fmt: skip
    assert first.status_code == 200, first.text
    stale = await api.patch(f'/crm/activities/{activity["id"]}', headers=ana.headers,
                            json={'title': 'Outra', 'expected_version': 1})  # fmt: skip
    assert (stale.status_code, stale.json()['code']) == (409, 'activity_version_conflict')
    assert stale.json()['current']['title'] == 'Ligar de novo'
    null_title = await api.patch(f'/crm/activities/{activity["id"]}', headers=ana.headers, json={'title': None})
    assert null_title.status_code == 422, null_title.text

    viewer = await api.post(path, headers=vera.headers, json={'kind': 'call', 'title': 'x', 'due_at': at(0)})
    assert (viewer.status_code, viewer.json()['code']) == (403, 'viewer_read_only')
    viewer_done = await api.patch(f'/crm/activities/{activity["id"]}', headers=vera.headers, json={'done': True})
    assert (viewer_done.status_code, viewer_done.json()['code']) == (403, 'viewer_read_only')
    assert [a['title'] for a in (await api.get(path, headers=vera.headers)).json()] == ['Ligar de novo']

    for method, body in (('PATCH', {'done': True}), ('DELETE', None)):
        other = await api.request(method, f'/crm/activities/{activity["id"]}', headers=carla.headers, json=body)
        assert (other.status_code, other.json()['code']) == (404, 'activity_not_found'), method
    assert (await api.get(path, headers=carla.headers)).status_code == 404
    assert (await api.get('/crm/activities', headers=carla.headers, params={'mine': 'false'})).json() == []
    gone = await api.delete(f'/crm/activities/{uuid.uuid4()}', headers=ana.headers)
    assert (gone.status_code, gone.json()['code']) == (404, 'activity_not_found')


async def test_a_restored_lead_comes_back_with_a_next_step_that_exists(api, register, leads):  # type: ignore[no-untyped-def]
    """The card's next step after an undone delete is a real activity the user can complete, not a stale copy."""
    ana = await register('Ana Souza')
    lead = await leads.create(ana)
    await add(api, ana, lead['id'])
    version = (await leads.get(ana, lead['id']))['version']
    await api.delete(f'/crm/leads/{lead["id"]}', headers=ana.headers)

    path = f'/crm/leads/{lead["id"]}/restore'
    restored = await api.post(path, headers=ana.headers, json={'expected_version': version})

    assert restored.status_code == 201, restored.text
    next_step = restored.json()['next_activity']
    listed = (await api.get(f'/crm/leads/{lead["id"]}/activities', headers=ana.headers)).json()
    assert [a['id'] for a in listed] == [next_step['id']]
    done = await api.patch(f'/crm/activities/{next_step["id"]}', headers=ana.headers, json={'done': True})
    assert done.status_code == 200, done.text
    assert (await leads.get(ana, lead['id']))['next_activity'] is None  # nothing planned any more


# one step: add (due in hours), complete, reopen or delete the n-th activity
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just('add'), st.integers(-48, 48)),
        st.tuples(st.sampled_from(['done', 'reopen', 'delete']), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
async def test_next_activity_is_always_the_earliest_open_one(api, register, leads, steps):  # type: ignore[no-untyped-def]
    ana = await register(f'Ana {uuid.uuid4().hex[:6]}')
    lead = await leads.create(ana)
    made: list[dict[str, Any]] = []
    for action, value in steps:
        if action == 'add':
            made.append(await add(api, ana, lead['id'], due_at=at(value), title=f'A{len(made)}'))
        elif made:
            target = made[value % len(made)]
            if action == 'delete':
                response = await api.delete(f'/crm/activities/{target["id"]}', headers=ana.headers)
                made.remove(target)
            else:
                response = await api.patch(
                    f'/crm/activities/{target["id"]}', headers=ana.headers, json={'done': action == 'done'}
                )
            assert response.status_code in (200, 204), response.text
        listed = (await api.get(f'/crm/leads/{lead["id"]}/activities', headers=ana.headers)).json()
        open_ = sorted((a for a in listed if not a['done']), key=lambda a: (a['due_at'], a['id']))
        expected = open_[0]['id'] if open_ else None
        assert [a['id'] for a in listed if not a['done']] == [a['id'] for a in open_]  # open ones first, by due
        nxt = (await leads.get(ana, lead['id']))['next_activity']
        assert (nxt['id'] if nxt else None) == expected
