"""Two replicas behind Debian's nginx, configured with deploy/nginx.conf as docs/DEPLOY.md shows it.

The story: Ana's browser is routed to replica A, Bruno's to replica B (nginx keeps each browser on one replica by
its ``lovedcrm_replica`` cookie; the test picks cookie values that land on each). Each sees the other's drags.
Then B is stopped mid-session: nginx sends Bruno's browser to A, NiceGUI reloads his page there and he is still
signed in (the replicas share NiceGUI's storage, as in deploy/compose.yaml). A move Ana makes while B is down and
one Bruno makes from A reach both boards, and the database holds every move once, in order.

nginx runs as this test's own process (never the system service) on loopback ports; its configuration is the
text of deploy/nginx.conf with the replicas' and its own address put in, inside a small ``http {}`` that only
says where its logs and temporary files go.
"""

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from accounts import PASSWORD
from browser_helpers import (
    BrowserFactory,
    Server,
    board,
    card_names,
    drag,
    drag_reaches_teammate,
    postgres_database,
    seed_team,
    sign_in,
    wait,
    wait_for_same_board,
    wait_for_value,
    wait_until_live,
)
from pipeline_server import stored_events
from selenium import webdriver
from server_process import free_port
from waiting import WAIT

pytestmark = pytest.mark.browser

NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
CONFIG = Path(__file__).resolve().parents[2] / 'deploy' / 'nginx.conf'
COOKIE = 'lovedcrm_replica'
SECRETS = {'SECRET_KEY': 'proxy-replicas-secret-key-long-enough-for-hs256', 'STORAGE_SECRET': 'proxy-replicas-storage'}

# the few lines around the included file: where this nginx keeps its files, and a log line per request that
# names the routing cookie and the replica(s) tried (so the test knows where each browser was served)
WRAPPER = """\
{user}worker_processes 1;
events {{ worker_connections 512; }}
http {{
    log_format replicas '$cookie_{cookie}|$upstream_addr|$status|$request_uri';
    access_log {dir}/access.log replicas;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/lovedcrm.conf;
}}
"""


