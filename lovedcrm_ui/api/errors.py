"""Maps errors to HTTP responses: ``{"detail": …, "code": …}`` plus any extra fields (docs/API-ERRORS.md)."""

import math
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException

from ..services.errors import STATUS_CODES, DomainError, ErrorCode


def error_body(detail: Any, code: ErrorCode, **extra: Any) -> dict[str, Any]:
    """The one shape of every error body."""
    return {'detail': detail, 'code': code.value, **extra}


async def domain_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """One handler for every ``DomainError`` raised below a route."""
    assert isinstance(exc, DomainError)
    return JSONResponse(error_body(exc.detail, exc.code, **exc.extra), status_code=exc.status_code, headers=exc.headers)


async def http_error_handler(_request: Request, exc: Exception) -> Response:
    """An HTTP error raised by the framework (unknown path, wrong method): FastAPI's body plus a ``code``."""
    assert isinstance(exc, HTTPException)
    if not is_body_allowed_for_status_code(exc.status_code):
        return Response(status_code=exc.status_code, headers=exc.headers)
    code = STATUS_CODES.get(exc.status_code, ErrorCode.HTTP_ERROR)
    return JSONResponse(error_body(exc.detail, code), status_code=exc.status_code, headers=exc.headers)


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
    """FastAPI's 422 shape (``{"detail": [{type, loc, msg, input}, …]}``) with ``code``, safe for any input."""
    assert isinstance(exc, RequestValidationError)
    detail = _json_safe(jsonable_encoder(exc.errors()))
    return JSONResponse(error_body(detail, ErrorCode.VALIDATION_ERROR), status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
