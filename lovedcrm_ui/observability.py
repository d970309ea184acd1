"""Prometheus metrics of one app: every metric's definition, in one registry per ``AppContext``.

``GET /metrics`` (api/prometheus.py) serves ``Metrics.render()`` in the Prometheus text format; the
operator's guide is docs/OPERATIONS.md. A registry of its own per app, not the client library's global
one: tests build several apps in one process, and each must count only its own requests.

The call sites stay one line each and cheap: a counter or a histogram per request, per commit or per
move, never per subscriber; what is already counted elsewhere (open boards and sockets, the database
pool, the listener's reconnections) is read only when Prometheus scrapes.
"""

import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine

from models.event import EventType

from .events.bus import LeadEvent
from .events.presence import PresenceRegistry
from .services.errors import Conflict, DomainError

CONTENT_TYPE = CONTENT_TYPE_LATEST
# no ``*_created`` series beside every counter and histogram (a setting of the client library, process-wide)
disable_created_metrics()
HTTP_METHODS = frozenset({'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'})
UNMATCHED_ROUTE = '<unmatched>'  # any path no route serves: one label value, whatever scanners try
LEAD_EVENT_TYPES = (
    EventType.LEAD_CREATED,
    EventType.LEAD_UPDATED,
    EventType.LEAD_STAGE_CHANGED,
    EventType.LEAD_DELETED,
    EventType.LEAD_NOTE_CHANGED,
    EventType.LEAD_ACTIVITY_CHANGED,
)
MOVE_RESULTS = ('ok', 'conflict', 'refused')
# requests: from a cached read (~1 ms) to a CSV import (seconds)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# commit → every local subscriber holds the event: normally well under a millisecond per board or socket
FAN_OUT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
# another replica's commit → delivered here: a NOTIFY, one query, the fan-out
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# one cyclic-GC collection (runtime_health.py): young ones take microseconds, a full one over a large heap 100s of ms
GC_PAUSE_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# how late the event loop woke a 100 ms sleep: the stall every task on the process saw
LOOP_LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ListenerState(Protocol):
    """What the metrics read of the PostgreSQL listener (events/pg_bridge.py)."""

    connected: bool
    reconnects: int


def status_class(status: int) -> str:
    """``2xx``, ``4xx``… (a label with five values, not one per status code)."""
    return f'{status // 100}xx'


