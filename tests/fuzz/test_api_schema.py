"""Isolation fuzz over the whole API: organization B (and nobody) calls every operation of our own
``/openapi.json`` with generated input and A's real ids; no call may get a 5xx, an answer that breaks
its declared schema, or any id, name, e-mail or text of A (tests/fuzz/schema_fuzz.py).

    FUZZ_CALLS=10000 FUZZ_SEED=1234 .venv/bin/pytest tests/fuzz/test_api_schema.py --db sqlite -s

``FUZZ_CALLS``: calls per database (default 1,000: CI makes 2,000 over both); ``FUZZ_SEED``: the
Hypothesis seed (default 0: CI sends the same cases every run; bench/fuzz.py draws one and prints it).
Findings, with their exact requests, go to ``FUZZ_FINDINGS`` (tests/fuzz/fuzz_report.py).
"""

import asyncio
import os
from typing import Any

import httpx
import schemathesis
from fuzz_report import record, write_findings
from schema_fuzz import Identity, SchemaFuzz
from tenants import Tenant, build_tenant, keep_signed_in

CALLS = int(os.environ.get('FUZZ_CALLS', '1000'))
SEED = int(os.environ.get('FUZZ_SEED') or 0)
ANONYMOUS_SHARE = 0.2  # of the calls: without credentials (sign-up, sign-in, invite links, everything else refused)


async def test_organization_b_and_nobody_never_see_a_nor_break_the_api(api, register, join, login, db_backend):
    a = await build_tenant(api, register, join, 'A')
    b = await build_tenant(api, register, join, 'B')
    before = await what_a_has(api, a)
    served = await api.get('/openapi.json')
    assert served.status_code == 200, served.text
    schema = schemathesis.openapi.from_dict(served.json())
    loop = asyncio.get_running_loop()

    def renew() -> None:
        asyncio.run_coroutine_threadsafe(keep_signed_in(api, login, b), loop).result(timeout=60)

    identities = [
        Identity('B owner', lambda: b.owner.headers),
        Identity('B member', lambda: b.member.headers),
        Identity("B owner's token with A's X-Org-Id", lambda: {**b.owner.headers, 'X-Org-Id': a.org_id}),
    ]
    nobody = [Identity('nobody', dict, authenticated=False)]
    # the fuzz calls from an address of its own, so that its floods of sign-ins and sign-ups and the fixture's
    # sign-ins do not share per-address limits; and, as a real server would, it gets a 500 for a crash
    app = api._transport.app
    transport = httpx.ASGITransport(app=app, client=('127.0.0.2', 50000), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as client:
        fuzz = SchemaFuzz(schema, client, loop, victim=a, attacker=b, renew=renew, fuzz_seed=SEED)
        await asyncio.to_thread(fuzz.run, identities, int(CALLS * (1 - ANONYMOUS_SHARE)))
        report = await asyncio.to_thread(fuzz.run, nobody, int(CALLS * ANONYMOUS_SHARE))

    summary = {
        'test': 'schema',
        'db': db_backend,
        'seed': SEED,
        'calls': report.total,
        'failures': len(report.findings) + len(report.errors),
        'seconds': round(report.seconds, 1),
        'aimed_at_a': report.aimed,
        'statuses': dict(sorted(report.statuses.items())),
    }
    found = [finding.describe() for finding in report.findings] + [f'### {error}\n' for error in report.errors]
    await asyncio.to_thread(record, summary)
    await asyncio.to_thread(write_findings, f'schema fuzz, {db_backend}, FUZZ_SEED={SEED}', found)
    assert not found, '\n'.join(found)
    # a fuzz that silently stopped sending (every case unsendable, an early crash) must not pass, nor one
    # whose cross-organization check meant nothing because no call named anything of A
    assert report.total >= CALLS * 0.9, f'only {report.total} of {CALLS} calls were made'
    assert report.aimed >= report.total * 0.2, f'only {report.aimed} of {report.total} calls named an id of A'
    # nothing B or nobody sent changed anything of A
    assert await what_a_has(api, a) == before


async def what_a_has(api: httpx.AsyncClient, a: Tenant) -> dict[str, Any]:
    """A's organization, members, invites, leads and events as A's owner reads them."""
    seen: dict[str, Any] = {}
    for path in ('/organizations/current', '/organizations/members', '/organizations/invites', '/crm/pipeline/events'):
        response = await api.get(path, headers=a.owner.headers)
        assert response.status_code == 200, response.text
        seen[path] = response.json()
    response = await api.get('/crm/leads', headers=a.owner.headers, params={'page_size': 100})
    assert response.status_code == 200, response.text
    seen['leads'] = response.json()['leads']
    for lead in seen['leads']:
        lead.pop('days_in_current_stage')  # derived from the clock
    return seen


async def test_a_rule_refusal_conforms_to_the_422_the_schema_declares(api, register):
    """Found by the fuzz: a 422 with a string detail (password policy, empty lead name) broke the declared shape."""
    schema = schemathesis.openapi.from_dict((await api.get('/openapi.json')).json())
    weak = {'email': 'eva@example.com', 'password': 'short1A', 'full_name': 'Eva', 'terms_accepted': True}
    refused = await api.post('/auth/register', json=weak)
    assert refused.status_code == 422 and refused.json()['code'] == 'password_too_short', refused.text
    schema['/auth/register']['POST'].validate_response(refused)
    owner = await register('Ana Souza')
    lead = await api.post('/crm/leads', headers=owner.headers, json={'name': 'Acme Ltda'})
    unnamed = await api.put(f'/crm/leads/{lead.json()["id"]}', headers=owner.headers, json={'name': None})
    assert unnamed.status_code == 422 and unnamed.json()['code'] == 'lead_name_empty', unnamed.text
    schema['/crm/leads/{lead_id}']['PUT'].validate_response(unnamed)
    malformed = await api.put(f'/crm/leads/{lead.json()["id"]}', headers=owner.headers, json={'name': 7})
    assert malformed.status_code == 422 and isinstance(malformed.json()['detail'], list), malformed.text
    schema['/crm/leads/{lead_id}']['PUT'].validate_response(malformed)


async def test_a_null_idle_threshold_is_refused_not_a_crash(api, register):
    """Found by the fuzz: ``PUT /organizations/current`` with ``"idle_alert_days": null`` was a 500 (TypeError)."""
    owner = await register('Ana Souza')
    before = (await api.get('/organizations/current', headers=owner.headers)).json()
    for threshold in ('idle_warning_days', 'idle_alert_days'):
        response = await api.put('/organizations/current', headers=owner.headers, json={threshold: None})
        assert response.status_code == 422, response.text
        assert response.json() == {'detail': f'{threshold} cannot be null', 'code': 'invalid'}
    after = (await api.get('/organizations/current', headers=owner.headers)).json()
    thresholds = ('idle_warning_days', 'idle_alert_days')
    assert [after[name] for name in thresholds] == [before[name] for name in thresholds]
