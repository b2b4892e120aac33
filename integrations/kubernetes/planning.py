"""Dry-run plans from what the ``kubernetes`` client read: pure functions, one per kind, that
say what ``kubectl rollout undo``, ``kubectl rollout restart``, ``kubectl scale`` and
``kubectl delete pod`` would send and what they would change. The SDK's types stop here."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ClusterActionKind,
    ClusterRequest,
    ObservedState,
    Reversal,
)
from bot.errors import ActionPlanError
from integrations.kubernetes.planning_batch import check_batch_parameters
from integrations.kubernetes.reading import owned_by, revision_of

__all__ = [
    "HASH_LABEL",
    "JSON_PATCH",
    "MERGE_PATCH",
    "RESTARTED_AT",
    "STRATEGIC_MERGE_PATCH",
    "check_parameters",
    "delete_pod_plan",
    "deployment_path",
    "image_of",
    "pod_template",
    "restart_plan",
    "rollback_plan",
    "scale_plan",
    "set_env_plan",
    "template_text",
]

HASH_LABEL = "pod-template-hash"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"

Kind = ClusterActionKind


def deployment_path(target: ActionTarget) -> str:
    return f"/apis/apps/v1/namespaces/{target.namespace}/deployments/{target.name}"


def image_of(template: Any) -> str | None:
    containers = template.spec.containers if template is not None and template.spec else None
    return containers[0].image if containers else None


def pod_template(replica_set_template: dict[str, Any]) -> dict[str, Any]:
    """A ReplicaSet's pod template (as the API's JSON) without the ``pod-template-hash``
    label the controller added, which is what ``rollout undo`` puts on the Deployment."""
    template = copy.deepcopy(replica_set_template)
    labels = template.get("metadata", {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return template


def check_parameters(kind: ClusterActionKind, parameters: ActionParameters) -> None:
    """:class:`ActionPlanError` for parameters the kind does not take or lacks."""
    if kind in (Kind.RERUN_JOB, Kind.CONFIG_CHANGE, Kind.SET_ENV):
        check_batch_parameters(kind, parameters)
        return
    if parameters.key is not None or parameters.value is not None:
        raise ActionPlanError(f"a {kind.value} takes no key and no value")
    if kind is Kind.SCALE:
        if parameters.replicas is None:
            raise ActionPlanError("a scale needs a number of replicas")
        if parameters.replicas < 0:
            raise ActionPlanError("replicas cannot be negative")
    elif parameters.replicas is not None:
        raise ActionPlanError(f"a {kind.value} takes no number of replicas")
    if parameters.to_revision is not None and kind is not Kind.ROLLBACK:
        raise ActionPlanError(f"a {kind.value} takes no revision")
    if parameters.to_revision is not None and parameters.to_revision < 1:
        raise ActionPlanError("a revision is a positive number")


def _described(revision: int | None, image: str | None) -> str:
    return f"revision {revision} ({image or 'no image'})"


def rollback_plan(
    target: ActionTarget,
    parameters: ActionParameters,
    deployment: Any,
    replica_sets: Iterable[Any],
    serialize: Any,
) -> ActionPlan:
    """Like ``kubectl rollout undo [--to-revision]``: the Deployment's pod template replaced by
    the chosen ReplicaSet's. None chosen: the newest revision other than the current one."""
    revision = revision_of(deployment)
    image = image_of(deployment.spec.template)
    current = ObservedState(revision=revision, image=image)
    owned = {
        found: rs
        for rs in replica_sets
        if owned_by(rs, deployment.metadata.uid) and (found := revision_of(rs)) is not None
    }
    others = sorted(number for number in owned if number != revision)
    wanted = parameters.to_revision
    chosen = wanted if wanted is not None else (others[-1] if others else None)

    def refused(reason: str) -> ActionPlan:
        return ActionPlan(
            Kind.ROLLBACK, target, parameters, current, current, None, None, reason, reason
        )

    if chosen is None:
        return refused(f"cannot roll back {target}: no previous revision is kept (only {revision})")
    if chosen == revision:
        return refused(f"{target} already runs revision {revision}")
    if chosen not in owned:
        kept = ", ".join(str(number) for number in sorted(owned)) or "none"
        return refused(f"cannot roll back {target}: revision {chosen} is not kept (kept: {kept})")
    previous = owned[chosen]
    template = pod_template(serialize(previous.spec.template))
    if template == pod_template(serialize(deployment.spec.template)):
        return refused(f"{target} already runs the template of revision {chosen}")
    desired = ObservedState(revision=chosen, image=image_of(previous.spec.template))
    request = ClusterRequest.of(
        "PATCH",
        deployment_path(target),
        JSON_PATCH,
        [{"op": "replace", "path": "/spec/template", "value": template}],
    )
    back = Reversal(
        Kind.ROLLBACK,
        target,
        ActionParameters(to_revision=revision),
        f"roll {target} back to {_described(revision, image)}",
    )
    summary = (
        f"Roll back {target} from {_described(revision, image)} "
        f"to {_described(chosen, desired.image)}"
    )
    return ActionPlan(Kind.ROLLBACK, target, parameters, current, desired, request, back, summary)


