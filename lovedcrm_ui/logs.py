"""Logging set-up: tokens never reach the logs (WebSocket URLs may carry ``?token=``)."""

import logging
import re
from typing import Any

TOKEN_IN_URL = re.compile(r'((?:access_|refresh_)?token=)[^&\s"]+', re.IGNORECASE)


def redact(value: Any) -> Any:
    """``value`` with any ``token=…`` query parameter replaced."""
    return TOKEN_IN_URL.sub(r'\1[redacted]', value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Rewrites log records so that no ``token=`` value is printed."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(arg) for key, arg in record.args.items()}
        return True


def install_token_redaction() -> None:
    """Attach the filter to the loggers that print request lines (uvicorn's access and WebSocket logs)."""
    for name in ('uvicorn.access', 'uvicorn.error', 'uvicorn'):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
