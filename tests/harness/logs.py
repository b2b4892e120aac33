"""Capturing the log lines a test causes, ours and the libraries', as the bot writes them; the
logging set-up before it is put back afterwards."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import structlog

from bot.telemetry.logs import configure_logging

__all__ = ["debug_log_lines", "restored_logging"]


@contextmanager
def restored_logging() -> Iterator[None]:
    """Whatever the block configures, the root logger's handlers and level and structlog's
    defaults are as before once it ends."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()


@contextmanager
def debug_log_lines(secrets: Sequence[str] = ()) -> Iterator[io.StringIO]:
    """Every line at DEBUG, configured as ``serve`` does with ``secrets`` as its secrets."""
    with restored_logging():
        stream = io.StringIO()
        configure_logging(level="DEBUG", secrets=list(secrets), stream=stream)
        yield stream