def restart_plan(
    target: ActionTarget, parameters: ActionParameters, deployment: Any, now: datetime
) -> ActionPlan:
    """Like ``kubectl rollout restart``: a new ``restartedAt`` annotation on the pod template,
    so every pod is replaced by a rollout. Nothing undoes a restart."""
    annotations = (
        (deployment.spec.template.metadata.annotations or {})
        if (deployment.spec.template.metadata)
        else {}
    )
    revision = revision_of(deployment)
    current = ObservedState(
        revision=revision,
        image=image_of(deployment.spec.template),
        restarted_at=annotations.get(RESTARTED_AT),
    )
    at = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    desired = ObservedState(revision=(revision or 0) + 1, image=current.image, restarted_at=at)
    request = ClusterRequest.of(
        "PATCH",
        deployment_path(target),
        STRATEGIC_MERGE_PATCH,
        {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}},
    )
    summary = f"Restart every pod of {target} (a rollout of {_described(revision, current.image)})"
    return ActionPlan(Kind.RESTART, target, parameters, current, desired, request, None, summary)


def scale_plan(target: ActionTarget, parameters: ActionParameters, replicas: int) -> ActionPlan:
    """Like ``kubectl scale``: the Deployment's scale subresource set to ``replicas``."""
    wanted = parameters.replicas
    assert wanted is not None  # check_parameters ran first
    current = ObservedState(replicas=replicas)
    desired = ObservedState(replicas=wanted)
    if wanted == replicas:
        reason = f"{target} already has {replicas} replicas"
        return ActionPlan(
            Kind.SCALE, target, parameters, current, current, None, None, reason, reason
        )
    request = ClusterRequest.of(
        "PATCH", f"{deployment_path(target)}/scale", MERGE_PATCH, {"spec": {"replicas": wanted}}
    )
    back = Reversal(
        Kind.SCALE,
        target,
        ActionParameters(replicas=replicas),
        f"scale {target} back to {replicas} replicas",
    )
    summary = f"Scale {target} from {replicas} to {wanted} replicas"
    return ActionPlan(Kind.SCALE, target, parameters, current, desired, request, back, summary)


def delete_pod_plan(target: ActionTarget, parameters: ActionParameters, pod: Any) -> ActionPlan:
    """Like ``kubectl delete pod``: one pod, which its ReplicaSet replaces. A pod no
    ReplicaSet owns would not come back, so that plan is refused."""
    owner = next(
        (ref.name for ref in pod.metadata.owner_references or () if ref.kind == "ReplicaSet"),
        None,
    )
    current = ObservedState(pod_uid=pod.metadata.uid, owner=owner)
    if owner is None:
        reason = f"{target} belongs to no ReplicaSet: nothing would replace it"
        return ActionPlan(
            Kind.DELETE_POD, target, parameters, current, current, None, None, reason, reason
        )
    request = ClusterRequest.of(
        "DELETE",
        f"/api/v1/namespaces/{target.namespace}/pods/{target.name}",
        None,
        {"preconditions": {"uid": pod.metadata.uid}},
    )
    desired = ObservedState(owner=owner)
    summary = f"Delete pod {target}; ReplicaSet {owner} replaces it"
    return ActionPlan(Kind.DELETE_POD, target, parameters, current, desired, request, None, summary)


def template_text(deployment: Any, serialize: Any) -> str:
    """The Deployment's pod template as canonical JSON, for the checkpoint."""
    return json.dumps(serialize(deployment.spec.template), sort_keys=True)


def set_env_plan(target: ActionTarget, parameters: ActionParameters, deployment: Any) -> ActionPlan:
    """Like ``kubectl set env deployment/NAME KEY=VALUE`` (on its first container): a strategic
    merge patch of that one variable, which rolls the pods; undone by setting the old value back.
    A variable the container does not set as a plain value, or a value already in place, is
    refused."""
    key, value = parameters.key, parameters.value
    assert key is not None  # check_parameters ran first
    assert value is not None
    container = deployment.spec.template.spec.containers[0]
    entry = next((env for env in container.env or () if env.name == key), None)
    revision = revision_of(deployment)
    old = entry.value if entry is not None and entry.value_from is None else None
    current = ObservedState(revision=revision, value=old)

    def refused(reason: str) -> ActionPlan:
        return ActionPlan(
            Kind.SET_ENV, target, parameters, current, current, None, None, reason, reason
        )

    if old is None:
        return refused(f"{target} sets no plain value for {key} in container {container.name}")
    if old == value:
        return refused(f"{target} already has {key}={value}")
    request = ClusterRequest.of(
        "PATCH",
        deployment_path(target),
        STRATEGIC_MERGE_PATCH,
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": container.name, "env": [{"name": key, "value": value}]}
                        ]
                    }
                }
            }
        },
    )
    back = Reversal(
        Kind.SET_ENV,
        target,
        ActionParameters(key=key, value=old),
        f"set {key} of {target} back to {old}",
    )
    desired = ObservedState(revision=(revision or 0) + 1, value=value)
    summary = f"Set {key} of {target} (container {container.name}) from {old} to {value}"
    return ActionPlan(Kind.SET_ENV, target, parameters, current, desired, request, back, summary)
