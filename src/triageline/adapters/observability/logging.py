"""Structured (one JSON object per line) logging with a PHI redaction filter.

The filter masks phone numbers, dates (dates of birth), e-mail addresses and long digit runs in
every message, argument and extra attribute, and replaces outright any extra attribute whose
name suggests PHI (``transcript``, ``text``, ``body``, ``name``, ``dob``, ...). Exceptions are
logged as type and stack frames only: exception messages often quote input (validation errors),
so they are never written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import IO, Any, Final

REDACTED: Final = "[redacted]"

_PHI_NAME = re.compile(
    r"(transcript|text|body|name|dob|birth|phone|number|caller|patient|email|address|reason|"
    r"symptom|speech|message_text|content|form|query|digits)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATE = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r",?\s+\d{4}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
    r"\.?,?\s+\d{4}\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]*\d){6,}(?![\w])")

# Attributes every LogRecord has; anything else was passed through ``extra=``.
_STANDARD: Final = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName", "color_message"}
_SAFE_EXTRAS: Final = frozenset({"request_id", "method", "path", "status", "duration_ms"})


def redact_text(text: str) -> str:
    """Mask e-mail addresses, dates and phone-like digit runs in free text."""
    text = _EMAIL.sub("[email]", text)
    text = _DATE.sub("[date]", text)
    return _PHONE.sub("[number]", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return redact_text(repr(value))


class PhiRedactionFilter(logging.Filter):
    """Mask PHI in a record in place; attach it to every handler that writes logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message, its arguments and extra attributes; always keep the record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if key in _STANDARD or key in _SAFE_EXTRAS:
                continue
            record.__dict__[key] = REDACTED if _PHI_NAME.search(key) else _redact_value(value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: at, level, logger, msg, extras, and exception type/frames."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the (already redacted) record."""
        payload: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            payload["exc_type"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
            payload["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Route all logging through one redacting JSON handler on ``stream`` (default stderr)."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PhiRedactionFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_triageline", False):
            root.removeHandler(existing)
    handler._triageline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "sqlalchemy.engine"):
        child = logging.getLogger(name)
        child.handlers.clear()
        child.propagate = True
    # Access lines would carry query strings; the app's own request log records the path only.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    # HTTP clients log request URLs at INFO (a FHIR patient search puts the name and birth date
    # in the query string; calendar feed URLs carry secrets): only their warnings pass.
    for name in ("sqlalchemy.engine", "httpx", "httpcore", "twilio.http_client"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
