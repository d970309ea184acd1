"""Pages that plugins declare (``extensions.PluginPage``): signed in, in the app's frame, live, under ``/x/``."""

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, ui

from ...context import AppContext
from ...events import LeadEvent
from ...extensions import PageContext, PluginPage, localize, read_leads
from ..access_watch import AccessWatch
from ..frame import frame
from ..session import Viewer, require_viewer

log = logging.getLogger(__name__)


class PluginPageRun:
    """One open plugin page: its body element and the lead events its plugin asked for."""

    def __init__(self, ctx: AppContext, viewer: Viewer, body: ui.element) -> None:
        self.ctx = ctx
        self.viewer = viewer
        self.body = body
        self.client = ui.context.client
        self._listeners: list[Callable[[Any], Awaitable[None] | None]] = []
        self._queue: asyncio.Queue[LeadEvent] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def context(self) -> PageContext:
        """What the plugin's ``build`` gets."""
        viewer, ctx = self.viewer, self.ctx

        def session() -> Any:
            return ctx.db.session(read_only=True, organization_id=viewer.organization_id)

        async def leads() -> list[dict[str, Any]]:
            async with session() as s:
                return await read_leads(s, viewer.organization_id)

        return PageContext(
            user_id=viewer.user_id,
            user_name=viewer.name,
            organization_id=viewer.organization_id,
            role=viewer.role,
            language=viewer.language,
            session=session,
            on_lead_event=self.on_lead_event,
            leads=leads,
        )

    def on_lead_event(self, callback: Callable[[Any], Awaitable[None] | None]) -> None:
        """Call ``callback(event)`` (sync or async) for each lead event of the organization while the page is open.

        Bus listeners run inside the writer's commit, so events are queued and handed to the plugin by one task
        per page, inside the page's body (elements it creates land there).
        """
        if not self._listeners:
            subscription = self.ctx.bus.subscribe(self.viewer.organization_id, self._queue.put_nowait)
            self._worker = background_tasks.create(self._deliver(), name=f'plugin-page-{self.client.id}')

            def stop() -> None:
                subscription.cancel()
                if self._worker is not None:
                    self._worker.cancel()

            self.client.on_delete(stop)
        self._listeners.append(callback)

    async def _deliver(self) -> None:
        while True:
            event = await self._queue.get()
            if self.body.is_deleted:
                return
            for callback in list(self._listeners):
                try:
                    with self.body:
                        result = callback(event)
                        if inspect.isawaitable(result):
                            await result
                except asyncio.CancelledError:
                    raise
                except Exception:  # one plugin's bug must not stop the page's other listeners
                    log.exception('plugin page listener failed on event %s', event.seq)


def register_plugin_page(ctx: AppContext, plugin_page: PluginPage) -> None:
    """Add one plugin page (the frame, the sign-in check, access changes, then the plugin's ``build``)."""

    @ui.page(plugin_page.path, title=f'{localize(plugin_page.title, None)} · LovedCRM')
    async def page() -> None:
        viewer = await require_viewer(ctx)
        if viewer is None:
            return
        with frame(ctx, viewer, page=plugin_page.key):
            with ui.column().classes('w-full gap-3 q-pa-md plugin-page') as body:
                ui.label(localize(plugin_page.title, viewer.language)).classes('text-h5')
            AccessWatch(ctx, viewer, content=body)
        run = PluginPageRun(ctx, viewer, body)
        with body:
            result = plugin_page.build(run.context())
            if inspect.isawaitable(result):
                await result


def register_plugin_pages(ctx: AppContext) -> None:
    """Every page the loaded plugins declare."""
    for plugin_page in ctx.extensions.pages.values():
        register_plugin_page(ctx, plugin_page)
