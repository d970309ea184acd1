"""The async engine, SQLite pragmas and the one way to open a unit of work: ``Database.session()``."""

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, event, exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from .config import Settings
from .events.bus import AccessChange, EventBus, LeadEvent
from .observability import Metrics

log = logging.getLogger(__name__)
# a pooled PostgreSQL connection unused for longer than this is pinged before it is handed out
PING_AFTER_IDLE_SECONDS = 10.0


class OutboxSession(Session):
    """A session that publishes the events queued on it right after its transaction commits."""


def access_payload(change: AccessChange, origin: str) -> str:
    """An access change as a NOTIFY payload (well under PostgreSQL's 8000 bytes)."""
    fields = {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in change.__dict__.items()}
    return json.dumps({**fields, 'origin': origin}, separators=(',', ':'))


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for Core statements where the ORM's unit of work costs (the hot writes)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def queue_event(session: AsyncSession, message: LeadEvent | AccessChange) -> None:
    """Publish ``message`` on the bus once (and only if) the session's transaction commits."""
    session.info.setdefault('outbox', []).append(message)


@event.listens_for(OutboxSession, 'before_commit')
def _notify_other_replicas(session: Session) -> None:
    # with the PostgreSQL event bus the NOTIFY is part of the writing transaction: it is delivered
    # only if the transaction commits (LISTEN/NOTIFY semantics), in commit order
    origin = session.info.get('notify_origin')
    outbox = session.info.get('outbox')
    if not origin or not outbox:
        return
    # one NOTIFY per organization (its last event) is enough: a replica reads every event after the last it
    # delivered; a bulk import queues thousands, which would cost a round trip each and wake replicas as often
    last_seqs = {m.organization_id: m.seq for m in outbox if isinstance(m, LeadEvent)}
    for message in outbox:
        if isinstance(message, LeadEvent):
            if message.seq != last_seqs[message.organization_id]:
                continue
            channel, payload = 'lovedcrm_events', f'{message.organization_id}:{message.seq}'
        else:
            channel, payload = 'lovedcrm_access', access_payload(message, origin)
        session.execute(text('SELECT pg_notify(:channel, :payload)'), {'channel': channel, 'payload': payload})


@event.listens_for(OutboxSession, 'after_commit')
def _publish_outbox(session: Session) -> None:
    outbox = session.info.pop('outbox', None)
    bus: EventBus | None = session.info.get('bus')
    if not outbox or bus is None:
        return
    started = time.perf_counter()
    for message in outbox:
        if isinstance(message, LeadEvent):
            bus.publish(message)
        else:
            bus.publish_access(message)
    metrics: Metrics | None = session.info.get('metrics')
    if metrics is not None:  # once per commit, after the fan-out (nothing added inside its loop)
        metrics.committed([m for m in outbox if isinstance(m, LeadEvent)], started)


@event.listens_for(OutboxSession, 'after_rollback')
def _drop_outbox(session: Session) -> None:
    session.info.pop('outbox', None)


@event.listens_for(OutboxSession, 'after_begin')
def _scope_row_security(session: Session, transaction: Any, connection: Any) -> None:
    # PostgreSQL row-level security (migration 0004) shows the tenant tables' rows of the organization
    # named here, or of all with cross_org. set_config(…, true) is transaction-local: the setting ends
    # with this transaction, so a pooled connection never carries one unit of work's scope into the next.
    # A savepoint runs inside its parent's transaction, which has set it already.
    if transaction.nested or connection.dialect.name != 'postgresql':
        return
    organization_id: uuid.UUID | None = session.info.get('organization_id')
    cross_org: bool = session.info.get('cross_org', False)
    if organization_id is None and not cross_org:
        return  # nothing set: the policies show no tenant row (fail closed)
    connection.execute(
        text("SELECT set_config('lovedcrm.org_id', :org, true), set_config('lovedcrm.cross_org', :cross, true)"),
        {'org': str(organization_id) if organization_id else '', 'cross': 'on' if cross_org else 'off'},
    )


def create_engine(settings: Settings, **overrides: Any) -> AsyncEngine:
    """Build the engine for the configured database with safe defaults for each backend."""
    url = settings.database_url
    if url.startswith('sqlite'):
        engine = create_async_engine(url, connect_args={'timeout': settings.sqlite_busy_timeout_ms / 1000}, **overrides)
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine.sync_engine, 'connect')
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers proceed during a write; busy_timeout makes writers queue instead
            # of failing; SQLite ignores foreign keys unless asked per connection.
            cursor = dbapi_connection.cursor()
            cursor.execute('PRAGMA journal_mode=WAL')
            cursor.execute(f'PRAGMA busy_timeout={int(busy_ms)}')
            cursor.execute('PRAGMA foreign_keys=ON')
            cursor.execute('PRAGMA synchronous=NORMAL')
            cursor.close()

        @event.listens_for(engine.sync_engine, 'begin')
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock at BEGIN: a deferred transaction that reads and then writes
            # fails at once with "database is locked" (busy_timeout does not apply to a lock upgrade).
            # Read-only sessions stay deferred so readers never queue behind writers (WAL).
            read_only = conn.get_execution_options().get('lovedcrm_read_only', False)
            conn.exec_driver_sql('BEGIN' if read_only else 'BEGIN IMMEDIATE')

        # pysqlite's own BEGIN handling must be off for the explicit BEGIN above
        @event.listens_for(engine.sync_engine, 'connect')
        def _sqlite_no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        # asyncpg's own defaults wait 60 s for a connection and forever for a statement
        connect_args={'timeout': settings.db_connect_timeout, 'command_timeout': settings.db_command_timeout},
        # kept while the checkout check below proves itself: a CI run under load got one 503 without it
        pool_pre_ping=True,
        **overrides,
    )
    _replace_dead_connections(engine)
    return engine


