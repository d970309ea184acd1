"""Installs the whole API (guard, routers, error handlers) on a FastAPI app."""

import inspect

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler

from ..context import AppContext
from ..paths import is_api_prefix
from . import auth, health, invites, leads, organizations, realtime, users, ws
from .errors import install_error_handlers
from .guard import TenancyGuard

ROUTERS = (
    auth.router,
    users.router,
    organizations.router,
    invites.router,
    leads.router,
    realtime.router,
    ws.router,
    health.router,
)


def install_api(app: FastAPI, ctx: AppContext) -> None:
    """Attach the context, the tenancy guard, every router and the error handlers to ``app``."""
    app.state.ctx = ctx
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(TenancyGuard, ctx=ctx)  # type: ignore[arg-type]
    _json_404_for_api(app)


def _json_404_for_api(app: FastAPI) -> None:
    # NiceGUI answers every unmatched path with its HTML 404 page; API clients get JSON instead,
    # browsers asking for HTML on a non-API path still get the page.
    page_handler = app.exception_handlers.get(404)

    async def not_found(request: Request, exc: Exception) -> Response:
        wants_html = 'text/html' in request.headers.get('accept', '')
        if page_handler is None or is_api_prefix(request.url.path) or not wants_html:
            return await http_exception_handler(request, exc)  # type: ignore[arg-type]
        response = page_handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.exception_handlers[404] = not_found
