"""The facts a runbook can be matched on, beyond the cause and the words: the vocabulary.

Two kinds, each a closed set so a runbook file that names one wrongly is refused at start-up:

- a :class:`Condition` is what the platform or the analysis states outright: a pod the OOM
  killer ended, a node under disk pressure, pods that cannot be scheduled, a batch job whose run
  failed, customer data exposed. Kubernetes' pod termination reasons and event reasons map to
  conditions through the one table the analysis reads too (:mod:`bot.analysis.kube_reasons`),
  so ``OOMKilled`` on a pod and an ``OOMKilling`` event are the same fact.
- a :class:`MetricFact` is what the service's own series did, read with USE and RED
  (:mod:`bot.analysis.series`): latency (RED duration), errors, traffic, or the saturation of a
  named resource (memory, disk, cpu, a pool, a queue).

A condition is strong evidence for the runbook written for it; a metric fact is a supporting one
(a memory series that climbs is not yet a container that was killed). See
:mod:`bot.runbook.matcher` for the points.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "RESOURCE_OF",
    "RESOURCE_SATURATION",
    "Condition",
    "MetricFact",
]


class Condition(StrEnum):
    """A condition the evidence states outright."""

    MEMORY_EXHAUSTED = "memory-exhausted"  # OOMKilled, OOMKilling, SystemOOM, evicted for memory
    DISK_EXHAUSTED = "disk-exhausted"  # DiskPressure, evicted for ephemeral storage, ENOSPC
    UNSCHEDULABLE = "unschedulable"  # the service's pods Pending on FailedScheduling
    IMAGE_PULL_FAILING = "image-pull-failing"  # ImagePullBackOff, ErrImagePull
    CONTAINER_CONFIG_ERROR = "container-config-error"  # CreateContainerConfigError
    ROLLOUT_STUCK = "rollout-stuck"  # ProgressDeadlineExceeded
    CRASH_LOOPING = "crash-looping"  # CrashLoopBackOff, BackOff, terminated with Error
    PROBE_FAILING = "probe-failing"  # Unhealthy (liveness or readiness probe)
    NODE_LOST = "node-lost"  # NodeNotReady, NodeUnreachable, Rebooted
    BATCH_JOB_FAILED = "batch-job-failed"  # a scheduled job's run failed (BackoffLimitExceeded)
    CUSTOMER_DATA = "customer-data"  # the analysis raised customer_data


class MetricFact(StrEnum):
    """What one of the service's own series did (it moved: a spike, a steady climb, or a
    saturation at 90 % or more), by its USE/RED kind."""

    LATENCY = "latency"
    ERRORS = "errors"
    TRAFFIC = "traffic"
    SATURATION = "saturation"  # any resource
    MEMORY_SATURATION = "memory-saturation"
    DISK_SATURATION = "disk-saturation"
    CPU_SATURATION = "cpu-saturation"
    POOL_SATURATION = "pool-saturation"
    QUEUE_SATURATION = "queue-saturation"


RESOURCE_SATURATION: Mapping[str, MetricFact] = MappingProxyType(
    {
        "memory": MetricFact.MEMORY_SATURATION,
        "disk": MetricFact.DISK_SATURATION,
        "cpu": MetricFact.CPU_SATURATION,
        "pool": MetricFact.POOL_SATURATION,
        "connection pool": MetricFact.POOL_SATURATION,
        "queue": MetricFact.QUEUE_SATURATION,
    }
)
"""The resource words of :func:`bot.analysis.series.exhaustion_words` and of the analysis'
resource hypotheses (their ``subject``), as metric facts."""

RESOURCE_OF: Mapping[Condition | MetricFact, str] = MappingProxyType(
    {
        Condition.MEMORY_EXHAUSTED: "memory",
        Condition.DISK_EXHAUSTED: "disk",
        MetricFact.MEMORY_SATURATION: "memory",
        MetricFact.DISK_SATURATION: "disk",
        MetricFact.CPU_SATURATION: "cpu",
        MetricFact.POOL_SATURATION: "pool",
        MetricFact.QUEUE_SATURATION: "queue",
    }
)
"""The resource a fact is about. A runbook written for one resource (its evidence and metrics
name it) is not backed by a resource cause whose evidence names only another."""
