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
    # A 422 echoes the input, which may be what no response can carry: NaN / Infinity (Python's JSON parser
    # accepts them) travel as strings, and a lone surrogate (a JSON escape such as "\ud800", which UTF-8
    # cannot encode) as its escape text, in values and in keys alike
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return _encodable(value)
    if isinstance(value, dict):
        return {_json_safe(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _encodable(text: str) -> str:
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return text.encode('utf-8', 'backslashreplace').decode('utf-8')
    return text


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
