"""``python main.py`` as a subprocess, for the tests that speak to a real server over TCP.

The base of the servers of tests/test_server.py, tests/ws (``ws_server.Server``) and tests/browser
(``browser_helpers.Server``). Importable from every test folder as ``from server_process import …``:
tests/conftest.py lives in this folder, so pytest puts it on ``sys.path`` (as it does for ``pg_harness``).

A ``ServerProcess`` is one ``main.py`` on a free loopback port with its own data directory. It sees
none of the caller's pytest, NiceGUI or app variables, only the test settings below and what its
subclass adds (``extra_environment``); its output goes to a log file that failure messages quote.
Subclasses tune ``start_timeout`` and ``stop_timeout`` and add what their tests need.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import ClassVar, NoReturn, Self

import httpx

from lovedcrm_ui.config import Settings

MAIN = Path(__file__).resolve().parent.parent / 'main.py'
# every variable the app reads: the server sees none of the caller's, only what a test sets
FLAG_VARIABLES = {'LOVEDCRM_SKIP_MIGRATIONS', 'LOVEDCRM_DEMO'}  # main.py's own, outside Settings
APP_VARIABLES = {f.alias for f in Settings.model_fields.values() if f.alias} | FLAG_VARIABLES


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


def clean_environment() -> dict[str, str]:
    """The caller's environment minus pytest's, NiceGUI's and the app's variables."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(('PYTEST_', 'NICEGUI_')) and name not in APP_VARIABLES
    }


@dataclass
class ServerProcess:
    """``main.py`` as a subprocess on a loopback port, with its own data directory.

    ``start()`` launches it and waits for ``/healthz``; ``launch()`` and ``wait_until_alive()`` do the
    two halves, so that several servers can start at once. ``stop()`` terminates it, and kills it
    (with anything it spawned: it runs in its own session) if it is not gone within ``stop_timeout``.
    """

    data_dir: Path
    _: KW_ONLY
    port: int = field(default_factory=free_port)
    args: tuple[str, ...] = ()  # command-line arguments of main.py, e.g. --skip-migrations
    process: subprocess.Popen[bytes] | None = None

    start_timeout: ClassVar[float] = 60.0  # seconds until /healthz must answer
    stop_timeout: ClassVar[float] = 5.0  # seconds of graceful shutdown before the kill
    app_env: ClassVar[str | None] = 'test'  # LOVEDCRM_ENV; None: the app's default, as an operator runs it

    @property
    def url(self) -> str:
        """The HTTP base URL."""
        return f'http://127.0.0.1:{self.port}'

    @property
    def log_path(self) -> Path:
        """Where the server's output goes (appended: a restart on the same directory keeps the earlier runs)."""
        return self.data_dir / 'server.log'

    @property
    def workdir(self) -> Path:
        """The server's working directory (NiceGUI keeps its storage there)."""
        return self.data_dir

    def extra_environment(self) -> dict[str, str]:
        """Variables of this kind of server, set last (over the ones of ``environment``)."""
        return {}

    def environment(self) -> dict[str, str]:
        """The clean environment with the test settings: loopback, the data directory, cheap password hashes."""
        env = clean_environment()
        if self.app_env is not None:
            env['LOVEDCRM_ENV'] = self.app_env
        env.update(
            LOVEDCRM_DATA_DIR=str(self.data_dir),
            HOST='127.0.0.1',
            PORT=str(self.port),
            PASSWORD_HASH_ROUNDS='1',
            PASSWORD_HASH_MEMORY_KIB='64',
            PYTHONUNBUFFERED='1',
        )
        env.update(self.extra_environment())
        return env

    def launch(self) -> Self:
        """Start main.py (it migrates the database first, unless told not to) without waiting for it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open('ab') as log:
            # its own session: stop() may kill it (and only what it started) if it does not terminate
            self.process = subprocess.Popen(
                [sys.executable, str(MAIN), *self.args],
                env=self.environment(),
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_until_alive(self) -> Self:
        """Poll ``/healthz`` until the server answers; fail early if the process dies."""
        assert self.process is not None, 'launch() first'
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f'the server exited with {self.process.returncode}:\n{self.log_tail()}')
            try:
                if httpx.get(f'{self.url}/healthz', timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        self.fail(f'the server did not answer /healthz within {self.start_timeout:.0f} s:\n{self.log_tail()}')

    def start(self) -> Self:
        """``launch()``, then ``wait_until_alive()``."""
        return self.launch().wait_until_alive()

    def stop(self) -> None:
        """Terminate the subprocess; kill its session if it has not stopped within ``stop_timeout``."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def fail(self, message: str) -> NoReturn:
        """Report a server that did not come up (subclasses may fail the test instead)."""
        raise RuntimeError(message)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (for failure messages)."""
        if not self.log_path.exists():
            return ''
        return '\n'.join(self.log_path.read_text(errors='replace').splitlines()[-lines:])

    def log_size(self) -> int:
        """The current length of the log (to look only at what one test produced)."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def tracebacks_since(self, offset: int) -> str:
        """Server output after ``offset`` if it contains a traceback, else ''."""
        if not self.log_path.exists():
            return ''
        with self.log_path.open('rb') as log:
            log.seek(offset)
            text = log.read().decode(errors='replace')
        return text if 'Traceback' in text else ''
