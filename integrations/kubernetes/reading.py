"""The ``kubernetes`` client's objects turned into the core's values, and nothing else: pure
functions, so what the bot concludes from a Deployment, a ReplicaSet, a Pod or an Event is
readable in one place. The SDK's types stop here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.evidence.values import PodState, Workload, WorkloadEvent, WorkloadRevision

__all__ = [
    "REVISION",
    "event_time",
    "owned_by",
    "pod_state",
    "revision_of",
    "selector_of",
    "workload",
    "workload_event",
    "workload_revision",
]

REVISION = "deployment.kubernetes.io/revision"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def revision_of(obj: Any) -> int | None:
    """The deployment controller's revision annotation, None when absent or not a number."""
    annotations = obj.metadata.annotations or {}
    try:
        return int(annotations[REVISION])
    except (KeyError, ValueError):
        return None


def _image(template: Any) -> str | None:
    containers = template.spec.containers if template and template.spec else None
    return containers[0].image if containers else None


def selector_of(deployment: Any) -> str:
    """The Deployment's ``matchLabels`` as a label selector (``app=billing``)."""
    labels = deployment.spec.selector.match_labels or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def owned_by(obj: Any, owner_uid: str) -> bool:
    return any(ref.uid == owner_uid for ref in obj.metadata.owner_references or ())


def workload_revision(replica_set: Any) -> WorkloadRevision | None:
    """A ReplicaSet as a revision; None for one without a revision annotation."""
    revision = revision_of(replica_set)
    if revision is None:
        return None
    return WorkloadRevision(
        revision=revision,
        image=_image(replica_set.spec.template),
        replicas=replica_set.spec.replicas or 0,
        created_at=_utc(replica_set.metadata.creation_timestamp),
    )


def workload(deployment: Any, replica_sets: Iterable[Any]) -> Workload:
    """A Deployment with the revisions its ReplicaSets hold, newest first."""
    revisions = (workload_revision(rs) for rs in replica_sets)
    status = deployment.status
    return Workload(
        namespace=deployment.metadata.namespace,
        name=deployment.metadata.name,
        revision=revision_of(deployment),
        image=_image(deployment.spec.template),
        replicas=deployment.spec.replicas if deployment.spec.replicas is not None else 1,
        ready=(status.ready_replicas or 0) if status else 0,
        revisions=tuple(sorted((r for r in revisions if r is not None), key=lambda r: -r.revision)),
    )


def _terminations(container: Any) -> Iterable[Any]:
    for state in (container.last_state, container.state):
        if state is not None and state.terminated is not None:
            yield state.terminated


def pod_state(pod: Any, workload_name: str | None) -> PodState:
    """A pod with its restarts summed over its containers, and the reason its containers last
    ended (the latest termination, current or previous: ``OOMKilled``, ``Error``...)."""
    statuses = (pod.status.container_statuses if pod.status else None) or []
    ended = [t for container in statuses for t in _terminations(container)]
    latest = max(
        ended,
        key=lambda t: _utc(t.finished_at) or datetime.min.replace(tzinfo=UTC),
        default=None,
    )
    conditions = (pod.status.conditions if pod.status else None) or []
    ready_condition = next((c for c in conditions if c.type == "Ready"), None)
    if ready_condition is not None:
        ready = ready_condition.status == "True"
    else:
        ready = bool(statuses) and all(container.ready for container in statuses)
    return PodState(
        namespace=pod.metadata.namespace,
        name=pod.metadata.name,
        workload=workload_name,
        phase=(pod.status.phase if pod.status else None) or "Unknown",
        ready=ready,
        restarts=sum(container.restart_count or 0 for container in statuses),
        last_termination_reason=latest.reason if latest is not None else None,
        last_terminated_at=_utc(latest.finished_at) if latest is not None else None,
    )


def event_time(event: Any) -> datetime | None:
    """When the event last happened: the newest of the timestamps the API may fill."""
    for moment in (
        event.last_timestamp,
        event.event_time,
        event.first_timestamp,
        event.metadata.creation_timestamp,
    ):
        if moment is not None:
            return _utc(moment)
    return None


def workload_event(event: Any) -> WorkloadEvent | None:
    """An Event as the core reads it; None for one without any timestamp."""
    at = event_time(event)
    if at is None:
        return None
    involved = event.involved_object
    return WorkloadEvent(
        at=at,
        namespace=event.metadata.namespace,
        object=f"{(involved.kind or 'object').lower()}/{involved.name}",
        type=event.type or "Normal",
        reason=event.reason or "",
        message=event.message or "",
        count=event.count or 1,
    )
