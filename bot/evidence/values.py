"""The evidence the core reasons about. Adapters return these, never a vendor SDK type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.history.values import PastIncident

__all__ = [
    "ChangeWindow",
    "ChangeWindowKind",
    "ClusterState",
    "CodeChange",
    "Deploy",
    "EvidenceBundle",
    "FlagChange",
    "LogRecord",
    "MetricSeries",
    "MonitorState",
    "PodState",
    "SourceFailure",
    "TraceSpan",
    "Workload",
    "WorkloadEvent",
    "WorkloadRevision",
]


@dataclass(frozen=True, slots=True)
class Deploy:
    service: str
    sha: str
    at: datetime
    author: str | None = None
    pr: int | None = None
    title: str | None = None
    files: tuple[str, ...] = ()
    has_migration: bool = False
    succeeded: bool = True
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CodeChange:
    """A change that reached the service's code, deployed or not: a commit on the default branch
    (with the pull request that merged it, when known) or a merged pull request.

    Lets the analysis tell "nothing changed" from "something changed but was not deployed"."""

    service: str
    sha: str
    at: datetime
    title: str | None = None
    author: str | None = None
    pr: int | None = None
    url: str | None = None
    files: tuple[str, ...] = ()  # as far as the source read them; empty when it did not
    has_migration: bool = False


@dataclass(frozen=True, slots=True)
class MetricSeries:
    service: str
    name: str
    unit: str | None
    points: tuple[tuple[datetime, float], ...]


@dataclass(frozen=True, slots=True)
class LogRecord:
    at: datetime
    service: str
    level: str
    message: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class TraceSpan:
    """One traced operation of a service, and the call it made to ``downstream`` (another
    service, a database, a queue) when it made one: how it ended and how long it took.

    ``status`` is the tracer's own word or code (``OK``, ``error``, ``503``, ``ECONNREFUSED``);
    the analysis decides what counts as a failure."""

    at: datetime
    service: str
    span: str
    status: str
    duration_ms: float
    downstream: str | None = None


@dataclass(frozen=True, slots=True)
class MonitorState:
    """A monitor as its source sees it now: is the alert that opened the incident still firing?

    ``state`` is the source's own word (Datadog: ``OK``, ``Alert``, ``Warn``, ``No Data``...).
    A multi-alert monitor has ``groups`` (one per host, service...), ``groups_firing`` of them
    firing since ``since`` (the earliest of their triggers); None when the source did not say."""

    monitor_id: str
    name: str
    state: str
    firing: bool
    query: str | None = None
    tags: tuple[str, ...] = ()
    since: datetime | None = None
    groups: int = 0
    groups_firing: int = 0


@dataclass(frozen=True, slots=True)
class WorkloadRevision:
    """One rollout of a workload (a Kubernetes ReplicaSet), known by its revision number: what
    a rollback would return to."""

    revision: int
    image: str | None
    replicas: int
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Workload:
    """A service as the cluster runs it (a Kubernetes Deployment). ``revisions`` are newest
    first; the current one is among them when the cluster still keeps it."""

    namespace: str
    name: str
    revision: int | None
    image: str | None
    replicas: int
    ready: int
    revisions: tuple[WorkloadRevision, ...] = ()


@dataclass(frozen=True, slots=True)
class PodState:
    """One pod of a workload: whether it serves, how often it restarted, and why its
    container last ended (``OOMKilled``, ``Error``...), the mark of resource exhaustion."""

    namespace: str
    name: str
    workload: str | None
    phase: str
    ready: bool
    restarts: int
    last_termination_reason: str | None = None
    last_terminated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkloadEvent:
    """What the cluster said about a workload, its revisions or its pods (``BackOff``,
    ``ScalingReplicaSet``...). ``object`` is ``kind/name``."""

    at: datetime
    namespace: str
    object: str
    type: str
    reason: str
    message: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class ClusterState:
    """The cluster around a service: its workloads, their pods, and the events in the window."""

    workloads: tuple[Workload, ...] = ()
    pods: tuple[PodState, ...] = ()
    events: tuple[WorkloadEvent, ...] = ()

    def merged(self, other: ClusterState) -> ClusterState:
        return ClusterState(
            self.workloads + other.workloads, self.pods + other.pods, self.events + other.events
        )


@dataclass(frozen=True, slots=True)
class FlagChange:
    """A feature flag that changed: ``change`` is the source's own words (``enabled for 100%``,
    ``off -> on``). A change without ``service`` is global: it may touch every service."""

    at: datetime
    key: str
    change: str
    service: str | None = None

    def concerns(self, service: str) -> bool:
        """Whether the change may touch ``service``: it names it, or names no service."""
        return self.service is None or self.service == service


class ChangeWindowKind(StrEnum):
    FREEZE = "freeze"  # no changes to production unless an exception is approved
    MAINTENANCE = "maintenance"  # planned work: degraded service may be expected


@dataclass(frozen=True, slots=True)
class ChangeWindow:
    """An entry of the change calendar, from ``start`` up to (not including) ``end``. Without
    ``services`` it applies to every service."""

    start: datetime
    end: datetime
    kind: ChangeWindowKind
    services: tuple[str, ...] = ()
    note: str | None = None

    def applies_to(self, service: str) -> bool:
        return not self.services or service in self.services

    def covers(self, service: str, at: datetime) -> bool:
        """Whether the window applies to ``service`` at the instant ``at``."""
        return self.applies_to(service) and self.start <= at < self.end

    def overlaps(self, since: datetime, until: datetime) -> bool:
        """Whether any instant of ``[since, until]`` lies inside the window."""
        return self.start <= until and since < self.end


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """A source that could not answer: the packet names it and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class EvidenceBundle:
    deploys: tuple[Deploy, ...] = ()
    metrics: tuple[MetricSeries, ...] = ()
    logs: tuple[LogRecord, ...] = ()
    cluster: ClusterState = field(default_factory=ClusterState)
    flags: tuple[FlagChange, ...] = ()  # oldest first
    calendar: tuple[ChangeWindow, ...] = ()  # by start
    traces: tuple[TraceSpan, ...] = ()  # oldest first
    changes: tuple[CodeChange, ...] = ()  # commits and merged pull requests, oldest first
    monitors: tuple[MonitorState, ...] = ()  # the alerting monitors as their source sees them now
    monitors_unread: tuple[str, ...] = ()  # monitor ids asked for that no source could read
    history: tuple[PastIncident, ...] = ()  # incidents resolved before that may resemble it
    unavailable: tuple[SourceFailure, ...] = ()
    deploys_checked: bool = False  # at least one deploy source answered
    # The same series over the long look-back (a trend over days, a peak before a release);
    # ``metrics`` holds them cut to the packet's window, where change is detected.
    long_metrics: tuple[MetricSeries, ...] = ()
    # The service's (and its neighbours') lines before the packet's window, over the long
    # look-back: when customer data first went astray, which templates are old.
    earlier_logs: tuple[LogRecord, ...] = ()
    earlier_flags: tuple[FlagChange, ...] = ()  # flag changes before the window, oldest first
    # What kinds declared since the bundle's fields were written gathered, by kind field name
    # (bot.evidence.kinds): read with ``of``.
    extra: tuple[tuple[str, object], ...] = ()

    def of(self, name: str) -> object:
        """What the kind field ``name`` gathered (None when nothing), for a kind that has no
        field of its own here."""
        return next((value for key, value in self.extra if key == name), None)