class Metrics:
    """The app's metrics and their registry (``render()`` is the ``/metrics`` body)."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        # the client library's own: CPU, memory, open files, start time (Linux), the garbage collector, Python
        ProcessCollector(registry=registry)
        GCCollector(registry=registry)
        PlatformCollector(registry=registry)
        self.http_requests = Counter(
            'lovedcrm_http_requests',
            'HTTP requests answered, by method, route template and status class',
            ['method', 'route', 'status'],
            registry=registry,
        )
        self.http_duration = Histogram(
            'lovedcrm_http_request_duration_seconds',
            'Time from a request arriving to its response ending, by method and route template',
            ['method', 'route'],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self.stage_moves = Counter(
            'lovedcrm_stage_moves',
            'Stage moves asked for (REST and board): ok, conflict (a stale version) or refused (any other refusal)',
            ['result'],
            registry=registry,
        )
        self.lead_writes = Counter(
            'lovedcrm_lead_writes',
            'Lead events committed by this process, by event type',
            ['type'],
            registry=registry,
        )
        self.fan_out = Histogram(
            'lovedcrm_fanout_seconds',
            "Time from a commit to every local subscriber (boards' and sockets' queues) holding its events",
            buckets=FAN_OUT_BUCKETS,
            registry=registry,
        )
        self.listener_lag = Histogram(
            'lovedcrm_listener_lag_seconds',
            "Time from another replica's write (its event's timestamp) to its delivery here through PostgreSQL NOTIFY",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.gc_pause = Histogram(
            'lovedcrm_gc_pause_seconds',
            "One cyclic garbage collection's pause (everything on the process waits), by generation (2: full)",
            ['generation'],
            buckets=GC_PAUSE_BUCKETS,
            registry=registry,
        )
        self.loop_lag = Histogram(
            'lovedcrm_event_loop_lag_seconds',
            'How much later than asked the event loop woke a task sleeping 100 ms (GC pauses, blocking calls)',
            buckets=LOOP_LAG_BUCKETS,
            registry=registry,
        )
        for result in MOVE_RESULTS:  # every series exists from the start, at 0
            self.stage_moves.labels(result)
        for event_type in LEAD_EVENT_TYPES:
            self.lead_writes.labels(event_type)
        for generation in ('0', '1', '2'):
            self.gc_pause.labels(generation)

    def render(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)

    def follow(
        self,
        *,
        presence: PresenceRegistry,
        engine: AsyncEngine,
        listener: Callable[[], ListenerState | None],
    ) -> None:
        """Read open boards and sockets, the database pool and the listener when scraped."""
        self.registry.register(LiveCollector(presence, engine, listener))

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered HTTP request and its duration."""
        method = method if method in HTTP_METHODS else 'other'
        self.http_requests.labels(method, route, status_class(status)).inc()
        self.http_duration.labels(method, route).observe(seconds)

    @contextmanager
    def stage_move(self) -> Iterator[None]:
        """Count the stage move made inside: ok, conflict, or refused (another domain error); others pass uncounted."""
        try:
            yield
        except Conflict:
            self.stage_moves.labels('conflict').inc()
            raise
        except DomainError:
            self.stage_moves.labels('refused').inc()
            raise
        self.stage_moves.labels('ok').inc()

    def committed(self, events: Iterable[LeadEvent], started: float) -> None:
        """One commit's lead events were handed to every local subscriber (``started``: ``perf_counter`` at commit)."""
        elapsed = time.perf_counter() - started
        tally = Tally(event.type for event in events)
        if not tally:
            return  # a commit of access changes only
        self.fan_out.observe(elapsed)
        for event_type, count in tally.items():
            self.lead_writes.labels(event_type).inc(count)

    def delivered_from_listener(self, event: LeadEvent) -> None:
        """Another replica's event reached this one's subscribers now."""
        self.listener_lag.observe(max(0.0, time.time() - event.created_at.timestamp()))


class LiveCollector:
    """Gauges read when scraped: open boards and API sockets, the database pool, the PostgreSQL listener."""

    def __init__(
        self, presence: PresenceRegistry, engine: AsyncEngine, listener: Callable[[], ListenerState | None]
    ) -> None:
        self._presence = presence
        self._engine = engine
        self._listener = listener

    def collect(self) -> Iterable[Metric]:
        """The current values (called by the registry on every scrape)."""
        yield GaugeMetricFamily(
            'lovedcrm_open_boards', 'Board pages open on this process', value=self._presence.count_kind('board')
        )
        yield GaugeMetricFamily(
            'lovedcrm_open_sockets',
            'API WebSockets (/ws/pipeline, /ws/collaborate) open on this process',
            value=self._presence.count_kind('socket'),
        )
        pool = self._engine.pool
        size, in_use = getattr(pool, 'size', None), getattr(pool, 'checkedout', None)
        if callable(size) and callable(in_use):  # a queue pool (both backends by default)
            yield GaugeMetricFamily('lovedcrm_db_pool_size', 'Connections the database pool keeps', value=size())
            yield GaugeMetricFamily(
                'lovedcrm_db_pool_in_use', 'Database connections checked out of the pool right now', value=in_use()
            )
        listener = self._listener()
        if listener is not None:  # only with the PostgreSQL event bus
            yield GaugeMetricFamily(
                'lovedcrm_listener_connected',
                '1 while the PostgreSQL LISTEN connection is up',
                value=int(listener.connected),
            )
            yield CounterMetricFamily(
                'lovedcrm_listener_reconnects',
                'Times the PostgreSQL LISTEN connection was made again after it was lost',
                value=listener.reconnects,
            )
