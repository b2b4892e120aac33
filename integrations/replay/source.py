"""Evidence ports over replay scenarios: deploys, metric series, log lines, trace spans, the
cluster, flag changes and change-calendar windows of the asked service inside the asked window,
exactly as the scenarios recorded them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.evidence.changes import select_flag_changes, select_windows
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import (
    ChangeWindow,
    ClusterState,
    Deploy,
    FlagChange,
    LogRecord,
    MetricSeries,
    PodState,
    TraceSpan,
    Workload,
    WorkloadEvent,
    WorkloadRevision,
)
from bot.history.scenario import past_from_entry
from bot.history.values import PastIncident
from bot.scenario.models import ClusterDeployment, ClusterEvent, Scenario

__all__ = ["ReplayEvidence"]


class ReplayEvidence:
    """Implements ``DeploySource``, ``MetricsSource``, ``LogSource``, ``TraceSource``,
    ``ClusterSource``, ``FlagSource``, ``CalendarSource`` and ``HistorySource`` from
    scenarios."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def past_incidents(self, query: EvidenceQuery) -> Sequence[PastIncident]:
        """The ``history`` entries of the service, and those naming as their failing
        ``dependency`` a service it depends on (by the scenario's catalog), before ``until``."""
        found = []
        for scenario in self._scenarios:
            depends_on = set(scenario.to_catalog().dependencies(query.service))
            for entry in scenario.history:
                concerns = entry.service == query.service or entry.dependency in depends_on
                if concerns and entry.at <= query.until:
                    found.append(past_from_entry(entry))
        return sorted(found, key=lambda past: past.opened_at, reverse=True)

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        return [
            Deploy(
                service=deploy.service,
                sha=deploy.sha,
                at=deploy.at,
                author=deploy.author,
                pr=deploy.pr,
                title=deploy.title,
                files=tuple(deploy.files),
                has_migration=deploy.has_migration,
                succeeded=deploy.status == "succeeded",
            )
            for scenario in self._scenarios
            for deploy in scenario.deploys
            if deploy.service == query.service and query.since <= deploy.at <= query.until
        ]

    async def metrics(self, query: EvidenceQuery) -> Sequence[MetricSeries]:
        found = []
        for scenario in self._scenarios:
            for series in scenario.metrics:
                points = tuple(
                    (at, float(value))
                    for at, value in series.points
                    if query.since <= at <= query.until
                )
                if series.service == query.service and points:
                    found.append(MetricSeries(series.service, series.name, series.unit, points))
        return found

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        return [
            LogRecord(line.at, line.service, line.level, line.message, line.count)
            for scenario in self._scenarios
            for line in scenario.logs
            if line.service == query.service and query.since <= line.at <= query.until
        ]

    async def traces(self, query: EvidenceQuery) -> Sequence[TraceSpan]:
        return [
            TraceSpan(
                at=span.at,
                service=span.service,
                span=span.span,
                status=span.status,
                duration_ms=span.duration_ms,
                downstream=span.downstream,
            )
            for scenario in self._scenarios
            for span in scenario.traces
            if span.service == query.service and query.since <= span.at <= query.until
        ]

    async def flag_changes(self, query: EvidenceQuery) -> Sequence[FlagChange]:
        changes = (flag.to_evidence() for scenario in self._scenarios for flag in scenario.flags)
        return select_flag_changes(changes, query)

    async def change_windows(self, query: EvidenceQuery) -> Sequence[ChangeWindow]:
        windows = (entry.to_window() for scenario in self._scenarios for entry in scenario.calendar)
        return select_windows(windows, query)

    async def cluster(self, query: EvidenceQuery) -> ClusterState:
        """The Deployment named like the service (in the query's namespace, when it has one),
        its pods, and the events about either in the window; a ``previous_image`` is the
        revision before the current one, as a rollback would find it."""
        state = ClusterState()
        for scenario in self._scenarios:
            for deployment in scenario.cluster.deployments:
                if deployment.name != query.service or query.namespace not in (
                    None,
                    deployment.namespace,
                ):
                    continue
                pods = tuple(
                    PodState(
                        namespace=pod.namespace,
                        name=pod.name,
                        workload=deployment.name,
                        phase=pod.phase,
                        ready=pod.ready if pod.ready is not None else pod.phase == "Running",
                        restarts=pod.restarts,
                        last_termination_reason=pod.last_termination_reason,
                    )
                    for pod in scenario.cluster.pods
                    if pod.namespace == deployment.namespace and pod.deployment == deployment.name
                )
                about = {deployment.name} | {pod.name for pod in pods}
                events = tuple(
                    _event(event, deployment.name)
                    for event in scenario.cluster.events
                    if event.namespace == deployment.namespace
                    and event.object.rpartition("/")[2] in about
                    and query.since <= event.at <= query.until
                )
                state = state.merged(ClusterState((_workload(deployment),), pods, events))
        return state


def _workload(deployment: ClusterDeployment) -> Workload:
    revisions = [WorkloadRevision(deployment.revision, deployment.image, deployment.replicas)]
    if deployment.previous_image is not None and deployment.revision > 1:
        revisions.append(WorkloadRevision(deployment.revision - 1, deployment.previous_image, 0))
    return Workload(
        namespace=deployment.namespace,
        name=deployment.name,
        revision=deployment.revision,
        image=deployment.image,
        replicas=deployment.replicas,
        ready=deployment.ready,
        revisions=tuple(revisions),
    )


def _event(event: ClusterEvent, deployment: str) -> WorkloadEvent:
    """``object`` is ``kind/name``, or a bare name: the Deployment's own, else one of its pods."""
    kind, _, name = event.object.rpartition("/")
    kind = kind or ("deployment" if name == deployment else "pod")
    return WorkloadEvent(
        at=event.at,
        namespace=event.namespace,
        object=f"{kind.lower()}/{name}",
        type=event.type,
        reason=event.reason,
        message=event.message,
    )
