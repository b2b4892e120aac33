"""Structured logs: one JSON object per line, for our own loggers and every library's.

stdlib ``logging`` stays the API the code logs through (``logging.getLogger(__name__)``), so a
library's records are rendered the same way as ours: :func:`configure_logging` installs one
handler whose formatter runs structlog's processors. What a caller bound with
:func:`bound_context` (the incident id, the Slack envelope and delivery ids) is merged into every
line logged inside that context, across ``await`` and into tasks started there.

The redaction guard is the last step before a line is written: every configured secret value
(tokens, webhook secrets, the database password) is replaced by ``[REDACTED]`` in the rendered
line, whichever logger, message, argument or traceback carried it.
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

__all__ = ["REDACTED", "Redactor", "bound_context", "configure_logging"]

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
            structlog.processors.JSONRenderer(default=str),
            _redacting(redactor),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
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
