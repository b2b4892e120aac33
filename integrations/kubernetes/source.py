"""Kubernetes as an evidence source (the core's ``ClusterSource``), through the official
``kubernetes`` client: the service's Deployments with the revisions their ReplicaSets keep (by
the ``deployment.kubernetes.io/revision`` annotation), their pods with restarts and the reason
each last ended, and the events about any of them in the window.

The client is synchronous, so a read runs in a worker thread and never blocks the event loop.
The whole read shares one deadline: each request gets what is left of it as its timeout, so a
hung API server costs at most the deadline, in the thread as well as in the caller. Refusals
and transport failures become :class:`~bot.errors.SourceUnavailableError` with a reason the
packet can show (``401 Unauthorized: check the token``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from kubernetes import client

from bot.errors import SourceUnavailableError
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import ClusterState, PodState, Workload, WorkloadEvent
from integrations.kubernetes.calls import CALL_ERRORS, Budget, failure_reason
from integrations.kubernetes.connection import KubeConnection
from integrations.kubernetes.reading import (
    owned_by,
    pod_state,
    selector_of,
    workload,
    workload_event,
)

__all__ = ["KubernetesEvidence"]


class KubernetesEvidence:
    """Implements ``ClusterSource``. A service is the Deployment of the same name, in the
    namespace the catalog gives (every namespace when it gives none)."""

    name = "Kubernetes"

    def __init__(self, connection: KubeConnection, *, deadline: float) -> None:
        """Raise :class:`~bot.errors.ConfigError` when the connection cannot be used."""
        if deadline <= 0:
            raise ValueError("the deadline must be positive")
        self._configuration = connection.configuration()
        self._deadline = deadline

    async def cluster(self, query: EvidenceQuery) -> ClusterState:
        return await asyncio.to_thread(self._read, query)

    def _read(self, query: EvidenceQuery) -> ClusterState:
        budget = Budget(self._deadline)
        try:
            with client.ApiClient(self._configuration) as api:
                return _ClusterReader(api, budget).read(query)
        except CALL_ERRORS as exc:
            raise SourceUnavailableError(self.name, failure_reason(exc, budget)) from exc


class _ClusterReader:
    """One read of the cluster around a service, request by request within a budget."""

    def __init__(self, api: client.ApiClient, budget: Budget) -> None:
        self._apps = client.AppsV1Api(api)
        self._core = client.CoreV1Api(api)
        self._budget = budget

    def read(self, query: EvidenceQuery) -> ClusterState:
        workloads: list[Workload] = []
        pods: list[PodState] = []
        events: list[WorkloadEvent] = []
        for deployment in self._deployments(query):
            found_workload, found_pods, names = self._workload(deployment)
            workloads.append(found_workload)
            pods.extend(found_pods)
            events.extend(self._events(deployment.metadata.namespace, names, query))
        return ClusterState(tuple(workloads), tuple(pods), tuple(events))

    def _deployments(self, query: EvidenceQuery) -> list[Any]:
        by_name = f"metadata.name={query.service}"
        if query.namespace is not None:
            found = self._apps.list_namespaced_deployment(
                query.namespace, field_selector=by_name, _request_timeout=self._budget.timeout()
            )
        else:
            found = self._apps.list_deployment_for_all_namespaces(
                field_selector=by_name, _request_timeout=self._budget.timeout()
            )
        return list(found.items)

    def _workload(self, deployment: Any) -> tuple[Workload, list[PodState], set[str]]:
        """The workload, its pods, and the names of every object events may be about."""
        namespace, uid = deployment.metadata.namespace, deployment.metadata.uid
        selector = selector_of(deployment)
        replica_sets: list[Any] = [
            rs
            for rs in self._apps.list_namespaced_replica_set(
                namespace, label_selector=selector, _request_timeout=self._budget.timeout()
            ).items
            if owned_by(rs, uid)
        ]
        replica_set_uids = {rs.metadata.uid for rs in replica_sets}
        pods: list[Any] = [
            pod
            for pod in self._core.list_namespaced_pod(
                namespace, label_selector=selector, _request_timeout=self._budget.timeout()
            ).items
            if any(owned_by(pod, owner) for owner in replica_set_uids)
        ]
        names = {deployment.metadata.name}
        names.update(rs.metadata.name for rs in replica_sets)
        names.update(pod.metadata.name for pod in pods)
        name = deployment.metadata.name
        return workload(deployment, replica_sets), [pod_state(p, name) for p in pods], names

    def _events(self, namespace: str, names: set[str], query: EvidenceQuery) -> list[Any]:
        listed = self._core.list_namespaced_event(
            namespace, _request_timeout=self._budget.timeout()
        ).items
        chosen = [
            found
            for found in (workload_event(e) for e in listed if e.involved_object.name in names)
            if found is not None and query.since <= found.at <= query.until
        ]
        return sorted(chosen, key=lambda e: e.at)
