"""Kubernetes reasons as ONE table: what a pod's last termination reason or an event's reason
says, read the same way by the cause detectors (:mod:`bot.analysis.detectors.kubernetes`,
:mod:`bot.analysis.detectors.resource`) and by runbook selection (:mod:`bot.runbook.evidence`).

Each reason gives three readings:

- the *condition* the platform states outright (:class:`bot.runbook.facts.Condition`), which
  runbooks are matched on: ``OOMKilled`` on a pod and an ``OOMKilling`` event are the same fact;
- the *cause kind* it points to, or None when it only says *that* something is wrong
  (``CrashLoopBackOff``, ``BackOff``, failing probes, a node gone ``NotReady``: the other
  evidence decides why);
- the *subject* (memory, disk, capacity, registry, rollout...) and the runbook written for it.

A senior reads ``OOMKilled`` as memory exhaustion whatever the alert says ("crash looping"),
``ImagePullBackOff`` on a registry timeout as the registry failing but on ``manifest unknown`` as
the rollout asking for an image that does not exist, ``CreateContainerConfigError`` and
``ProgressDeadlineExceeded`` as the rollout that introduced them, ``DiskPressure`` as a node's disk
running out. ``Evicted`` means what the kubelet's message says ran out (memory, ephemeral storage);
without a message it names no resource, so it is no condition and no cause by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.evidence.values import PodState, WorkloadEvent
from bot.runbook.facts import Condition
from bot.scenario.terms import CauseKind

__all__ = ["KUBE_REASONS", "KubeReason", "eviction_reading", "kube_reason", "pod_reading"]


@dataclass(frozen=True, slots=True)
class KubeReason:
    """What one reason means: the condition it states (None: nothing runbooks match on), the
    cause kind it points to (None: a symptom only), the subject and the runbook for it."""

    condition: Condition | None
    cause: CauseKind | None
    subject: str
    runbook: str | None


_MEMORY = KubeReason(Condition.MEMORY_EXHAUSTED, CauseKind.RESOURCE, "memory", "oom-kill")
_DISK = KubeReason(Condition.DISK_EXHAUSTED, CauseKind.RESOURCE, "disk", "disk-filling")
_CAPACITY = KubeReason(Condition.UNSCHEDULABLE, CauseKind.RESOURCE, "capacity", None)
_REGISTRY = KubeReason(
    Condition.IMAGE_PULL_FAILING, CauseKind.DEPENDENCY, "registry", "dependency-outage"
)
_MISSING_IMAGE = KubeReason(
    Condition.IMAGE_PULL_FAILING, CauseKind.DEPLOY, "rollout", "deploy-rollback"
)
_CONFIG_ERROR = KubeReason(
    Condition.CONTAINER_CONFIG_ERROR, CauseKind.DEPLOY, "rollout", "deploy-rollback"
)
_STUCK = KubeReason(Condition.ROLLOUT_STUCK, CauseKind.DEPLOY, "rollout", "deploy-rollback")
_CRASH = KubeReason(Condition.CRASH_LOOPING, None, "crash loop", None)
_PROBE = KubeReason(Condition.PROBE_FAILING, None, "failing probe", None)
_NODE = KubeReason(Condition.NODE_LOST, None, "node", None)
_JOB = KubeReason(Condition.BATCH_JOB_FAILED, None, "job", None)
_EVICTED = KubeReason(None, None, "eviction", None)

KUBE_REASONS: Mapping[str, KubeReason] = MappingProxyType(
    {
        # Pod termination reasons and event reasons alike, lower-cased.
        "oomkilled": _MEMORY,
        "oomkilling": _MEMORY,
        "systemoom": _MEMORY,
        "memorypressure": _MEMORY,
        "nodehasinsufficientmemory": _MEMORY,
        "evicted": _EVICTED,  # read with its message: see eviction_reading
        "diskpressure": _DISK,
        "nodehasdiskpressure": _DISK,
        "freediskspacefailed": _DISK,
        "imagegcfailed": _DISK,
        "failedscheduling": _CAPACITY,
        "failedtoscaleup": _CAPACITY,
        "nottriggerscaleup": _CAPACITY,
        "imagepullbackoff": _REGISTRY,
        "errimagepull": _REGISTRY,
        "errimageneverpull": _REGISTRY,
        "invalidimagename": _MISSING_IMAGE,
        "createcontainerconfigerror": _CONFIG_ERROR,
        "createcontainererror": _CONFIG_ERROR,
        "progressdeadlineexceeded": _STUCK,
        "crashloopbackoff": _CRASH,
        "backoff": _CRASH,
        "error": _CRASH,
        "unhealthy": _PROBE,
        "nodenotready": _NODE,
        "nodeunreachable": _NODE,
        "rebooted": _NODE,
        "backofflimitexceeded": _JOB,
        "deadlineexceeded": _JOB,
    }
)
"""Every reason the analysis and the runbooks read, lower-cased, each in one place."""

_EVICTED_FOR = (
    (_MEMORY, re.compile(r"\bmemory\b", re.IGNORECASE)),
    (_DISK, re.compile(r"ephemeral-storage|nodefs|imagefs|\bdisk\b|inodes?", re.IGNORECASE)),
)
_MISSING = re.compile(r"not found|manifest unknown|does not exist|unauthorized", re.IGNORECASE)
# The kubelet reports a failed pull under the generic reasons ``Failed`` and ``BackOff``; the
# message carries the real one.
_IMAGE_PULL = re.compile(
    r"imagepullbackoff|errimagepull|failed to pull image|back-?off pulling image", re.IGNORECASE
)
_GENERIC = frozenset({"failed", "backoff"})
# Pods that cannot be placed because most nodes are gone (unreachable, not ready), the few
# left being full with what the lost ones ran: lost nodes, not capacity outgrown. The
# scheduler counts nodes per reason ("6 node(s) had untolerated taint {...unreachable}, 3
# Insufficient cpu").
_NODES_GONE = re.compile(
    r"(\d+) node\(s\) (?:had untolerated taint|had taint|were) \{?node\.kubernetes\.io/"
    r"(?:unreachable|not-ready)",
    re.I,
)
_NODES_FULL = re.compile(r"(\d+) (?:node\(s\) had )?(?:insufficient \w[\w-]*|too many pods)", re.I)


def _nodes_gone(message: str) -> bool:
    gone = sum(int(m.group(1)) for m in _NODES_GONE.finditer(message))
    full = sum(int(m.group(1)) for m in _NODES_FULL.finditer(message))
    return gone > 0 and gone >= full


def eviction_reading(message: str) -> KubeReason | None:
    """What an eviction says ran out: ``The node was low on resource: ephemeral-storage`` is
    disk, ``... memory`` is memory; None when the message names neither."""
    for entry, pattern in _EVICTED_FOR:
        if pattern.search(message):
            return entry
    return None


def kube_reason(reason: str, message: str = "") -> KubeReason | None:
    """The table's entry for ``reason``, read with its message: an eviction means what it
    says ran out, an image pull that failed under a generic reason (``Failed``, ``BackOff``) is
    an image pull failure, and an image that does not exist is the rollout's fault, not the
    registry's. None for a reason the table does not hold."""
    key = reason.strip().lower()
    if key in _GENERIC and _IMAGE_PULL.search(message):
        key = "imagepullbackoff"
    entry = KUBE_REASONS.get(key)
    if entry is None:
        return None
    if entry is _EVICTED:
        return eviction_reading(message) or _EVICTED
    if entry is _CAPACITY and _nodes_gone(message):
        return _NODE
    if entry.subject == "registry" and _MISSING.search(message):
        return _MISSING_IMAGE
    return entry


def pod_reading(pod: PodState, events: Iterable[WorkloadEvent]) -> KubeReason | None:
    """What a pod's last termination reason says, read with the message of an event about that
    pod giving the same reason (a pod ``Evicted`` and the kubelet's "The node was low on
    resource: memory" about it are one memory eviction)."""
    reason = pod.last_termination_reason
    if not reason:
        return None
    key = reason.strip().lower()
    message = next(
        (
            event.message
            for event in events
            if event.object.rpartition("/")[2] == pod.name and event.reason.strip().lower() == key
        ),
        "",
    )
    return kube_reason(reason, message)
