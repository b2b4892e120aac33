"""Whether an executed action has taken effect, from what the ``kubernetes`` client read: the
checks ``kubectl rollout status`` makes on a Deployment, and, for a deleted pod, a Ready
replacement from the same ReplicaSet. Pure functions answering ``(done, what was seen)``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.action.plan import ActionPlan, ClusterActionKind
from integrations.kubernetes.planning import RESTARTED_AT, image_of
from integrations.kubernetes.reading import owned_by

__all__ = ["replacement_progress", "rollout_progress"]


def _moved_on(plan: ActionPlan, deployment: Any) -> str | None:
    """Why the Deployment no longer holds what the action set, if someone changed it since."""
    template = deployment.spec.template
    if plan.kind is ClusterActionKind.ROLLBACK and image_of(template) != plan.desired.image:
        return f"it runs {image_of(template)}, not {plan.desired.image}"
    if plan.kind is ClusterActionKind.SCALE and deployment.spec.replicas != plan.desired.replicas:
        return f"it wants {deployment.spec.replicas} replicas, not {plan.desired.replicas}"
    if plan.kind is ClusterActionKind.SET_ENV:
        key = plan.parameters.key or ""
        now = {e.name: e.value for e in template.spec.containers[0].env or ()}.get(key)
        if now != plan.desired.value:
            return f"{key} is {now}, not {plan.desired.value}"
    if plan.kind is ClusterActionKind.RESTART:
        annotations = (template.metadata.annotations if template.metadata else None) or {}
        if annotations.get(RESTARTED_AT) != plan.desired.restarted_at:
            return "its template was changed again"
    return None


def rollout_progress(plan: ActionPlan, deployment: Any) -> tuple[bool, str]:
    """Done when the controller has seen the latest generation and every replica is updated and
    available, with none of an older template left."""
    moved = _moved_on(plan, deployment)
    if moved is not None:
        return False, f"{plan.target} changed after the action: {moved}"
    wanted = deployment.spec.replicas if deployment.spec.replicas is not None else 1
    status = deployment.status
    generation = deployment.metadata.generation or 0
    observed = (status.observed_generation if status else None) or 0
    updated = (status.updated_replicas if status else None) or 0
    available = (status.available_replicas if status else None) or 0
    total = (status.replicas if status else None) or 0
    seen = (
        f"{updated}/{wanted} updated, {available} available, {total} in all, "
        f"generation {observed}/{generation} observed"
    )
    done = observed >= generation and updated == wanted and available >= wanted and total == wanted
    return done, seen


def _ready(pod: Any) -> bool:
    conditions = (pod.status.conditions if pod.status else None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def replacement_progress(
    plan: ActionPlan, replica_set: Any, pods: Iterable[Any]
) -> tuple[bool, str]:
    """Done when the deleted pod is gone and another pod of its ReplicaSet is Ready."""
    owned = [pod for pod in pods if owned_by(pod, replica_set.metadata.uid)]
    if any(pod.metadata.uid == plan.current.pod_uid for pod in owned):
        return False, f"{plan.target} is still there"
    ready = [pod.metadata.name for pod in owned if _ready(pod)]
    wanted = replica_set.spec.replicas or 0
    seen = f"{len(ready)}/{wanted} pods of {replica_set.metadata.name} Ready"
    if ready:
        seen += f" ({', '.join(sorted(ready))})"
    return bool(ready) and len(ready) >= wanted, seen
