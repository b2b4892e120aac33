"""The service's workloads with their revisions, their pods, and the events about them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import (
    ClusterState,
    PodState,
    Workload,
    WorkloadEvent,
    WorkloadRevision,
)
from bot.scenario.schemas import ClusterDeployment, ClusterEvent, Scenario

__all__ = ["KIND", "ClusterSource", "ReplayCluster"]


class ClusterSource(Protocol):
    name: str

    async def cluster(self, query: EvidenceQuery) -> ClusterState:
        """The service's workloads with their revisions, their pods, and the events about them
        in the window."""
        ...


class ReplayCluster:
    """The scenarios' ``cluster`` sections as a cluster would answer for the asked service."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

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


async def _state(source: ClusterSource, query: EvidenceQuery) -> Sequence[ClusterState]:
    return (await source.cluster(query),)


async def _gather(
    sources: Sequence[ClusterSource], request: EvidenceRequest, ask: Asker
) -> Gathered:
    found = await ask("cluster", sources, lambda source: _state(source, request.query))
    cluster = ClusterState()
    for state in found.items:
        cluster = cluster.merged(state)
    return Gathered({"cluster": cluster}, found.failures)


KIND: EvidenceKind[ClusterSource] = EvidenceKind("cluster", 40, _gather, ReplayCluster)
