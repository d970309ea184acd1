"""The admin commands (``python -m lovedcrm_ui <command>``), used as an operator uses them.

Each command runs in-process (``lovedcrm_ui.cli.main``) against the test's database, on SQLite and
PostgreSQL; what it did is checked through the REST API, as the people concerned would notice it. Exit
codes: 0 done, 1 could not be done, 2 refused with a message naming the problem (never a traceback).
"""

import asyncio
import http.server
import io
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from accounts import PASSWORD
from cli_runner import AdminCli
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_process import clean_environment, free_port
from waiting import until

from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.events import AccessChange, AccessKind

COMMANDS = (
    'create-user',
    'create-organization',
    'add-member',
    'set-role',
    'reset-password',
    'seed-demo',
    'migrate',
    'backup',
    'restore',
)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> AdminCli:
    """The admin commands, on this test's database."""
    return AdminCli(settings, monkeypatch, capsys)


async def login(api: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """``POST /auth/login``."""
    return await api.post('/auth/login', json={'email': email, 'password': password})


def org_headers(body: dict[str, object], organization_id: str | None = None) -> dict[str, str]:
    """Bearer + X-Org-Id headers of an auth response (its organization unless another is named)."""
    organization = body['organization']
    assert isinstance(organization, dict)
    return {'Authorization': f'Bearer {body["access_token"]}', 'X-Org-Id': organization_id or organization['id']}


def test_help_lists_every_command_and_each_command_has_its_own() -> None:
    shown = subprocess.run(
        [sys.executable, '-m', 'lovedcrm_ui', '--help'],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert all(command in shown.stdout for command in COMMANDS)
    assert 'Exit codes' in shown.stdout


@pytest.mark.parametrize('command', COMMANDS)
def test_each_command_explains_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from lovedcrm_ui.cli import main

    assert main([command, '--help']) == 0
    assert f'python -m lovedcrm_ui {command}' in capsys.readouterr().out


def test_a_usage_error_is_refused_with_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    from lovedcrm_ui.cli import main

    assert main(['create-user', '--email', 'a@example.com']) == 2
    assert 'the following arguments are required: --name' in capsys.readouterr().err
    assert main([]) == 2
    assert main(['no-such-command']) == 2


async def test_create_user_signs_in_like_a_registered_account(api: httpx.AsyncClient, cli: AdminCli) -> None:
    made = await cli('create-user', '--email', 'Ana.Souza@Example.com', '--name', 'Ana Souza', '--password', PASSWORD)
    assert made.code == 0, made.err
    assert 'ana.souza@example.com' in made.out and "Ana Souza's Organization" in made.out
    signed_in = await login(api, 'ana.souza@example.com')
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body['user']['full_name'] == 'Ana Souza' and body['organization']['name'] == "Ana Souza's Organization"
    assert body['organization']['owner_id'] == body['user']['id']
    assert (await api.post('/crm/leads', headers=org_headers(body), json={'name': 'Acme'})).status_code == 201

    alone = await cli(
        'create-user', '--email', 'caio@example.com', '--name', 'Caio', '--no-organization', stdin=PASSWORD
    )
    assert alone.code == 2 and 'no password given' in alone.err  # neither --password nor a terminal
    alone = await cli(
        'create-user', '--email', 'caio@example.com', '--name', 'Caio', '--no-organization', '--password-stdin',
        stdin=PASSWORD + '\n',
    )  # fmt: skip
    assert alone.code == 0, alone.err
    signed_in = await login(api, 'caio@example.com')
    assert signed_in.status_code == 200 and signed_in.json()['organization'] is None


@pytest.mark.parametrize(
    ('arguments', 'problem'),
    [
        (('--email', 'not-an-e-mail', '--name', 'Ana'), 'email'),
        (('--email', 'ana@example.com', '--name', '<b>Ana</b>'), 'full_name'),
        (('--email', 'ana@example.com', '--name', 'Ana', '--password', 'short1A'), 'at least 8 characters'),
        (('--email', 'ana@example.com', '--name', 'Ana', '--password', 'nodigitsHere'), 'digit'),
        (('--email', 'ana@example.com', '--name', 'Ana', '--password', 'x' * 129 + 'A1'), 'password'),
    ],
)
async def test_create_user_refuses_bad_input(
    api: httpx.AsyncClient, cli: AdminCli, arguments: tuple[str, ...], problem: str
) -> None:
    if '--password' not in arguments:
        arguments = (*arguments, '--password', PASSWORD)
    refused = await cli('create-user', *arguments)
    assert refused.code == 2 and problem in refused.err, refused.err
    assert (await login(api, 'ana@example.com')).status_code == 401


async def test_an_e_mail_is_one_account(api: httpx.AsyncClient, cli: AdminCli, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    taken = await cli('create-user', '--email', ana.email.upper(), '--name', 'Outra Ana', '--password', 'Other1234')
    assert taken.code == 2 and 'already exists' in taken.err
    assert (await login(api, ana.email)).status_code == 200  # her password is untouched


async def test_a_password_typed_twice_must_match(
    api: httpx.AsyncClient, cli: AdminCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    typed = iter(['Typed1234', 'Typed1243', 'Typed1234', 'Typed1234'])
    monkeypatch.setattr('getpass.getpass', lambda prompt='': next(typed))
    monkeypatch.setattr(sys, 'stdin', Terminal())
    mismatch = await cli('create-user', '--email', 'dora@example.com', '--name', 'Dora')
    assert mismatch.code == 2 and 'differ' in mismatch.err
    made = await cli('create-user', '--email', 'dora@example.com', '--name', 'Dora')
    assert made.code == 0, made.err
    assert (await login(api, 'dora@example.com', 'Typed1234')).status_code == 200


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    password=st.one_of(
        st.text(max_size=12),
        st.from_regex(r'[A-Za-z0-9 ]{6,14}', fullmatch=True),
        st.text(alphabet=st.characters(blacklist_categories=['Cs']), min_size=120, max_size=135).map(
            lambda text: text + 'aA1'
        ),
    )
)
async def test_create_user_takes_exactly_the_passwords_registration_takes(
    api: httpx.AsyncClient, cli: AdminCli, password: str
) -> None:
    email = f'p-{uuid.uuid4().hex[:8]}@example.com'
    made = await cli('create-user', '--email', email, '--name', 'Pat', f'--password={password}')
    registered = await api.post(
        '/auth/register',
        json={'email': f'r{email}', 'password': password, 'full_name': 'Pat', 'terms_accepted': True},
    )
    assert made.code == (0 if registered.status_code == 201 else 2), (made.err, registered.text)
    if made.code == 0:
        assert (await login(api, email, password)).status_code == 200


async def test_organizations_members_and_roles(api: httpx.AsyncClient, cli: AdminCli, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await register('Bruno Lima')
    made = await cli('create-organization', '--name', '  Acme Ltda ', '--owner', ana.email)
    assert made.code == 0, made.err
    mine = (await api.get('/users/me/organizations', headers=ana.bearer)).json()
    acme = next(organization for organization in mine if organization['name'] == 'Acme Ltda')
    assert acme['slug'] == 'acme-ltda'

    added = await cli('add-member', '--organization', 'acme-ltda', '--email', bruno.email, '--role', 'viewer')
    assert added.code == 0, added.err
    switched = await api.post('/auth/switch-organization', headers=bruno.bearer, json={'organization_id': acme['id']})
    assert switched.status_code == 200, switched.text
    as_bruno = org_headers(switched.json())
    assert (await api.post('/crm/leads', headers=as_bruno, json={'name': 'Lead'})).status_code == 403  # a viewer

    promoted = await cli('set-role', '--organization', 'Acme Ltda', '--email', bruno.email, '--role', 'member')
    assert promoted.code == 0, promoted.err
    assert (await api.post('/crm/leads', headers=as_bruno, json={'name': 'Lead'})).status_code == 201
    owner = await cli('set-role', '--organization', acme['id'], '--email', bruno.email, '--role', 'owner')
    assert owner.code == 0, owner.err
    members = (await api.get('/organizations/members', headers=org_headers(switched.json()))).json()
    assert {member['user']['email']: member['role'] for member in members} == {ana.email: 'owner', bruno.email: 'owner'}


async def test_member_commands_refuse_what_the_team_page_refuses(
    api: httpx.AsyncClient, cli: AdminCli, register
) -> None:  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    bruno = await register('Bruno Lima')
    refusals = [
        (('add-member', '--organization', 'nowhere', '--email', bruno.email), 'No organization'),
        (('add-member', '--organization', ana.org_id, '--email', 'nobody@example.com'), 'No user'),
        (('add-member', '--organization', ana.org_id, '--email', ana.email), 'already a member'),
        (('set-role', '--organization', ana.org_id, '--email', bruno.email, '--role', 'admin'), 'not a member'),
        (('set-role', '--organization', ana.org_id, '--email', ana.email, '--role', 'member'), 'last owner'),
        (('create-organization', '--name', 'X', '--owner', ana.email), 'at least 2 characters'),
        (('create-organization', '--name', 'Acme', '--owner', 'nobody@example.com'), 'No user'),
        (('add-member', '--organization', ana.org_id, '--email', bruno.email, '--role', 'king'), 'invalid choice'),
    ]
    for arguments, problem in refusals:
        refused = await cli(*arguments)
        assert refused.code == 2 and problem in refused.err, (arguments, refused.err)
    for _ in range(2):
        assert (await cli('create-organization', '--name', 'Twin', '--owner', ana.email)).code == 0
    ambiguous = await cli('add-member', '--organization', 'Twin', '--email', bruno.email)
    assert ambiguous.code == 2 and '2 organizations are named' in ambiguous.err and 'twin-' in ambiguous.err
    members = (await api.get('/organizations/members', headers=ana.headers)).json()
    assert [member['role'] for member in members] == ['owner']  # nothing changed


async def test_reset_password_ends_every_session(api: httpx.AsyncClient, cli: AdminCli, register) -> None:  # type: ignore[no-untyped-def]
    ana = await register('Ana Souza')
    phone = (await login(api, ana.email)).json()
    assert (await api.get('/auth/me', headers=ana.bearer)).status_code == 200

    weak = await cli('reset-password', '--email', ana.email, '--password-stdin', stdin='weak\n')
    assert weak.code == 2 and 'at least 8 characters' in weak.err
    unknown = await cli('reset-password', '--email', 'nobody@example.com', '--password', 'Brand1234')
    assert unknown.code == 2 and 'No user' in unknown.err
    assert (await api.get('/auth/me', headers=ana.bearer)).status_code == 200  # refusals change nothing

    reset = await cli('reset-password', '--email', ana.email, '--password-stdin', stdin='Brand1234\n')
    assert reset.code == 0, reset.err
    assert '2 session(s) ended' in reset.out
    assert (await api.get('/auth/me', headers=ana.bearer)).status_code == 401
    for old in (ana.refresh_token, phone['refresh_token']):
        assert (await api.post('/auth/refresh', json={'refresh_token': old})).status_code == 401
    assert (await login(api, ana.email)).status_code == 401
    assert (await login(api, ana.email, 'Brand1234')).status_code == 200


async def test_on_the_postgresql_bus_running_servers_hear_of_a_reset_at_once(
    db_backend: str, settings: Settings, cli: AdminCli, register
) -> None:  # type: ignore[no-untyped-def]
    if db_backend != 'postgres':
        pytest.skip('the PostgreSQL event bus needs PostgreSQL')
    ana = await register('Ana Souza')
    # a server of the deployment: its LISTEN bridge feeds its bus, which closes Ana's boards and sockets
    replica = AppContext.build(settings.model_copy(update={'event_bus': 'postgres'}))
    heard: list[AccessChange] = []
    replica.bus.subscribe_access(heard.append)
    await replica.start()
    try:
        await until(lambda: replica.bridge is not None and replica.bridge.connected, 'the replica listens')
        cli.set(EVENT_BUS='postgres')
        reset = await cli('reset-password', '--email', ana.email, '--password', 'Brand1234')
        assert reset.code == 0, reset.err
        change = await until(lambda: next(iter(heard), None), 'the replica hears of the reset')
        assert change.kind == AccessKind.USER_SESSIONS_REVOKED and str(change.user_id) == ana.user_id
    finally:
        await replica.close()


async def test_commands_need_a_migrated_database(cli: AdminCli, tmp_path: Path) -> None:
    fresh = tmp_path / 'fresh'
    cli.set(DATABASE_URL='', LOVEDCRM_DATA_DIR=str(fresh))
    missing = await cli('create-organization', '--name', 'Acme', '--owner', 'ana@example.com')
    assert missing.code == 1 and 'no database at' in missing.err and 'migrate' in missing.err
    (fresh).mkdir()
    sqlite3.connect(fresh / 'lovedcrm.db').close()  # an empty database: no schema
    empty = await cli('create-organization', '--name', 'Acme', '--owner', 'ana@example.com')
    assert empty.code == 1 and 'no schema yet' in empty.err

    migrated = await cli('migrate')
    assert migrated.code == 0 and 'migrated' in migrated.out, migrated.err
    assert 'up to date' in (await cli('migrate')).out
    made = await cli('create-user', '--email', 'ana@example.com', '--name', 'Ana', '--password', PASSWORD)
    assert made.code == 0, made.err


async def test_an_unreachable_database_is_a_failure_without_a_traceback(cli: AdminCli) -> None:
    cli.set(DATABASE_URL=f'postgresql://lovedcrm:s3cret@127.0.0.1:{free_port()}/lovedcrm', DB_CONNECT_TIMEOUT='2')
    failed = await cli('reset-password', '--email', 'ana@example.com', '--password', PASSWORD)
    assert failed.code == 1 and 'cannot use the database' in failed.err, failed.err
    assert 's3cret' not in failed.err


async def test_backup_and_restore_point_to_the_postgresql_tools(cli: AdminCli) -> None:
    cli.set(DATABASE_URL='postgres://lovedcrm:s3cret@db.example:5433/crm')
    for arguments in (('backup', '--output', 'crm.dump'), ('restore', '--input', 'crm.dump', '--yes')):
        guided = await cli(*arguments)
        assert guided.code == 2
        assert 's3cret' not in guided.err + guided.out
        assert 'postgresql://postgres@db.example:5433/crm' in guided.err
        assert ('pg_dump --format=custom --file=crm.dump' if arguments[0] == 'backup' else 'pg_restore') in guided.err


# --- SQLite backup and restore: the database file of these tests' own (not the parametrized ``db_url``)


@pytest.fixture
def sqlite_settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    """Settings on a migrated SQLite database in a data directory of this test."""
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'lovedcrm.db').write_bytes(sqlite_template.read_bytes())
    return Settings(
        LOVEDCRM_ENV='test',
        LOVEDCRM_DATA_DIR=data,
        EVENT_BUS='memory',
        SECRET_KEY='test-secret-key-with-enough-length-for-hs256',
        STORAGE_SECRET='test-storage-secret',
        PASSWORD_HASH_ROUNDS=1,
        PASSWORD_HASH_MEMORY_KIB=64,
    )


@pytest.fixture
def sqlite_cli(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> AdminCli:
    """The admin commands on that database (DATABASE_URL unset: the data directory's, as by default)."""
    cli = AdminCli(sqlite_settings, monkeypatch, capsys)
    monkeypatch.delenv('DATABASE_URL')
    return cli


def lead_count(database: Path) -> tuple[int, int, int]:
    """Leads, lead_created events and the highest event number of every organization, straight from a file."""
    with sqlite3.connect(database) as connection:
        leads = connection.execute('SELECT count(*) FROM leads').fetchone()[0]
        created = connection.execute("SELECT count(*) FROM pipeline_events WHERE type = 'lead_created'").fetchone()[0]
        seqs = connection.execute('SELECT coalesce(sum(event_seq), 0) FROM organizations').fetchone()[0]
    return leads, created, seqs


async def test_a_backup_taken_during_writes_is_consistent_and_restores(
    sqlite_settings: Settings, sqlite_cli: AdminCli, tmp_path: Path
) -> None:
    database = sqlite_settings.data_dir / 'lovedcrm.db'
    ctx = AppContext.build(sqlite_settings)
    app = FastAPI()
    install_api(app, ctx)
    transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
    backup = tmp_path / 'backup.db'
    try:
        async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as api:
            ana = await api.post(
                '/auth/register',
                json={'email': 'ana@example.com', 'password': PASSWORD, 'full_name': 'Ana', 'terms_accepted': True},
            )
            headers = org_headers(ana.json())
            under_way, backed_up = asyncio.Event(), asyncio.Event()
            written = 0

            async def keep_writing() -> None:
                nonlocal written
                while not backed_up.is_set() or written < 5:
                    response = await api.post('/crm/leads', headers=headers, json={'name': f'Lead {written}'})
                    assert response.status_code == 201, response.text
                    written += 1
                    if written == 3:
                        under_way.set()

            writer = asyncio.create_task(keep_writing())
            await under_way.wait()  # the backup starts while writes go on
            made = await sqlite_cli('backup', '--output', str(backup))
            backed_up.set()
            await writer
        assert made.code == 0, made.err
        assert 'restore --input' in made.out
    finally:
        await ctx.close()

    leads, created, seqs = lead_count(backup)
    assert 3 <= leads <= written  # the database as of a moment during the writes
    assert leads == created == seqs  # each lead with its event, and no event without its lead
    assert backup.stat().st_mode & 0o077 == 0  # password hashes inside: the owner's only
    assert lead_count(database)[0] == written

    again = await sqlite_cli('backup', '--output', str(backup))
    assert again.code == 2 and '--force' in again.err
    asked = await sqlite_cli('restore', '--input', str(backup))
    assert asked.code == 2 and '--yes' in asked.err and lead_count(database)[0] == written

    restored = await sqlite_cli('restore', '--input', str(backup), '--yes')
    assert restored.code == 0, restored.err
    assert lead_count(database)[0] == leads
    assert lead_count(database.with_name('lovedcrm.db.bak'))[0] == written  # the replaced one, kept
    # the server's view: the restored database signs in and lists the backed-up leads
    ctx = AppContext.build(sqlite_settings)
    app = FastAPI()
    install_api(app, ctx)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://testserver') as api:
            body = (await login(api, 'ana@example.com')).json()
            listed = (await api.get('/crm/leads', headers=org_headers(body), params={'page_size': 100})).json()
            assert listed['total_count'] == leads
    finally:
        await ctx.close()


@pytest.fixture
def http_server_on(sqlite_cli: AdminCli) -> Iterator[None]:
    """Something answering HTTP at the HOST:PORT the commands see (a running server, as far as they can tell)."""
    server = http.server.ThreadingHTTPServer(('127.0.0.1', sqlite_cli.port), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield
    server.shutdown()
    server.server_close()


async def test_restore_refuses_what_is_not_a_backup_of_ours(
    sqlite_settings: Settings, sqlite_cli: AdminCli, tmp_path: Path
) -> None:
    database = sqlite_settings.data_dir / 'lovedcrm.db'
    before = database.read_bytes()
    noise = tmp_path / 'noise.db'
    noise.write_bytes(uuid.uuid4().bytes * 64)
    foreign = tmp_path / 'foreign.db'
    with sqlite3.connect(foreign) as connection:
        connection.execute('CREATE TABLE notes (text)')
    truncated = tmp_path / 'truncated.db'
    truncated.write_bytes(before[:4096])
    for path, problem in (
        (noise, 'not a SQLite database'),
        (foreign, 'not a LovedCRM Pipeline database'),
        (truncated, str(truncated)),
        (tmp_path / 'missing.db', 'no file'),
    ):
        refused = await sqlite_cli('restore', '--input', str(path), '--yes')
        assert refused.code == 2 and problem in refused.err, refused.err
    assert database.read_bytes() == before
    assert not database.with_name('lovedcrm.db.bak').exists()


async def test_restore_refuses_while_a_server_answers(
    sqlite_settings: Settings, sqlite_cli: AdminCli, tmp_path: Path, http_server_on: None
) -> None:
    backup = tmp_path / 'backup.db'
    assert (await sqlite_cli('backup', '--output', str(backup))).code == 0
    refused = await sqlite_cli('restore', '--input', str(backup), '--yes')
    assert refused.code == 2 and 'a server answers' in refused.err
    assert not sqlite_settings.data_dir.joinpath('lovedcrm.db.bak').exists()
