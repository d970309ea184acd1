"""Maps domain errors to HTTP responses (``{"detail": …}`` plus any extra fields)."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..services.errors import DomainError


async def domain_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """One handler for every ``DomainError`` raised below a route."""
    assert isinstance(exc, DomainError)
    return JSONResponse({'detail': exc.detail, **exc.extra}, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handler on an app."""
    app.add_exception_handler(DomainError, domain_error_handler)
