"""A long-running background service of the process: one owned task, started and stopped with the app."""

import asyncio


class BackgroundService:
    """Runs ``_run()`` as one task between ``start()`` and ``stop()`` (both idempotent)."""

    task_name = 'lovedcrm-service'

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the work in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the work and wait until it has ended."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError
