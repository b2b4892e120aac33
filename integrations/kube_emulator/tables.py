"""Server-side printing: ``Table`` answers (``meta.k8s.io/v1``) for a client that asks with
``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``, as ``kubectl get`` does.

Columns and cells are the API server's printers' (pkg/printers/internalversion) for the kinds
served: a pod's READY, STATUS, RESTARTS ("5 (3m ago)"), a Deployment's READY, UP-TO-DATE,
AVAILABLE, a ReplicaSet's DESIRED, CURRENT, READY, an Event's LAST SEEN, TYPE, REASON, OBJECT,
MESSAGE; the wide columns carry priority 1. Ages are ``duration.HumanDuration`` of the emulator's
clock. Each row carries the object as ``PartialObjectMetadata``, or whole with
``includeObject=Object``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = ["human_duration", "table", "wants_table"]

Obj = dict[str, Any]
Column = tuple[str, str, int, str]  # name, type, priority, format


def wants_table(accept: str) -> bool:
    return any(
        "as=Table" in part and "g=meta.k8s.io" in part and "v=v1" in part.replace("v=v1beta1", "")
        for part in accept.split(",")
    )


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years = hours // (24 * 365)
    if years < 8:
        return f"{years}y{(hours // 24) % 365}d"
    return f"{years}y"


def _age(stamp: str | None, now: datetime) -> str:
    if not stamp:
        return "<unknown>"
    then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return human_duration((now - then).total_seconds())


def _images(template: Obj) -> tuple[str, str]:
    containers = (template.get("spec") or {}).get("containers") or []
    return (
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
    )


def _selector(spec: Obj) -> str:
    labels = (spec.get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{key}={value}" for key, value in labels.items())


def _pod_status(pod: Obj) -> str:
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    if reason == "Succeeded":
        reason = "Completed"
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return str(reason)


def _restarts(pod: Obj, now: datetime) -> str:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    count = sum(int(c.get("restartCount", 0)) for c in statuses)
    finished = [
        c["lastState"]["terminated"]["finishedAt"]
        for c in statuses
        if (c.get("lastState") or {}).get("terminated", {}).get("finishedAt")
    ]
    if count and finished:
        return f"{count} ({_age(max(finished), now)} ago)"
    return str(count)


def _pod_row(pod: Obj, now: datetime) -> list[Any]:
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    containers = (pod.get("spec") or {}).get("containers") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    return [
        pod["metadata"]["name"],
        f"{ready}/{len(containers)}",
        _pod_status(pod),
        _restarts(pod, now),
        _age(pod["metadata"].get("creationTimestamp"), now),
        status.get("podIP") or "<none>",
        (pod.get("spec") or {}).get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        "<none>",
    ]


def _deployment_row(deployment: Obj, now: datetime) -> list[Any]:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    names, images = _images(spec.get("template") or {})
    return [
        deployment["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        _age(deployment["metadata"].get("creationTimestamp"), now),
        names,
        images,
        _selector(spec),
    ]


def _replica_set_row(replica_set: Obj, now: datetime) -> list[Any]:
    spec, status = replica_set.get("spec") or {}, replica_set.get("status") or {}
    names, images = _images(spec.get("template") or {})
    return [
        replica_set["metadata"]["name"],
        spec.get("replicas", 1),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        _age(replica_set["metadata"].get("creationTimestamp"), now),
        names,
        images,
        _selector(spec),
    ]


def _event_row(event: Obj, now: datetime) -> list[Any]:
    involved = event.get("involvedObject") or {}
    source = event.get("source") or {}
    last = event.get("lastTimestamp") or event.get("eventTime")
    first = event.get("firstTimestamp") or event.get("eventTime")
    return [
        _age(last, now),
        event.get("type", ""),
        event.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        involved.get("fieldPath", ""),
        ", ".join(v for v in (source.get("component"), source.get("host")) if v),
        str(event.get("message", "")).strip(),
        _age(first, now),
        event.get("count", 1),
        event["metadata"]["name"],
    ]


def _config_map_row(config_map: Obj, now: datetime) -> list[Any]:
    data = len(config_map.get("data") or {}) + len(config_map.get("binaryData") or {})
    return [
        config_map["metadata"]["name"],
        data,
        _age(config_map["metadata"].get("creationTimestamp"), now),
    ]


def _job_status(status: Obj) -> str:
    for condition in status.get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            return str(condition["type"])
    return "Running" if status.get("active") else "Pending"


def _job_row(job: Obj, now: datetime) -> list[Any]:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    names, images = _images(spec.get("template") or {})
    start, end = status.get("startTime"), status.get("completionTime")
    duration = ""
    if start:
        finish = datetime.fromisoformat(end.replace("Z", "+00:00")) if end else now
        begun = datetime.fromisoformat(start.replace("Z", "+00:00"))
        duration = human_duration((finish - begun).total_seconds())
    return [
        job["metadata"]["name"],
        _job_status(status),
        f"{status.get('succeeded', 0)}/{spec.get('completions', 1)}",
        duration,
        _age(job["metadata"].get("creationTimestamp"), now),
        names,
        images,
        _selector(spec),
    ]


def _cron_job_row(cron_job: Obj, now: datetime) -> list[Any]:
    spec, status = cron_job.get("spec") or {}, cron_job.get("status") or {}
    template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    names, images = _images(template)
    last = status.get("lastScheduleTime")
    return [
        cron_job["metadata"]["name"],
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        "True" if spec.get("suspend") else "False",
        len(status.get("active") or []),
        _age(last, now) if last else "<none>",
        _age(cron_job["metadata"].get("creationTimestamp"), now),
        names,
        images,
        "<none>",
    ]


_NAME: Column = ("Name", "string", 0, "name")
_AGE: Column = ("Age", "string", 0, "")
_COLUMNS: dict[str, list[Column]] = {
    "Pod": [
        _NAME,
        ("Ready", "string", 0, ""),
        ("Status", "string", 0, ""),
        ("Restarts", "string", 0, ""),
        _AGE,
        ("IP", "string", 1, ""),
        ("Node", "string", 1, ""),
        ("Nominated Node", "string", 1, ""),
        ("Readiness Gates", "string", 1, ""),
    ],
    "Deployment": [
        _NAME,
        ("Ready", "string", 0, ""),
        ("Up-to-date", "integer", 0, ""),
        ("Available", "integer", 0, ""),
        _AGE,
        ("Containers", "string", 1, ""),
        ("Images", "string", 1, ""),
        ("Selector", "string", 1, ""),
    ],
    "ReplicaSet": [
        _NAME,
        ("Desired", "integer", 0, ""),
        ("Current", "integer", 0, ""),
        ("Ready", "integer", 0, ""),
        _AGE,
        ("Containers", "string", 1, ""),
        ("Images", "string", 1, ""),
        ("Selector", "string", 1, ""),
    ],
    "Event": [
        ("Last Seen", "string", 0, ""),
        ("Type", "string", 0, ""),
        ("Reason", "string", 0, ""),
        ("Object", "string", 0, ""),
        ("Subobject", "string", 1, ""),
        ("Source", "string", 1, ""),
        ("Message", "string", 0, ""),
        ("First Seen", "string", 1, ""),
        ("Count", "integer", 1, ""),
        ("Name", "string", 1, ""),
    ],
}
_COLUMNS["ConfigMap"] = [_NAME, ("Data", "string", 0, ""), _AGE]
_COLUMNS["Job"] = [
    _NAME,
    ("Status", "string", 0, ""),
    ("Completions", "string", 0, ""),
    ("Duration", "string", 0, ""),
    _AGE,
    ("Containers", "string", 1, ""),
    ("Images", "string", 1, ""),
    ("Selector", "string", 1, ""),
]
_COLUMNS["CronJob"] = [
    _NAME,
    ("Schedule", "string", 0, ""),
    ("Timezone", "string", 0, ""),
    ("Suspend", "boolean", 0, ""),
    ("Active", "integer", 0, ""),
    ("Last Schedule", "string", 0, ""),
    _AGE,
    ("Containers", "string", 1, ""),
    ("Images", "string", 1, ""),
    ("Selector", "string", 1, ""),
]
_ROWS: dict[str, Callable[[Obj, datetime], list[Any]]] = {
    "ConfigMap": _config_map_row,
    "Job": _job_row,
    "CronJob": _cron_job_row,
    "Pod": _pod_row,
    "Deployment": _deployment_row,
    "ReplicaSet": _replica_set_row,
    "Event": _event_row,
}


def _row_object(obj: Obj, kind: str, api_version: str, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return {"kind": kind, "apiVersion": api_version, **obj}
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }


def table(
    kind: str,
    api_version: str,
    items: list[Obj],
    *,
    now: datetime,
    resource_version: str,
    include_object: str = "Metadata",
    headers: bool = True,
) -> Obj:
    """The objects as a ``Table``; ``headers=False`` leaves the column definitions out, as the
    server does for a watch's events after the first."""
    rows: list[Obj] = []
    for obj in items:
        row: Obj = {"cells": _ROWS[kind](obj, now)}
        included = _row_object(obj, kind, api_version, include_object)
        if included is not None:
            row["object"] = included
        rows.append(row)
    columns = [
        {"name": name, "type": kind_, "format": fmt, "description": name, "priority": priority}
        for name, kind_, priority, fmt in _COLUMNS[kind]
    ]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": columns if headers else [],
        "rows": rows,
    }
