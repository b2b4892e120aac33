"""bench/packet --timeline: where one packet's time goes, step by step.

Bench-only and read from the outside: nothing in the bot knows it is traced. It records, in
wall-clock seconds (the clock the packet's ``ts`` is in) and with the asyncio task that did it:

- every transaction and statement on the bot's database engine (SQLAlchemy events: ``BEGIN``,
  each statement's verb and table, ``COMMIT``), so the worker's wake-up, the claim/correlate
  transaction, the publishers' polls, the lease, the history read and each recorded step show;
- every Slack Web API call the bot sends (slack_sdk's request log), e.g. ``conversations.create``
  and ``chat.postMessage``;
- every evidence source's question and answer (the bench's latent sources);
- the event loop's lag: a task that asks to wake every 5 ms and notes each time it woke more
  than 15 ms late (a blocked loop: CPU work, a synchronous call).

The bench adds its own marks (alert sent, 202, packet ``ts``) and prints the events between a
packet's alert and its ``ts`` relative to the 202.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["Timeline"]

_VERB = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|PRAGMA|WITH)\b", re.IGNORECASE)
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)
_METHOD = re.compile(r"Sending a request - url: \w+ \S*/api/([\w.]+)")
LAG_STEP_S = 0.005
LAG_REPORTED_S = 0.015


def _task() -> str:
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "thread"
    return task.get_name() if task is not None else "-"


def _statement(text: str) -> str:
    verb = _VERB.match(text)
    table = _TABLE.search(text)
    return f"{verb.group(1).upper() if verb else text[:12]} {table.group(1) if table else ''}"


@dataclass
class Timeline:
    events: list[tuple[float, str, str]] = field(default_factory=list)
    _lag: asyncio.Task[None] | None = None

    def mark(self, what: str, at: float | None = None) -> None:
        self.events.append((time.time() if at is None else at, _task(), what))

    def attach(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        starts: dict[int, float] = {}

        def begin(_connection: Any) -> None:
            self.mark("db BEGIN")

        def commit(_connection: Any) -> None:
            self.mark("db COMMIT")

        def before(_c: Any, cursor: Any, statement: str, *_args: Any) -> None:
            starts[id(cursor)] = time.time()

        def after(_c: Any, cursor: Any, statement: str, *_args: Any) -> None:
            began = starts.pop(id(cursor), time.time())
            took = (time.time() - began) * 1000
            self.mark(f"db {_statement(statement)} ({took:.1f} ms)", at=began)

        event.listen(sync, "begin", begin)
        event.listen(sync, "commit", commit)
        event.listen(sync, "before_cursor_execute", before)
        event.listen(sync, "after_cursor_execute", after)
        timeline = self

        class SlackCalls(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                found = _METHOD.search(record.getMessage())
                if found:
                    timeline.mark(f"slack {found.group(1)} sent", at=record.created)

        logger = logging.getLogger("slack_sdk.web.async_base_client")
        logger.setLevel(logging.DEBUG)
        logger.addHandler(SlackCalls(logging.DEBUG))
        self._lag = asyncio.create_task(self._watch_lag(), name="bench-lag")

    async def _watch_lag(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(LAG_STEP_S)
            late = time.monotonic() - before - LAG_STEP_S
            if late > LAG_REPORTED_S:
                self.mark(f"LOOP BLOCKED {late * 1000:.0f} ms", at=time.time() - late)

    def between(self, start: float, end: float) -> list[tuple[float, str, str]]:
        return sorted(e for e in self.events if start <= e[0] <= end)

    def render(self, sent: float, accepted: float, posted: float) -> str:
        lines = [f"{'+s from 202':>12}  {'task':<14} event"]
        for at, task, what in self.between(sent - 0.001, posted + 0.001):
            lines.append(f"{at - accepted:>+12.3f}  {task:<14} {what}")
        lines.append(f"{posted - accepted:>+12.3f}  {'emulator':<14} packet stored (ts)")
        return "\n".join(lines)

    def stop(self) -> None:
        if self._lag is not None:
            self._lag.cancel()
