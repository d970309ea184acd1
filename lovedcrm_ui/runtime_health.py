"""What the Python runtime itself costs the live path: cyclic-GC pauses and event-loop lag (issue 16).

Every board and socket adds long-lived objects, and a full (generation 2) collection walks all of them
while nothing else runs: with 1000 API sockets such a pause stalled every receiver of a move for
hundreds of milliseconds. ``RuntimeHealth`` makes that visible to an operator as two Prometheus histograms
(defined in observability.py): each collection's pause by generation (timed through ``gc.callbacks``), and
how late the event loop wakes a task that asked to sleep (``LoopLagMonitor``): a pause of any cause —
the collector, a blocking call, a slow handler — shows there.

``gc.callbacks`` is process-wide: ``start()`` adds this app's timer and ``stop()`` removes exactly that
one, so several apps in one process (tests) each time only while they run.

``HEAP`` (``HeapSettler``) keeps what lives long out of those full scans: ``gc.freeze()`` once the app has
started and again each time an API socket is set up (the hub calls ``settle()``), so a full collection walks
only what was made since; and it raises the young generation's threshold (``YOUNG_THRESHOLD``) above what one
fan-out holds at once, so a move's short-lived objects die by reference counting before any collection.
Measured at 1000 sockets (docs/BENCHMARKS.md): full collections over ~480k objects took 0.3 to 1.2 s each,
every few seconds; over the ~25k unfrozen ones, tens of ms; with the raised threshold, none during the moves.
The price: a cycle that was alive at a freeze and dies later is never collected while frozen (a board page
closed after a socket's freeze is such garbage), so the settler unfreezes, collects once (one full pause,
chosen, instead of one every few seconds) and freezes again after ``REFREEZE_AFTER`` sockets have closed, or
when the frozen heap has doubled since the last such collection (``settle()`` checks): frozen garbage never
grows past the live heap. The entry point turns it on (``enable()``); tests that build apps
in-process leave it off, so the test process keeps collecting its own garbage.
"""

import asyncio
import contextlib
import gc
import time
from typing import Any

from prometheus_client import Histogram

LAG_INTERVAL = 0.1  # seconds the monitor asks to sleep; a wake-up later than that is the loop's lag
REFREEZE_AFTER = 1000  # closed sockets (each may leave a few frozen cycles behind) before one full collection
# a young collection starts once this many more container objects were made than freed (CPython's default: 700).
# One fan-out to 1000 sockets holds ~10k short-lived ones at once (queued frames, send futures), so at 700 the
# collector ran dozens of times per move and promoted them to the old generation; above that peak it rarely runs
YOUNG_THRESHOLD = 20_000
GROWTH_FLOOR = 50_000  # frozen objects the heap may gain beyond doubling before a chosen full collection


class HeapSettler:
    """``gc.freeze()`` after start-up and after each socket set-up; a full collection once enough sockets closed."""

    def __init__(self, refreeze_after: int = REFREEZE_AFTER) -> None:
        self.enabled = False
        self.refreeze_after = refreeze_after
        self.released = 0  # sockets closed since the last full collection
        self.full_collections = 0  # the chosen ones (unfreeze, collect, freeze)
        self._frozen_after_collection = 0  # gc.get_freeze_count() right after the last full collection
        self._default_thresholds = gc.get_threshold()

    def enable(self) -> None:
        """Freeze what start-up built, raise the young threshold, and keep freezing from now on (idempotent)."""
        if not self.enabled:
            self._default_thresholds = gc.get_threshold()
            gc.set_threshold(max(YOUNG_THRESHOLD, self._default_thresholds[0]), *self._default_thresholds[1:])
        self.enabled = True
        gc.freeze()
        self._frozen_after_collection = gc.get_freeze_count()

    def disable(self) -> None:
        """Stop freezing, hand every frozen object back to the collector, restore the thresholds."""
        if self.enabled:
            gc.set_threshold(*self._default_thresholds)
        self.enabled = False
        gc.unfreeze()

    def settle(self) -> None:
        """What exists now will mostly live on (a socket was just set up): leave it out of full collections."""
        if not self.enabled:
            return
        if gc.get_freeze_count() > 2 * self._frozen_after_collection + GROWTH_FLOOR:
            self._collect_and_freeze()  # frozen garbage (closed pages, sockets) is bounded by the live heap
        else:
            gc.freeze()  # O(1): the collector's lists are joined, nothing is walked

    def release(self) -> None:
        """A socket closed; after ``refreeze_after`` of them, collect what they left behind (one full pause)."""
        if not self.enabled:
            return
        self.released += 1
        if self.released >= self.refreeze_after:
            self._collect_and_freeze()

    def _collect_and_freeze(self) -> None:
        self.released = 0
        self.full_collections += 1
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._frozen_after_collection = gc.get_freeze_count()


HEAP = HeapSettler()  # the process's one heap (gc is process-wide): the socket hub and the entry point use it


class GcPauseTimer:
    """Times every cyclic-GC collection of the process into a histogram labelled by generation."""

    def __init__(self, histogram: Histogram) -> None:
        self._by_generation = [histogram.labels(str(generation)) for generation in range(3)]
        self._started = 0.0
        self.installed = False

    def install(self) -> None:
        """Start timing (idempotent)."""
        if not self.installed:
            gc.callbacks.append(self._on_collection)
            self.installed = True

    def uninstall(self) -> None:
        """Stop timing (idempotent); other callbacks stay."""
        if self.installed:
            with contextlib.suppress(ValueError):
                gc.callbacks.remove(self._on_collection)
            self.installed = False

    def _on_collection(self, phase: str, info: dict[str, Any]) -> None:
        # runs inside the collector for every collection (hundreds a second under load): keep it to a clock read
        if phase == 'start':
            self._started = time.perf_counter()
        else:
            self._by_generation[info['generation']].observe(time.perf_counter() - self._started)


class LoopLagMonitor:
    """An owned task that sleeps ``interval`` again and again and records how much later than asked it woke."""

    def __init__(self, histogram: Histogram, interval: float = LAG_INTERVAL) -> None:
        self._histogram = histogram
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sampling on the running loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._sample(), name='loop-lag-monitor')

    async def stop(self) -> None:
        """Stop sampling and wait for the task to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + self._interval
            await asyncio.sleep(self._interval)
            self._histogram.observe(max(0.0, loop.time() - asked))


class RuntimeHealth:
    """The GC pause timer and the loop-lag monitor of one app, and (given ``heap``) the freezing, with its life."""

    def __init__(self, gc_pause: Histogram, loop_lag: Histogram, heap: HeapSettler | None = None) -> None:
        self.gc_timer = GcPauseTimer(gc_pause)
        self.loop_lag = LoopLagMonitor(loop_lag)
        self.heap = heap

    def start(self) -> None:
        """Begin timing collections and sampling the loop (call from inside the running loop); freeze the heap."""
        self.gc_timer.install()
        self.loop_lag.start()
        if self.heap is not None:
            self.heap.enable()

    async def stop(self) -> None:
        """Stop all three."""
        if self.heap is not None:
            self.heap.disable()
        self.gc_timer.uninstall()
        await self.loop_lag.stop()