def _replace_dead_connections(engine: AsyncEngine) -> None:
    # A pooled connection that died (an outage, a restarted or terminated backend) is replaced at checkout, not
    # used. SQLAlchemy's pool_pre_ping costs three round trips on asyncpg (BEGIN, ping, ROLLBACK) per checkout,
    # two checkouts per API request: most of a stage move's round trips (docs/BENCHMARKS.md). asyncpg sees the
    # server close the socket while the connection sits in the pool, so a closed one is caught for free; only a
    # connection idle for a while (a link that may have gone silently) is pinged.
    @event.listens_for(engine.sync_engine, 'checkin')
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info['idle_since'] = time.monotonic()

    @event.listens_for(engine.sync_engine, 'checkout')
    def _check_alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise exc.DisconnectionError('the pooled connection was closed')
        if time.monotonic() - record.info.get('idle_since', time.monotonic()) > PING_AFTER_IDLE_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as error:
                raise exc.DisconnectionError(f'the pooled connection did not answer: {error}') from error


class Database:
    """Owns the engine and hands out short sessions (one per request or UI action)."""

    def __init__(
        self,
        engine: AsyncEngine,
        bus: EventBus | None = None,
        *,
        notify_origin: str = '',
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.bus = bus
        # notify_origin set (PostgreSQL event bus): commits also NOTIFY the other replicas;
        # metrics: each commit's lead events and fan-out time are counted (observability.py)
        info = {'bus': bus, 'notify_origin': notify_origin, 'metrics': metrics}
        self._sessions = async_sessionmaker(
            engine, expire_on_commit=False, class_=AsyncSession, sync_session_class=OutboxSession, info=info
        )
        self._read_sessions = async_sessionmaker(
            engine.execution_options(lovedcrm_read_only=True),
            expire_on_commit=False,
            class_=AsyncSession,
            sync_session_class=OutboxSession,
            info=info,
        )
        # one statement needs no transaction of its own: on PostgreSQL, autocommit spares the BEGIN and the
        # ROLLBACK round trips (the tenancy guard's read on every request); SQLite keeps its read-only sessions
        lookup_engine = engine
        if engine.dialect.name == 'postgresql':
            lookup_engine = engine.execution_options(isolation_level='AUTOCOMMIT')
        self._lookups = async_sessionmaker(
            lookup_engine.execution_options(lovedcrm_read_only=True),
            expire_on_commit=False,
            class_=AsyncSession,
            sync_session_class=OutboxSession,
            info=info,
        )

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[AsyncSession]:
        """A session for a single read statement outside the tenant tables (no organization scope, no writes).

        Each statement is its own snapshot, as one statement of a transaction would be, so one statement reads
        the same as in ``session(read_only=True)``: use that for several statements that must agree.
        """
        async with self._lookups(info={'organization_id': None, 'cross_org': False}) as session:
            yield session

    @asynccontextmanager
    async def session(
        self, *, read_only: bool = False, organization_id: uuid.UUID | None = None, cross_org: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A session whose transaction the caller commits; rolled back on error, always closed.

        ``read_only=True`` is a promise not to write (on SQLite it skips the write lock).
        ``organization_id`` is the organization the unit of work acts for: on PostgreSQL the tenant tables
        (``leads``, ``pipeline_events``) show and accept only its rows, whatever a query forgot to filter.
        ``cross_org=True`` lifts that for the few services that work across organizations by nature
        (docs/SECURITY.md lists them). With neither, the tenant tables look empty. SQLite has no row security.
        """
        if organization_id is not None and cross_org:
            raise ValueError('a session is scoped to one organization or crosses them, not both')
        factory = self._read_sessions if read_only else self._sessions
        async with factory(info={'organization_id': organization_id, 'cross_org': cross_org}) as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise

    async def unrestricted_role(self) -> str | None:
        """The PostgreSQL role this app connects as, if row-level security does not bind it, else None.

        A superuser or BYPASSRLS role skips every policy: tenant isolation then rests on the queries alone.
        """
        if self.engine.dialect.name != 'postgresql':
            return None
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    text('SELECT rolname, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user')
                )
            ).one()
        return str(row[0]) if row[1] else None

    async def check_row_security(self) -> None:
        """At start: warn when the database role skips row-level security (docs/SECURITY.md)."""
        try:
            role = await self.unrestricted_role()
        except Exception as exc:  # a database still down at start is the outage handling's business, not ours
            log.warning('could not check the database role for row-level security: %s', type(exc).__name__)
            return
        if role is not None:
            log.warning(
                'DATABASE_URL connects as %r, a superuser or BYPASSRLS role: row-level security does not apply; '
                'connect as a plain role that owns the database (docs/SECURITY.md)',
                role,
            )

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
