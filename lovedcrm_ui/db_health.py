"""Is the database there? What counts as a database failure, and the one per-process answer to share.

``database_refusal(exc)`` is the one rule that tells a database failure from any other error: the
database cannot be reached (a refused or timed-out connection, a connection lost in the middle of a
query, a server shutting down) or it is busy (no pooled connection free within ``DB_POOL_TIMEOUT``, a
SQLite write lock not released within the busy timeout). Either is a 503 ``ServiceUnavailable`` with
``Retry-After``, never a 500: the API middleware (api/unavailable.py) answers with it, the board shows it.

``DatabaseHealth`` is the process's view: unreachable once a background probe confirms that no
connection can be made, until one is made or checked out again. It logs each outage once (a WARNING when
it starts, an INFO with its length and how many requests were refused when it ends) and tells listeners
(open boards) when it changes. While the database is unreachable no request waits for a connection
attempt of its own (up to ``DB_CONNECT_TIMEOUT`` each): they are refused at once; the probe reconnects.
"""

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import asyncpg
import sqlalchemy
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from .events.service import BackgroundService
from .events.subscriptions import Listeners, Subscription
from .services.errors import ErrorCode, ServiceUnavailable

log = logging.getLogger(__name__)

FailureKind = Literal['unavailable', 'busy']
UNAVAILABLE_DETAIL = 'The database is unavailable right now; try again shortly'
BUSY_DETAIL = 'The database is busy right now; try again shortly'
RETRY_AFTER_SECONDS = 5
# PostgreSQL SQLSTATEs of a connection that is gone or refused: class 08 (connection exception), the server
# shutting down or starting (57P01-57P03), too many connections (53300)
UNAVAILABLE_SQLSTATES = ('08', '57P01', '57P02', '57P03', '53300')
# a bare OSError / TimeoutError is the database's only when raised inside its driver or SQLAlchemy (a mail
# server refusing a connection is not a database outage)
DRIVER_DIRECTORIES = tuple(str(Path(str(module.__file__)).parent) for module in (sqlalchemy, asyncpg))
MAX_CHAIN = 16


class DatabaseUnreachable(ConnectionError):
    """A connection to the database could not be made (or was not tried: the probe is finding out first)."""


