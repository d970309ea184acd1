"""Password guessing and sign-in floods (issue 12, holes 1 to 3; policy in docs/SECURITY.md).

Every password check is counted before argon2 runs, by address + account, by account and by
address; argon2 runs in a bounded pool and no database connection is held while it runs.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from accounts import PASSWORD
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.services.ratelimit import PasswordCheckLimits, PasswordCheckThrottle

ClientAt = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def app_with(settings: Settings) -> AsyncIterator[Callable[..., ClientAt]]:
    """Factory: an app with other settings, reached from any client address (``client_at('10.0.0.7')``)."""
    contexts: list[AppContext] = []
    clients: list[httpx.AsyncClient] = []

    def _app_with(**overrides: object) -> ClientAt:
        context = AppContext.build(settings.model_copy(update=overrides))
        contexts.append(context)
        app = FastAPI()
        install_api(app, context)

        def client_at(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 50000))
            client = httpx.AsyncClient(transport=transport, base_url='http://testserver')
            clients.append(client)
            return client

        return client_at

    yield _app_with
    for client in clients:
        await client.aclose()
    for context in contexts:
        await context.close()


def login_body(email: str, password: str) -> dict[str, str]:
    return {'email': email, 'password': password}


async def test_parallel_guesses_cannot_pass_the_limit(app_with, register):
    """60 guesses sent at once, the right password last: at most 10 are checked, the rest get 429."""
    ana = await register('Ana Souza')
    client = app_with(login_max_failures=10)('203.0.113.9')
    guesses = [login_body(ana.email, f'Wrong{n:04d}') for n in range(59)] + [login_body(ana.email, PASSWORD)]

    responses = await asyncio.gather(*(client.post('/auth/login', json=body) for body in guesses))

    statuses = Counter(response.status_code for response in responses)
    assert statuses[401] <= 10
    assert statuses[429] >= 50
    assert set(statuses) <= {401, 429}, statuses  # the right password, sent last, was never checked
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.json()['code'] == 'login_rate_limited'
    assert int(limited.headers['Retry-After']) > 0


async def test_guesses_from_many_addresses_hit_the_account_limit_but_not_its_owner(app_with, register):
    ana = await register('Ana Souza')
    client_at = app_with(login_max_failures=3, login_max_per_account=6)
    home = client_at('198.51.100.1')
    assert (await home.post('/auth/login', json=login_body(ana.email, PASSWORD))).status_code == 200

    statuses = []
    for n in range(12):  # a botnet: two guesses from each of six addresses
        attacker = client_at(f'192.0.2.{n // 2 + 1}')
        statuses.append((await attacker.post('/auth/login', json=login_body(ana.email, 'Wrong1234'))).status_code)
    assert statuses[:6] == [401] * 6
    assert set(statuses[6:]) == {429}  # the account is closed to addresses it does not know…
    elsewhere = await client_at('192.0.2.99').post('/auth/login', json=login_body(ana.email, PASSWORD))
    assert elsewhere.status_code == 429

    at_home = await home.post('/auth/login', json=login_body(ana.email, PASSWORD))
    assert at_home.status_code == 200  # …but its owner still signs in from the address they used before


async def test_one_address_spraying_many_accounts_is_limited(app_with, register):
    client = app_with(login_max_per_address=5)('203.0.113.20')
    statuses = [
        (await client.post('/auth/login', json=login_body(f'user{n}@example.com', 'Wrong1234'))).status_code
        for n in range(8)
    ]
    assert statuses == [401] * 5 + [429] * 3


async def test_change_password_guesses_are_limited(app_with, register):
    ana = await register('Ana Souza')
    client = app_with(login_max_failures=3)('203.0.113.30')
    statuses = []
    for _ in range(5):
        body = {'current_password': 'Wrong1234', 'new_password': 'Newpass123'}
        response = await client.post('/auth/change-password', headers=ana.bearer, json=body)
        statuses.append(response.status_code)
    assert statuses == [400, 400, 400, 429, 429]
    assert response.json()['code'] == 'password_check_rate_limited'
    assert int(response.headers['Retry-After']) > 0

    right = {'current_password': PASSWORD, 'new_password': 'Newpass123'}
    still = await client.post('/auth/change-password', headers=ana.bearer, json=right)
    assert still.status_code == 429  # the right password is not even checked while the limit holds


async def test_change_password_and_login_share_one_budget(app_with, register):
    ana = await register('Ana Souza')
    client = app_with(login_max_failures=4)('203.0.113.31')
    for _ in range(2):
        body = {'current_password': 'Wrong1234', 'new_password': 'Newpass123'}
        assert (await client.post('/auth/change-password', headers=ana.bearer, json=body)).status_code == 400
    for _ in range(2):
        assert (await client.post('/auth/login', json=login_body(ana.email, 'Wrong1234'))).status_code == 401
    assert (await client.post('/auth/login', json=login_body(ana.email, PASSWORD))).status_code == 429


async def test_a_login_flood_neither_exhausts_the_pool_nor_slows_other_organizations(app_with, register):
    """150 parallel logins with unknown e-mails from many addresses, one database connection in the pool.

    Before: each login held its connection while argon2 ran, the pool ran dry and everyone got 500s.
    """
    bruno = await register('Bruno Lima')
    client_at = app_with(
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout=2,
        password_hash_workers=1,
        password_hash_queue=4,
        # a real cost, so that checks overlap
        password_hash_rounds=2,
        password_hash_memory_kib=32768,
    )
    flood = [
        client_at(f'10.1.{n // 50}.{n % 50}').post(
            '/auth/login', json=login_body(f'nobody{n}@example.com', 'Wrong1234')
        )
        for n in range(150)
    ]
    member = client_at('198.51.100.50')

    async def meanwhile() -> list[int]:
        statuses = []
        for n in range(5):
            created = await member.post('/crm/leads', headers=bruno.headers, json={'name': f'Lead {n}'})
            listed = await member.get('/crm/leads', headers=bruno.headers)
            statuses += [created.status_code, listed.status_code]
        return statuses

    *responses, others = await asyncio.gather(*flood, meanwhile())

    assert set(others) <= {200, 201}
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {401, 503}, statuses
    assert statuses[503] > 0  # the bounded pool refused the excess instead of queueing it
    busy = next(r for r in responses if r.status_code == 503)
    assert busy.json()['code'] == 'password_work_busy'
    assert busy.headers['Retry-After'] == '1'


# The policy itself, over random sequences of attempts: what a guesser gets, and what the owner keeps.

ADDRESSES = ['a1', 'a2', 'a3', 'home']
ACCOUNTS = ['ana', 'bruno']
LIMITS = PasswordCheckLimits(per_address_and_account=3, per_account=5, per_address=6, window=10_000)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(ADDRESSES), st.sampled_from(ACCOUNTS), st.booleans()), max_size=60),
)
def test_the_throttle_keeps_every_limit_and_never_locks_out_a_known_address(attempts):
    throttle = PasswordCheckThrottle(LIMITS)
    throttle.succeeded('ana', 'home')  # Ana signed in from home before
    admitted_failures: Counter[tuple[str, ...]] = Counter()
    for address, account, right in attempts:
        pair_failures = admitted_failures[('pair', address, account)]
        if throttle.admit(account, address) is not None:
            # refused only when some key really is at its limit
            assert (
                pair_failures >= LIMITS.per_address_and_account
                or admitted_failures[('address', address)] >= LIMITS.per_address
                or admitted_failures[('account', account)] >= LIMITS.per_account
            )
            continue
        if right:
            throttle.succeeded(account, address)
            admitted_failures[('pair', address, account)] = 0
        else:
            admitted_failures[('pair', address, account)] += 1
            admitted_failures[('address', address)] += 1
            admitted_failures[('account', account)] += 1
        assert admitted_failures[('pair', address, account)] <= LIMITS.per_address_and_account
        assert admitted_failures[('address', address)] <= LIMITS.per_address
    # whatever others did, Ana at home is refused only by her own home address's keys
    if throttle.admit('ana', 'home') is not None:
        assert (
            admitted_failures[('pair', 'home', 'ana')] >= LIMITS.per_address_and_account
            or admitted_failures[('address', 'home')] >= LIMITS.per_address
        )
