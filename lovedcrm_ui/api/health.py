"""``/health`` (API-CONTRACT §6), ``/healthz`` (alive) and ``/readyz`` (database reachable)."""

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from models import utcnow

from .. import __version__
from .deps import CtxDep

router = APIRouter(tags=['health'])
STARTED = time.monotonic()


async def _database_status(ctx: CtxDep) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with ctx.db.session(read_only=True) as session:
            await session.execute(text('SELECT 1'))
        state = 'healthy'
    except Exception as exc:  # reported, not raised: health must answer when the database is down
        state = f'unhealthy: {type(exc).__name__}'
    return {
        'status': state,
        'response_time_ms': round((time.perf_counter() - started) * 1000, 2),
        'type': ctx.db.engine.dialect.name,
    }


@router.get('/health')
async def health(ctx: CtxDep) -> dict[str, Any]:
    """Service status with its dependencies; ``degraded`` when the database does not answer."""
    started = time.perf_counter()
    database = await _database_status(ctx)
    bridge = ctx.bridge
    event_bus = {'status': bridge.status() if bridge is not None else 'healthy', 'type': ctx.settings.event_bus}
    healthy = database['status'] == 'healthy' and event_bus['status'] == 'healthy'
    return {
        'status': 'healthy' if healthy else 'degraded',
        'service': 'lovedcrm-pipeline',
        'version': __version__,
        'timestamp': utcnow().isoformat(),
        'uptime': round(time.monotonic() - STARTED, 3),
        'dependencies': {'database': database, 'event_bus': event_bus},
        'response_time_ms': round((time.perf_counter() - started) * 1000, 2),
    }


@router.get('/healthz')
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {'status': 'ok'}


@router.get('/readyz')
async def readyz(ctx: CtxDep) -> JSONResponse:
    """Readiness: the database answers, and the process is not going away (SIGTERM: 503, route elsewhere)."""
    if ctx.drain.draining:
        return JSONResponse({'status': 'shutting down'}, 503)
    database = await _database_status(ctx)
    ready = database['status'] == 'healthy'
    return JSONResponse({'status': 'ready' if ready else 'not ready', 'database': database}, 200 if ready else 503)