def database_refusal(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 that ``exc`` amounts to when it is a database failure, else None (any other error)."""
    kind = failure_kind(exc)
    if kind is None:
        return None
    retry = {'Retry-After': str(RETRY_AFTER_SECONDS)}
    if kind == 'busy':
        return ServiceUnavailable(BUSY_DETAIL, code=ErrorCode.DATABASE_BUSY, headers=retry)
    return ServiceUnavailable(UNAVAILABLE_DETAIL, code=ErrorCode.DATABASE_UNAVAILABLE, headers=retry)


def failure_kind(exc: BaseException) -> FailureKind | None:
    """``unavailable``, ``busy`` or None, from ``exc`` and the exceptions it was raised from."""
    if isinstance(exc, BaseExceptionGroup):
        kinds = [failure_kind(inner) for inner in exc.exceptions]
        return 'unavailable' if 'unavailable' in kinds else 'busy' if 'busy' in kinds else None
    if not _from_database_layer(exc):
        return None
    for link in _chain(exc):
        kind = _link_kind(link)
        if kind is not None:
            return kind
    return None


def _from_database_layer(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.SQLAlchemyError | sqlite3.Error | DatabaseUnreachable):
        return True
    module = type(exc).__module__
    if module.startswith('asyncpg'):
        return True
    return isinstance(exc, OSError | TimeoutError) and _raised_in_driver(exc.__traceback__)


def _raised_in_driver(trace: TracebackType | None) -> bool:
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.startswith(DRIVER_DIRECTORIES):
            return True
        trace = trace.tb_next
    return False


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc``, then what it wraps (``orig``) and what it was raised from or during, without repeats."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < MAX_CHAIN:
        link = pending.pop(0)
        if link is None or any(link is known for known in seen):
            continue
        seen.append(link)
        pending.extend([getattr(link, 'orig', None), link.__cause__, link.__context__])
    return seen


def _link_kind(link: BaseException) -> FailureKind | None:
    if isinstance(link, sa_exc.TimeoutError):  # "QueuePool limit of size … reached, connection timed out"
        return 'busy'
    if isinstance(link, sqlite3.OperationalError) and 'database is locked' in str(link):
        return 'busy'
    if isinstance(link, DatabaseUnreachable | ConnectionError | TimeoutError):
        return 'unavailable'
    if isinstance(link, sa_exc.DBAPIError) and link.connection_invalidated:
        return 'unavailable'
    sqlstate = getattr(link, 'sqlstate', None)
    if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES):
        return 'unavailable'
    if type(link).__module__.startswith('asyncpg') and 'connection is closed' in str(link):
        return 'unavailable'
    return None


HealthListener = Callable[[bool], None]  # called with ``reachable`` after each change, on the event loop
_PROBE: ContextVar[bool] = ContextVar('lovedcrm_database_probe', default=False)  # set in the probe's task only


class DatabaseHealth(BackgroundService):
    """The process's view of the database: reachable or not, logged once per outage, told to listeners.

    A connection that cannot be made, or is lost in the middle of a query, starts a probe in the
    background (one connection and ``SELECT 1``) and holds other connection attempts back until it has
    answered: a few milliseconds if the database is fine (a hiccup), ``DB_CONNECT_TIMEOUT`` at most if not.
    If the probe fails too, the database is unreachable: no request waits for a connection attempt of its
    own, the probe tries again every ``probe_seconds`` and is the only one let through, and the outage ends
    when it (or anything) gets a connection.
    """

    task_name = 'lovedcrm-database-probe'

    def __init__(self, *, probe_seconds: float = 1.0, log_seconds: float = 60.0) -> None:
        super().__init__()
        self.reachable = True
        self.checking = False  # a connection failed or was lost: new ones wait for the probe's verdict
        self.probe_seconds = probe_seconds
        self._engine: AsyncEngine | None = None
        self._down_since = 0.0
        self._refused = 0  # requests and actions refused during the current outage
        self._log_seconds = log_seconds
        self._logged_at: dict[FailureKind, float] = {}
        self._unlogged: dict[FailureKind, int] = {'busy': 0, 'unavailable': 0}
        self._listeners: Listeners[None, HealthListener] = Listeners()

    def refusal(self, exc: BaseException) -> ServiceUnavailable | None:
        """``database_refusal(exc)``, taking note of the failure (logged, counted, checked by a probe)."""
        refusal = database_refusal(exc)
        if refusal is None:
            return None
        if refusal.code == ErrorCode.DATABASE_BUSY:
            self._log_now_and_then('busy', exc)
        else:
            self._suspect(exc)
        return refusal

    def watch(self, listener: HealthListener) -> Subscription:
        """Call ``listener(reachable)`` whenever the database becomes unreachable or reachable again."""
        return self._listeners.add(None, listener)

    def attach(self, engine: AsyncEngine) -> None:
        """Follow ``engine``: its connection attempts decide the state; while unreachable only the probe's are made."""
        self._engine = engine
        sync_engine = engine.sync_engine

        @event.listens_for(sync_engine, 'do_connect')
        def _connect(dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
            if (self.checking or not self.reachable) and not _PROBE.get():
                raise DatabaseUnreachable('the database is unreachable; a background probe tries to reconnect')
            try:
                connection = dialect.connect(*cargs, **cparams)
            except Exception as exc:
                if _PROBE.get():
                    self._note_unreachable(exc)
                else:
                    self._suspect(exc)
                raise DatabaseUnreachable(f'cannot connect to the database ({type(exc).__name__}: {exc})') from exc
            self._note_reachable()
            return connection

        @event.listens_for(sync_engine, 'checkout')
        def _checked_out(*_args: Any) -> None:
            if not self.reachable:  # a pooled connection that passed its ping
                self._note_reachable()

    def _suspect(self, exc: BaseException) -> None:
        # one failed or lost connection may be a hiccup: the probe decides, and new connections wait for it
        if self.checking or not self.reachable:
            self._refused += 1
            return
        self._log_now_and_then('unavailable', exc)
        if self._engine is not None:  # nothing to probe (and nothing to hold back) before ``attach``
            self.checking = True
            self._probe_soon()

    def _note_unreachable(self, exc: BaseException) -> None:
        self.checking = False
        if not self.reachable:
            return
        self.reachable = False
        self._down_since = time.monotonic()
        self._refused = 0
        log.warning('database unreachable (%s); answering 503 until it is back', _summary(exc))
        self._probe_soon()
        self._tell(False)

    def _note_reachable(self) -> None:
        self.checking = False
        if self.reachable:
            return
        self.reachable = True
        log.info(
            'database reachable again after %.1f s; %d requests were refused meanwhile',
            time.monotonic() - self._down_since,
            self._refused,
        )
        self._tell(True)

    def _probe_soon(self) -> None:
        if self._engine is None or (self._task is not None and not self._task.done()):
            return
        try:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.task_name)
        except RuntimeError:
            pass  # no event loop (a synchronous caller): the next request tries again

    async def _run(self) -> None:
        """Try a connection now, then every ``probe_seconds`` while the database is unreachable."""
        assert self._engine is not None
        _PROBE.set(True)  # this task's own context: its connection attempts pass the gate
        while True:
            try:
                async with self._engine.connect() as connection:
                    await connection.execute(text('SELECT 1'))
            except Exception as exc:
                if failure_kind(exc) is None:  # not the database's failure: hold nothing back on its account
                    log.exception('database probe failed')
                    self.checking = False
                    return
                self._note_unreachable(exc)
            else:
                self._note_reachable()
                return
            await asyncio.sleep(self.probe_seconds)

    def _log_now_and_then(self, kind: FailureKind, exc: BaseException) -> None:
        # a pool that stays exhausted (or connections dropped one by one) would log every refused request:
        # one line per kind a minute at most, with how many went unlogged
        now = time.monotonic()
        self._unlogged[kind] += 1
        last = self._logged_at.get(kind)
        if last is not None and now - last < self._log_seconds:
            return
        what = 'database busy' if kind == 'busy' else 'database connection failed or lost'
        log.warning('%s (%s); %d such failures since the last report', what, _summary(exc), self._unlogged[kind])
        self._logged_at[kind], self._unlogged[kind] = now, 0

    def _tell(self, reachable: bool) -> None:
        # listeners run on the event loop after the failing or succeeding database call, never inside it
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for listener in self._listeners.of(None):
            if loop is None:
                _call(listener, reachable)
            else:
                loop.call_soon(_call, listener, reachable)


def _call(listener: HealthListener, reachable: bool) -> None:
    try:
        listener(reachable)
    except Exception:
        log.exception('database health listener failed')


def _summary(exc: BaseException) -> str:
    """One line for the log: the exception's type and the first line of its message."""
    lines = str(exc).splitlines()
    return f'{type(exc).__name__}: {lines[0]}' if lines else type(exc).__name__
