"""What the core needs from evidence sources. Adapters in ``integrations`` implement these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.evidence.values import (
    ChangeWindow,
    ClusterState,
    CodeChange,
    Deploy,
    FlagChange,
    LogRecord,
    MetricSeries,
    MonitorState,
    TraceSpan,
)
from bot.history.values import PastIncident

__all__ = [
    "CalendarSource",
    "ChangeSource",
    "ClusterSource",
    "DeploySource",
    "EvidenceQuery",
    "FlagSource",
    "HistorySource",
    "LogSource",
    "MetricsSource",
    "MonitorSource",
    "TraceSource",
]


@dataclass(frozen=True, slots=True)
class EvidenceQuery:
    """Which service, and the time window to look in. ``namespace`` is where the catalog says
    the service runs (None: unknown, look everywhere)."""

    service: str
    since: datetime
    until: datetime
    namespace: str | None = None


class DeploySource(Protocol):
    name: str

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        """Deploys of the service that landed in the window."""
        ...


class MetricsSource(Protocol):
    name: str

    async def metrics(self, query: EvidenceQuery) -> Sequence[MetricSeries]:
        """The service's key series (error rate, latency...) over the window."""
        ...


class LogSource(Protocol):
    name: str

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        """Warning and error log lines of the service in the window."""
        ...


class TraceSource(Protocol):
    name: str

    async def traces(self, query: EvidenceQuery) -> Sequence[TraceSpan]:
        """Spans of the service in the window, with the downstream each one called, so the
        analysis can see which dependency the failing requests end in."""
        ...


class ChangeSource(Protocol):
    name: str

    async def changes(self, query: EvidenceQuery) -> Sequence[CodeChange]:
        """Commits and merged pull requests of the service's code in the window, deployed or
        not, oldest first."""
        ...


class MonitorSource(Protocol):
    name: str

    async def monitor(self, monitor_id: str) -> MonitorState:
        """The monitor's current state; raises ``SourceUnavailableError`` when it cannot say."""
        ...


class ClusterSource(Protocol):
    name: str

    async def cluster(self, query: EvidenceQuery) -> ClusterState:
        """The service's workloads with their revisions, their pods, and the events about them
        in the window."""
        ...


class FlagSource(Protocol):
    name: str

    async def flag_changes(self, query: EvidenceQuery) -> Sequence[FlagChange]:
        """Feature-flag changes in the window that concern the service: those naming it and
        those naming no service (global flags)."""
        ...


class CalendarSource(Protocol):
    name: str

    async def change_windows(self, query: EvidenceQuery) -> Sequence[ChangeWindow]:
        """Freeze and maintenance windows that apply to the service and overlap the window."""
        ...


class HistorySource(Protocol):
    name: str

    async def past_incidents(self, query: EvidenceQuery) -> Sequence[PastIncident]:
        """Incidents resolved before ``query.until`` that may resemble one of ``query.service``:
        its own, and those that failed on a service it depends on; the most recent first, a
        bounded number (the similarity is judged by the packet, not the source)."""
        ...
