"""Maps domain errors to HTTP responses (``{"detail": …}`` plus any extra fields)."""

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..services.errors import DomainError


async def domain_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """One handler for every ``DomainError`` raised below a route."""
    assert isinstance(exc, DomainError)
    return JSONResponse({'detail': exc.detail, **exc.extra}, status_code=exc.status_code, headers=exc.headers)


def _json_safe(value: Any) -> Any:
    # JSON bodies may carry NaN / Infinity (Python's parser accepts them); echoing such an input
    # back in a 422 would make the response itself unencodable, so they travel as strings
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 shape (``{"detail": [{type, loc, msg, input}, …]}``), safe for any input."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({'detail': _json_safe(jsonable_encoder(exc.errors()))}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
