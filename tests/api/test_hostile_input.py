"""Hostile input gets a 4xx JSON answer, never a 500: NUL characters, lone surrogates, numbers beyond 64 bits.

The rule (models/types.py ``check_text``): text a client sends must not contain NUL (PostgreSQL cannot store
it) nor a lone surrogate (UTF-8 cannot encode it); such text is a 422 ``validation_error`` naming the field.
Numbers that become an SQL OFFSET are bounded. Every database test runs on SQLite and on PostgreSQL.
"""

import asyncio
import json
import types
import uuid
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import quote

import httpx
import pytest
from fastapi import params
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, EmailStr
from sqlalchemy import update
from sqlmodel import col

from lovedcrm_ui import migrate
from lovedcrm_ui.api.setup import ROUTERS
from lovedcrm_ui.context import AppContext
from models import Lead, User

HOSTILE = 'Acme\x00 Ltda - hostile text'  # long enough for every minimum length, short enough for every maximum
HOSTILE_EMAIL = 'ana\x00@example.com'


def assert_json_error(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """A 4xx answer with the one error shape (the body must decode: no lone surrogate slipped into it)."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, response.text[:500]
    body = json.loads(response.content.decode('utf-8'))
    assert set(body) >= {'detail', 'code'}, body
    return body


def refused_fields(response: httpx.Response) -> dict[tuple[Any, ...], str]:
    """The 422's problems: location → pydantic error type."""
    body = assert_json_error(response, 422)
    assert body['code'] == 'validation_error'
    return {tuple(error['loc']): error['type'] for error in body['detail']}


# ----- every text the API declares, found the way an attacker reads /openapi.json -----------------------


def text_shape(annotation: Any, metadata: tuple[Any, ...] = ()) -> str | None:
    """'text', 'list' (of text) or 'email' for a field a client fills with text, else None."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return text_shape(base, (*metadata, *extra))
    if origin in (Union, types.UnionType):
        shapes = {text_shape(arg) for arg in get_args(annotation) if arg is not type(None)}
        return next((shape for shape in shapes if shape), None)
    if origin in (list, tuple, set, frozenset):
        return 'list' if any(text_shape(arg) for arg in get_args(annotation)) else None
    if origin is Literal:
        return None
    if annotation is EmailStr:
        return 'email'
    if annotation is str:
        return 'text'
    return None


def hostile_value(shape: str) -> Any:
    return {'text': HOSTILE, 'list': [HOSTILE], 'email': HOSTILE_EMAIL}[shape]


def declared_text() -> list[tuple[str, str, str, str, str]]:
    """(method, path, where, name, shape) for every text field of every request body, query and path."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute) or (route.path.endswith('/') and route.path != '/'):
                continue  # each slashed twin runs the same endpoint
            method = sorted(route.methods)[0]
            for param in route.dependant.path_params + route.dependant.query_params:
                shape = text_shape(param.field_info.annotation, tuple(param.field_info.metadata))
                if shape:
                    kind = 'path' if param in route.dependant.path_params else 'query'
                    found.append((method, route.path, kind, param.alias, shape))
            for param in route.dependant.body_params:
                annotation = param.field_info.annotation
                if isinstance(param.field_info, params.Form):  # a multipart form's field (the CSV import)
                    shape = text_shape(annotation, tuple(param.field_info.metadata))
                    if shape:
                        found.append((method, route.path, 'form', param.alias, shape))
                    continue
                model = next(
                    m for m in (annotation, *get_args(annotation)) if isinstance(m, type) and issubclass(m, BaseModel)
                )
                for name, field in model.model_fields.items():
                    shape = text_shape(field.annotation, tuple(field.metadata))
                    if shape:
                        found.append((method, route.path, 'body', name, shape))
    return found


DECLARED = declared_text()


def test_the_sweep_sees_the_api_s_text() -> None:
    where = {(path, kind, name) for _method, path, kind, name, _shape in DECLARED}
    assert {
        ('/crm/leads', 'body', 'notes'),
        ('/crm/leads', 'body', 'tags'),
        ('/invites/{token}', 'path', 'token'),
    } <= where
    assert ('/auth/register', 'body', 'email') in where and len(DECLARED) > 30


async def test_every_declared_text_refuses_nul_naming_it(api: httpx.AsyncClient, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    unexpected = []
    for method, path, kind, name, shape in DECLARED:
        value = hostile_value(shape)
        ids = {
            'lead_id': uuid.uuid4(),
            'user_id': uuid.uuid4(),
            'invite_id': uuid.uuid4(),
            'note_id': uuid.uuid4(),
            'activity_id': uuid.uuid4(),
        }
        in_path = {'token': 'some-token', 'org_id': ana.org_id, **ids}
        options: dict[str, Any] = {'headers': ana.headers}
        if kind == 'path':
            in_path[name] = quote(value, safe='')
        elif kind == 'query':
            options['params'] = {name: value}
        elif kind == 'form':
            options['data'] = {name: value}
        else:
            options['json'] = {name: value}
        if method in ('POST', 'PUT', 'PATCH') and 'json' not in options and 'data' not in options:
            options['json'] = {}
        response = await api.request(method, path.format(**in_path), **options)
        problems = refused_fields(response) if response.status_code == 422 else {}
        where = 'body' if kind == 'form' else kind
        location = (where, name, 0) if shape == 'list' else (where, name)
        expected = 'value_error' if shape == 'email' else 'string_nul'
        if problems.get(location) != expected:
            unexpected.append((method, path, kind, name, response.status_code, response.text[:200]))
    assert unexpected == []


# ----- the holes as they were found ---------------------------------------------------------------------


async def test_nul_in_a_lead_is_refused_and_nothing_is_stored(api: httpx.AsyncClient, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    created = await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})
    lead_id = created.json()['id']

    refusals = [
        await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme\x00'}),
        await api.post('/crm/leads', headers=ana.headers, json={'name': 'Beta', 'notes': 'call\x00back'}),
        await api.post('/crm/leads', headers=ana.headers, json={'name': 'Beta', 'tags': ['ok', 'b2\x00b']}),
        await api.put(f'/crm/leads/{lead_id}', headers=ana.headers, json={'source': 'si\x00te'}),
        await api.put(f'/crm/leads/{lead_id}/stage', headers=ana.headers, json={'stage': 'contato', 'notes': '\x00'}),
        await api.post('/crm/leads/search', headers=ana.headers, json={'query': 'Ac\x00me'}),
        await api.put('/organizations/current', headers=ana.headers, json={'name': 'Org\x00'}),
        await api.post(
            '/organizations/invites',
            headers=ana.headers,
            json={'email': 'x@example.com', 'message': 'Join us\x00 today'},
        ),
        await api.put('/users/me', headers=ana.headers, json={'full_name': 'Ana\x00'}),
        await api.get('/invites/tok%00en'),
    ]

    assert [next(iter(refused_fields(r).values())) for r in refusals] == ['string_nul'] * len(refusals)
    listed = await api.get('/crm/leads', headers=ana.headers)
    assert [(lead['name'], lead['stage'], lead['source']) for lead in listed.json()['leads']] == [
        ('Acme Ltda', 'lead', 'web')
    ]


@pytest.mark.parametrize('page', [2**62, 10**30])
async def test_a_page_beyond_64_bits_is_a_422(api: httpx.AsyncClient, register, page: int) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    listed = await api.get('/crm/leads', headers=ana.headers, params={'page': page})
    searched = await api.post('/crm/leads/search', headers=ana.headers, json={'query': 'a', 'page': page})
    invites = await api.get('/organizations/invites', headers=ana.headers, params={'offset': page})

    assert refused_fields(listed) == {('query', 'page'): 'less_than_equal'}
    assert refused_fields(searched) == {('body', 'page'): 'less_than_equal'}
    assert refused_fields(invites) == {('query', 'offset'): 'less_than_equal'}
    last = await api.get('/crm/leads', headers=ana.headers, params={'page': 1_000_000, 'page_size': 100})
    assert last.json()['leads'] == []  # the largest page allowed is an ordinary empty page


async def test_every_integer_parameter_survives_huge_numbers(api: httpx.AsyncClient, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda'})).json()
    huge = [2**62, 2**63, 10**30, -(10**30)]
    for number in huge:
        answers = [
            await api.get('/crm/pipeline/events', headers=ana.headers, params={'since': number}),
            await api.get('/crm/leads', headers=ana.headers, params={'page_size': number}),
            await api.get('/organizations/invites', headers=ana.headers, params={'limit': number}),
            await api.put(f'/crm/leads/{lead["id"]}', headers=ana.headers, json={'expected_version': number}),
            await api.put(
                f'/crm/leads/{lead["id"]}/stage', headers=ana.headers, json={'stage': 'lead', 'position': number}
            ),
            await api.put('/organizations/current', headers=ana.headers, json={'idle_warning_days': number}),
            await api.delete(f'/crm/leads/{uuid.uuid4()}', headers=ana.headers, params={'expected_version': number}),
        ]
        for answer in answers:
            assert answer.status_code < 500, answer.text[:300]
            if answer.status_code >= 400:
                assert_json_error(answer)


async def test_a_lone_surrogate_gets_a_422_that_can_be_read(api: httpx.AsyncClient, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    headers = {**ana.headers, 'content-type': 'application/json'}
    # the JSON escape of half a character: valid JSON syntax, no Unicode text
    sent = [
        b'{"name": "a\\ud800b"}',
        b'{"name": "ok", "tags": ["\\udfff"], "phone": 5}',
        b'{"email": "x\\ud800@example.com", "password": "a\\ud800", "terms_accepted": true}',
    ]
    lead = await api.post('/crm/leads', headers=headers, content=sent[0])
    tags = await api.post('/crm/leads', headers=headers, content=sent[1])
    registration = await api.post('/auth/register', headers={'content-type': 'application/json'}, content=sent[2])

    assert refused_fields(lead) == {('body', 'name'): 'string_unicode'}
    assert refused_fields(tags)[('body', 'tags', 0)] == 'string_unicode'
    assert lead.json()['detail'][0]['input'] == 'a\\ud800b'  # echoed as its escape text
    assert ('body', 'password') in refused_fields(registration)


async def test_unknown_fields_are_ignored_even_with_hostile_names(api: httpx.AsyncClient, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register()
    headers = {**ana.headers, 'content-type': 'application/json'}
    body = b'{"name": "Acme Ltda", "estimatedValue": 5000, "\\ud800": "\\u0000", "x\\u0000": [NaN]}'
    created = await api.post('/crm/leads', headers=headers, content=body)
    assert created.status_code == 201, created.text
    assert created.json()['name'] == 'Acme Ltda'


# ----- a property: whatever text arrives, the lead API answers 2xx or 4xx JSON, and keeps what it accepts --

# every code point class: controls, NUL, lone surrogates, letters, marks, emoji…
ANY_CHAR = st.characters(codec=None, exclude_categories=())
TEXT = st.one_of(st.text(ANY_CHAR, max_size=40), st.text(ANY_CHAR, min_size=240, max_size=300))
# very long text, around the limits (255 for a name, 10,000 for notes): a short piece repeated
LONG = st.builds(lambda piece, times: piece * times, st.text(ANY_CHAR, min_size=1, max_size=4), st.integers(60, 2600))
NOTES = st.one_of(st.none(), st.text(ANY_CHAR, max_size=60), LONG)
LEAD_FIELDS = st.fixed_dictionaries(
    {'name': TEXT},
    optional={
        'phone': st.one_of(st.none(), TEXT),
        'source': TEXT,
        'notes': NOTES,
        'tags': st.lists(TEXT, max_size=4),
        'email': st.one_of(st.none(), TEXT, st.emails()),
    },
)


def raw_json(value: Any) -> bytes:
    """JSON as a hostile client writes it: every string escaped to ASCII, lone surrogates included."""
    return json.dumps(value).encode()


def stored_as(sent: dict[str, Any], notes_before: str | None = None) -> dict[str, Any]:
    """What the API keeps of accepted fields: the name trimmed; tags trimmed, cut at 50, trimmed, deduplicated;
    ``notes`` the latest note's text (a blank or null ``notes`` adds no note: the one before stays)."""
    kept = dict(sent)
    if 'notes' in kept and (kept['notes'] is None or not kept['notes'].strip()):
        kept['notes'] = notes_before
    if 'name' in kept:
        kept['name'] = kept['name'].strip()
    if 'tags' in kept:
        tags: dict[str, None] = {}
        for tag in kept['tags']:
            if tag.strip():
                tags.setdefault(tag.strip()[:50].rstrip(), None)
        kept['tags'] = list(tags)
    kept.pop('email', None)  # normalized by the e-mail validator (blank → null, domain lower case): accepted is enough
    return kept


async def answer(api: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], body: Any) -> httpx.Response:
    response = await api.request(
        method, url, headers={**headers, 'content-type': 'application/json'}, content=raw_json(body)
    )
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert_json_error(response)
    return response


@pytest.fixture
async def owner(register):  # type: ignore[no-untyped-def]
    """One account for every example of a property (fixtures are made once per test, not per example)."""
    return await register()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(created=LEAD_FIELDS, changed=LEAD_FIELDS, query=TEXT)
async def test_any_text_in_any_lead_field_is_kept_or_refused_never_a_500(  # type: ignore[no-untyped-def]
    api: httpx.AsyncClient, owner, created: dict[str, Any], changed: dict[str, Any], query: str
) -> None:
    headers = owner.headers

    made = await answer(api, 'POST', '/crm/leads', headers, created)
    if made.status_code == 201:
        lead_id = made.json()['id']
        read = (await api.get(f'/crm/leads/{lead_id}', headers=headers)).json()
        assert {key: read[key] for key in stored_as(created)} == stored_as(created)
        updated = await answer(api, 'PUT', f'/crm/leads/{lead_id}', headers, changed)
        if updated.status_code == 200:
            notes_before = read['notes']
            read = (await api.get(f'/crm/leads/{lead_id}', headers=headers)).json()
            assert {key: read[key] for key in stored_as(changed, notes_before)} == stored_as(changed, notes_before)
    await answer(api, 'POST', '/crm/leads/search', headers, {'query': query})


# ----- text stored before the rule ----------------------------------------------------------------------


async def test_text_stored_with_nul_before_the_rule_is_readable_after_the_upgrade(  # type: ignore[no-untyped-def]
    api: httpx.AsyncClient, ctx: AppContext, register, db_url: str
) -> None:
    ana = await register()
    lead = (await api.post('/crm/leads', headers=ana.headers, json={'name': 'Acme Ltda', 'tags': ['b2b']})).json()
    await asyncio.to_thread(migrate.downgrade, db_url, '0004')
    # what the old API accepted: NUL inside JSON tags on both databases, in any text column on SQLite
    legacy: dict[str, Any] = {'tags': ['b2\x00b', 'ok']}
    if not ctx.settings.is_postgres:
        legacy['name'] = 'Acme\x00 Ltda'
    async with ctx.db.session(cross_org=True) as session:
        await session.execute(update(Lead).where(col(Lead.id) == uuid.UUID(lead['id'])).values(**legacy))
        if not ctx.settings.is_postgres:
            await session.execute(
                update(User).where(col(User.id) == uuid.UUID(ana.user_id)).values(full_name='Ana\x00')
            )
        await session.commit()

    await asyncio.to_thread(migrate.upgrade, db_url)

    read = await api.get(f'/crm/leads/{lead["id"]}', headers=ana.headers)
    me = await api.get('/users/me', headers=ana.headers)
    assert read.status_code == 200 and me.status_code == 200
    assert read.json()['tags'] == ['b2\ufffdb', 'ok']
    if not ctx.settings.is_postgres:
        assert (read.json()['name'], me.json()['full_name']) == ('Acme\ufffd Ltda', 'Ana\ufffd')
