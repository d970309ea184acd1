"""Logging set-up: plain text or one JSON object per line (``LOG_FORMAT``), and tokens never reach the logs.

WebSocket URLs may carry ``?token=``; a message may quote an ``Authorization`` header. Both are redacted
from every line the root handler writes, in either format. The JSON lines carry the record's own fields
(time, level, logger, message, exception) and the scalar ``extra`` fields a call site passes (the access
log's method, path, status, duration); never a header or anything named like a credential.
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal

TOKEN_IN_URL = re.compile(r'((?:access_|refresh_)?token=)[^&\s"]+', re.IGNORECASE)
BEARER = re.compile(r'(bearer\s+)[^\s"\',;]+', re.IGNORECASE)
TEXT_FORMAT = '%(asctime)s %(levelname)s %(name)s: %(message)s'
# extra fields never written, whatever a call site passes: headers and credentials
NEVER_LOGGED = re.compile(r'header|authori[sz]ation|cookie|token|passw|secret|key', re.IGNORECASE)
# attributes every LogRecord has (the JSON line names the ones it keeps itself)
RECORD_ATTRIBUTES = frozenset(logging.LogRecord('', 0, '', 0, '', None, None).__dict__) | {'message', 'asctime'}


def redact(value: Any) -> Any:
    """``value`` with any ``token=…`` query parameter and ``Bearer …`` credential replaced."""
    if not isinstance(value, str):
        return value
    return BEARER.sub(r'\1[redacted]', TOKEN_IN_URL.sub(r'\1[redacted]', value))


class RedactTokens(logging.Filter):
    """Rewrites log records so that no ``token=`` value (nor ``Bearer`` credential) is printed."""

    def filter(self, record: logging.LogRecord) -> bool:
        # the format string loses only URL tokens here ("Bearer %s" must keep its placeholder); the formatters
        # below redact the whole line once it is formatted
        record.msg = TOKEN_IN_URL.sub(r'\1[redacted]', record.msg) if isinstance(record.msg, str) else record.msg
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


class TextFormatter(logging.Formatter):
    """The plain text line, redacted as a whole (arguments that are not strings, exception text)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, without tokens."""
        return str(redact(super().format(record)))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            'time': datetime.fromtimestamp(record.created, UTC).isoformat(timespec='milliseconds'),
            'level': record.levelname,
            'logger': record.name,
            'message': redact(record.getMessage()),
        }
        for name, value in record.__dict__.items():
            if name in RECORD_ATTRIBUTES or name.startswith('_') or NEVER_LOGGED.search(name):
                continue
            if value is None or isinstance(value, str | int | float | bool):
                entry[name] = redact(value)
        if record.exc_info:
            entry['exception'] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry['stack'] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: Literal['text', 'json']) -> None:
    """Send every log record to standard error, as text or JSON lines, with tokens redacted (the entry point).

    Like ``logging.basicConfig``, it leaves a root logger that has handlers already alone (pytest's capture,
    when the simulated-user tests run main.py).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == 'json' else TextFormatter(TEXT_FORMAT))
    handler.addFilter(RedactTokens())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
