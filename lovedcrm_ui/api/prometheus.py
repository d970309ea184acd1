"""``GET /metrics`` (Prometheus text format) and the middleware that counts and times every HTTP request.

The metrics themselves are defined in observability.py; docs/OPERATIONS.md lists them. With
``METRICS_TOKEN`` set, ``/metrics`` wants ``Authorization: Bearer <token>`` (401 otherwise).
"""

import hmac
import time
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Header, Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..observability import CONTENT_TYPE, UNMATCHED_ROUTE, Metrics
from ..services.errors import ErrorCode, Unauthorized
from .deps import CtxDep
from .guard import bearer_token

router = APIRouter(tags=['health'])


@router.get('/metrics', include_in_schema=False)  # for Prometheus, not for API clients
async def metrics(ctx: CtxDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    """This process's metrics in the Prometheus text format."""
    expected = ctx.settings.metrics_token
    if expected:
        given = bearer_token(authorization) or ''
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Unauthorized(
                'A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)',
                code=ErrorCode.UNAUTHORIZED,
                headers={'WWW-Authenticate': 'Bearer'},
            )
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)


def route_template(scope: Scope, root_path: str) -> str:
    """The template of the route that served (or would serve) a request: ``/crm/leads/{lead_id}``, never an id."""
    path = getattr(scope.get('route'), 'path', None)
    if isinstance(path, str):
        return path
    mounted = scope.get('root_path', '')
    if len(mounted) > len(root_path):  # a mounted app (static files): its prefix
        return mounted[len(root_path) :] + '/{path}'
    # answered before routing (the tenancy guard, a body limit, a 503): the route the router would pick
    full, partial = _match(getattr(getattr(scope.get('app'), 'router', None), 'routes', ()), scope)
    return full or partial or UNMATCHED_ROUTE


def _match(routes: Iterable[BaseRoute], scope: Scope) -> tuple[str | None, str | None]:
    """(template of the first route that takes the request, of the first that takes its path with another method)."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.NONE:
            continue
        included = getattr(route, 'original_router', None)  # FastAPI keeps an included router as one route
        if included is not None:
            full, inner_partial = _match(included.routes, scope)
        else:
            path = getattr(route, 'path', None)
            if not isinstance(path, str):
                continue
            template = path + '/{path}' if isinstance(route, Mount) else path
            full, inner_partial = (template, None) if match == Match.FULL else (None, template)
        if full is not None and match == Match.FULL:
            return full, None
        partial = partial or inner_partial
    return None, partial


class HttpMetrics:
    """Pure ASGI middleware: one count and one duration per HTTP request (WebSockets are gauged elsewhere)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        root_path = scope.get('root_path', '')
        status: int | None = None

        async def watched_send(message: Message) -> None:
            nonlocal status
            if message['type'] == 'http.response.start':
                status = message['status']
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            status = status or 500  # Starlette's outermost handler answers it
            raise
        finally:
            # None: the client went away before any answer (a cancelled request is not counted)
            if status is not None:
                seconds = time.perf_counter() - started
                self.metrics.http_request(scope['method'], route_template(scope, root_path), status, seconds)
