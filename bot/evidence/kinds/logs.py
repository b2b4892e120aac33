"""Warning and error log lines of the service: in the packet's window, and before it over the
log look-back (a trend over days, the normal level before a release, a first exposure)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import LogRecord
from bot.scenario.schemas import Scenario

__all__ = ["KIND", "LogSource", "ReplayLogs"]


class LogSource(Protocol):
    name: str

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        """Warning and error log lines of the service in the window."""
        ...


class ReplayLogs:
    """The scenarios' ``logs`` of the asked service inside the asked window."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        return [
            LogRecord(line.at, line.service, line.level, line.message, line.count)
            for scenario in self._scenarios
            for line in scenario.logs
            if line.service == query.service and query.since <= line.at <= query.until
        ]


async def _gather(sources: Sequence[LogSource], request: EvidenceRequest, ask: Asker) -> Gathered:
    window = request.earlier
    found, earlier = await asyncio.gather(
        ask("logs", sources, lambda source: source.logs(request.query)),
        ask("logs:earlier", sources if window else (), lambda s: s.logs(window or request.query)),
    )
    before = tuple(line for line in earlier.items if line.at < request.query.since)
    return Gathered(
        {"logs": found.items, "earlier_logs": before}, found.failures + earlier.failures
    )


KIND: EvidenceKind[LogSource] = EvidenceKind("logs", 30, _gather, ReplayLogs)
