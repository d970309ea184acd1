"""The admin commands (``python -m lovedcrm_ui …``) run in-process, with the environment an operator would set.

tests/ is on ``sys.path``: ``from cli_runner import AdminCli``. ``AdminCli(settings, monkeypatch, capsys)``
points the commands at the test's database (the settings' values as environment variables, nothing else
of the app's), runs ``lovedcrm_ui.cli.main(argv)`` in a worker thread (it calls ``asyncio.run`` itself,
as from a shell) and returns the exit code with what it printed.
"""

import asyncio
import io
import sys
from dataclasses import dataclass

import pytest
from server_process import APP_VARIABLES, free_port

from lovedcrm_ui.cli import main
from lovedcrm_ui.config import Settings


@dataclass(frozen=True)
class Result:
    """One command's exit code and output."""

    code: int
    out: str
    err: str


class AdminCli:
    """Run admin commands against the database of ``settings``."""

    def __init__(self, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        for name in APP_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        self.environment = {
            'DATABASE_URL': settings.database_url,
            'LOVEDCRM_DATA_DIR': str(settings.data_dir),
            'LOVEDCRM_ENV': 'test',
            'EVENT_BUS': settings.event_bus,
            'PASSWORD_HASH_ROUNDS': '1',
            'PASSWORD_HASH_MEMORY_KIB': '64',
            'HOST': '127.0.0.1',
            'PORT': str(free_port()),  # where `restore` looks for a running server: nobody there
        }
        self.set(**self.environment)

    def set(self, **variables: str) -> None:
        """Set environment variables for the next commands."""
        for name, value in variables.items():
            self.monkeypatch.setenv(name, value)

    @property
    def port(self) -> int:
        """The PORT the commands see."""
        return int(self.environment['PORT'])

    def run(self, *argv: str, stdin: str | None = None) -> Result:
        """Run one command here (not inside an event loop); ``stdin``: what standard input holds."""
        self.capsys.readouterr()  # only this command's output
        if stdin is not None:
            self.monkeypatch.setattr(sys, 'stdin', io.StringIO(stdin))
        code = main(list(argv))
        captured = self.capsys.readouterr()
        assert 'Traceback' not in captured.err, captured.err
        return Result(code, captured.out, captured.err)

    async def __call__(self, *argv: str, stdin: str | None = None) -> Result:
        """``run`` from an async test: in a worker thread, so that the command may start its own event loop."""
        return await asyncio.to_thread(self.run, *argv, stdin=stdin)