@dataclass
class Nginx:
    """Debian's nginx on a loopback port in front of ``replicas``, with deploy/nginx.conf."""

    directory: Path
    replicas: tuple[Server, Server]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The address the browsers use."""
        return f'http://127.0.0.1:{self.port}'

    def site(self) -> str:
        """deploy/nginx.conf with the loopback addresses in place of the compose services and port 80."""
        text = CONFIG.read_text()
        addresses = {
            'server app1:8080 ': f'server 127.0.0.1:{self.replicas[0].port} ',
            'server app2:8080 ': f'server 127.0.0.1:{self.replicas[1].port} ',
            'listen 80;': f'listen 127.0.0.1:{self.port};',
        }
        for old, new in addresses.items():
            assert text.count(old) == 1, f'deploy/nginx.conf has no single {old!r} any more: update this test'
            text = text.replace(old, new)
        return text

    def start(self) -> 'Nginx':
        """Write the configuration, start nginx in the foreground and wait until it proxies."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / 'lovedcrm.conf').write_text(self.site())
        # as root, nginx would run its workers as "nobody", who cannot enter pytest's private temp folders
        user = 'user root;\n' if os.geteuid() == 0 else ''
        (self.directory / 'nginx.conf').write_text(WRAPPER.format(user=user, cookie=COOKIE, dir=self.directory))
        command = [
            NGINX,
            '-p',
            str(self.directory),
            '-c',
            str(self.directory / 'nginx.conf'),
            '-e',
            str(self.directory / 'error.log'),
            '-g',
            f'daemon off; pid {self.directory / "nginx.pid"};',
        ]
        checked = subprocess.run([*command, '-t'], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, f'nginx -t refused the configuration:\n{checked.stderr}'
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f'nginx exited:\n{self.error_log()}'
            try:
                if httpx.get(f'{self.url}/healthz', timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f'nginx did not proxy /healthz within {WAIT:.0f} s:\n{self.error_log()}')

    def stop(self) -> None:
        """Stop nginx (SIGTERM: fast shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def error_log(self) -> str:
        """nginx's own messages (for failures)."""
        path = self.directory / 'error.log'
        return path.read_text(errors='replace')[-4000:] if path.exists() else ''

    def served(self, key: str) -> list[tuple[int, str]]:
        """For each request that carried routing ``key``: the port of the replica that answered, and the path."""
        lines = (self.directory / 'access.log').read_text().splitlines()
        requests = [line.split('|', 3) for line in lines]
        # $upstream_addr lists every replica tried ("B, A" after a failover): the last one answered
        return [
            (int(upstream.split(',')[-1].rsplit(':', 1)[1]), path)
            for cookie, upstream, _, path in requests
            if cookie == key and upstream and upstream != '-'
        ]

    def key_for(self, replica: Server) -> str:
        """A routing cookie value that nginx sends to ``replica``."""
        for attempt in range(100):
            key = f'test-key-{attempt}'
            httpx.get(f'{self.url}/healthz', cookies={COOKIE: key}, timeout=5).raise_for_status()
            deadline = time.monotonic() + WAIT
            while not self.served(key):  # nginx logs a request just after answering it
                assert time.monotonic() < deadline, f'nginx logged no request with the cookie {key!r}'
                time.sleep(0.01)
            if self.served(key)[-1][0] == replica.port:
                return key
        raise AssertionError(f'no routing key of 100 reached the replica on port {replica.port}')


@dataclass
class Deployment:
    """Replicas A and B on one PostgreSQL database behind nginx; ``front`` is a ``Server`` standing for the proxy."""

    a: Server
    b: Server
    nginx: Nginx
    front: Server


@pytest.fixture
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """Two replicas sharing the database, the secrets and NiceGUI's storage (as deploy/compose.yaml), behind nginx."""
    if request.config.getoption('--db') == 'sqlite':
        pytest.skip('replicas share a PostgreSQL database: not run with --db sqlite')
    if not Path(NGINX).exists():
        pytest.skip('needs nginx (apt-get install nginx; .ci/run installs it)')
    shared = {**SECRETS, 'NICEGUI_STORAGE_PATH': str(tmp_path / 'nicegui'), 'SHUTDOWN_GRACE_SECONDS': '2'}
    with postgres_database() as url:
        a = Server(tmp_path / 'replica-a', database_url=url, settings=shared)
        b = Server(tmp_path / 'replica-b', database_url=url, settings={**shared, 'LOVEDCRM_SKIP_MIGRATIONS': '1'})
        nginx = Nginx(tmp_path / 'nginx', (a, b))
        try:
            a.launch()
            b.launch()
            a.wait_until_alive()
            b.wait_until_alive()
            nginx.start()
            # stands for the proxy in the helpers (its URL; the invite tokens are read from the database)
            front = Server(tmp_path / 'front', port=nginx.port, database_url=url)
            yield Deployment(a, b, nginx, front)
        finally:
            nginx.stop()
            a.stop()
            b.stop()
        for replica in (a, b):
            trace = replica.tracebacks_since(0)
            assert not trace, f'replica on port {replica.port} logged an error:\n{trace[-4000:]}'


def routed_browser(open_browser: BrowserFactory, deployment: Deployment, key: str) -> webdriver.Chrome:
    """A Chromium window whose routing cookie is ``key`` before it loads anything."""
    driver = open_browser()
    driver.execute_cdp_cmd(
        'Network.setCookie',
        {'name': COOKIE, 'value': key, 'url': deployment.nginx.url, 'path': '/', 'httpOnly': True},
    )
    return driver


def test_two_browsers_on_two_replicas_share_moves_and_one_survives_its_replica_stopping(
    deployment: Deployment, open_browser: BrowserFactory
) -> None:
    a_port, b_port = deployment.a.port, deployment.b.port
    nginx = deployment.nginx
    ana, bruno = seed_team(deployment.front)  # over the REST API, through the proxy
    to_a, to_b = nginx.key_for(deployment.a), nginx.key_for(deployment.b)

    # the replicas see the address nginx saw, not one a client wrote into X-Forwarded-For itself
    spoofed = httpx.post(
        f'{nginx.url}/auth/login',
        json={'email': ana.email, 'password': PASSWORD},
        headers={'X-Forwarded-For': '203.0.113.9'},
        timeout=10,
    )
    spoofed.raise_for_status()
    token = {'Authorization': f'Bearer {spoofed.json()["access_token"]}'}
    sessions = httpx.get(f'{nginx.url}/users/me/sessions', headers=token, timeout=10).json()
    assert [s['ip_address'] for s in sessions if s['is_current']] == ['127.0.0.1']
    ana_window = routed_browser(open_browser, deployment, to_a)
    bruno_window = routed_browser(open_browser, deployment, to_b)
    sign_in(ana_window, ana)
    sign_in(bruno_window, bruno)

    # each browser's pages and socket.io connection went to its own replica only
    assert {port for port, _ in nginx.served(to_a)} == {a_port}
    assert {port for port, _ in nginx.served(to_b)} == {b_port}
    assert any(path.startswith('/_nicegui_ws/') for _, path in nginx.served(to_b))

    drag_reaches_teammate(ana_window, bruno_window)  # Ana on A, Bruno on B
    drag(bruno_window, 'Padaria Pão Quente', 'contato')  # and back, from B to A
    wait_for_value(ana_window, lambda d: card_names(d, 'contato'), ['Padaria Pão Quente'], "Ana's Contato column")
    wait_for_same_board(ana_window, bruno_window, 'both boards after the moves of each')

    # B stops mid-session; Ana moves a card on A while it is down
    bruno_window.execute_script('window.__samePage = true')
    deployment.b.stop()
    drag(ana_window, 'Escola Aprender', 'negociacao')
    wait_for_value(ana_window, lambda d: card_names(d, 'negociacao'), ['Escola Aprender'], "Ana's Negociação column")

    # Bruno's browser lands on A: NiceGUI reloads the page there, still signed in, and shows the move he missed
    wait(bruno_window, 2 * WAIT).until(lambda d: d.execute_script('return window.__samePage === undefined'))
    wait_until_live(bruno_window)
    wait_for_same_board(ana_window, bruno_window, "Bruno's board on A after the failover")
    assert card_names(bruno_window, 'negociacao') == ['Escola Aprender']
    assert [port for port, path in nginx.served(to_b) if path == '/pipeline'] == [b_port, a_port]  # the reload

    # a move Bruno makes now, on A, reaches Ana
    drag(bruno_window, 'Academia Movimento', 'fechado')
    wait_for_value(ana_window, lambda d: card_names(d, 'fechado'), ['Academia Movimento'], "Ana's Fechado column")
    wait_for_same_board(ana_window, bruno_window, 'both boards at the end')
    assert board(ana_window) == {
        'lead': [],
        'contato': ['Padaria Pão Quente'],
        'proposta': [],
        'negociacao': ['Escola Aprender'],
        'fechado': ['Academia Movimento'],
    }

    # the database holds every move once, in order, with no gap in the sequence
    events = asyncio.run(stored_events(deployment.a.database_url, ana.organization_id))
    assert [event['seq'] for event in events] == list(range(1, len(events) + 1))
    names = {
        lead['id']: lead['name']
        for lead in httpx.get(f'{nginx.url}/crm/leads', headers=ana.headers, timeout=10).json()['leads']
    }
    moves = [(names[e['lead_id']], e['stage']) for e in events if e['type'] == 'lead_stage_changed']
    assert moves == [
        ('Academia Movimento', 'proposta'),
        ('Padaria Pão Quente', 'contato'),
        ('Escola Aprender', 'negociacao'),
        ('Academia Movimento', 'fechado'),
    ]
