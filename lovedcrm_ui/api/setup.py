"""Installs the whole API (guard, routers, error handlers) on a FastAPI app."""

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException

from ..context import AppContext
from ..paths import is_api_prefix
from ..shutdown import CloseWhileDraining
from ..web_security import SecurityHeaders
from . import activities, auth, billing, health, invites, leads, members, organizations, prometheus, realtime, users, ws
from .access_log import AccessLog
from .errors import http_error_handler, install_error_handlers
from .guard import TenancyGuard
from .limits import BodyLimit
from .openapi import declare_error_bodies
from .prometheus import HttpMetrics
from .unavailable import DatabaseUnavailable

ROUTERS = (
    auth.router,
    users.router,
    organizations.router,
    members.router,
    invites.router,
    leads.router,
    activities.router,
    realtime.router,
    ws.router,
    health.router,
    billing.router,
    prometheus.router,
)


def install_api(app: FastAPI, ctx: AppContext) -> None:
    """Attach the context, the tenancy guard, every router and the error handlers to ``app``."""
    app.state.ctx = ctx
    # include_router wraps the app's lifespan around each router's (ours have none); building the app
    # again in the same process (every simulated-user test) would nest those wrappers until the stack overflows
    lifespan = app.router.lifespan_context
    for router in ROUTERS:
        app.include_router(router)
    app.router.lifespan_context = lifespan
    install_error_handlers(app)
    app.add_middleware(TenancyGuard, ctx=ctx)
    # around the guard: an oversized body is refused before any work (api/limits.py)
    app.add_middleware(BodyLimit, max_bytes=ctx.settings.max_request_bytes, upload_bytes=ctx.settings.max_import_bytes)
    # added last, so it wraps the guard (which opens a session itself): a database failure anywhere is a 503
    app.add_middleware(DatabaseUnavailable, health=ctx.health)
    # outermost: every response, a 503 or a 413 included, carries the security headers (web_security.py)
    app.add_middleware(SecurityHeaders, hsts=ctx.settings.cookie_secure)
    # counts every answer, a refusal before routing included, under its route template (api/prometheus.py)
    app.add_middleware(HttpMetrics, metrics=ctx.metrics)
    app.add_middleware(CloseWhileDraining, drain=ctx.drain)  # going away: no connection is kept alive (shutdown.py)
    if ctx.settings.access_log:  # around everything: the line shows what the client got, and the whole time
        app.add_middleware(AccessLog)
    _json_404_for_api(app)
    declare_error_bodies(app)


class _NotFound:
    """JSON 404 for API paths and API clients; NiceGUI's HTML 404 page for a browser on any other path."""

    def __init__(self, page_handler: Callable[..., Any] | None) -> None:
        self.page_handler = page_handler

    async def __call__(self, request: Request, exc: HTTPException) -> Response:
        # Starlette calls a status-code handler (404) only with an HTTPException of that status
        wants_html = 'text/html' in request.headers.get('accept', '')
        if self.page_handler is None or is_api_prefix(request.url.path) or not wants_html:
            return await http_error_handler(request, exc)
        response = self.page_handler(request, exc)
        return await response if inspect.isawaitable(response) else response


def _json_404_for_api(app: FastAPI) -> None:
    # NiceGUI answers every unmatched path with its HTML 404 page; API clients get JSON instead,
    # browsers asking for HTML on a non-API path still get the page.
    page_handler = app.exception_handlers.get(404)
    if isinstance(page_handler, _NotFound):  # the app is built again in this process: wrap NiceGUI's, not ours
        page_handler = page_handler.page_handler
    app.exception_handlers[404] = _NotFound(page_handler)
