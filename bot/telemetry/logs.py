"""Structured logs: one JSON object per line, for our own loggers and every library's.

stdlib ``logging`` stays the API the code logs through (``logging.getLogger(__name__)``), so a
library's records are rendered the same way as ours: :func:`configure_logging` installs one
handler whose formatter runs structlog's processors. What a caller bound with
:func:`bound_context` (the incident id, the Slack envelope and delivery ids) is merged into every
line logged inside that context, across ``await`` and into tasks started there.

Two redaction guards stand before a line is written. Every text in the line's fields (the
message with its arguments, a traceback, anything bound) passes through
:func:`bot.redaction.redact`, as a Slack message does, so an alert's or a person's secret is a
placeholder in the logs too; then every configured secret value (tokens, webhook secrets, the
database password) is replaced by ``[REDACTED]`` in the rendered line, whichever logger, message,
argument or traceback carried it.

Database drivers never log bound parameters, at any level: SQLAlchemy's engines are built with
``hide_parameters`` (:func:`bot.db.create_engine`), and :class:`DriverParameterFilter` drops the
SQLite driver's (aiosqlite) DEBUG lines, each of which spells out the statement and its
parameters (``executing functools.partial(<method execute>, 'INSERT …', ('…',))``). The values
PostgreSQL repeats in an error's detail (``Key (value)=(…) already exists``) are cut from every
line too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO
from urllib.parse import quote

import structlog

from bot.redaction import redact

__all__ = [
    "REDACTED",
    "DriverParameterFilter",
    "Redactor",
    "bound_context",
    "configure_logging",
]

REDACTED = "[REDACTED]"


class Redactor:
    """Replaces every form a secret may take in a log line: as it is, JSON-escaped (how the
    renderer writes it) and percent-encoded (how it sits in a URL)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            forms.update({secret, json.dumps(secret)[1:-1], quote(secret, safe="")})
        # Longest first, so a secret that contains another is replaced whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text


def _redacting(redactor: Redactor) -> structlog.types.Processor:
    def redact(_logger: Any, _method: str, rendered: Any) -> Any:
        return redactor(rendered) if isinstance(rendered, str) else rendered

    return redact


# Loggers whose records below INFO carry SQL parameters (aiosqlite: every operation at DEBUG).
PARAMETER_LOGGERS = ("aiosqlite",)


class DriverParameterFilter(logging.Filter):
    """Drops the database drivers' records that spell out bound parameters: aiosqlite's DEBUG
    lines, whatever level its logger or the root is set to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            return True
        return not any(
            record.name == name or record.name.startswith(f"{name}.") for name in PARAMETER_LOGGERS
        )


# PostgreSQL repeats a violating row's values in its error detail ("Key (id)=(42) already
# exists.", "Failing row contains (...)."), which reaches a log line inside the error's text.
_ROW_DETAIL = re.compile(
    r"(Key \((?:[^()\n]|\([^()\n]*\))*\))=\((?:[^()\n]|\([^()\n]*\))*\)"
    r"|(Failing row contains )\([^\n]*\)"
)


def _without_row_values(text: str) -> str:
    if "Key (" not in text and "Failing row" not in text:
        return text
    return _ROW_DETAIL.sub(
        lambda m: f"{m.group(1) or m.group(2)}{'=' if m.group(1) else ''}(…)", text
    )


def _redacting_fields(redactor: Redactor) -> structlog.types.Processor:
    """Every text field of the line with the configured secrets marked ``[REDACTED]``, then
    through :func:`bot.redaction.redact` (the message, with its arguments already formatted in,
    and a rendered traceback included)."""

    def hidden(value: Any) -> Any:
        if isinstance(value, str):
            return redact(redactor(_without_row_values(value)))
        if isinstance(value, dict):
            return {key: hidden(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [hidden(item) for item in value]
        return value

    def redact_fields(_logger: Any, _method: str, event_dict: Any) -> Any:
        return {key: hidden(value) for key, value in event_dict.items()}

    return redact_fields


def _shared_processors() -> list[structlog.types.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(
    *, level: str, secrets: Iterable[str], stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record (ours and the libraries') as one JSON line to ``stream`` (stderr by
    default), with ``secrets`` redacted. Replaces the root logger's handlers; returns the one it
    installed. Called once by the command line, never at import."""
    redactor = Redactor(secrets)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            _redacting_fields(redactor),
            structlog.processors.JSONRenderer(default=str),
            _redacting(redactor),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(DriverParameterFilter())
    for name in PARAMETER_LOGGERS:  # and at the source, for any other handler (pytest's too)
        driver = logging.getLogger(name)
        if not any(isinstance(f, DriverParameterFilter) for f in driver.filters):
            driver.addFilter(DriverParameterFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    return handler


@contextmanager
def bound_context(**values: object) -> Iterator[None]:
    """Add ``values`` (None values are left out) to every log line written inside the block,
    including lines of tasks started inside it; the previous values come back afterwards."""
    present = {key: value for key, value in values.items() if value is not None}
    with structlog.contextvars.bound_contextvars(**present):
        yield
