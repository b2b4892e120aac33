"""Every log line a test causes, ours and the libraries', at DEBUG, as the bot writes them; the
logging set-up before it is put back afterwards."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from bot.telemetry.logs import configure_logging

__all__ = ["debug_log_lines"]


@contextmanager
def debug_log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging(level="DEBUG", secrets=[], stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()
