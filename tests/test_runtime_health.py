"""What an operator sees of the runtime's own stalls on ``GET /metrics``: GC pauses and event-loop lag.

lovedcrm_ui/runtime_health.py times every cyclic-GC collection (a full one over a large heap stalls every
board and socket of the process) and samples how late the event loop wakes a sleeping task.
"""

import gc
import time
import weakref
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from waiting import until

from lovedcrm_ui.context import AppContext
from lovedcrm_ui.runtime_health import GROWTH_FLOOR, YOUNG_THRESHOLD, HeapSettler, RuntimeHealth

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: httpx.AsyncClient) -> Samples:
    """``GET /metrics`` as Prometheus reads it: every sample by (name, labels)."""
    response = await api.get('/metrics')
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when the series does not exist yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def runtime(ctx: AppContext) -> AsyncIterator[RuntimeHealth]:
    """The app's runtime monitors, started as the app's start-up starts them."""
    health = RuntimeHealth(ctx.metrics.gc_pause, ctx.metrics.loop_lag)
    health.start()
    yield health
    await health.stop()


async def test_every_generation_exists_from_the_start_at_zero_or_more(api: httpx.AsyncClient) -> None:
    samples = await scrape(api)

    for generation in ('0', '1', '2'):
        assert ('lovedcrm_gc_pause_seconds_count', frozenset({('generation', generation)})) in samples
    assert ('lovedcrm_event_loop_lag_seconds_count', frozenset()) in samples


async def test_a_full_collection_shows_as_a_generation_2_pause(api: httpx.AsyncClient, runtime: RuntimeHealth) -> None:
    before = await scrape(api)

    gc.collect()  # a full collection, as the collector itself starts one when the old generation has grown

    after = await scrape(api)
    grew = value(after, 'lovedcrm_gc_pause_seconds_count', generation='2') - value(
        before, 'lovedcrm_gc_pause_seconds_count', generation='2'
    )
    assert grew >= 1
    assert value(after, 'lovedcrm_gc_pause_seconds_sum', generation='2') > value(
        before, 'lovedcrm_gc_pause_seconds_sum', generation='2'
    )


async def test_a_blocked_event_loop_shows_as_lag(api: httpx.AsyncClient, runtime: RuntimeHealth) -> None:
    async def lagged_over_a_quarter_second() -> float:
        samples = await scrape(api)
        total = value(samples, 'lovedcrm_event_loop_lag_seconds_count')
        return total - value(samples, 'lovedcrm_event_loop_lag_seconds_bucket', le='0.25')

    assert await lagged_over_a_quarter_second() == 0

    time.sleep(0.4)  # noqa: ASYNC251 - on purpose: a handler that blocks the loop is what the monitor exists to show

    await until(lagged_over_a_quarter_second, 'a wake-up more than 250 ms late on /metrics')


async def test_a_stopped_app_no_longer_times_collections(api: httpx.AsyncClient, runtime: RuntimeHealth) -> None:
    await runtime.stop()
    before = await scrape(api)

    gc.collect()

    after = await scrape(api)
    assert value(after, 'lovedcrm_gc_pause_seconds_count', generation='2') == value(
        before, 'lovedcrm_gc_pause_seconds_count', generation='2'
    )
    assert runtime.gc_timer._on_collection not in gc.callbacks


class Cycle:
    """Garbage only the cyclic collector can free: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_what_closed_sockets_left_frozen_is_collected_after_enough_of_them_closed() -> None:
    heap = HeapSettler(refreeze_after=3)
    heap.enable()
    try:
        left_behind = Cycle()
        heap.settle()  # a socket was set up while the cycle was alive: frozen with it
        alive = weakref.ref(left_behind)
        del left_behind

        gc.collect()
        assert alive() is not None, 'frozen: no collection looks at it'

        heap.release()
        heap.release()
        gc.collect()
        assert alive() is not None
        heap.release()  # the third closed socket: one full collection

        assert alive() is None
        assert heap.full_collections == 1
        assert gc.get_freeze_count() > 0, 'frozen again afterwards'
    finally:
        heap.disable()
    assert gc.get_freeze_count() == 0


def test_frozen_garbage_never_outgrows_the_live_heap() -> None:
    # pages closed after a socket's freeze are garbage the collector no longer sees: once the frozen heap has
    # doubled (and grown past the floor) since the last full collection, the next settle() collects instead
    heap = HeapSettler(refreeze_after=10**9)
    heap.enable()
    try:
        closed_page = [Cycle() for _ in range(GROWTH_FLOOR + 2 * gc.get_freeze_count())]
        alive = weakref.ref(closed_page[0])
        heap.settle()  # frozen with the "page" alive
        del closed_page
        assert alive() is not None and heap.full_collections == 0
        heap.settle()  # the next socket: the frozen heap has more than doubled, so it is collected first
        assert alive() is None
        assert heap.full_collections == 1
    finally:
        heap.disable()


def test_a_settler_left_off_never_freezes() -> None:
    heap = HeapSettler(refreeze_after=1)

    heap.settle()
    heap.release()

    assert gc.get_freeze_count() == 0
    assert heap.full_collections == 0


def test_while_on_the_young_generation_waits_for_more_and_its_default_comes_back_after() -> None:
    default = gc.get_threshold()
    heap = HeapSettler()

    heap.enable()
    try:
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        assert gc.get_threshold()[1:] == default[1:]
    finally:
        heap.disable()

    assert gc.get_threshold() == default
