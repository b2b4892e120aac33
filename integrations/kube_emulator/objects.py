"""Kubernetes objects as the API server stores and returns them (JSON), with its defaults.

Builders for what the emulator creates (deployments from a seed, their ReplicaSets and pods,
events) and the defaulting the API server applies to a pod template on every write: without it
a template sent back by ``kubectl rollout undo`` would not equal the stored one, and the
controller would not find the ReplicaSet to reuse.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime
from typing import Any

__all__ = [
    "HASH_LABEL",
    "RESTARTED_AT",
    "REVISION",
    "REVISION_HISTORY",
    "container_status",
    "default_template",
    "deployment_object",
    "event_object",
    "iso",
    "owner_reference",
    "pod_object",
    "safe_hash",
    "template_hash",
    "template_without_hash",
]

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
HASH_LABEL = "pod-template-hash"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# The alphabet of generated names (k8s.io/apimachinery/pkg/util/rand): no vowels, no look-alikes.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def iso(at: datetime) -> str:
    """An instant as the API writes it: RFC 3339, seconds, ``Z``."""
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def safe_hash(text: str, length: int) -> str:
    """A name suffix in the API's safe alphabet, stable for the same ``text``."""
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:12], "big")
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def template_without_hash(template: dict[str, Any]) -> dict[str, Any]:
    """A pod template without the ``pod-template-hash`` label the controller adds: templates are
    compared this way to find a Deployment's ReplicaSet."""
    bare = copy.deepcopy(template)
    labels = bare.get("metadata", {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return bare


def template_hash(template: dict[str, Any], collisions: int = 0) -> str:
    canonical = json.dumps(template_without_hash(template), sort_keys=True)
    return safe_hash(f"{canonical}/{collisions}", 10)


def default_template(template: dict[str, Any]) -> dict[str, Any]:
    """The API server's defaults for a pod template's spec and containers."""
    result = copy.deepcopy(template)
    result.setdefault("metadata", {})
    spec = result.setdefault("spec", {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for container in spec.get("containers") or []:
        if not isinstance(container, dict):
            continue
        image = str(container.get("image", ""))
        tag = image.rsplit("/", 1)[-1]
        latest = "@" not in image and (":" not in tag or tag.endswith(":latest"))
        container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
        container.setdefault("resources", {})
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
    return result


def deployment_object(
    namespace: str, name: str, uid: str, *, image: str, replicas: int, created: datetime
) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "generation": 1,
            "creationTimestamp": iso(created),
            "labels": dict(labels),
            "annotations": {},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": default_template(
                {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"containers": [{"name": name, "image": image}]},
                }
            ),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {},
    }


def owner_reference(api_version: str, kind: str, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


_EXIT_CODES = {"OOMKilled": 137, "Error": 1, "Completed": 0, "ContainerCannotRun": 128}


def container_status(
    container: dict[str, Any],
    *,
    pod_uid: str,
    ready: bool,
    restarts: int,
    last_termination: str | None,
    started: datetime,
) -> dict[str, Any]:
    """A container's status: running when ready or never restarted, else waiting in
    CrashLoopBackOff; ``lastState.terminated`` holds the reason of the last termination."""
    image = container.get("image", "")
    container_id = hashlib.sha256(f"{pod_uid}/{restarts}".encode()).hexdigest()
    status: dict[str, Any] = {
        "name": container.get("name", ""),
        "image": image,
        "imageID": f"docker.io/{image}@sha256:{hashlib.sha256(image.encode()).hexdigest()}",
        "containerID": f"containerd://{container_id}",
        "ready": ready,
        "restartCount": restarts,
        "started": ready,
        "lastState": {},
    }
    if ready or (restarts == 0 and last_termination is None):
        status["state"] = {"running": {"startedAt": iso(started)}}
    else:
        status["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off restarting failed container {container.get('name', '')}",
            }
        }
    if last_termination is not None:
        status["lastState"] = {
            "terminated": {
                "exitCode": _EXIT_CODES.get(last_termination, 1),
                "reason": last_termination,
                "startedAt": iso(started),
                "finishedAt": iso(started),
                "containerID": status["containerID"],
            }
        }
    return status


def pod_object(
    namespace: str,
    name: str,
    uid: str,
    *,
    template: dict[str, Any],
    owner: dict[str, Any] | None,
    phase: str,
    ready: bool,
    restarts: int,
    last_termination: str | None,
    created: datetime,
    ip: str,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": uid,
        "creationTimestamp": iso(created),
        "labels": dict(template.get("metadata", {}).get("labels", {})),
    }
    annotations = template.get("metadata", {}).get("annotations")
    if annotations:
        metadata["annotations"] = dict(annotations)
    if owner is not None:
        metadata["generateName"] = owner["metadata"]["name"] + "-"
        metadata["ownerReferences"] = [owner_reference("apps/v1", "ReplicaSet", owner)]
    spec = copy.deepcopy(template.get("spec", {}))
    spec["nodeName"] = "emulator-node-1"
    containers = spec.get("containers") or []
    running = phase == "Running"
    flag = "True" if ready else "False"
    conditions = [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": iso(created)},
        {"type": "Initialized", "status": "True", "lastTransitionTime": iso(created)},
        {"type": "ContainersReady", "status": flag, "lastTransitionTime": iso(created)},
        {"type": "Ready", "status": flag, "lastTransitionTime": iso(created)},
    ]
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": "10.0.0.1",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": iso(created),
        "qosClass": "BestEffort",
    }
    if running or restarts or last_termination:
        status["containerStatuses"] = [
            container_status(
                container,
                pod_uid=uid,
                ready=ready,
                restarts=restarts,
                last_termination=last_termination,
                started=created,
            )
            for container in containers
        ]
    return {"metadata": metadata, "spec": spec, "status": status}


def event_object(
    namespace: str,
    name: str,
    uid: str,
    *,
    involved: dict[str, Any],
    event_type: str,
    reason: str,
    message: str,
    at: datetime,
    component: str,
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "creationTimestamp": iso(at),
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": iso(at),
        "lastTimestamp": iso(at),
        "count": 1,
        "type": event_type,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": "",
    }
