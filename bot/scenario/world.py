"""The world around a scenario's alert, as the format writes it: deploys, metrics, logs, traces,
the Kubernetes cluster, feature flags, past incidents and the change calendar.

These are validated values of the file, not the evidence the core reasons about; a replay
adapter turns them into :mod:`bot.evidence.values`. Every instant is an aware UTC datetime.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from bot.action.kinds import ActionKind
from bot.configfile import FileModel, Text, UtcDatetime, invalid_at
from bot.evidence import values

__all__ = [
    "CalendarEntry",
    "Cluster",
    "ClusterConfigMap",
    "ClusterCronJob",
    "ClusterDeployment",
    "ClusterEvent",
    "ClusterPod",
    "CommitSha",
    "Deploy",
    "FlagChange",
    "LogLine",
    "MetricSeries",
    "PastIncident",
    "TraceSpan",
]


def _number_as_text(value: object) -> object:
    """YAML reads ``sha: 1234567`` or ``status: 500`` as a number; the format means the text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


CommitSha = Annotated[Text, BeforeValidator(_number_as_text)]
"""A commit sha, full or abbreviated; a sha YAML read as a number is taken as its digits."""

Count = Annotated[int, Field(ge=0)]


class Deploy(FileModel):
    service: Text
    sha: CommitSha
    at: UtcDatetime
    author: Text | None = None
    pr: int | None = Field(default=None, ge=1)
    title: str | None = None
    files: tuple[Text, ...] = ()
    has_migration: bool = False
    status: Literal["succeeded", "failed"] = "succeeded"

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class MetricSeries(FileModel):
    """One time series; ``points`` are sorted by time whatever the order in the file."""

    service: Text
    name: Text
    unit: Text | None = None
    points: tuple[tuple[UtcDatetime, float], ...]

    @field_validator("points")
    @classmethod
    def _in_time_order(
        cls, points: tuple[tuple[datetime, float], ...]
    ) -> tuple[tuple[datetime, float], ...]:
        if not points:
            raise ValueError("points must hold at least one [at, value] pair")
        return tuple(sorted(points, key=lambda point: point[0]))


class LogLine(FileModel):
    """A log line; ``count`` folds that many identical lines into one."""

    at: UtcDatetime
    service: Text
    level: Text
    message: str
    count: int = Field(default=1, ge=1)


class TraceSpan(FileModel):
    at: UtcDatetime
    service: Text
    span: Text
    downstream: Text | None = None
    status: Annotated[Text, BeforeValidator(_number_as_text)]
    duration_ms: float = Field(ge=0)


class ClusterDeployment(FileModel):
    namespace: Text
    name: Text
    revision: Count
    replicas: Count
    ready: Count
    image: Text
    previous_image: Text | None = None


class ClusterPod(FileModel):
    namespace: Text
    name: Text
    deployment: Text | None = None
    phase: Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"]
    ready: bool | None = None
    restarts: Count
    last_termination_reason: Text | None = None


class ClusterEvent(FileModel):
    at: UtcDatetime
    namespace: Text
    object: Text
    type: Literal["Normal", "Warning"]
    reason: Text
    message: str


class ClusterConfigMap(FileModel):
    """A ConfigMap, e.g. the settings a job reads (``{SOURCE_DB_HOST: db-replica-2}``)."""

    namespace: Text
    name: Text
    data: dict[Text, str] = {}


class ClusterCronJob(FileModel):
    """A CronJob whose pods run ``image`` with the environment of ``config_map`` (envFrom) and
    ``env``. ``last_run`` seeds its latest scheduled Job (at ``last_run_at``) as ``failed`` or
    ``succeeded``; a run whose environment holds one of ``fails_when`` fails (the Kubernetes
    emulator's job controller), any other completes."""

    namespace: Text
    name: Text
    schedule: Text
    image: Text
    config_map: Text | None = None
    env: dict[Text, str] = {}
    fails_when: dict[Text, str] = {}
    last_run: Literal["failed", "succeeded"] | None = None
    last_run_at: UtcDatetime | None = None


class Cluster(FileModel):
    """The cluster in Kubernetes terms."""

    deployments: tuple[ClusterDeployment, ...] = ()
    pods: tuple[ClusterPod, ...] = ()
    events: tuple[ClusterEvent, ...] = ()
    config_maps: tuple[ClusterConfigMap, ...] = ()
    cron_jobs: tuple[ClusterCronJob, ...] = ()


class FlagChange(FileModel):
    at: UtcDatetime
    key: Text
    service: Text | None = None
    change: Text

    def to_evidence(self) -> values.FlagChange:
        return values.FlagChange(at=self.at, key=self.key, change=self.change, service=self.service)


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def _duration(value: object) -> object:
    """``time_to_resolve``: minutes as a number (``6``), or ``1h30m``, ``45m``, ``2d``, ``90s``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return timedelta(minutes=value)
    if isinstance(value, str):
        match = _DURATION.match(value.strip().replace(" ", ""))
        if match is None or not any(match.groups()):
            raise ValueError(f"{value!r} is not a duration: write minutes (6) or 1h30m, 45m, 2d")
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return value


class PastIncident(FileModel):
    """A past incident (version 1: ``at``, ``service``, ``title``, ``cause``, ``resolution``).

    The optional keys added since (files without them stay valid) let the packet compare it:
    ``fingerprint`` (the alert's, or the end of it: ``checkout-5xx`` matches
    ``generic:checkout-5xx``), ``log_templates`` (log lines or their templates, new in its
    window), ``time_to_resolve``, ``dependency`` (what a ``cause: dependency`` failed on) and
    ``remedy`` (the action kind that fixed it, verified). ``cause`` that names a cause kind
    (``deploy``, ``dependency``...) is its ranked cause; other words are kept as its story."""

    at: UtcDatetime
    service: Text
    title: Text
    cause: str | None = None
    resolution: str | None = None
    fingerprint: Text | None = None
    log_templates: tuple[Text, ...] = ()
    time_to_resolve: Annotated[timedelta, BeforeValidator(_duration)] | None = None
    dependency: Text | None = None
    remedy: ActionKind | None = None


class CalendarEntry(FileModel):
    """A change freeze or maintenance window; without ``services`` it applies to all."""

    start: UtcDatetime
    end: UtcDatetime
    kind: Literal["freeze", "maintenance"]
    services: tuple[Text, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> CalendarEntry:
        if self.end <= self.start:
            raise invalid_at(("end",), "end must be after start", self.end.isoformat())
        return self

    def covers(self, service: str, at: datetime) -> bool:
        """Whether the entry applies to ``service`` at the instant ``at`` (end excluded)."""
        return self.to_window().covers(service, at)

    def to_window(self) -> values.ChangeWindow:
        return values.ChangeWindow(
            start=self.start,
            end=self.end,
            kind=values.ChangeWindowKind(self.kind),
            services=self.services,
            note=self.note,
        )
