"""The values analysis concludes: hypotheses about the cause, what they rest on, and the
markers that warn the people reading the packet.

Every :class:`Citation` names the evidence it rests on by a stable id, so a reader (or the LLM
narrator) can point at it:

- ``deploy:<sha>`` a deploy; ``metric:<service>/<name>`` a metric series;
- ``log:<10 hex>`` a log template (:func:`bot.analysis.logs.template_id`);
- ``catalog:<service>`` a catalog entry; ``signal:<fingerprint>`` an alert;
- ``trace:<downstream>`` the service's traced calls to a downstream;
- ``evidence:<source>`` the absence or failure of a whole source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.analysis.deploys import SuspectDeploy
from bot.analysis.logs import LogCluster
from bot.analysis.spike import Spike
from bot.catalog import Catalog
from bot.evidence.values import (
    ChangeWindow,
    Deploy,
    FlagChange,
    LogRecord,
    MetricSeries,
    PodState,
    TraceSpan,
    WorkloadEvent,
)
from bot.scenario.terms import CauseKind, Marker
from bot.signal.values import Signal

__all__ = ["CaseFacts", "Citation", "Hypothesis", "RaisedMarker", "WindowMessage"]


@dataclass(frozen=True, slots=True)
class Citation:
    """One piece of evidence for or against a hypothesis, and how much it moved the
    confidence (always positive; whether it adds or subtracts depends on the side it is on)."""

    ref: str
    text: str
    weight: float


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A candidate cause. ``confidence`` is the sum of the weights for, minus the weights
    against, clamped to [0, 0.95] (see :mod:`bot.analysis.weights` for every weight)."""

    category: CauseKind
    statement: str
    supports: tuple[Citation, ...]
    contradicts: tuple[Citation, ...]
    confidence: float
    subject: str | None = None  # the deploy sha, dependency or resource it names

    @property
    def refs(self) -> tuple[str, ...]:
        """The evidence ids it cites, for and against, in order."""
        return tuple(c.ref for c in (*self.supports, *self.contradicts))


@dataclass(frozen=True, slots=True)
class RaisedMarker:
    """A warning for the people reading the packet, and the reason in words."""

    marker: Marker
    reason: str


@dataclass(frozen=True, slots=True)
class WindowMessage:
    """A distinct line of the incident window: its text, most severe level rank, and the id of
    its template (the log cluster a citation points at)."""

    text: str
    rank: int
    cluster_id: str


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the cause detectors read: the assessment's findings plus the raw evidence."""

    service: str
    first_seen: datetime
    spikes: tuple[Spike, ...]  # the service's own, earliest first
    candidates: tuple[SuspectDeploy, ...]  # deploys in the window before first_seen, latest first
    deploys: tuple[Deploy, ...]
    deploys_checked: bool
    metrics: tuple[MetricSeries, ...]
    logs: tuple[LogRecord, ...]  # the service's lines the log sources gave, as written
    window_start: datetime  # lines from here on belong to the incident; earlier ones are history
    clusters: tuple[LogCluster, ...]  # the incident window's lines, by template
    window_messages: tuple[WindowMessage, ...]  # its distinct lines, for searching by words
    signals: tuple[Signal, ...]
    catalog: Catalog
    flags: tuple[FlagChange, ...] = ()  # feature-flag changes, oldest first
    calendar: tuple[ChangeWindow, ...] = ()  # freeze and maintenance windows
    pods: tuple[PodState, ...] = ()  # the cluster's pods around the service
    traces: tuple[TraceSpan, ...] = ()  # spans of the service, oldest first
    related_logs: tuple[LogRecord, ...] = ()  # lines of its dependencies
    events: tuple[WorkloadEvent, ...] = ()  # Kubernetes events about its workload
    long_metrics: tuple[MetricSeries, ...] = ()  # the series over the long look-back (trends)
    earlier_flags: tuple[FlagChange, ...] = ()  # flag changes before the packet's window

    def over_long_span(self, series: MetricSeries) -> MetricSeries:
        """``series`` over the long look-back when the evidence has it, else as it is."""
        for longer in self.long_metrics:
            if longer.service == series.service and longer.name == series.name:
                return longer
        return series
