"""deploy/: the compose file hangs together with the nginx configuration and the app's settings, and the database
init script makes a role that row-level security binds.

No Docker here: the compose file is read as YAML (tests/browser/test_proxy_replicas.py runs nginx with
deploy/nginx.conf; .ci/image_recipe.py follows the Dockerfile), and the init script runs against the test
PostgreSQL server the way the postgres image runs it.
"""

import asyncio
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from pg_harness import PG_ADMIN_URL, pg_admin_sync

from lovedcrm_ui.config import Settings
from lovedcrm_ui.settings_reference import OTHER_VARIABLES

yaml = pytest.importorskip('yaml')

DEPLOY = Path(__file__).resolve().parent.parent / 'deploy'
COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / 'compose.yaml').read_text())
SERVICES: dict[str, Any] = COMPOSE['services']
REPLICAS = re.findall(r'^\s*server (\w+):8080\b', (DEPLOY / 'nginx.conf').read_text(), flags=re.MULTILINE)
KNOWN_VARIABLES = {str(f.alias) for f in Settings.model_fields.values()} | {v.name for v in OTHER_VARIABLES}


def test_nginx_proxies_to_the_replicas_the_compose_file_runs() -> None:
    assert REPLICAS == ['app1', 'app2']
    for name in REPLICAS:
        assert SERVICES[name]['command'] == ['python', 'main.py', '--skip-migrations']
    proxy = SERVICES['proxy']
    assert './nginx.conf:/etc/nginx/conf.d/default.conf:ro' in proxy['volumes']
    assert set(proxy['depends_on']) == set(REPLICAS)


def test_the_replicas_share_settings_secrets_and_storage_and_start_after_the_migration() -> None:
    first, second = (SERVICES[name] for name in REPLICAS)
    assert first['environment'] == second['environment'] == SERVICES['migrate']['environment']
    assert first['volumes'] == second['volumes'] == ['app-data:/data']
    environment = first['environment']
    assert environment['LOVEDCRM_ENV'] == 'production'
    assert '${SECRET_KEY:?' in environment['SECRET_KEY'] and '${STORAGE_SECRET:?' in environment['STORAGE_SECRET']
    for name in REPLICAS:
        assert SERVICES[name]['depends_on'] == {'migrate': {'condition': 'service_completed_successfully'}}
    assert SERVICES['migrate']['command'] == ['python', '-m', 'lovedcrm_ui', 'migrate']


def test_every_variable_the_compose_file_gives_the_app_is_one_it_reads() -> None:
    unknown = set(SERVICES['app1']['environment']) - KNOWN_VARIABLES
    assert not unknown, f'not settings of the app (a typo?): {sorted(unknown)}'


def test_the_app_connects_as_the_role_the_init_script_makes() -> None:
    url = SERVICES['app1']['environment']['DATABASE_URL']
    assert re.match(r'postgresql://lovedcrm:\$\{LOVEDCRM_DB_PASSWORD:\?[^}]*\}@db:5432/lovedcrm$', url), url
    assert './postgres-init.sh:/docker-entrypoint-initdb.d/10-lovedcrm.sh:ro' in SERVICES['db']['volumes']


async def role_and_database_owner(name: str) -> tuple[dict[str, bool], str | None]:
    """The attributes of role ``name`` and the owner of database ``name``, as the admin sees them."""
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        role = await conn.fetchrow('SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1', name)
        owner = await conn.fetchval('SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1', name)
    finally:
        await conn.close()
    return (dict(role) if role is not None else {}), owner


@pytest.mark.skipif(shutil.which('psql') is None, reason='needs psql (PostgreSQL client)')
def test_the_init_script_makes_a_role_that_row_level_security_binds(request: pytest.FixtureRequest) -> None:
    if request.config.getoption('--db') == 'sqlite':
        pytest.skip('PostgreSQL only')
    name = f'lovedcrm_init_{uuid.uuid4().hex[:10]}'
    server = urlsplit(PG_ADMIN_URL)
    # as the postgres image runs it: its superuser and database, the app's role from the environment
    environment = {
        **os.environ,
        'POSTGRES_USER': server.username or 'postgres',
        'POSTGRES_DB': server.path.lstrip('/') or 'postgres',
        'PGHOST': server.hostname or '127.0.0.1',
        'PGPORT': str(server.port or 5432),
        'PGPASSWORD': server.password or '',
        'LOVEDCRM_DB_USER': name,
        'LOVEDCRM_DB_NAME': name,
        'LOVEDCRM_DB_PASSWORD': "a 'quoted' password",
    }
    try:
        run = subprocess.run(
            ['sh', str(DEPLOY / 'postgres-init.sh')], env=environment, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        role, owner = asyncio.run(role_and_database_owner(name))
        assert role == {'rolsuper': False, 'rolbypassrls': False, 'rolcanlogin': True}
        assert owner == name
    finally:
        pg_admin_sync(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
        pg_admin_sync(f'DROP ROLE IF EXISTS {name}')
