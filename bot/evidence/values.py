"""The evidence the core reasons about. Adapters return these, never a vendor SDK type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "CodeChange",
    "Deploy",
    "EvidenceBundle",
    "LogRecord",
    "MetricSeries",
    "MonitorState",
    "SourceFailure",
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
class MonitorState:
    """A monitor as its source sees it now: is the alert that opened the incident still firing?

    ``state`` is the source's own word (Datadog: ``OK``, ``Alert``, ``Warn``, ``No Data``...)."""

    monitor_id: str
    name: str
    state: str
    firing: bool
    query: str | None = None
    tags: tuple[str, ...] = ()


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
    unavailable: tuple[SourceFailure, ...] = ()
    deploys_checked: bool = False  # at least one deploy source answered
